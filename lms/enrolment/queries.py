"""Read-only questions about enrolments, shared by pages, feeds, reports and the API.

Writing is :mod:`lms.enrolment.service`'s job alone; this module only counts and lists,
with one query for any number of activities (no N+1).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, func, select

from lms.extensions import db
from lms.models import Activity, Enrolment, EnrolmentStatus, User


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
