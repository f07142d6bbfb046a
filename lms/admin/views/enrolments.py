"""Managing an activity's enrolments, all through :mod:`lms.enrolment.service` (which
records every transition, audits it and mails the person): approve, reject, enrol
someone, move up from the waiting list, cancel on someone's behalf; the history of an
enrolment; mailing everyone of an activity with a preview."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.queries import candidates
from lms.admin.forms import (
    BulkMailForm,
    CancelEnrolmentForm,
    ConfirmForm,
    EnrolUserForm,
    RejectForm,
)
from lms.admin.views import activity_or_404, back_to
from lms.enrolment import service
from lms.enrolment.lists import enrolment_lists, load_enrolment, pending_everywhere
from lms.enrolment.messages import outcome_message
from lms.enrolment.queries import seat_summary
from lms.enrolment.service import EnrolmentError
from lms.extensions import db
from lms.mail import bulk as bulk_mail
from lms.models import Enrolment, EnrolmentStatus, User, utcnow
from lms.web import bulk_mail as bulk_mail_flow
from lms.web.errors import flash_refusal


def _enrolment_or_404(enrolment_id: int) -> Enrolment:
    enrolment = load_enrolment(enrolment_id)
    if enrolment is None:
        abort(404)
    return enrolment


def _list_url(enrolment: Enrolment) -> str:
    return url_for("admin.enrolments", activity_id=enrolment.activity_id)


def enrolments(activity_id: int) -> Any:
    activity = activity_or_404(activity_id)
    now = utcnow()
    return render_template(
        "admin/enrolments.html",
        activity=activity,
        lists=enrolment_lists(activity, now),
        seats=seat_summary(activity),
        now=now,
        action_form=ConfirmForm(),
        reject_form=RejectForm(),
    )


def requests() -> Any:
    return render_template(
        "admin/requests.html",
        rows=pending_everywhere(),
        action_form=ConfirmForm(),
        reject_form=RejectForm(),
    )


def _act(enrolment_id: int, do: Any, done: str) -> Any:
    enrolment = _enrolment_or_404(enrolment_id)
    default = _list_url(enrolment)
    if not ConfirmForm().validate_on_submit():
        flash(_("Het formulier is verlopen. Probeer opnieuw."), "error")
        return redirect(back_to(default))
    name = enrolment.user.name
    try:
        result = do(enrolment)
    except EnrolmentError as error:
        db.session.rollback()
        flash_refusal(error)
    else:
        db.session.commit()
        flash(done.format(name=name, status=result.status.label), "success")
    return redirect(back_to(default))


def approve(enrolment_id: int) -> Any:
    return _act(
        enrolment_id,
        lambda e: service.approve(e, actor=current_user),
        "De aanvraag van {name} is goedgekeurd ({status}); {name} krijgt een mail.",
    )


def promote(enrolment_id: int) -> Any:
    return _act(
        enrolment_id,
        lambda e: service.promote(e, actor=current_user),
        "{name} is van de wachtlijst ingeschreven en krijgt een mail.",
    )


def move_up(enrolment_id: int) -> Any:
    """Choose who moves up from the waiting list (not only the first in line), with a
    reason kept in the enrolment's history and the audit log."""
    from lms.admin.forms import MoveUpForm
    from lms.enrolment.queries import seat_summary, waitlist_position

    enrolment = _enrolment_or_404(enrolment_id)
    form = MoveUpForm()
    status = 200
    if form.validate_on_submit():
        name = enrolment.user.name
        try:
            service.promote_chosen(enrolment, actor=current_user, reason=form.reason.data or "")
        except EnrolmentError as error:
            db.session.rollback()
            if error.code == "invalid":
                form.reason.errors = [*form.reason.errors, error.message]
            else:
                flash_refusal(error)
                return redirect(_list_url(enrolment))
        else:
            db.session.commit()
            flash(
                _("%(name)s is van de wachtlijst ingeschreven en krijgt een mail.", name=name),
                "success",
            )
            return redirect(_list_url(enrolment))
        enrolment = _enrolment_or_404(enrolment_id)
    if request.method == "POST":
        status = 422
    seats = seat_summary(enrolment.activity)
    return (
        render_template(
            "admin/move_up.html",
            enrolment=enrolment,
            form=form,
            position=waitlist_position(enrolment),
            room=seats.seats_left is None or seats.seats_left > 0,
        ),
        status,
    )


