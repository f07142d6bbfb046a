"""The report per activity (:func:`activity_report`) and one activity in detail
(:func:`activity_detail`).

For every activity with a session in the period: capacity, confirmed, fill rate, waiting
list, pending requests, sessions, attendance rate and certificates. Five queries, whatever
the number of activities; the detail of one activity and its sessions takes six. The
definitions are :data:`lms.reports.common.DEFINITIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from lms.enrolment.queries import seat_summaries
from lms.extensions import db
from lms.models import (
    KIND_LABELS,
    Activity,
    ActivityKind,
    ActivitySession,
    ActivityStatus,
    Attendance,
    Certificate,
    Enrolment,
    EnrolmentStatus,
    SessionStatus,
    utcnow,
)
from lms.models.base import UTCDateTime
from lms.reports.common import (
    KIND_ORDER,
    Period,
    hours,
    ratio,
)
from lms.reports.sql import (
    attended_condition,
    attended_minutes_expr,
    held_condition,
    session_minutes,
)

# --- Per activity ----------------------------------------------------------------------------


ORDERS = {
    "datum": "eerste sessie",
    "titel": "titel",
    "bezetting": "bezettingsgraad (hoogste eerst)",
    "aanwezigheid": "aanwezigheidsgraad (laagste eerst)",
    "wachtlijst": "wachtlijst (langste eerst)",
}


@dataclass(frozen=True)
class ActivityFilters:
    period: Period
    #: The kind to show (a module counts as its programme's kind); None: every kind.
    kind: ActivityKind | None = None
    #: The status to show; None: every status except draft.
    status: ActivityStatus | None = None
    order: str = "datum"


@dataclass
class ActivityFigures:
    """The figures of one activity (for a programme: with its modules taken together)."""

    id: int
    title: str
    kind: ActivityKind
    status: ActivityStatus
    capacity: int | None
    parent_id: int | None = None
    parent_title: str | None = None
    parent_kind: ActivityKind | None = None
    confirmed: int = 0
    waitlisted: int = 0
    pending: int = 0
    #: Sessions that were not cancelled (held or still to come).
    sessions_planned: int = 0
    sessions_cancelled: int = 0
    sessions_held: int = 0
    #: Planned minutes of the held sessions.
    held_minutes: int = 0
    attended_minutes: int = 0
    expected_minutes: int = 0
    first_start: datetime | None = None
    last_end: datetime | None = None
    certificates_valid: int = 0
    certificates_revoked: int = 0
    modules: list[ActivityFigures] = field(default_factory=list)

    @property
    def is_module(self) -> bool:
        return self.parent_id is not None

    @property
    def report_kind(self) -> ActivityKind:
        """The kind it is reported under: a module counts as its programme's kind."""
        return self.parent_kind or self.kind

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def fill_rate(self) -> Decimal | None:
        return ratio(self.confirmed, self.capacity) if self.capacity else None

    @property
    def attendance_rate(self) -> Decimal | None:
        return ratio(self.attended_minutes, self.expected_minutes)

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.confirmed >= self.capacity

    @property
    def attended_hours(self) -> Decimal:
        return hours(self.attended_minutes)

    @property
    def expected_hours(self) -> Decimal:
        return hours(self.expected_minutes)


@dataclass
class KindTotals:
    kind: ActivityKind
    activities: int = 0
    capacity: int = 0
    #: Confirmed people in activities with a capacity (the base of the fill rate).
    confirmed_limited: int = 0
    confirmed: int = 0
    attended_minutes: int = 0
    expected_minutes: int = 0

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def fill_rate(self) -> Decimal | None:
        return ratio(self.confirmed_limited, self.capacity)

    @property
    def attendance_rate(self) -> Decimal | None:
        return ratio(self.attended_minutes, self.expected_minutes)


