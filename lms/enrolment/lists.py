"""An activity's enrolments grouped the way coordinators work with them.

Two queries for any number of enrolments: the rows (with person, organisation and who
enrolled them) and the waiting-list positions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from lms.enrolment.queries import EnrolmentRow, SeatSummary, seat_summaries, waitlist_positions
from lms.extensions import db
from lms.models import (
    MAX_ID,
    Activity,
    ActivityStatus,
    Enrolment,
    EnrolmentEvent,
    EnrolmentStatus,
    User,
)
from lms.models.activity_dates import activity_dates


@dataclass
class EnrolmentLists:
    confirmed: list[EnrolmentRow] = field(default_factory=list)
    #: Waitlisted people holding an open offer of a freed seat.
    offered: list[EnrolmentRow] = field(default_factory=list)
    waiting: list[EnrolmentRow] = field(default_factory=list)
    pending: list[EnrolmentRow] = field(default_factory=list)
    ended: list[EnrolmentRow] = field(default_factory=list)


def enrolment_lists(activity: Activity, now: datetime) -> EnrolmentLists:
    rows = list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.activity_id == activity.id)
            .options(
                joinedload(Enrolment.user).joinedload(User.organisation),
                joinedload(Enrolment.enrolled_by),
            )
        )
    )
    positions = waitlist_positions([activity.id])
    lists = EnrolmentLists()
    for enrolment in rows:
        row = EnrolmentRow(enrolment, positions.get(enrolment.id))
        if enrolment.status == EnrolmentStatus.CONFIRMED:
            lists.confirmed.append(row)
        elif enrolment.status == EnrolmentStatus.PENDING:
            lists.pending.append(row)
        elif enrolment.status == EnrolmentStatus.WAITLISTED:
            offer = enrolment.offer_expires_at
            (lists.offered if offer is not None and offer > now else lists.waiting).append(row)
        else:
            lists.ended.append(row)
    by_name = lambda r: (r.enrolment.user.name.lower(), r.enrolment.id)  # noqa: E731
    lists.confirmed.sort(key=by_name)
    lists.pending.sort(key=lambda r: (r.enrolment.created_at, r.enrolment.id))
    lists.waiting.sort(key=lambda r: (r.position or 0, r.enrolment.id))
    lists.offered.sort(key=lambda r: (r.position or 0, r.enrolment.id))
    lists.ended.sort(key=lambda r: (-r.enrolment.updated_at.timestamp(), r.enrolment.id))
    return lists


def load_enrolment(enrolment_id: int) -> Enrolment | None:
    """An enrolment with its person, activity and history (who did what, when)."""
    if not 0 < enrolment_id <= MAX_ID:
        return None
    return db.session.scalar(
        select(Enrolment)
        .where(Enrolment.id == enrolment_id)
        .options(
            joinedload(Enrolment.user).joinedload(User.organisation),
            joinedload(Enrolment.activity).joinedload(Activity.parent),
            joinedload(Enrolment.enrolled_by),
            selectinload(Enrolment.events).joinedload(EnrolmentEvent.actor),
        )
    )


def pending_everywhere(limit: int = 200) -> list[Enrolment]:
    """Every request waiting for approval, oldest first (for the requests page)."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.status == EnrolmentStatus.PENDING)
            .options(
                joinedload(Enrolment.user).joinedload(User.organisation),
                joinedload(Enrolment.activity).joinedload(Activity.parent),
            )
            .order_by(Enrolment.created_at, Enrolment.id)
            .limit(limit)
        )
    )


# --- For the dashboard -----------------------------------------------------------------


@dataclass(frozen=True)
class PendingRequests:
    activity: Activity
    count: int
    oldest: datetime


@dataclass(frozen=True)
class FreeSeats:
    activity: Activity
    seats: SeatSummary


def pending_requests(limit: int) -> tuple[list[PendingRequests], int]:
    """Activities with requests waiting for approval, oldest request first."""
    rows = db.session.execute(
        select(Enrolment.activity_id, func.count(Enrolment.id), func.min(Enrolment.created_at))
        .where(Enrolment.status == EnrolmentStatus.PENDING)
        .group_by(Enrolment.activity_id)
        .order_by(func.min(Enrolment.created_at))
    ).all()
    total = sum(int(count) for _id, count, _oldest in rows)
    ids = [activity_id for activity_id, _count, _oldest in rows[:limit]]
    activities = _activities(ids)
    return (
        [
            PendingRequests(activities[activity_id], int(count), oldest)
            for activity_id, count, oldest in rows[:limit]
            if activity_id in activities
        ],
        total,
    )


def free_seats_while_waiting(now: datetime, limit: int) -> list[FreeSeats]:
    """Published activities not over yet with a free seat while people wait without an
    offer (e.g. an offer could not be made any more): a coordinator can move someone up."""
    dates = activity_dates()
    ids = db.session.scalars(
        select(Enrolment.activity_id)
        .join(Activity, Activity.id == Enrolment.activity_id)
        .outerjoin(dates, dates.c.owner == Activity.id)
        .where(
            Enrolment.status == EnrolmentStatus.WAITLISTED,
            Enrolment.offer_expires_at.is_(None),
            Activity.status == ActivityStatus.PUBLISHED,
            (dates.c.last_end.is_(None)) | (dates.c.last_end > now),
        )
        .distinct()
    ).all()
    activities = _activities(list(ids))
    summaries = seat_summaries(activities.values())
    result = [
        FreeSeats(activity, summaries[activity.id])
        for activity in activities.values()
        if summaries[activity.id].seats_left is None or summaries[activity.id].seats_left > 0
    ]
    result.sort(key=lambda item: item.activity.title.lower())
    return result[:limit]


def _activities(ids: list[int]) -> dict[int, Activity]:
    if not ids:
        return {}
    return {
        a.id: a
        for a in db.session.scalars(
            select(Activity).where(Activity.id.in_(ids)).options(joinedload(Activity.parent))
        )
    }
