"""Read-only questions about enrolments, shared by pages, feeds, reports and the API.

Writing is :mod:`lms.enrolment.service`'s job alone; this module only counts and lists,
with one query for any number of activities (no N+1).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from lms.enrolment import rules
from lms.extensions import db
from lms.models import Activity, ActivityStatus, Enrolment, EnrolmentStatus, User, utcnow


@dataclass(frozen=True)
class SeatSummary:
    """How full an activity is. ``capacity`` None means unlimited."""

    capacity: int | None
    confirmed: int = 0
    waitlisted: int = 0
    pending: int = 0
    #: Waitlisted people who hold an open offer of a freed seat (it is reserved for them).
    offered: int = 0

    @property
    def taken(self) -> int:
        return self.confirmed + self.offered

    @property
    def seats_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.taken, 0)

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.taken >= self.capacity


def seat_summaries(activities: Iterable[Activity]) -> dict[int, SeatSummary]:
    """A :class:`SeatSummary` per activity id, in one query."""
    by_id = {a.id: a for a in activities}
    if not by_id:
        return {}
    status = Enrolment.status
    offered = (status == EnrolmentStatus.WAITLISTED) & Enrolment.offer_expires_at.is_not(None)
    rows = db.session.execute(
        select(
            Enrolment.activity_id,
            func.sum(case((status == EnrolmentStatus.CONFIRMED, 1), else_=0)),
            func.sum(case((status == EnrolmentStatus.WAITLISTED, 1), else_=0)),
            func.sum(case((status == EnrolmentStatus.PENDING, 1), else_=0)),
            func.sum(case((offered, 1), else_=0)),
        )
        .where(Enrolment.activity_id.in_(by_id))
        .group_by(Enrolment.activity_id)
    ).all()
    counts = {row[0]: [int(v or 0) for v in row[1:]] for row in rows}
    return {
        activity_id: SeatSummary(activity.capacity, *counts.get(activity_id, [0, 0, 0, 0]))
        for activity_id, activity in by_id.items()
    }


def seat_summary(activity: Activity) -> SeatSummary:
    return seat_summaries([activity])[activity.id]


def confirmed_participants(activity_id: int) -> list[User]:
    """The people with a confirmed enrolment, by name (with their organisation loaded)."""
    from sqlalchemy.orm import joinedload

    return list(
        db.session.scalars(
            select(User)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(
                Enrolment.activity_id == activity_id,
                Enrolment.status == EnrolmentStatus.CONFIRMED,
            )
            .options(joinedload(User.organisation))
            .order_by(User.name, User.id)
        )
    )


# --- Waiting-list positions --------------------------------------------------------------


def waitlist_order() -> tuple[Any, ...]:
    """First come, first served: the order of the waiting list (never jump the queue)."""
    return (Enrolment.waitlisted_at, Enrolment.id)


def waitlist_positions(activity_ids: Iterable[int]) -> dict[int, int]:
    """Enrolment id → place on its activity's waiting list (1..n), in one query.

    Positions are computed, never stored: a person who leaves the list moves everyone
    behind them up without writing a row.
    """
    ids = list(set(activity_ids))
    if not ids:
        return {}
    position = (
        func.row_number()
        .over(partition_by=Enrolment.activity_id, order_by=waitlist_order())
        .label("position")
    )
    rows = db.session.execute(
        select(Enrolment.id, position).where(
            Enrolment.activity_id.in_(ids), Enrolment.status == EnrolmentStatus.WAITLISTED
        )
    ).all()
    return {enrolment_id: int(pos) for enrolment_id, pos in rows}


def waitlist_position(enrolment: Enrolment) -> int | None:
    """The enrolment's place on the waiting list, or None when it is not waiting."""
    if enrolment.status != EnrolmentStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        select(func.count(Enrolment.id)).where(
            Enrolment.activity_id == enrolment.activity_id,
            Enrolment.status == EnrolmentStatus.WAITLISTED,
            or_(
                Enrolment.waitlisted_at < enrolment.waitlisted_at,
                and_(
                    Enrolment.waitlisted_at == enrolment.waitlisted_at,
                    Enrolment.id < enrolment.id,
                ),
            ),
        )
    )
    return int(ahead or 0) + 1


def first_waiting(activity_id: int, *, without_offer: bool = True) -> Enrolment | None:
    """The person at the head of the waiting list (who has no open offer yet)."""
    query = select(Enrolment).where(
        Enrolment.activity_id == activity_id, Enrolment.status == EnrolmentStatus.WAITLISTED
    )
    if without_offer:
        query = query.where(Enrolment.offer_expires_at.is_(None))
    return db.session.scalar(
        query.order_by(*waitlist_order()).limit(1).execution_options(populate_existing=True)
    )


# --- One person ------------------------------------------------------------------------


def enrolment_for(user_id: int, activity_id: int) -> Enrolment | None:
    """The (only) enrolment row of a person in an activity, fresh from the database."""
    return db.session.scalar(
        select(Enrolment)
        .where(Enrolment.user_id == user_id, Enrolment.activity_id == activity_id)
        .execution_options(populate_existing=True)
    )