@dataclass
class ActivityReport:
    filters: ActivityFilters
    #: Top-level activities in the chosen order; a programme's modules are in ``.modules``.
    rows: list[ActivityFigures]
    generated_at: datetime

    @property
    def all_rows(self) -> list[ActivityFigures]:
        """Every row as listed: each activity followed by its modules."""
        result = []
        for row in self.rows:
            result.append(row)
            result.extend(row.modules)
        return result

    @property
    def totals(self) -> KindTotals:
        """Over the listed activities (a programme counts once, modules included)."""
        total = KindTotals(kind=ActivityKind.COURSE)
        for row in self.rows:
            _add(total, row)
        return total

    @property
    def per_kind(self) -> list[KindTotals]:
        by_kind: dict[ActivityKind, KindTotals] = {}
        for row in self.rows:
            _add(by_kind.setdefault(row.kind, KindTotals(kind=row.kind)), row)
        return [by_kind[k] for k in KIND_ORDER if k in by_kind]

    @property
    def sessions_held(self) -> int:
        return sum(r.sessions_held for r in self.rows)

    @property
    def waitlisted(self) -> int:
        return sum(r.waitlisted for r in self.all_rows)

    @property
    def pending(self) -> int:
        return sum(r.pending for r in self.all_rows)

    @property
    def certificates_valid(self) -> int:
        return sum(r.certificates_valid for r in self.all_rows)

    @property
    def certificates_revoked(self) -> int:
        return sum(r.certificates_revoked for r in self.all_rows)

    @property
    def modules(self) -> int:
        return sum(len(r.modules) for r in self.rows)

    def longest_waitlists(self, limit: int = 10) -> list[ActivityFigures]:
        waiting = [r for r in self.all_rows if r.waitlisted > 0]
        waiting.sort(key=lambda r: (-r.waitlisted, r.title.lower(), r.id))
        return waiting[:limit]


def _add(total: KindTotals, row: ActivityFigures) -> None:
    total.activities += 1
    total.confirmed += row.confirmed
    if row.capacity:
        total.capacity += row.capacity
        total.confirmed_limited += row.confirmed
    total.attended_minutes += row.attended_minutes
    total.expected_minutes += row.expected_minutes


def _activity_rows(where: Any) -> list[ActivityFigures]:
    """Activities (with their parent's title and kind) matching ``where``: one query."""
    parent = aliased(Activity)
    rows = db.session.execute(
        select(
            Activity.id,
            Activity.title,
            Activity.kind,
            Activity.status,
            Activity.capacity,
            Activity.parent_id,
            parent.title,
            parent.kind,
        )
        .outerjoin(parent, parent.id == Activity.parent_id)
        .where(where)
        .order_by(Activity.id)
    ).all()
    return [
        ActivityFigures(
            id=r[0],
            title=r[1],
            kind=r[2],
            status=r[3],
            capacity=r[4],
            parent_id=r[5],
            parent_title=r[6],
            parent_kind=r[7],
        )
        for r in rows
    ]


def _fill_figures(rows: list[ActivityFigures], now: datetime) -> None:
    """Seats, sessions, attendance and certificates of ``rows``: four grouped queries."""
    if not rows:
        return
    ids = [r.id for r in rows]
    by_id = {r.id: r for r in rows}

    # 1. Seats: confirmed, waitlisted, pending (the same counts as every other page;
    #    seat_summaries only reads ``.id`` and ``.capacity``, which the rows have).
    for activity_id, summary in seat_summaries(rows).items():
        row = by_id[activity_id]
        row.confirmed, row.waitlisted, row.pending = (
            summary.confirmed,
            summary.waitlisted,
            summary.pending,
        )

    # 2. Sessions.
    duration = session_minutes()
    scheduled = ActivitySession.status == SessionStatus.SCHEDULED
    held = held_condition(now)
    session_rows = db.session.execute(
        select(
            ActivitySession.activity_id,
            func.sum(case((scheduled, 1), else_=0)),
            func.sum(case((scheduled, 0), else_=1)),
            func.sum(case((held, 1), else_=0)),
            func.sum(case((held, duration), else_=0)),
            func.min(case((scheduled, ActivitySession.starts_at)), type_=UTCDateTime()),
            func.max(case((scheduled, ActivitySession.ends_at)), type_=UTCDateTime()),
        )
        .where(ActivitySession.activity_id.in_(ids))
        .group_by(ActivitySession.activity_id)
    )
    for activity_id, planned, cancelled, held_count, held_minutes, first, last in session_rows:
        row = by_id[activity_id]
        row.sessions_planned = int(planned or 0)
        row.sessions_cancelled = int(cancelled or 0)
        row.sessions_held = int(held_count or 0)
        row.held_minutes = int(held_minutes or 0)
        row.first_start, row.last_end = first, last

    # 3. Attended minutes of the confirmed participants at the held sessions.
    for activity_id, minutes in db.session.execute(
        select(ActivitySession.activity_id, func.sum(attended_minutes_expr(duration)))
        .select_from(Attendance)
        .join(ActivitySession, ActivitySession.id == Attendance.session_id)
        .join(
            Enrolment,
            and_(
                Enrolment.activity_id == ActivitySession.activity_id,
                Enrolment.user_id == Attendance.user_id,
                Enrolment.status == EnrolmentStatus.CONFIRMED,
            ),
        )
        .where(ActivitySession.activity_id.in_(ids), held)
        .group_by(ActivitySession.activity_id)
    ):
        by_id[activity_id].attended_minutes = int(minutes or 0)

    # 4. Certificates, valid and revoked.
    revoked = Certificate.revoked_at.is_not(None)
    for activity_id, valid_count, revoked_count in db.session.execute(
        select(
            Certificate.activity_id,
            func.sum(case((revoked, 0), else_=1)),
            func.sum(case((revoked, 1), else_=0)),
        )
        .where(Certificate.activity_id.in_(ids))
        .group_by(Certificate.activity_id)
    ):
        row = by_id[activity_id]
        row.certificates_valid = int(valid_count or 0)
        row.certificates_revoked = int(revoked_count or 0)

    for row in rows:
        row.expected_minutes = row.held_minutes * row.confirmed


