"""The enrolment rules: the only code that changes an :class:`~lms.models.Enrolment`.

States: ``pending`` (waiting for a coordinator's approval), ``confirmed``, ``waitlisted``,
``cancelled``, ``rejected``. Every transition is an :class:`~lms.models.EnrolmentEvent`
(who, when, from, to), an audit entry and, where the person must hear of it, a Dutch mail
queued in the same transaction.

No overbooking. Every function that counts seats and writes first takes the activity's row
lock for the rest of the transaction (:func:`lock_activity`): ``SELECT … FOR NO KEY
UPDATE`` on PostgreSQL; on SQLite a write (``UPDATE activities SET id = id``) as the first
statement, which makes SQLite's single writer lock the activity lock (see
``lms._sqlite_pragmas``). Concurrent enrolments therefore count and write one after the
other, and "one row per person and activity" (a unique constraint) is checked under the
same lock, so a double click finds the enrolment the first click made.

The waiting list is first come, first served by ``(waitlisted_at, id)``; positions are
computed, not stored. A seat that frees up goes to the head of the list in the same
transaction: confirmed at once, or (``Activity.seat_release == "offer"``) offered for
``offer_hours`` hours by a mailed link whose token is stored hashed; an offer never outlives
the enrolment window or the first session, and when it runs out it passes to the next
person (:func:`expire_offers`, run by the mail worker and ``lms remind``).

Functions add to ``db.session`` and flush; the caller (route, API view, CLI) commits once,
or rolls back when an :class:`EnrolmentError` (a Dutch message and a code) is raised.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select

from lms import audit
from lms.calendar.ics import invitation_facts, session_events
from lms.common import locking
from lms.common.errors import RuleError
from lms.common.timeutil import format_date, format_datetime
from lms.common.urls import absolute_url
from lms.enrolment import billing, queries, rules
from lms.enrolment.rules import _
from lms.extensions import db
from lms.intake import queries as intake_queries
from lms.mail.outbox import mail_values, queue_mail
from lms.models import (
    STATUS_LABELS,
    Activity,
    ActivityStatus,
    Enrolment,
    EnrolmentEvent,
    EnrolmentStatus,
    SeatRelease,
    SessionStatus,
    User,
    utcnow,
)

CONFIRMED = EnrolmentStatus.CONFIRMED
WAITLISTED = EnrolmentStatus.WAITLISTED
PENDING = EnrolmentStatus.PENDING
CANCELLED = EnrolmentStatus.CANCELLED
REJECTED = EnrolmentStatus.REJECTED


class EnrolmentError(RuleError):
    """A refusal with the Dutch sentence the person reads, and a code the API maps to a
    status: ``closed``/``full``/``deadline``/``conflict`` → 409, ``not_allowed``/``invalid``
    → 422, ``forbidden`` → 403, ``not_enrolled``/``not_found`` → 404."""

    STATUSES = {
        "closed": 409,
        "full": 409,
        "deadline": 409,
        "conflict": 409,
        "not_allowed": 422,
        "invalid": 422,
        "forbidden": 403,
        "not_enrolled": 404,
        "not_found": 404,
    }

    def __init__(self, message: str, code: str = "not_allowed") -> None:
        super().__init__(message, code=code, status=self.STATUSES.get(code, 409))


class Outcome(NamedTuple):
    enrolment: Enrolment
    #: False when nothing changed: the person was already enrolled (a double click).
    changed: bool


# --- Locking -------------------------------------------------------------------------------


def lock_activity(activity_id: int) -> Activity:
    """Hold the activity's row lock until the transaction ends (:mod:`lms.common.locking`);
    return it fresh."""
    activity = locking.lock_activity(activity_id)
    if activity is None:
        raise EnrolmentError(_("Deze activiteit bestaat niet."), "not_found")
    return activity


def _lock_tree(activity_id: int) -> Activity:
    """Lock the activity and, for a programme, then its modules (in id order)."""
    activity = lock_activity(activity_id)
    if activity.is_programme:
        module_ids = db.session.scalars(
            select(Activity.id).where(Activity.parent_id == activity.id)
        ).all()
        locking.lock_activities(module_ids)
    return activity


def _locked(activity: Activity | int, now: datetime) -> Activity:
    """Lock (see :func:`_lock_tree`) and pass on offers that ran out, so counts are true."""
    activity_id = activity if isinstance(activity, int) else activity.id
    locked = _lock_tree(activity_id)
    for each in (locked, *(locked.modules if locked.is_programme else ())):
        if each.seat_release == SeatRelease.OFFER:  # (expire_offers catches any others)
            _expire_due_offers(each, now)
    return locked


# --- Enrolling -----------------------------------------------------------------------------


def enrol(
    activity: Activity,
    user: User,
    *,
    now: datetime | None = None,
    invoice: billing.InvoiceDetails | None = None,
) -> Outcome:
    """``user`` enrols themselves: all participant rules apply (window, approval, …).

    ``invoice``: whom to bill for a paid activity, as confirmed by the person (None: the
    details :func:`lms.enrolment.billing.default_details` gives)."""
    return _enrol(
        activity, user, actor=user, privileged=False, now=now or utcnow(), invoice=invoice
    )


def enrol_on_behalf(
    activity: Activity,
    user: User,
    *,
    actor: User,
    now: datetime | None = None,
    notify: bool = True,
) -> Outcome:
    """A coordinator (window rules do not bind them; capacity does; no approval needed)
    or an organisation contact for a colleague of their own organisation (who is bound by
    every rule a participant is).

    ``notify=False`` (coordinators only: back-filling an activity that is over) records
    the enrolment without mailing the person."""
    if not actor.is_coordinator:
        refusal = rules.colleague_refusal(actor, user)
        if refusal is not None:
            raise EnrolmentError(refusal, "forbidden")
        _refuse_unanswered_intake(activity)
        notify = True
    return _enrol(
        activity,
        user,
        actor=actor,
        privileged=actor.is_coordinator,
        now=now or utcnow(),
        notify=notify,
    )


def _refuse_unanswered_intake(activity: Activity) -> None:
    """A contact cannot answer a colleague's intake questions for them: an activity with a
    required question is enrolled in by the person themselves (``lms/enrolment/
    with_answers.py``), so no path skips a required answer."""
    if intake_queries.has_required_questions(activity.id):
        raise EnrolmentError(
            _(
                "„%(title)s” stelt verplichte vragen vooraf. Je collega schrijft zich daarom "
                "zelf in en beantwoordt ze.",
                title=activity.title,
            ),
            "not_allowed",
        )


def _enrol(
    activity: Activity,
    user: User,
    *,
    actor: User,
    privileged: bool,
    now: datetime,
    notify: bool = True,
    invoice: billing.InvoiceDetails | None = None,
) -> Outcome:
    activity = _locked(activity, now)
    refusal = rules.status_refusal(activity)
    if refusal is not None:
        raise EnrolmentError(refusal, "closed")
    existing = queries.enrolment_for(user.id, activity.id)
    if existing is not None and existing.is_active:
        return Outcome(existing, False)
    if not user.is_active:
        raise EnrolmentError(_("Dit account is niet actief; inschrijven kan niet."), "not_allowed")
    if not privileged:
        refusal = rules.person_refusal(activity, user)
        if refusal is None and existing is not None and existing.status == REJECTED:
            refusal = rules.rejected_refusal(existing)
        if refusal is not None:
            raise EnrolmentError(refusal, "not_allowed")
        refusal = rules.window_refusal(activity, now)
        if refusal is not None:
            raise EnrolmentError(refusal, "closed")

    if activity.requires_approval and not privileged:
        target = PENDING
    else:
        target = _seat_or_queue(activity, actor=actor, privileged=privileged, now=now)
    if target == CONFIRMED and activity.is_programme:
        _check_module_room(activity, user)

    enrolment = existing
    if enrolment is None:
        enrolment = Enrolment(user=user, activity=activity, created_at=now)
        db.session.add(enrolment)
    enrolment.enrolled_by = actor if actor.id != user.id else None
    enrolment.reason = ""
    enrolment.programme_enrolment_id = None
    by = actor if actor.id != user.id else None
    verb = {CONFIRMED: "confirmed", WAITLISTED: "waitlisted", PENDING: "pending"}[target]
    _transition(enrolment, target, verb, actor=actor, now=now, note="" if notify else "zonder mail")
    billing.snapshot(enrolment, user, invoice, now)
    if target == CONFIRMED:
        _enrol_modules(enrolment, actor=actor, now=now)
    if not notify:
        return Outcome(enrolment, True)
    position = queries.waitlist_position(enrolment) if target == WAITLISTED else None
    enrolment_mails(enrolment, by=by, position=position)
    return Outcome(enrolment, True)


def enrolment_mails(
    enrolment: Enrolment,
    *,
    by: User | None,
    position: int | None,
    into: list[dict[str, Any]] | None = None,
) -> None:
    """The mails an enrolment that has just become confirmed, waitlisted (at
    ``position``) or pending sends: queued, or (``into``) their column values appended
    (:func:`lms.mail.outbox.mail_values`; the fast path writes these itself)."""
    if enrolment.status == CONFIRMED:
        _queue_confirmation(
            enrolment, "enrolment_confirmed", "Je bent ingeschreven: %(t)s", by=by, into=into
        )
    elif enrolment.status == WAITLISTED:
        _mail(
            "enrolment_waitlisted",
            enrolment,
            "Je staat op de wachtlijst: %(t)s",
            by=by,
            position=position,
            into=into,
        )
    else:
        _mail("enrolment_pending", enrolment, "We ontvingen je aanvraag: %(t)s", by=by, into=into)


def _seat_or_queue(
    activity: Activity, *, actor: User | None, privileged: bool, now: datetime
) -> EnrolmentStatus:
    """Confirmed when a seat is free and nobody waits for it; else the waiting list; else
    refused (full, no waiting list)."""
    summary = queries.seat_summary(activity)
    queue = summary.waitlisted - summary.offered
    if _has_room(summary) and queue > 0 and not privileged:
        # A free seat while people wait (e.g. capacity raised elsewhere): theirs first.
        _fill_seats(activity, actor=actor, now=now)
        summary = queries.seat_summary(activity)
        queue = summary.waitlisted - summary.offered
    if _has_room(summary) and (queue <= 0 or privileged):
        return CONFIRMED
    if activity.waitlist_enabled:
        return WAITLISTED
    raise EnrolmentError(rules.full_refusal(), "full")


def _has_room(summary: queries.SeatSummary) -> bool:
    return summary.seats_left is None or summary.seats_left > 0


# --- Cancelling ----------------------------------------------------------------------------


def cancel(activity: Activity, user: User, *, now: datetime | None = None) -> Enrolment:
    """``user`` gives up their seat, place on the waiting list or request.

    The cancellation deadline binds a confirmed seat. A freed seat goes to the waiting
    list in this same transaction. Cancelling twice is harmless.
    """
    now = now or utcnow()
    activity = _locked(activity, now)
    enrolment = queries.enrolment_for(user.id, activity.id)
    if enrolment is None:
        raise EnrolmentError(_("Je bent niet ingeschreven voor deze activiteit."), "not_enrolled")
    if enrolment.status == CANCELLED:
        return enrolment
    _check_cancellable(enrolment, activity, now, deadline_binds=True)
    _cancel(enrolment, activity, actor=user, now=now)
    return enrolment


def cancel_on_behalf(
    enrolment: Enrolment, *, actor: User, reason: str = "", now: datetime | None = None
) -> Enrolment:
    """A coordinator cancels for someone, also after the deadline; an organisation contact
    cancels for a colleague within the rules a participant has."""
    now = now or utcnow()
    if not actor.is_coordinator and actor.id != enrolment.user_id:
        refusal = rules.colleague_refusal(actor, enrolment.user)
        if refusal is not None:
            raise EnrolmentError(
                _("Je kan alleen je eigen inschrijvingen en die van je collega's annuleren."),
                "forbidden",
            )
    activity = _locked(enrolment.activity_id, now)
    enrolment = _fresh(enrolment)
    if enrolment.status == CANCELLED:
        return enrolment
    _check_cancellable(enrolment, activity, now, deadline_binds=not actor.is_coordinator)
    _cancel(enrolment, activity, actor=actor, now=now, reason=(reason or "").strip())
    return enrolment


def _check_cancellable(
    enrolment: Enrolment, activity: Activity, now: datetime, *, deadline_binds: bool
) -> None:
    if enrolment.status == REJECTED:
        raise EnrolmentError(
            _("Deze aanvraag werd niet aanvaard; er is niets te annuleren."), "conflict"
        )
    if activity.status not in (ActivityStatus.PUBLISHED, ActivityStatus.DRAFT):
        raise EnrolmentError(rules.status_refusal(activity) or "", "closed")
    if enrolment.programme_enrolment_id is not None and deadline_binds:
        programme = db.session.get(Enrolment, enrolment.programme_enrolment_id)
        if programme is not None and programme.is_active:
            raise EnrolmentError(
                _(
                    "Deze module hoort bij je inschrijving voor „%(programme)s”. Annuleer "
                    "die inschrijving als je wil stoppen.",
                    programme=programme.activity.title,
                ),
                "not_allowed",
            )
    if enrolment.status == CONFIRMED and deadline_binds:
        refusal = rules.cancel_refusal(activity, now)
        if refusal is not None:
            raise EnrolmentError(refusal, "deadline")


def _cancel(
    enrolment: Enrolment,
    activity: Activity,
    *,
    actor: User | None,
    now: datetime,
    reason: str = "",
    verb: str = "cancelled",
    mail_kind: str | None = "enrolment_cancelled",
    note: str = "",
) -> None:
    held_seat = enrolment.status == CONFIRMED or _holds_offer(enrolment, now)
    previous = enrolment.status
    enrolment.reason = reason
    _transition(enrolment, CANCELLED, verb, actor=actor, now=now, note=note or reason)
    if previous == CONFIRMED:
        billing.seat_given_up(enrolment, activity, now)
    _cancel_modules(enrolment, actor=actor, now=now)
    if mail_kind is not None:
        subject = {
            "enrolment_cancelled": "Je inschrijving is geannuleerd: %(t)s",
            "enrolment_offer_expired": "De vrijgekomen plaats is vervallen: %(t)s",
        }[mail_kind]
        by = actor if actor is not None and actor.id != enrolment.user_id else None
        # A confirmed person had the sessions in their calendar from the confirmation's
        # invitations: a CANCEL per session with the same UIDs takes them out again.
        calendar = previous == CONFIRMED and mail_kind == "enrolment_cancelled"
        _mail_with_invitations(
            mail_kind,
            enrolment,
            subject,
            _scheduled_items(enrolment) if calendar else [],
            "CANCEL",
            by=by,
            reason=reason,
            previous=previous,
        )
    if held_seat:
        _fill_seats(activity, actor=actor, now=now)


def _holds_offer(enrolment: Enrolment, now: datetime) -> bool:
    return (
        enrolment.status == WAITLISTED
        and enrolment.offer_expires_at is not None
        and enrolment.offer_expires_at > now
    )


# --- Coordinators -------------------------------------------------------------------------


def _require_coordinator(actor: User) -> None:
    if actor is None or not actor.is_coordinator:
        raise EnrolmentError(_("Alleen een coördinator kan dit doen."), "forbidden")


def approve(enrolment: Enrolment, *, actor: User, now: datetime | None = None) -> Enrolment:
    """Approve a request: confirmed when there is room, else on the waiting list."""
    _require_coordinator(actor)
    now = now or utcnow()
    activity = _locked(enrolment.activity_id, now)
    enrolment = _fresh(enrolment)
    if enrolment.status != PENDING:
        raise EnrolmentError(_("Deze aanvraag wacht niet (meer) op goedkeuring."), "conflict")
    if rules.status_refusal(activity) is not None:
        raise EnrolmentError(rules.status_refusal(activity) or "", "closed")
    try:
        target = _seat_or_queue(activity, actor=actor, privileged=False, now=now)
    except EnrolmentError as exc:
        raise EnrolmentError(
            _(
                "Er is geen plaats meer en deze activiteit heeft geen wachtlijst. Verhoog de "
                "capaciteit of wijs de aanvraag af."
            ),
            exc.code,
        )
    if target == CONFIRMED and activity.is_programme:
        _check_module_room(activity, enrolment.user)
    _transition(enrolment, target, "approved", actor=actor, now=now)
    if target == CONFIRMED:
        _enrol_modules(enrolment, actor=actor, now=now)
        _queue_confirmation(
            enrolment, "enrolment_approved", "Je aanvraag is goedgekeurd: %(t)s", position=None
        )
    else:
        _mail(
            "enrolment_approved",
            enrolment,
            "Je aanvraag is goedgekeurd: %(t)s",
            position=queries.waitlist_position(enrolment),
        )
    return enrolment


def reject(
    enrolment: Enrolment, *, actor: User, reason: str, now: datetime | None = None
) -> Enrolment:
    """Reject a request, with a reason the person reads."""
    _require_coordinator(actor)
    reason = (reason or "").strip()
    if not reason:
        raise EnrolmentError(_("Geef een reden op: de aanvrager krijgt ze te lezen."), "invalid")
    now = now or utcnow()
    _locked(enrolment.activity_id, now)
    enrolment = _fresh(enrolment)
    if enrolment.status != PENDING:
        raise EnrolmentError(_("Deze aanvraag wacht niet (meer) op goedkeuring."), "conflict")
    enrolment.reason = reason
    _transition(enrolment, REJECTED, "rejected", actor=actor, now=now, note=reason)
    _mail(
        "enrolment_rejected",
        enrolment,
        "Je aanvraag voor %(t)s werd niet aanvaard",
        reason=reason,
    )
    return enrolment


def promote(
    enrolment: Enrolment, *, actor: User, now: datetime | None = None, reason: str = ""
) -> Enrolment:
    """Move someone from the waiting list to a free seat (a coordinator's choice; the seat
    must be free: capacity binds coordinators too). ``reason`` is kept in the history."""
    _require_coordinator(actor)
    now = now or utcnow()
    activity = _locked(enrolment.activity_id, now)
    enrolment = _fresh(enrolment)
    if enrolment.status != WAITLISTED:
        raise EnrolmentError(_("Deze persoon staat niet op de wachtlijst."), "conflict")
    if not _holds_offer(enrolment, now) and not _has_room(queries.seat_summary(activity)):
        raise EnrolmentError(_("Er is geen vrije plaats. Verhoog eerst de capaciteit."), "full")
    if activity.is_programme:
        _check_module_room(activity, enrolment.user)
    _promote(enrolment, actor=actor, now=now, note=reason)
    return enrolment


def promote_chosen(
    enrolment: Enrolment, *, actor: User, reason: str, now: datetime | None = None
) -> Enrolment:
    """A coordinator chooses who moves up from the waiting list (not necessarily the
    first in line) and says why; the reason is kept in the enrolment's history and the
    audit entry."""
    reason = " ".join((reason or "").split())[:500]
    if not reason:
        raise EnrolmentError(
            _("Geef een reden waarom deze persoon van de wachtlijst mag doorschuiven."),
            "invalid",
        )
    return promote(enrolment, actor=actor, now=now, reason=reason)


def capacity_changed(
    activity: Activity, *, actor: User | None, now: datetime | None = None
) -> list[Enrolment]:
    """After the capacity rose (in this transaction): give the new seats to the waiting
    list. Returns who was promoted or offered a seat."""
    now = now or utcnow()
    activity = _locked(activity, now)
    return _fill_seats(activity, actor=actor, now=now)


def cancel_activity(
    activity: Activity, *, actor: User | None, reason: str = "", now: datetime | None = None
) -> int:
    """Cancel an activity (and a programme's modules): its sessions, every enrolment that
    holds or claims a place, and one mail to each person concerned (participants, people
    waiting, requests, trainers). Returns how many mails were queued. Idempotent."""
    now = now or utcnow()
    activity = _locked(activity, now)
    if activity.status == ActivityStatus.CANCELLED:
        return 0
    reason = (reason or "").strip()
    targets = [activity, *(activity.modules if activity.is_programme else ())]
    mailed: set[int] = set()
    cancelled_sessions = []
    for target in targets:
        target.status = ActivityStatus.CANCELLED
        for session in target.sessions:
            if session.status != SessionStatus.CANCELLED:
                session.status = SessionStatus.CANCELLED
                session.cancelled_at = now
                session.touch()
                cancelled_sessions.append(session)
    for target in targets:
        rows = db.session.scalars(
            select(Enrolment)
            .where(
                Enrolment.activity_id == target.id,
                Enrolment.status.in_([PENDING, CONFIRMED, WAITLISTED]),
            )
            .order_by(Enrolment.id)
            .execution_options(populate_existing=True)
        ).all()
        for enrolment in rows:
            previous = enrolment.status
            enrolment.reason = reason
            _transition(
                enrolment,
                CANCELLED,
                "cancelled",
                actor=actor,
                now=now,
                note="De activiteit werd geannuleerd.",
            )
            if previous == CONFIRMED:
                billing.seat_withdrawn(enrolment, now)
            if enrolment.user_id not in mailed:
                mailed.add(enrolment.user_id)
                # Confirmed people had the sessions in their calendar: CANCEL them there.
                items = [
                    (s.activity.title if s.activity_id != activity.id else "", s)
                    for s in sorted(cancelled_sessions, key=lambda s: (s.starts_at, s.id))
                ]
                _mail_with_invitations(
                    "enrolment_activity_cancelled",
                    enrolment,
                    "Geannuleerd: %(t)s",
                    items if previous == CONFIRMED else [],
                    "CANCEL",
                    reason=reason,
                    title=activity.title,
                    previous=previous.value,
                )
    for target in targets:
        for trainer in target.trainers:
            if trainer.id in mailed or not trainer.is_active:
                continue
            mailed.add(trainer.id)
            queue_mail(
                kind="activity_cancelled_trainer",
                to=trainer,
                subject=f"Geannuleerd: {activity.title}",
                facts={"activity": activity, "reason": reason, "user": trainer},
            )
    audit.record(
        "activity.cancelled",
        actor=actor,
        activity=activity,
        summary=f"Activiteit „{activity.title}” geannuleerd"
        + (f": {reason}" if reason else "")
        + f"; {len(mailed)} betrokkenen verwittigd.",
        reason=reason,
        notified=len(mailed),
    )
    return len(mailed)


# --- Offers of a freed seat -------------------------------------------------------------------


def accept_offer(enrolment: Enrolment, *, actor: User, now: datetime | None = None) -> Outcome:
    """The person takes the seat offered to them (by the mailed link or on their page)."""
    now = now or utcnow()
    activity = _locked(enrolment.activity_id, now)
    enrolment = _fresh(enrolment)
    if enrolment.status == CONFIRMED:
        return Outcome(enrolment, False)
    if not _holds_offer(enrolment, now):
        if enrolment.status == CANCELLED:
            raise EnrolmentError(
                _(
                    "Dit aanbod geldt niet meer: het is verlopen of je hebt de plaats "
                    "afgestaan. De plaats ging naar de volgende op de wachtlijst."
                ),
                "conflict",
            )
        raise EnrolmentError(_("Er staat geen plaats meer voor je klaar."), "conflict")
    if activity.is_programme:
        _check_module_room(activity, enrolment.user)
    _transition(enrolment, CONFIRMED, "offer_accepted", actor=actor, now=now)
    _enrol_modules(enrolment, actor=actor, now=now)
    _queue_confirmation(
        enrolment, "enrolment_confirmed", "Je bent ingeschreven: %(t)s", accepted_offer=True
    )
    return Outcome(enrolment, True)


def decline_offer(enrolment: Enrolment, *, actor: User, now: datetime | None = None) -> Enrolment:
    """The person does not want the offered seat: they leave the list; it passes on."""
    now = now or utcnow()
    activity = _locked(enrolment.activity_id, now)
    enrolment = _fresh(enrolment)
    if enrolment.status == CANCELLED:
        return enrolment
    if not _holds_offer(enrolment, now):
        raise EnrolmentError(_("Er staat geen plaats meer voor je klaar."), "conflict")
    _cancel(
        enrolment,
        activity,
        actor=actor,
        now=now,
        verb="offer_declined",
        note="Vrijgekomen plaats afgeslagen.",
    )
    return enrolment


def expire_offers(now: datetime | None = None) -> int:
    """Pass on every offer that ran out (the mail worker and ``lms remind`` call this each
    round). The caller commits. Returns how many offers expired."""
    now = now or utcnow()
    activity_ids = db.session.scalars(
        select(Enrolment.activity_id)
        .where(
            Enrolment.status == WAITLISTED,
            Enrolment.offer_expires_at.is_not(None),
            Enrolment.offer_expires_at <= now,
        )
        .distinct()
        .order_by(Enrolment.activity_id)
    ).all()
    expired = 0
    for activity_id in activity_ids:
        activity = _lock_tree(activity_id)
        expired += _expire_due_offers(activity, now)
    return expired


def _expire_due_offers(activity: Activity, now: datetime) -> int:
    rows = db.session.scalars(
        select(Enrolment)
        .where(
            Enrolment.activity_id == activity.id,
            Enrolment.status == WAITLISTED,
            Enrolment.offer_expires_at.is_not(None),
            Enrolment.offer_expires_at <= now,
        )
        .order_by(*queries.waitlist_order())
        .execution_options(populate_existing=True)
    ).all()
    for enrolment in rows:
        _cancel(
            enrolment,
            activity,
            actor=None,
            now=now,
            reason="Je nam de vrijgekomen plaats niet op tijd aan.",
            verb="offer_expired",
            mail_kind="enrolment_offer_expired",
        )
    if rows:  # the seats are free again: offer them to the next people
        _fill_seats(activity, actor=None, now=now)
    return len(rows)


# --- Seats moving down the waiting list -----------------------------------------------------


def _fill_seats(activity: Activity, *, actor: User | None, now: datetime) -> list[Enrolment]:
    """Give every free seat to the head of the waiting list: confirm, or offer."""
    changed: list[Enrolment] = []
    if activity.status != ActivityStatus.PUBLISHED:
        return changed
    while True:
        if not _has_room(queries.seat_summary(activity)):
            break
        head = queries.first_waiting(activity.id)
        if head is None:
            break
        if activity.seat_release == SeatRelease.OFFER:
            deadline = rules.offer_deadline(activity, now)
            if deadline is None:
                break  # too late to offer: a coordinator can still move someone up
            _offer(head, deadline, actor=actor, now=now)
        else:
            if activity.is_programme and not _modules_have_room(activity, head.user):
                break
            _promote(head, actor=actor, now=now)
        changed.append(head)
    return changed


def _promote(enrolment: Enrolment, *, actor: User | None, now: datetime, note: str = "") -> None:
    _transition(enrolment, CONFIRMED, "promoted", actor=actor, now=now, note=note)
    _enrol_modules(enrolment, actor=actor, now=now)
    _queue_confirmation(
        enrolment,
        "enrolment_promoted",
        "Er is een plaats vrij: je bent ingeschreven voor %(t)s",
    )


def _offer(enrolment: Enrolment, deadline: datetime, *, actor: User | None, now: datetime) -> None:
    token = secrets.token_urlsafe(32)
    enrolment.offer_token_hash = queries.hash_offer_token(token)
    enrolment.offer_expires_at = deadline
    note = f"Vrijgekomen plaats aangeboden tot {format_datetime(deadline)}."
    _transition(enrolment, WAITLISTED, "offered", actor=actor, now=now, note=note)
    _mail(
        "enrolment_offered",
        enrolment,
        "Er is een plaats vrij voor jou: %(t)s",
        offer_url=absolute_url("enrolment.offer", token=token),
        deadline=deadline,
    )


# --- Programmes: all modules or none ------------------------------------------------------------


def _published_modules(programme: Activity) -> list[Activity]:
    return [m for m in programme.modules if m.status == ActivityStatus.PUBLISHED]


def _modules_have_room(programme: Activity, user: User) -> bool:
    modules = _published_modules(programme)
    if not modules:
        return True
    summaries = queries.seat_summaries(modules)
    seated = set(
        db.session.scalars(
            select(Enrolment.activity_id).where(
                Enrolment.user_id == user.id,
                Enrolment.activity_id.in_([m.id for m in modules]),
                Enrolment.status == CONFIRMED,
            )
        )
    )
    return all(m.id in seated or _has_room(summaries[m.id]) for m in modules)


def _check_module_room(programme: Activity, user: User) -> None:
    modules = _published_modules(programme)
    if _modules_have_room(programme, user):
        return
    summaries = queries.seat_summaries(modules)
    full = next(m for m in modules if not _has_room(summaries[m.id]))
    raise EnrolmentError(
        _(
            "Module „%(module)s” is volzet, dus inschrijven voor de hele opleiding kan nu "
            "niet. Neem contact op met SAM.",
            module=full.title,
        ),
        "full",
    )


def _enrol_modules(programme_enrolment: Enrolment, *, actor: User | None, now: datetime) -> None:
    """A confirmed programme seat confirms a seat in each module (same transaction)."""
    programme = programme_enrolment.activity
    if not programme.is_programme:
        return
    db.session.flush()
    user = programme_enrolment.user
    for module in _published_modules(programme):
        row = queries.enrolment_for(user.id, module.id)
        if row is None:
            row = Enrolment(user=user, activity=module, created_at=now)
            db.session.add(row)
        row.programme_enrolment_id = programme_enrolment.id
        row.enrolled_by = programme_enrolment.enrolled_by
        if row.status != CONFIRMED:
            row.reason = ""
            _transition(
                row,
                CONFIRMED,
                "confirmed",
                actor=actor,
                now=now,
                note=f"Via de inschrijving voor {programme.title}.",
            )


def _cancel_modules(programme_enrolment: Enrolment, *, actor: User | None, now: datetime) -> None:
    programme = programme_enrolment.activity
    if not programme.is_programme or programme_enrolment.id is None:
        return
    rows = db.session.scalars(
        select(Enrolment)
        .where(
            Enrolment.programme_enrolment_id == programme_enrolment.id,
            Enrolment.status.in_([PENDING, CONFIRMED, WAITLISTED]),
        )
        .execution_options(populate_existing=True)
    ).all()
    for row in rows:
        held = row.status == CONFIRMED
        row.reason = programme_enrolment.reason
        _transition(
            row,
            CANCELLED,
            "cancelled",
            actor=actor,
            now=now,
            note=f"Via de inschrijving voor {programme.title}.",
        )
        if held:
            _fill_seats(row.activity, actor=actor, now=now)


# --- Transitions, audit and mail ---------------------------------------------------------------

#: Audit summaries per verb: {name} and {title} are filled in.
_SUMMARIES = {
    "confirmed": "{name} ingeschreven voor „{title}”.",
    "waitlisted": "{name} op de wachtlijst gezet voor „{title}”.",
    "pending": "Aanvraag van {name} voor „{title}” wacht op goedkeuring.",
    "approved": "Aanvraag van {name} voor „{title}” goedgekeurd ({status}).",
    "rejected": "Aanvraag van {name} voor „{title}” afgewezen.",
    "promoted": "{name} van de wachtlijst ingeschreven voor „{title}”.",
    "offered": "Vrijgekomen plaats in „{title}” aangeboden aan {name}.",
    "offer_accepted": "{name} nam de aangeboden plaats in „{title}” aan.",
    "offer_declined": "{name} sloeg de aangeboden plaats in „{title}” af.",
    "offer_expired": "Aanbod aan {name} voor „{title}” verlopen; plaats gaat naar de volgende.",
    "cancelled": "Inschrijving van {name} voor „{title}” geannuleerd.",
    "substituted_out": "{name} gaf de plaats in „{title}” door aan een collega.",
    "substituted_in": "{name} nam de plaats van een collega in „{title}” over.",
}


def _transition(
    enrolment: Enrolment,
    to: EnrolmentStatus,
    verb: str,
    *,
    actor: User | None,
    now: datetime,
    note: str = "",
) -> None:
    """Move ``enrolment`` to ``to``; record the event and the audit entry."""
    before = enrolment.status
    if to == WAITLISTED and before != WAITLISTED:
        # The clock is read here, under the activity lock, so the queue order is the
        # order in which people got the lock (``now`` may predate the wait for it).
        enrolment.waitlisted_at = max(now, utcnow())
    if to != WAITLISTED:
        enrolment.offer_expires_at = None
        enrolment.offer_token_hash = None
    enrolment.status = to
    enrolment.updated_at = now
    db.session.add(
        EnrolmentEvent(
            enrolment=enrolment, from_status=before, to_status=to, actor=actor, at=now, note=note
        )
    )
    db.session.flush()
    if to == CONFIRMED:
        billing.seat_confirmed(enrolment, now)
    user, activity = enrolment.user, enrolment.activity
    summary = audit_summary(verb, user, activity, to, actor)
    audit.record(
        f"enrolment.{verb}",
        actor=actor,
        subject_user=user,
        activity=activity,
        summary=summary,
        enrolment_id=enrolment.id,
        from_status=before.value if before is not None else None,
        to_status=to.value,
        note=note,
    )


def audit_summary(
    verb: str, user: User, activity: Activity, to: EnrolmentStatus, actor: User | None
) -> str:
    """The audit log's sentence for a transition (also written by the fast path)."""
    summary = _SUMMARIES[verb].format(name=user.name, title=activity.title, status=to.label)
    if actor is not None and actor.id != user.id:
        summary = summary.rstrip(".") + f" (door {actor.name})."
    return summary


def _fresh(enrolment: Enrolment) -> Enrolment:
    """The enrolment as it is now (read after taking the lock)."""
    row = db.session.scalar(
        select(Enrolment)
        .where(Enrolment.id == enrolment.id)
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise EnrolmentError(_("Deze inschrijving bestaat niet."), "not_found")
    return row


def mail_sessions(activity: Activity) -> list[tuple[str, Any]]:
    """(module title or "", session) of everything the enrolment covers, in time order."""
    items = [("", s) for s in activity.active_sessions]
    if activity.is_programme:
        items += [(m.title, s) for m in _published_modules(activity) for s in m.active_sessions]
    return sorted(items, key=lambda item: item[1].starts_at)


def _links(activity: Activity) -> dict[str, str]:
    return {
        "activity_url": absolute_url("enrolment.activity", activity_id=activity.id),
        "mine_url": absolute_url("enrolment.mine"),
    }


#: Mail subjects, event notes and audit summaries are plain Dutch, not gettext: a mail is
#: in the recipient's language (Dutch), not in the language of whoever caused it, and
#: resolving the requester's locale would cost a query while the activity lock is held.


def _mail(
    kind: str,
    enrolment: Enrolment,
    subject: str,
    *,
    invitation: dict[str, Any] | None = None,
    into: list[dict[str, Any]] | None = None,
    **context: Any,
) -> None:
    """Queue the facts of an enrolment mail (nothing is rendered: the worker does that);
    with ``into``, append its column values there instead."""
    activity = enrolment.activity
    _queue(
        into,
        kind=kind,
        to=enrolment.user,
        subject=subject.replace("%(t)s", activity.title),
        facts={
            "enrolment": enrolment,
            "activity": activity,
            "user": enrolment.user,
            "status_label": STATUS_LABELS[enrolment.status],
            "sessions": mail_sessions(activity),
            **_links(activity),
            **context,
        },
        invitation=invitation,
    )


def _mail_with_invitations(
    kind: str,
    enrolment: Enrolment,
    subject: str,
    items: list[tuple[str, Any]],
    method: str,
    into: list[dict[str, Any]] | None = None,
    **context: Any,
) -> None:
    """The mail ``kind`` with the invitation of the first of ``items`` ((module title,
    session) pairs), and one short ``session_invitation`` mail per further session.

    One message carries one iTIP object with one UID (RFC 6638 §3.1; Outlook takes in only
    the first event of a message with several), so each session has its own message with
    the UID and SEQUENCE of the feeds; a later change of one session is a REQUEST or
    CANCEL for that UID alone. A CANCEL mirrors the REQUESTs session by session.
    """
    user, activity = enrolment.user, enrolment.activity
    sessions = [session for _module, session in items]
    invitations = [
        invitation_facts(session, user, method, event=event)
        for session, event in zip(sessions, session_events(sessions, with_links=True), strict=True)
    ]
    total = len(items)
    _mail(
        kind,
        enrolment,
        subject,
        invitation=invitations[0] if invitations else None,
        invitation_count=total,
        into=into,
        **context,
    )
    for position, ((module, session), facts) in enumerate(
        zip(items[1:], invitations[1:], strict=True), start=2
    ):
        label = "Agenda" if method == "REQUEST" else "Uit je agenda"
        _queue(
            into,
            kind="session_invitation",
            to=user,
            subject=f"{label}: {activity.title}, sessie {position} van {total} "
            f"({format_date(session.starts_at)})",
            facts={
                "user": user,
                "activity": activity,
                "module": module,
                "session": session,
                "position": position,
                "total": total,
                "method": method,
                **_links(activity),
            },
            invitation=facts,
        )


def _queue(into: list[dict[str, Any]] | None, **mail: Any) -> None:
    if into is None:
        queue_mail(**mail)
    else:
        into.append(mail_values(**mail))


def _queue_confirmation(
    enrolment: Enrolment,
    kind: str,
    subject: str,
    into: list[dict[str, Any]] | None = None,
    **context: Any,
) -> None:
    """Every mail that grants a seat (confirmed, promoted, approved, offer accepted).

    It carries the calendar invitation (``text/calendar; method=REQUEST``) of the first
    session the enrolment covers; every further session follows in its own message
    (:func:`_mail_with_invitations`), with the UIDs and SEQUENCEs of the calendar feeds.
    """
    _mail_with_invitations(
        kind,
        enrolment,
        subject,
        _scheduled_items(enrolment),
        "REQUEST",
        into=into,
        billing=billing.mail_facts(enrolment),
        **context,
    )


def _scheduled_items(enrolment: Enrolment) -> list[tuple[str, Any]]:
    """(module title or "", session) of the scheduled sessions an enrolment covers."""
    return [
        (module, session)
        for module, session in mail_sessions(enrolment.activity)
        if session.status == SessionStatus.SCHEDULED
    ]


# --- Substitution ("vervanging"): a colleague takes over a confirmed seat -------------------


class Substitution(NamedTuple):
    #: The seat's previous holder (now cancelled) and the colleague who holds it now.
    left: Enrolment
    taken: Enrolment


def substitute(
    enrolment: Enrolment, replacement: User, *, actor: User, now: datetime | None = None
) -> Substitution:
    """``replacement`` takes over the confirmed seat of ``enrolment`` (an organisation
    contact sends a colleague in someone's place, or a coordinator does it for them).

    The same seat: under the activity lock the one enrolment is cancelled and the other
    confirmed in one transaction, the waiting list is not consulted (the seat never
    frees up) and the seat count is unchanged. The replacement is bound by the rules for
    a person (active, confirmed address, participant, the activity's audience), must be a
    colleague of the same organisation and must not be enrolled already. Both are told
    by mail; the calendar invitation moves with the seat: a CANCEL per remaining session
    to the one, a REQUEST to the other (the feeds' UIDs, :func:`_mail_with_invitations`).
    Attendance already recorded stays with whoever it was recorded for, and the lists and
    certificates from now on follow the confirmed enrolment, i.e. the person who goes.
    The contact's copy is :mod:`lms.organisations.employer`'s.
    """
    now = now or utcnow()
    activity = _locked(enrolment.activity_id, now)
    enrolment = _fresh(enrolment)
    leaving = enrolment.user
    _check_substitution(enrolment, activity, leaving, replacement, actor=actor, now=now)

    taken = queries.enrolment_for(replacement.id, activity.id)
    previous_charge = billing.mail_facts(enrolment)

    # The one leaves: no waiting-list move, no billing for the seat they handed on.
    enrolment.reason = f"Vervangen door {replacement.name}."
    _transition(
        enrolment,
        CANCELLED,
        "substituted_out",
        actor=actor,
        now=now,
        note=f"Plaats overgenomen door {replacement.name}.",
    )
    billing.seat_withdrawn(enrolment, now)

    # The other takes the very seat: confirmed directly, billed from now on.
    if taken is None:  # (made here: nothing may flush it before its status is set)
        taken = Enrolment(user=replacement, activity=activity, created_at=now)
        db.session.add(taken)
    taken.enrolled_by = actor if actor.id != replacement.id else None
    taken.reason = ""
    taken.programme_enrolment_id = None
    _transition(
        taken,
        CONFIRMED,
        "substituted_in",
        actor=actor,
        now=now,
        note=f"Neemt de plaats over van {leaving.name}.",
    )
    invoice = None
    if previous_charge is not None:
        invoice = billing.InvoiceDetails(
            previous_charge["invoice_to"],
            previous_charge["organisation_name"],
            previous_charge["reference"],
            previous_charge["billing_email"],
        )
    billing.snapshot(taken, replacement, invoice, now)
    audit.record(
        "enrolment.substitution",
        actor=actor,
        subject_user=replacement,
        activity=activity,
        summary=f"{replacement.name} vervangt {leaving.name} in „{activity.title}” "
        f"(door {actor.name}).",
        enrolment_id=taken.id,
        replaced_enrolment_id=enrolment.id,
        replaced_user_id=leaving.id,
    )

    remaining = [
        (module, session)
        for module, session in _scheduled_items(taken)
        if session.ends_at is None or session.ends_at > now
    ]
    by = actor if actor.id not in (leaving.id, replacement.id) else None
    _mail_with_invitations(
        "enrolment_substituted_out",
        enrolment,
        "Je plaats is overgenomen: %(t)s",
        remaining,
        "CANCEL",
        by=by,
        replacement=replacement,
    )
    _mail_with_invitations(
        "enrolment_substituted_in",
        taken,
        "Je neemt een plaats over: %(t)s",
        remaining,
        "REQUEST",
        by=by,
        replaced=leaving,
        billing=billing.mail_facts(taken),
    )
    return Substitution(enrolment, taken)


def _check_substitution(
    enrolment: Enrolment,
    activity: Activity,
    leaving: User,
    replacement: User,
    *,
    actor: User,
    now: datetime,
) -> None:
    """Every refusal of :func:`substitute`, checked under the activity lock."""
    if not actor.is_coordinator:
        for person in (leaving, replacement):
            if rules.colleague_refusal(actor, person) is not None:
                raise EnrolmentError(
                    _("Je kan alleen een collega van je eigen organisatie laten vervangen."),
                    "forbidden",
                )
    elif leaving.organisation_id is None or replacement.organisation_id != leaving.organisation_id:
        raise EnrolmentError(
            _("De vervanger moet een collega van dezelfde organisatie zijn."), "not_allowed"
        )
    if enrolment.status != CONFIRMED:
        raise EnrolmentError(
            _("Alleen een bevestigde plaats kan naar een collega gaan."), "conflict"
        )
    if replacement.id == leaving.id:
        raise EnrolmentError(_("Kies een andere collega als vervanger."), "invalid")
    refusal = rules.status_refusal(activity)
    if refusal is not None:
        raise EnrolmentError(refusal, "closed")
    if activity.is_programme or enrolment.programme_enrolment_id is not None:
        raise EnrolmentError(
            _("Een vervanging in een opleiding met modules regelt SAM. Neem contact op met SAM."),
            "not_allowed",
        )
    end = activity.last_end
    if end is not None and now >= end:
        raise EnrolmentError(_("Deze activiteit is voorbij; vervangen kan niet meer."), "closed")
    refusal = rules.person_refusal(activity, replacement)
    if refusal is not None:
        raise EnrolmentError(
            _("%(name)s kan deze plaats niet innemen: %(why)s", name=replacement.name, why=refusal),
            "not_allowed",
        )
    existing = queries.enrolment_for(replacement.id, activity.id)
    if existing is not None and existing.is_active:
        raise EnrolmentError(
            _(
                "%(name)s is al ingeschreven voor „%(title)s” (%(status)s).",
                name=replacement.name,
                title=activity.title,
                status=_(existing.status.label),
            ),
            "conflict",
        )
    if existing is not None and existing.status == REJECTED:
        raise EnrolmentError(
            _(
                "De aanvraag van %(name)s voor deze activiteit werd niet aanvaard. Neem "
                "contact op met SAM.",
                name=replacement.name,
            ),
            "not_allowed",
        )
    if intake_queries.has_required_questions(activity.id):
        raise EnrolmentError(
            _(
                "„%(title)s” stelt verplichte vragen vooraf aan wie deelneemt. Een "
                "vervanging regel je daarom met SAM.",
                title=activity.title,
            ),
            "not_allowed",
        )
