"""The intake step of enrolling: the activity's questions, then the enrolment or request.

Reached from the activity page's enrol button (``enrolment.enrol`` sends a free activity
with questions here). Works without JavaScript; CSRF like every form. A required
question left empty is refused with a Dutch message on the field and nothing is
written; someone who enrols again after cancelling finds their previous answers.
Thin: :mod:`lms.enrolment.with_answers` decides, one commit.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.access import can_manage_activity
from lms.enrolment.forms import AnswersForm
from lms.enrolment.messages import outcome_message
from lms.enrolment.pricing import price_for
from lms.enrolment.service import EnrolmentError
from lms.enrolment.with_answers import enrol_with_answers
from lms.extensions import db
from lms.intake import queries
from lms.intake.service import InvalidAnswersError
from lms.models import Activity, ActivityStatus
from lms.web.errors import flash_refusal

MAX_ID = 2**31 - 1


def _activity_or_404(activity_id: int) -> Activity:
    """Like the activity page: a draft only for those who manage it."""
    activity = db.session.get(Activity, activity_id) if activity_id <= MAX_ID else None
    if activity is None or (
        activity.status == ActivityStatus.DRAFT and not can_manage_activity(current_user, activity)
    ):
        abort(404)
    return activity


def _back_to(activity_id: int) -> Any:
    return redirect(url_for("enrolment.activity", activity_id=activity_id) + "#inschrijven")


@login_required
def form(activity_id: int) -> Any:
    """The questions of the activity, then the enrolment or request itself."""
    activity = _activity_or_404(activity_id)
    questions = queries.questions_for(activity.id)
    if not questions:
        return _back_to(activity.id)
    if price_for(activity, current_user) > 0:
        # A paid enrolment goes through its own confirmation step, which asks the
        # questions together with the invoice details (enrolment.confirm_paid).
        return redirect(url_for("enrolment.confirm_paid", activity_id=activity.id), code=303)
    answer_form = AnswersForm()
    values = queries.previous_answers(current_user.id, activity.id)
    errors: dict[int, str] = {}
    if request.method == "POST":
        values = {q.id: request.form.get(f"q{q.id}", "") for q in questions}
        if not answer_form.validate_on_submit():
            flash(_("Het formulier is verlopen. Probeer opnieuw."), "error")
        else:
            try:
                enrolment, changed = enrol_with_answers(
                    activity, current_user, {str(k): v for k, v in values.items()}
                )
            except InvalidAnswersError as exc:
                db.session.rollback()
                errors = exc.errors
            except EnrolmentError as exc:
                db.session.rollback()
                flash_refusal(exc)
                return _back_to(activity.id)
            else:
                db.session.commit()
                flash(outcome_message(enrolment, changed), "success" if changed else "info")
                return _back_to(activity.id)
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "intake/answer.html",
            activity=activity,
            questions=questions,
            values=values,
            errors=errors,
            form=answer_form,
        ),
        status,
    )
