"""The coordinators' view of the whole offer: every activity, whatever its status.

:func:`list_activities` answers one page of the list in a constant number of queries (a
count, the page with its dates, trainers, themes and the seat counts), whatever the
number of activities. Dates of a programme are those of its modules' sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from lms.common.pagination import Page, paginate
from lms.common.text_search import contains_folded, search_words
from lms.enrolment.queries import SeatSummary, seat_summaries
from lms.extensions import db
from lms.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Role,
    User,
    UserRole,
    activity_trainers,
)
from lms.models.activity_dates import activity_dates

PERIODS = ("upcoming", "past", "all")


@dataclass(frozen=True)
class OfferFilters:
    status: ActivityStatus | None = None
    kind: ActivityKind | None = None
    text: str = ""
    #: ``upcoming`` (not over yet, or without sessions), ``past`` or ``all``.
    period: str = "upcoming"
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> OfferFilters:
        def enum_value(enum_cls: Any, value: Any) -> Any:
            try:
                return enum_cls(value) if value else None
            except ValueError:
                return None

        from lms.common.pagination import page_number

        period = args.get("period", "upcoming")
        return cls(
            status=enum_value(ActivityStatus, args.get("status")),
            kind=enum_value(ActivityKind, args.get("kind")),
            text=(args.get("q") or "").strip()[:200],
            period=period if period in PERIODS else "upcoming",
            page=page_number(args.get("page")),
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments of these filters (for links to other pages)."""
        values = {
            "status": self.status.value if self.status else None,
            "kind": self.kind.value if self.kind else None,
            "q": self.text or None,
            "period": self.period if self.period != "upcoming" else None,
            "page": self.page if self.page > 1 else None,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class OfferRow:
    activity: Activity
    first_start: datetime | None
    last_end: datetime | None
    seats: SeatSummary
    sessions: int


def list_activities(filters: OfferFilters, *, now: datetime, per_page: int = 50) -> Page[OfferRow]:
    dates = activity_dates()
    query = select(Activity, dates.c.first_start, dates.c.last_end, dates.c.sessions).outerjoin(
        dates, dates.c.owner == Activity.id
    )
    conditions = []
    if filters.status is not None:
        conditions.append(Activity.status == filters.status)
    if filters.kind is not None:
        conditions.append(Activity.kind == filters.kind)
    for word in search_words(filters.text):
        conditions.append(
            or_(contains_folded(Activity.title, word), contains_folded(Activity.summary, word))
        )
    if filters.period == "upcoming":
        conditions.append(or_(dates.c.last_end.is_(None), dates.c.last_end >= now))
    elif filters.period == "past":
        conditions.append(dates.c.last_end < now)
    if conditions:
        query = query.where(and_(*conditions))
    no_dates = case((dates.c.first_start.is_(None), 1), else_=0)
    if filters.period == "upcoming":
        query = query.order_by(no_dates, dates.c.first_start, Activity.id)
    elif filters.period == "past":
        query = query.order_by(dates.c.last_end.desc(), Activity.id.desc())
    else:
        query = query.order_by(no_dates.desc(), dates.c.first_start.desc(), Activity.id.desc())
    query = query.options(joinedload(Activity.parent), selectinload(Activity.trainers))
    page = paginate(query, filters.page, per_page)
    summaries = seat_summaries([row[0] for row in page.items])
    rows = [
        OfferRow(
            activity=activity,
            first_start=first,
            last_end=last,
            seats=summaries[activity.id],
            sessions=int(count or 0),
        )
        for activity, first, last, count in page.items
    ]
    return Page(items=rows, page=page.page, per_page=page.per_page, total=page.total)


def programmes() -> list[Activity]:
    """Programmes a new module can belong to (not cancelled or archived), by title."""
    return list(
        db.session.scalars(
            select(Activity)
            .where(
                Activity.kind == ActivityKind.PROGRAMME,
                Activity.status.in_([ActivityStatus.DRAFT, ActivityStatus.PUBLISHED]),
            )
            .order_by(Activity.title, Activity.id)
        )
    )


def trainers() -> list[User]:
    """Everyone holding the trainer role, active accounts, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.TRAINER, User.active.is_(True), User.erased_at.is_(None))
            .order_by(User.name, User.id)
        )
    )


# --- For the dashboard -----------------------------------------------------------------

#: "Starting soon": the first session within this many days.
SOON = timedelta(days=21)


@dataclass(frozen=True)
class StartingSoon:
    activity: Activity
    first_start: datetime


def starting_soon_without_trainer(now: datetime, limit: int) -> list[StartingSoon]:
    """Published activities whose first session is near and that nobody runs (a module
    counts as run when its programme has a trainer)."""
    dates = activity_dates()
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


def offer_counts(now: datetime) -> tuple[int, int]:
    """(published activities not over yet, drafts)."""
    dates = activity_dates()
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