def reject(enrolment_id: int) -> Any:
    enrolment = _enrolment_or_404(enrolment_id)
    form = RejectForm()
    status = 200
    if form.validate_on_submit():
        name = enrolment.user.name
        try:
            service.reject(enrolment, actor=current_user, reason=form.reason.data or "")
        except EnrolmentError as error:
            db.session.rollback()
            if error.code == "invalid":
                form.reason.errors = [*form.reason.errors, error.message]
            else:
                flash_refusal(error)
                return redirect(back_to(_list_url(enrolment)))
        else:
            db.session.commit()
            flash(
                _(
                    "De aanvraag van %(name)s is afgewezen; %(name)s krijgt de reden per mail.",
                    name=name,
                ),
                "success",
            )
            return redirect(back_to(_list_url(enrolment)))
        enrolment = _enrolment_or_404(enrolment_id)
    if request.method == "POST":
        status = 422
    return render_template("admin/enrolment_reject.html", enrolment=enrolment, form=form), status


def cancel(enrolment_id: int) -> Any:
    enrolment = _enrolment_or_404(enrolment_id)
    form = CancelEnrolmentForm()
    status = 200
    if form.validate_on_submit():
        name = enrolment.user.name
        try:
            service.cancel_on_behalf(enrolment, actor=current_user, reason=form.reason.data or "")
        except EnrolmentError as error:
            db.session.rollback()
            flash_refusal(error)
        else:
            db.session.commit()
            flash(
                _(
                    "De inschrijving van %(name)s is geannuleerd; %(name)s krijgt een mail.",
                    name=name,
                ),
                "success",
            )
        return redirect(back_to(_list_url(enrolment)))
    if request.method == "POST":
        status = 422
    return (
        render_template(
            "admin/enrolment_cancel.html",
            enrolment=enrolment,
            form=form,
            deadline_passed=enrolment.activity.cancellation_deadline is not None
            and enrolment.activity.cancellation_deadline <= utcnow(),
        ),
        status,
    )


def enrolment(enrolment_id: int) -> Any:
    item = _enrolment_or_404(enrolment_id)
    position = None
    if item.status == EnrolmentStatus.WAITLISTED:
        from lms.enrolment.queries import waitlist_position

        position = waitlist_position(item)
    return render_template(
        "admin/enrolment.html",
        enrolment=item,
        position=position,
        now=utcnow(),
        action_form=ConfirmForm(),
    )


def enrol(activity_id: int) -> Any:
    activity = activity_or_404(activity_id)
    form = EnrolUserForm()
    if request.method == "POST":
        if form.validate_on_submit() and (form.user_id.data or "").isdigit():
            user = db.session.get(User, int(form.user_id.data))
            if user is None:
                abort(404)
            # Back-filling an activity that is over: the person need not hear of it.
            quiet = _is_over(activity) and request.form.get("no_mail") == "1"
            try:
                enrolment, changed = service.enrol_on_behalf(
                    activity, user, actor=current_user, notify=not quiet
                )
            except EnrolmentError as error:
                db.session.rollback()
                flash_refusal(error)
            else:
                db.session.commit()
                flash(
                    outcome_message(enrolment, changed, for_self=False),
                    "success" if changed else "info",
                )
                return redirect(url_for("admin.enrolments", activity_id=activity_id))
        else:
            flash(_("Kies wie je wil inschrijven."), "error")
        return redirect(
            url_for("admin.enrol", activity_id=activity_id, q=request.form.get("q", ""))
        )
    text = (request.args.get("q") or "").strip()[:200]
    return render_template(
        "admin/enrol.html",
        activity=activity,
        q=text,
        people=candidates(activity.id, text) if text else [],
        seats=seat_summary(activity),
        form=form,
        over=_is_over(activity),
    )


def _is_over(activity: Any) -> bool:
    """The activity's last session has ended (enrolling now is back-filling)."""
    end = activity.last_end
    return end is not None and end <= utcnow()


def mail_participants(activity_id: int) -> Any:
    activity = activity_or_404(activity_id)
    form = BulkMailForm()
    # Only valid statuses (the form refuses the others before anything is sent).
    chosen = set(form.statuses.data or [])
    statuses = [status for status in EnrolmentStatus if status.value in chosen]
    step = bulk_mail_flow.handle(
        activity, form, statuses, sent_url=url_for("admin.activity", activity_id=activity_id)
    )
    if step.redirect is not None:
        return step.redirect
    preview, status = step.preview, step.status
    counts = {s.value: len(bulk_mail.recipients(activity, [s])) for s in bulk_mail.STATUSES}
    return (
        render_template(
            "admin/mail_participants.html",
            activity=activity,
            form=form,
            preview=preview,
            counts=counts,
        ),
        status,
    )
