"""Session management pages: list, add, edit (reschedule), cancel and reinstate sessions.

Coordinators and the activity's own trainers (for a module: the programme's too) only;
:mod:`lms.schedule.service` holds the rules, these views commit once.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from lms.access import can_manage_activity, forbid_unless
from lms.attendance.queries import confirmed_by_activity, load_activity, load_session
from lms.extensions import db
from lms.models import Activity, ActivitySession, utcnow
from lms.schedule import service
from lms.schedule.forms import CancelSessionForm, ConfirmForm, SessionForm
from lms.schedule.service import ScheduleError
from lms.web.errors import flash_refusal


def managed_activity(activity_id: int) -> Activity:
    activity = load_activity(activity_id)
    if activity is None:
        abort(404)
    forbid_unless(can_manage_activity(current_user, activity))
    return activity


def managed_session(session_id: int) -> ActivitySession:
    session = load_session(session_id)
    if session is None:
        abort(404)
    forbid_unless(can_manage_activity(current_user, session.activity))
    return session


def _show_error(form: Any, error: ScheduleError) -> None:
    target = getattr(form, error.field, None) if error.field else None
    if target is not None:
        target.errors = [*target.errors, error.message]
    else:
        flash_refusal(error)


def _mailed_text(count: int) -> str:
    if not count:
        return ""
    return " " + ngettext(
        "%(num)d deelnemer krijgt een mail.", "%(num)d deelnemers krijgen een mail.", count
    )


@login_required
def manage(activity_id: int) -> Any:
    activity = managed_activity(activity_id)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            session = service.add_session(activity, form.to_data(), actor=current_user)
            mailed = len(confirmed_by_activity([activity.id])[activity.id])
            still_to_come = session.ends_at > utcnow()
        except ScheduleError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(
                _("De sessie is toegevoegd.") + (_mailed_text(mailed) if still_to_come else ""),
                "success",
            )
            return redirect(url_for("schedule.manage", activity_id=activity_id))
    activity = managed_activity(activity_id)
    sessions = service.sessions_of(activity)
    return render_template(
        "schedule/manage.html",
        activity=activity,
        sessions=sessions,
        recorded=service.attendance_counts([s.id for s in sessions]),
        participants=len(confirmed_by_activity([activity.id])[activity.id]),
        form=form,
        now=utcnow(),
        action_form=ConfirmForm(),
    )


@login_required
def edit(session_id: int) -> Any:
    session = managed_session(session_id)
    if session.is_cancelled:
        flash(_("Deze sessie is geannuleerd. Zet ze eerst terug om ze te wijzigen."), "warning")
        return redirect(url_for("schedule.manage", activity_id=session.activity_id))
    form = SessionForm.for_session(session)
    if form.validate_on_submit():
        try:
            result = service.update_session(session, form.to_data(), actor=current_user)
        except ScheduleError as error:
            db.session.rollback()
            _show_error(form, error)
            session = managed_session(session_id)
        else:
            db.session.commit()
            if not result.changed:
                flash(_("Er was niets gewijzigd."), "info")
            elif result.rescheduled:
                flash(_("De sessie is verplaatst.") + _mailed_text(result.mailed), "success")
            else:
                flash(_("De sessie is gewijzigd.") + _mailed_text(result.mailed), "success")
            return redirect(url_for("schedule.manage", activity_id=session.activity_id))
    return render_template(
        "schedule/edit.html",
        session=session,
        activity=session.activity,
        form=form,
        participants=len(confirmed_by_activity([session.activity_id])[session.activity_id]),
        has_attendance=service.has_attendance(session),
    )


@login_required
def cancel(session_id: int) -> Any:
    session = managed_session(session_id)
    form = CancelSessionForm()
    if form.validate_on_submit():
        try:
            mailed = service.cancel_session(session, actor=current_user, reason=form.reason.data)
        except ScheduleError as error:
            db.session.rollback()
            flash_refusal(error)
        else:
            db.session.commit()
            flash(_("De sessie is geannuleerd.") + _mailed_text(mailed), "success")
        return redirect(url_for("schedule.manage", activity_id=session.activity_id))
    return render_template(
        "schedule/cancel.html",
        session=session,
        activity=session.activity,
        form=form,
        participants=len(confirmed_by_activity([session.activity_id])[session.activity_id]),
        has_attendance=service.has_attendance(session),
    )


@login_required
def reinstate(session_id: int) -> Any:
    session = managed_session(session_id)
    activity_id = session.activity_id
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        mailed = service.reinstate_session(session, actor=current_user)
    except ScheduleError as error:
        db.session.rollback()
        flash_refusal(error)
    else:
        db.session.commit()
        flash(_("De sessie gaat weer door.") + _mailed_text(mailed), "success")
    return redirect(url_for("schedule.manage", activity_id=activity_id))
