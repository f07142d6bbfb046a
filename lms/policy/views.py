"""Policy pages: the coordinators' editor (versions), the progress of an activity's
participants for trainers and coordinators, and "Wat heb ik nog nodig?" for a participant.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.access import can_manage_activity, forbid_unless
from lms.common.display_dates import display_short_date
from lms.extensions import db
from lms.models import Activity, Enrolment, EnrolmentStatus, LearningPolicy, Role, Theme, utcnow
from lms.policy import service
from lms.policy.evaluation import State
from lms.policy.forms import AbsenceForm, DeleteForm, IssueForm, policy_form_class
from lms.policy.progress import activity_progress as gather_progress
from lms.policy.progress import load_activities, user_progress
from lms.web.access import coordinator_required
from lms.web.errors import flash_refusal

# --- The editor ----------------------------------------------------------------------------------


def _form_class():
    themes = [(t.id, t.name) for t in db.session.scalars(select(Theme).order_by(Theme.name))]
    return policy_form_class(themes)


def _policy_or_404(policy_id: int) -> LearningPolicy:
    policy = db.session.get(LearningPolicy, policy_id)
    if policy is None:
        abort(404)
    return policy


@coordinator_required
def index() -> Any:
    policies = service.all_policies()
    current = service.current_policy(policies)
    today = service.today_local()
    return render_template(
        "policy/index.html",
        policies=list(reversed(policies)),
        current=current,
        today=today,
    )


@coordinator_required
def show(policy_id: int) -> Any:
    policies = service.all_policies()
    policy = next((p for p in policies if p.id == policy_id), None)
    if policy is None:
        abort(404)
    return render_template(
        "policy/show.html",
        policy=policy,
        current=service.current_policy(policies),
        editable=service.is_editable(policy),
        delete_form=DeleteForm(),
    )


def _apply_service_error(form, exc: service.PolicyError) -> None:
    target = getattr(form, exc.field, None) if exc.field else None
    if target is None:
        target = form.name
    target.errors = [*target.errors, exc.message]


@coordinator_required
def new() -> Any:
    form = _form_class()()
    policies = service.all_policies()
    source_id = request.args.get("from", type=int)
    source = next((p for p in policies if p.id == source_id), None) or service.current_policy(
        policies
    )
    if request.method == "GET":
        data = service.input_from_policy(source)
        data.valid_from = (
            service.today_local()
            .replace(month=1, day=1)
            .replace(year=service.today_local().year + 1)
        )
        data.name = f"{source.name} (nieuwe versie)"
        form.fill(data)
    elif form.validate_on_submit():
        try:
            policy = service.create_version(form.to_input(), actor=current_user)
        except service.PolicyError as exc:
            db.session.rollback()
            _apply_service_error(form, exc)
        else:
            db.session.commit()
            flash(
                _(
                    "Nieuwe versie opgeslagen: %(name)s, geldig vanaf %(date)s.",
                    name=policy.name,
                    date=display_short_date(policy.valid_from),
                ),
                "success",
            )
            return redirect(url_for("policy.show", policy_id=policy.id))
    status = 422 if request.method == "POST" else 200
    return (
        render_template("policy/edit.html", form=form, source=source, policy=None),
        status,
    )


@coordinator_required
def edit(policy_id: int) -> Any:
    policy = _policy_or_404(policy_id)
    if not service.is_editable(policy):
        flash(
            _("Deze versie is al van kracht en kan niet meer wijzigen. Maak een nieuwe versie."),
            "warning",
        )
        return redirect(url_for("policy.new", **{"from": policy.id}))
    form = _form_class()()
    if request.method == "GET":
        form.fill(service.input_from_policy(policy))
    elif form.validate_on_submit():
        try:
            service.update_version(policy, form.to_input(), actor=current_user)
        except service.PolicyError as exc:
            db.session.rollback()
            _apply_service_error(form, exc)
        else:
            db.session.commit()
            flash(_("De geplande versie is aangepast."), "success")
            return redirect(url_for("policy.show", policy_id=policy.id))
    status = 422 if request.method == "POST" else 200
    return render_template("policy/edit.html", form=form, source=policy, policy=policy), status


@coordinator_required
def delete(policy_id: int) -> Any:
    policy = _policy_or_404(policy_id)
    form = DeleteForm()
    if form.validate_on_submit():
        try:
            service.delete_version(policy, actor=current_user)
        except service.PolicyError as exc:
            db.session.rollback()
            flash_refusal(exc)
            return redirect(url_for("policy.show", policy_id=policy_id))
        db.session.commit()
        flash(_("De geplande versie is verwijderd."), "success")
    return redirect(url_for("policy.index"))


# --- Progress ------------------------------------------------------------------------------------


def _activity_or_404(activity_id: int) -> Activity:
    activity = load_activities([activity_id]).get(activity_id)
    if activity is None:
        abort(404)
    return activity


@login_required
def activity_progress(activity_id: int) -> Any:
    activity = _activity_or_404(activity_id)
    forbid_unless(can_manage_activity(current_user, activity))
    now = utcnow()
    rows = gather_progress(activity, now=now)
    end = activity.last_end
    counts = dict.fromkeys(State, 0)
    for row in rows:
        counts[row.state] += 1
    return render_template(
        "policy/activity_progress.html",
        activity=activity,
        rows=rows,
        rule=service.effective_rule(activity),
        counts=counts,
        ended=end is not None and end <= now,
        end=end,
        can_issue=current_user.has_role(Role.COORDINATOR),
        issue_form=IssueForm(),
    )


@login_required
def my_progress(activity_id: int) -> Any:
    activity = _activity_or_404(activity_id)
    enrolled_ids = [activity.id] + ([activity.parent_id] if activity.parent_id else [])
    enrolment = db.session.scalar(
        select(Enrolment.id).where(
            Enrolment.user_id == current_user.id,
            Enrolment.activity_id.in_(enrolled_ids),
            Enrolment.status == EnrolmentStatus.CONFIRMED,
        )
    )
    if enrolment is None:
        abort(404, _("Je bent niet ingeschreven voor deze activiteit."))
    item = user_progress(current_user, [activity.id], now=utcnow())[activity.id]
    return render_template(
        "policy/my_progress.html",
        activity=item.activity,
        item=item,
        now=utcnow(),
        absence_form=AbsenceForm(),
    )


@login_required
def report_absence(activity_id: int, session_id: int) -> Any:
    """The participant reports they cannot come to a future session (excused, with a reason)."""
    from lms.attendance.service import AttendanceError
    from lms.attendance.service import report_absence as report
    from lms.models import ActivitySession

    session = db.session.get(ActivitySession, session_id)
    if session is None or activity_id not in (
        session.activity_id,
        session.activity.parent_id,
    ):
        abort(404)
    back = url_for("policy.my_progress", activity_id=activity_id) + "#sessies"
    form = AbsenceForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(back)
    try:
        report(session, current_user, form.reason.data or "")
    except AttendanceError as error:
        db.session.rollback()
        if error.code == "not_enrolled":
            abort(404)
        flash_refusal(error)
        return redirect(back)
    db.session.commit()
    flash(_("Je bent afgemeld voor deze sessie. Je lesgever ziet je reden."), "success")
    return redirect(back)


# --- Template globals shared by the policy and certificate pages ----------------------------------


def _trainer_todo() -> Any:
    """The to-do list of the signed-in trainer (their "Mijn sessies"), or None for others.

    A template global, so the page that lists a trainer's sessions shows it without its
    view having to know about it (the queries live in :mod:`lms.attendance.todo`).
    """
    from lms.attendance.todo import trainer_todo

    if not getattr(current_user, "is_authenticated", False):
        return None
    if not current_user.has_role(Role.TRAINER):
        return None
    return trainer_todo(current_user)