def _nest(rows: list[ActivityFigures]) -> list[ActivityFigures]:
    """Put modules under their programme, whose session and attendance figures then
    include theirs. Returns the top-level rows."""
    by_id = {r.id: r for r in rows}
    top = []
    for row in rows:
        parent = by_id.get(row.parent_id) if row.parent_id is not None else None
        if parent is not None:
            parent.modules.append(row)
        elif row.parent_id is None:
            top.append(row)
    for row in top:
        if not row.modules:
            continue
        row.modules.sort(key=lambda m: (m.first_start is None, m.first_start or 0, m.id))
        for module in row.modules:
            row.sessions_planned += module.sessions_planned
            row.sessions_cancelled += module.sessions_cancelled
            row.sessions_held += module.sessions_held
            row.held_minutes += module.held_minutes
            row.attended_minutes += module.attended_minutes
            row.expected_minutes += module.expected_minutes
            if module.first_start and (not row.first_start or module.first_start < row.first_start):
                row.first_start = module.first_start
            if module.last_end and (not row.last_end or module.last_end > row.last_end):
                row.last_end = module.last_end
    return top


def _sort_key(order: str):  # -> Callable[[ActivityFigures], tuple]
    far = datetime.max.replace(tzinfo=utcnow().tzinfo)

    def by_date(r: ActivityFigures) -> tuple:
        return (r.first_start or far, r.title.lower(), r.id)

    if order == "titel":
        return lambda r: (r.title.lower(), r.id)
    if order == "bezetting":
        return lambda r: (r.fill_rate is None, -(r.fill_rate or 0), *by_date(r))
    if order == "aanwezigheid":
        return lambda r: (r.attendance_rate is None, r.attendance_rate or 0, *by_date(r))
    if order == "wachtlijst":
        return lambda r: (-r.waitlisted, *by_date(r))
    return by_date


def activity_report(filters: ActivityFilters, *, now: datetime | None = None) -> ActivityReport:
    """Every activity with a session starting in the period (and a programme whose module
    has one), with its modules. Five queries, whatever the number of activities."""
    now = now or utcnow()
    lo, hi = filters.period.bounds
    in_period = select(ActivitySession.activity_id).where(
        ActivitySession.starts_at >= lo, ActivitySession.starts_at < hi
    )
    inner = aliased(Activity)
    parents = select(inner.parent_id).where(inner.id.in_(in_period), inner.parent_id.is_not(None))
    root = aliased(Activity)
    roots = select(root.id).where(
        root.parent_id.is_(None), or_(root.id.in_(in_period), root.id.in_(parents))
    )
    rows = _activity_rows(or_(Activity.id.in_(roots), Activity.parent_id.in_(roots)))

    wanted_roots = {
        r.id
        for r in rows
        if r.parent_id is None
        and (filters.kind is None or r.kind == filters.kind)
        and (
            r.status == filters.status
            if filters.status is not None
            else r.status != ActivityStatus.DRAFT
        )
    }
    rows = [r for r in rows if (r.parent_id or r.id) in wanted_roots]
    _fill_figures(rows, now)
    top = _nest(rows)
    top.sort(key=_sort_key(filters.order))
    return ActivityReport(filters=filters, rows=top, generated_at=now)


