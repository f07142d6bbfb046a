"""Privacy pages: the privacy statement, the download of one's own data, and the
coordinators' erasure page. Thin: :mod:`lms.privacy.export`, :mod:`lms.privacy.erasure` and
:mod:`lms.privacy.settings` do the work."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.common.timeutil import to_local
from lms.extensions import db
from lms.models import User, utcnow
from lms.privacy.erasure import PrivacyError, erase_user, erasure_preview
from lms.privacy.export import export_user_data
from lms.privacy.forms import EraseForm
from lms.privacy.settings import privacy_contact, retention
from lms.web.access import coordinator_required
from lms.web.errors import flash_refusal


def statement() -> Any:
    return render_template(
        "privacy/statement.html",
        contact=privacy_contact(),
        mail_days=retention("MAIL_RETENTION_DAYS"),
        certificate_years=retention("CERTIFICATE_RETENTION_YEARS"),
        token_days=retention("REVOKED_TOKEN_RETENTION_DAYS"),
        cache_days=retention("FEED_CACHE_RETENTION_DAYS"),
    )


@login_required
def my_data() -> Response:
    """All data held about the logged-in person, as a JSON download."""
    now = utcnow()
    data = export_user_data(current_user, now=now)
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
    filename = f"mijn-gegevens-sam-leerplatform-{to_local(now).date().isoformat()}.json"
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@coordinator_required
def erase(user_id: int) -> Any:
    """A coordinator erases a person's data on their request (after a confirmation)."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = EraseForm()
    if user.erased_at is None and user.id != current_user.id and form.validate_on_submit():
        try:
            erase_user(user, actor=current_user)
        except PrivacyError as exc:
            db.session.rollback()
            flash_refusal(exc)
        else:
            db.session.commit()
            flash(
                _("De persoonsgegevens van gebruiker #%(id)s zijn gewist.", id=user_id), "success"
            )
            return redirect(url_for("privacy.erase", user_id=user_id))
    preview = erasure_preview(user) if user.erased_at is None else None
    return render_template(
        "privacy/erase.html",
        person=user,
        preview=preview,
        form=form,
        is_self=user.id == current_user.id,
        certificate_years=retention("CERTIFICATE_RETENTION_YEARS"),
    )