def enrolment_by_offer_token(raw_token: str) -> Enrolment | None:
    """The enrolment holding the offer mailed with ``raw_token`` (stored hashed)."""
    if not raw_token or len(raw_token) > 100:
        return None
    return db.session.scalar(
        select(Enrolment)
        .where(Enrolment.offer_token_hash == hash_offer_token(raw_token))
        .options(joinedload(Enrolment.activity), joinedload(Enrolment.user))
    )


def hash_offer_token(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()


# --- Lists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnrolmentRow:
    """An enrolment with its computed waiting-list position."""

    enrolment: Enrolment
    position: int | None

    @property
    def status(self) -> EnrolmentStatus:
        return self.enrolment.status


#: How lists of an activity's enrolments are ordered: seats, requests, the queue, the rest.
_STATUS_ORDER = {
    EnrolmentStatus.CONFIRMED: 0,
    EnrolmentStatus.PENDING: 1,
    EnrolmentStatus.WAITLISTED: 2,
    EnrolmentStatus.CANCELLED: 3,
    EnrolmentStatus.REJECTED: 4,
}


def activity_enrolments(
    activity: Activity, statuses: Iterable[EnrolmentStatus] | None = None
) -> list[EnrolmentRow]:
    """An activity's enrolments with their people: confirmed (by name), pending (oldest
    first), the waiting list in its order, then cancelled and rejected. Two queries."""
    query = (
        select(Enrolment)
        .where(Enrolment.activity_id == activity.id)
        .options(joinedload(Enrolment.user))
    )
    if statuses is not None:
        query = query.where(Enrolment.status.in_(list(statuses)))
    rows = list(db.session.scalars(query))
    positions = waitlist_positions([activity.id])

    def key(e: Enrolment) -> tuple[Any, ...]:
        rank = _STATUS_ORDER[e.status]
        if e.status == EnrolmentStatus.WAITLISTED:
            return (rank, positions.get(e.id, 0), "", e.id)
        if e.status == EnrolmentStatus.PENDING:
            return (rank, 0, e.created_at.isoformat(), e.id)
        return (rank, 0, e.user.name.lower(), e.id)

    rows.sort(key=key)
    return [EnrolmentRow(e, positions.get(e.id)) for e in rows]


def user_enrolments(user_id: int) -> list[EnrolmentRow]:
    """Every enrolment of a person, with activity, sessions, modules and positions.

    A constant number of queries whatever the number of enrolments (Mijn inschrijvingen,
    ``GET /api/v1/me/enrolments``); newest activity first is left to the caller.
    """
    enrolments = list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.user_id == user_id)
            .options(
                joinedload(Enrolment.activity).options(
                    selectinload(Activity.sessions),
                    joinedload(Activity.parent),
                    selectinload(Activity.modules).selectinload(Activity.sessions),
                )
            )
            .order_by(Enrolment.id)
        ).unique()
    )
    positions = waitlist_positions(
        e.activity_id for e in enrolments if e.status == EnrolmentStatus.WAITLISTED
    )
    return [EnrolmentRow(e, positions.get(e.id)) for e in enrolments]


# --- The button on the activity page ---------------------------------------------------------


@dataclass(frozen=True)
class ActionState:
    """What the activity page offers this person, and why.

    ``kind`` is one of: ``enrol`` (inschrijven), ``waitlist`` (op de wachtlijst),
    ``request`` (aanvragen), ``confirmed``, ``waitlisted``, ``offered``, ``pending``
    (enrolled in some way: the page offers to cancel), ``module`` (a module of a programme
    the person is not in: one enrols in the programme, so the page points there) and
    ``closed`` (``reason`` says why).
    """

    kind: str
    reason: str | None = None
    enrolment: Enrolment | None = None
    position: int | None = None
    #: For an enrolment: why it can no longer be cancelled by the person (None: it can).
    cancel_refusal: str | None = None
    #: Whether the person must still log in before doing ``kind``.
    needs_login: bool = False

    @property
    def is_enrolled(self) -> bool:
        return self.kind in ("confirmed", "waitlisted", "offered", "pending")

    @property
    def can_act(self) -> bool:
        return self.kind in ("enrol", "waitlist", "request")