# --- One activity in detail ----------------------------------------------------------------------


@dataclass
class SessionFigures:
    id: int
    activity_id: int
    activity_title: str
    title: str
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    minutes: int
    confirmed: int
    #: Confirmed participants with a record / present (at least partly).
    recorded: int
    present: int
    attended_minutes: int
    held: bool

    @property
    def expected_minutes(self) -> int:
        return self.minutes * self.confirmed if self.held else 0

    @property
    def attendance_rate(self) -> Decimal | None:
        return ratio(self.attended_minutes, self.expected_minutes) if self.held else None


@dataclass
class ActivityDetail:
    figures: ActivityFigures
    sessions: list[SessionFigures]
    generated_at: datetime

    @property
    def held_sessions(self) -> list[SessionFigures]:
        return [s for s in self.sessions if s.held]


def activity_detail(activity_id: int, *, now: datetime | None = None) -> ActivityDetail | None:
    """One activity (with its modules) and each of its sessions: six queries."""
    now = now or utcnow()
    rows = _activity_rows(or_(Activity.id == activity_id, Activity.parent_id == activity_id))
    if not any(r.id == activity_id for r in rows):
        return None
    _fill_figures(rows, now)
    top = _nest(rows)
    figures = next(r for r in top if r.id == activity_id) if top else None
    if figures is None:  # a module: show it on its own
        figures = next(r for r in rows if r.id == activity_id)
    by_id = {r.id: r for r in rows}
    ids = [figures.id] + [m.id for m in figures.modules]

    duration = session_minutes()
    confirmed = Enrolment.id.is_not(None)
    sessions = []
    for (
        session_id,
        owner_id,
        starts_at,
        ends_at,
        status,
        title,
        minutes,
        recorded,
        present,
        attended,
    ) in db.session.execute(
        select(
            ActivitySession.id,
            ActivitySession.activity_id,
            ActivitySession.starts_at,
            ActivitySession.ends_at,
            ActivitySession.status,
            ActivitySession.title,
            duration,
            func.sum(case((and_(confirmed, Attendance.id.is_not(None)), 1), else_=0)),
            func.sum(case((and_(confirmed, attended_condition()), 1), else_=0)),
            func.sum(case((confirmed, attended_minutes_expr(duration)), else_=0)),
        )
        .outerjoin(Attendance, Attendance.session_id == ActivitySession.id)
        .outerjoin(
            Enrolment,
            and_(
                Enrolment.activity_id == ActivitySession.activity_id,
                Enrolment.user_id == Attendance.user_id,
                Enrolment.status == EnrolmentStatus.CONFIRMED,
            ),
        )
        .where(ActivitySession.activity_id.in_(ids))
        .group_by(
            ActivitySession.id,
            ActivitySession.activity_id,
            ActivitySession.starts_at,
            ActivitySession.ends_at,
            ActivitySession.status,
            ActivitySession.title,
        )
        .order_by(ActivitySession.starts_at, ActivitySession.id)
    ):
        owner = by_id[owner_id]
        cancelled = status == SessionStatus.CANCELLED
        sessions.append(
            SessionFigures(
                id=session_id,
                activity_id=owner_id,
                activity_title=owner.title,
                title=title or "",
                starts_at=starts_at,
                ends_at=ends_at,
                cancelled=cancelled,
                minutes=int(minutes or 0),
                confirmed=owner.confirmed,
                recorded=int(recorded or 0),
                present=int(present or 0),
                attended_minutes=int(attended or 0) if not cancelled else 0,
                held=not cancelled and ends_at <= now,
            )
        )
    return ActivityDetail(figures=figures, sessions=sessions, generated_at=now)
