"""Preview first, then send: the one web flow of a mail to an activity's participants.

Coordinators mail any statuses of an activity (lms/admin/views/enrolments.py); its trainers
mail the confirmed participants (lms/attendance/views.py). Both post the same form fields
(subject, body, the preview's fingerprint, send) and get the same answers: a preview of the
first recipient's mail; on "send" one mail per person through :func:`lms.mail.bulk.send`;
when the recipients or the text changed since the preview, a warning and the new preview,
nothing sent; a refused field (a subject with a line break) on the form with 422.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, request
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from lms.extensions import db
from lms.mail import bulk
from lms.models import Activity, EnrolmentStatus
from lms.web.errors import flash_refusal


@dataclass
class BulkMailStep:
    """What the view shows next: a redirect after sending, or its page with ``preview``
    (None before the first preview) and ``status``."""

    redirect: Response | None = None
    preview: Any = None
    status: int = 200


def handle(
    activity: Activity, form: FlaskForm, statuses: list[EnrolmentStatus], *, sent_url: str
) -> BulkMailStep:
    """Run one request of the flow for ``form`` (fields subject, body, fingerprint, send);
    after sending, redirect to ``sent_url``."""
    if not form.validate_on_submit():
        return BulkMailStep(status=422 if request.method == "POST" else 200)
    try:
        if form.send.data and form.fingerprint.data:
            count = bulk.send(
                activity,
                **_message(form, statuses),
                actor=current_user,
                expected_fingerprint=form.fingerprint.data,
            )
            db.session.commit()
            flash(
                ngettext(
                    "De mail is in de wachtrij gezet voor %(num)d persoon.",
                    "De mail is in de wachtrij gezet voor %(num)d personen.",
                    count,
                ),
                "success",
            )
            return BulkMailStep(redirect=redirect(sent_url))
        return BulkMailStep(preview=_preview(activity, form, statuses))
    except bulk.BulkMailError as error:
        db.session.rollback()
        if error.field == "fingerprint":
            # The recipients or the text changed since the preview: show the new one.
            flash_refusal(error, "warning")
            return BulkMailStep(preview=_safe_preview(activity, form, statuses))
        form.fingerprint.data = ""
        target = getattr(form, error.field or "", None)
        if target is not None:
            target.errors = [*target.errors, error.message]
        else:
            flash_refusal(error)
        return BulkMailStep(status=422)


def _message(form: FlaskForm, statuses: list[EnrolmentStatus]) -> dict[str, Any]:
    """What the form says to send, and to whom, as :mod:`lms.mail.bulk` takes it."""
    return {
        "subject": form.subject.data or "",
        "body": form.body.data or "",
        "statuses": statuses,
    }


def _preview(activity: Activity, form: FlaskForm, statuses: list[EnrolmentStatus]) -> Any:
    preview = bulk.preview(activity, **_message(form, statuses), sender=current_user)
    form.fingerprint.data = preview.fingerprint
    return preview


def _safe_preview(activity: Activity, form: FlaskForm, statuses: list[EnrolmentStatus]) -> Any:
    """The new preview after a changed fingerprint; a refusal now goes on the form."""
    try:
        return _preview(activity, form, statuses)
    except bulk.BulkMailError as error:
        field = getattr(form, "statuses", None) or form.subject
        field.errors = [*field.errors, error.message]
        form.fingerprint.data = ""
        return None
