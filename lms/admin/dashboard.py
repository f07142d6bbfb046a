"""What needs a coordinator's attention, for the dashboard (``admin.dashboard``).

Each question is one or two grouped queries, whatever the size of the offer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload

from lms.admin.offer import session_dates
from lms.enrolment.queries import SeatSummary, seat_summaries
from lms.extensions import db
from lms.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Enrolment,
    EnrolmentStatus,
    MailStatus,
    OutboxMail,
    activity_trainers,
)

#: "Starting soon": the first session within this many days.
SOON = timedelta(days=21)
#: At most this many activities per list on the dashboard (the full lists are linked).
LIMIT = 8


@dataclass(frozen=True)
class PendingRequests:
    activity: Activity
    count: int
    oldest: datetime


@dataclass(frozen=True)
class StartingSoon:
    activity: Activity
    first_start: datetime


@dataclass(frozen=True)
class FreeSeats:
    activity: Activity
    seats: SeatSummary


@dataclass
class Attention:
    pending: list[PendingRequests] = field(default_factory=list)
    pending_total: int = 0
    without_trainer: list[StartingSoon] = field(default_factory=list)
    failed_mails: int = 0
    queued_mails: int = 0
    free_seats: list[FreeSeats] = field(default_factory=list)
    certificates: list = field(default_factory=list)  # lms.certificates.overview.ActivityIssuing
    published_upcoming: int = 0
    drafts: int = 0
    #: What still has to be done so attendance and certificates add up
    #: (lms.attendance.todo.TodoList).
    todo: object = None

    @property
    def nothing(self) -> bool:
        return not (
            self.pending
            or self.without_trainer
            or self.failed_mails
            or self.free_seats
            or self.certificates
            or (self.todo is not None and not self.todo.empty)
        )


def pending_requests(limit: int = LIMIT) -> tuple[list[PendingRequests], int]:
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


def starting_soon_without_trainer(now: datetime, limit: int = LIMIT) -> list[StartingSoon]:
    """Published activities whose first session is near and that nobody runs (a module
    counts as run when its programme has a trainer)."""
    dates = session_dates()
    no_own = ~exists().where(activity_trainers.c.activity_id == Activity.id)
    no_parents = ~exists().where(activity_trainers.c.activity_id == Activity.parent_id)
    rows = db.session.execute(
        select(Activity, dates.c.first_start)
        .join(dates, dates.c.owner == Activity.id)
        .where(
            Activity.status == ActivityStatus.PUBLISHED,
            dates.c.first_start > now,
            dates.c.first_start <= now + SOON,
            no_own,
            no_parents,
            Activity.kind != ActivityKind.PROGRAMME,
        )
        .order_by(dates.c.first_start, Activity.id)
        .limit(limit)
    ).all()
    return [StartingSoon(activity, first) for activity, first in rows]


def free_seats_while_waiting(now: datetime, limit: int = LIMIT) -> list[FreeSeats]:
    """Published activities not over yet with a free seat while people wait without an
    offer (e.g. an offer could not be made any more): a coordinator can move someone up."""
    dates = session_dates()
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


def mail_counts() -> dict[MailStatus, int]:
    rows = db.session.execute(
        select(OutboxMail.status, func.count(OutboxMail.id)).group_by(OutboxMail.status)
    ).all()
    counts = dict.fromkeys(MailStatus, 0)
    counts.update({status: int(count) for status, count in rows})
    return counts


def offer_counts(now: datetime) -> tuple[int, int]:
    """(published activities not over yet, drafts)."""
    dates = session_dates()
    published = db.session.scalar(
        select(func.count(Activity.id))
        .outerjoin(dates, dates.c.owner == Activity.id)
        .where(
            Activity.status == ActivityStatus.PUBLISHED,
            Activity.parent_id.is_(None),
            (dates.c.last_end.is_(None)) | (dates.c.last_end >= now),
        )
    )
    drafts = db.session.scalar(
        select(func.count(Activity.id)).where(Activity.status == ActivityStatus.DRAFT)
    )
    return int(published or 0), int(drafts or 0)


def attention(now: datetime) -> Attention:
    from lms.certificates.overview import issuing_overview

    result = Attention()
    result.pending, result.pending_total = pending_requests()
    result.without_trainer = starting_soon_without_trainer(now)
    counts = mail_counts()
    result.failed_mails = counts[MailStatus.FAILED]
    result.queued_mails = counts[MailStatus.QUEUED] + counts[MailStatus.SENDING]
    result.free_seats = free_seats_while_waiting(now)
    result.certificates = issuing_overview(now=now).waiting[:LIMIT]
    result.published_upcoming, result.drafts = offer_counts(now)
    from lms.attendance.todo import coordinator_todo

    result.todo = coordinator_todo(now)
    return result


def _activities(ids: list[int]) -> dict[int, Activity]:
    if not ids:
        return {}
    return {
        a.id: a
        for a in db.session.scalars(
            select(Activity).where(Activity.id.in_(ids)).options(joinedload(Activity.parent))
        )
    }
