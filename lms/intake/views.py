"""Intake pages for coordinators: an activity's questions (``/admin/activities/<id>/
questions``). The form a person answers on the way to enrolling is the enrolment
feature's (:mod:`lms.enrolment.views.intake`).

Thin: forms in, :mod:`lms.intake.service` decides, one commit.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.extensions import db
from lms.intake import queries, service
from lms.intake.forms import AnswerForm, QuestionForm
from lms.intake.service import IntakeError
from lms.models import Activity, IntakeQuestion, Role

MAX_ID = 2**31 - 1


def intake_answers(enrolment_ids: Any) -> dict[int, list[queries.AnswerRow]]:
    """For coordinators' templates: the answers of a list of enrolments, in one query."""
    return queries.answers_by_enrolment(int(i) for i in enrolment_ids)


def intake_question_count(activity_id: int) -> int:
    return len(queries.questions_for(activity_id))


def _coordinator_activity(activity_id: int) -> Activity:
    if not current_user.has_role(Role.COORDINATOR):
        abort(403)
    activity = db.session.get(Activity, activity_id) if activity_id <= MAX_ID else None
    if activity is None:
        abort(404)
    return activity


@login_required
def questions(activity_id: int) -> Any:
    """The activity's intake questions and a form to add one."""
    activity = _coordinator_activity(activity_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            service.add_question(
                activity,
                actor=current_user,
                label=form.label.data or "",
                kind=form.kind.data or "",
                options=form.options.data or "",
                required=bool(form.required.data),
            )
        except IntakeError as exc:
            db.session.rollback()
            field = getattr(form, exc.field or "label", form.label)
            field.errors = [*field.errors, exc.message]
        else:
            db.session.commit()
            flash(_("De vraag is toegevoegd."), "success")
            return redirect(url_for("intake.questions", activity_id=activity.id), code=303)
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "intake/questions.html",
            activity=activity,
            questions=queries.questions_for(activity.id),
            form=form,
            action_form=AnswerForm(),
        ),
        status,
    )


def _question_or_404(activity_id: int, question_id: int) -> IntakeQuestion:
    activity = _coordinator_activity(activity_id)
    question = db.session.get(IntakeQuestion, question_id) if question_id <= MAX_ID else None
    if question is None or question.activity_id != activity.id:
        abort(404)
    return question


@login_required
def remove(activity_id: int, question_id: int) -> Any:
    question = _question_or_404(activity_id, question_id)
    if AnswerForm().validate_on_submit():
        service.remove_question(question, actor=current_user)
        db.session.commit()
        flash(_("De vraag is verwijderd."), "success")
    else:
        flash(_("Het formulier is verlopen. Probeer opnieuw."), "error")
    return redirect(url_for("intake.questions", activity_id=activity_id), code=303)


@login_required
def move(activity_id: int, question_id: int) -> Any:
    question = _question_or_404(activity_id, question_id)
    if AnswerForm().validate_on_submit():
        service.move_question(question, actor=current_user, up=request.form.get("dir") == "up")
        db.session.commit()
    else:
        flash(_("Het formulier is verlopen. Probeer opnieuw."), "error")
    return redirect(url_for("intake.questions", activity_id=activity_id), code=303)