def action_state(
    activity: Activity, user: Any, summary: SeatSummary, now: datetime | None = None
) -> ActionState:
    """The state of the one button on the activity page for ``user`` (maybe anonymous).

    Uses the same rules as :mod:`lms.enrolment.service`, so the page never promises what
    the service would refuse.
    """
    now = now or utcnow()
    authenticated = bool(getattr(user, "is_authenticated", False))
    enrolment = enrolment_for(user.id, activity.id) if authenticated else None
    if enrolment is not None and enrolment.is_active:
        position = waitlist_position(enrolment)
        kind = enrolment.status.value
        if enrolment.status == EnrolmentStatus.WAITLISTED and enrolment.offer_expires_at:
            kind = "offered" if enrolment.offer_expires_at > now else "waitlisted"
        refusal = None
        if enrolment.status == EnrolmentStatus.CONFIRMED:
            refusal = rules.cancel_refusal(activity, now)
        if enrolment.programme_enrolment_id is not None:
            refusal = rules.person_refusal(activity, user) or refusal
        if activity.status != ActivityStatus.PUBLISHED:
            refusal = rules.status_refusal(activity)
        return ActionState(kind, None, enrolment, position, refusal)

    if activity.parent_id is not None:
        # Nobody enrols in a module alone (lms.enrolment.rules.person_refusal), whoever
        # looks: the page says which programme it belongs to instead of offering a button.
        return ActionState("module", enrolment=enrolment)
    refusal = rules.status_refusal(activity)
    if refusal is None and authenticated:
        refusal = rules.person_refusal(activity, user)
    if refusal is None and enrolment is not None and enrolment.status == EnrolmentStatus.REJECTED:
        refusal = rules.rejected_refusal(enrolment)
    if refusal is None:
        refusal = rules.window_refusal(activity, now)
    if refusal is not None:
        return ActionState("closed", refusal, enrolment)
    if activity.requires_approval:
        return ActionState("request", needs_login=not authenticated)
    room = summary.capacity is None or summary.taken < summary.capacity
    queue = summary.waitlisted - summary.offered
    if room and queue <= 0:
        return ActionState("enrol", needs_login=not authenticated)
    if activity.waitlist_enabled:
        return ActionState("waitlist", needs_login=not authenticated)
    return ActionState("closed", rules.full_refusal(), enrolment)


# --- Mijn inschrijvingen ---------------------------------------------------------------------


@dataclass(frozen=True)
class MyEnrolment:
    """One line of "Mijn inschrijvingen"."""

    enrolment: Enrolment
    position: int | None
    #: Sessions still to come (for a programme: its modules' sessions), in time order,
    #: as (module title or "", session).
    upcoming: list[tuple[str, Any]]
    #: Why the person cannot cancel themselves (None: they can).
    cancel_refusal: str | None
    has_offer: bool

    @property
    def activity(self) -> Activity:
        return self.enrolment.activity

    @property
    def status(self) -> EnrolmentStatus:
        return self.enrolment.status


@dataclass(frozen=True)
class MyOverview:
    current: list[MyEnrolment]
    past: list[MyEnrolment]

    @property
    def offers(self) -> list[MyEnrolment]:
        return [item for item in self.current if item.has_offer]


def my_overview(user: Any, now: datetime | None = None) -> MyOverview:
    """A person's enrolments for their own page, in a constant number of queries.

    ``current``: enrolments that hold or claim a place in an activity that is not over,
    soonest first. ``past``: everything else (over, cancelled, rejected), newest first.
    Module enrolments that come with a programme enrolment are shown through the
    programme, not on their own.
    """
    now = now or utcnow()
    rows = user_enrolments(user.id)
    own_ids = {r.enrolment.id for r in rows}
    current: list[MyEnrolment] = []
    past: list[MyEnrolment] = []
    for row in rows:
        enrolment = row.enrolment
        if enrolment.programme_enrolment_id in own_ids:
            continue
        activity = enrolment.activity
        sessions = [("", s) for s in activity.active_sessions]
        if activity.is_programme:
            sessions += [
                (m.title, s)
                for m in activity.modules
                if m.status == ActivityStatus.PUBLISHED
                for s in m.active_sessions
            ]
        sessions.sort(key=lambda item: item[1].starts_at)
        upcoming = [item for item in sessions if item[1].ends_at > now]
        end = rules.last_end(activity)
        is_over = end is not None and end <= now
        refusal = None
        if enrolment.status == EnrolmentStatus.CONFIRMED:
            refusal = rules.cancel_refusal(activity, now)
        if enrolment.programme_enrolment_id is not None:
            refusal = refusal or rules.person_refusal(activity, user)
        if activity.status != ActivityStatus.PUBLISHED:
            refusal = rules.status_refusal(activity)
        item = MyEnrolment(
            enrolment=enrolment,
            position=row.position,
            upcoming=upcoming,
            cancel_refusal=refusal,
            has_offer=bool(
                enrolment.status == EnrolmentStatus.WAITLISTED
                and enrolment.offer_expires_at is not None
                and enrolment.offer_expires_at > now
            ),
        )
        if enrolment.is_active and not is_over and activity.status == ActivityStatus.PUBLISHED:
            current.append(item)
        else:
            past.append(item)
    far = datetime.max.replace(tzinfo=now.tzinfo)
    current.sort(key=lambda i: (i.upcoming[0][1].starts_at if i.upcoming else far, i.enrolment.id))
    past.sort(key=lambda i: -(rules.last_end(i.activity) or i.enrolment.updated_at).timestamp())
    return MyOverview(current, past)
