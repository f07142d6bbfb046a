"""The figures of the coordinators' reports, each in a fixed number of grouped queries.

Two reports:

* **per activity** (:func:`activity_report`): for every activity with a session in the
  period — capacity, confirmed, fill rate, waiting list, pending requests, sessions,
  attendance rate and certificates. Five queries, whatever the number of activities.
* **per period** (:func:`period_report`): distinct participants, hours delivered per
  theme, per kind, per organisation and per month, activities and sessions held. Five
  queries, whatever the size of the period.

Definitions (shown on the pages as well, :data:`DEFINITIONS`):

* A session is **held** when it was not cancelled and has ended (``ends_at <= now``).
* **Attended minutes** follow the learning policy of CONTRACT.md: present counts the
  session's whole duration, partial its recorded minutes (at most the duration), absent
  and excused nothing; cancelled sessions count for nothing.
* **Fill rate** = confirmed / capacity (no rate for unlimited capacity).
* **Attendance rate** of an activity = attended minutes of its confirmed participants in
  the held sessions / (planned minutes of the held sessions × confirmed participants).
  A programme's rate is that of its modules together (and of its own sessions, if any).
* **Hours delivered** in a period = attended minutes / 60 of everyone recorded at the
  held sessions that started in the period. A module of a programme counts toward the
  kind "beroepsopleiding". An activity with several themes counts in full toward each of
  them (so the themes may add up to more than the total); a module without themes of its
  own counts toward its programme's themes.

Durations are computed in SQL (:func:`minutes_between`), per dialect, so summing
attendance never loads one row per person and session into Python.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Integer, and_, case, cast, extract, func, or_, select
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
    AttendanceStatus,
    Certificate,
    Enrolment,
    EnrolmentStatus,
    Organisation,
    SessionStatus,
    Theme,
    User,
    activity_themes,
    utcnow,
)
from lms.models.base import UTCDateTime
from lms.policy.evaluation import format_hours, minutes_to_hours
from lms.timeutil import MONTH_NAMES, SHORT_MONTH_NAMES, format_date, local_day_bounds, to_local

#: The order kinds are listed in (the order of the offer on SAM's website).
KIND_ORDER = tuple(ActivityKind)

DEFINITIONS = {
    "held": "Een sessie is afgelopen (gehouden) als ze niet geannuleerd is en haar einduur "
    "voorbij is.",
    "attended": "Aanwezige minuten volgen het leerbeleid: aanwezig telt de hele duur van de "
    "sessie, deels aanwezig de geregistreerde minuten (hoogstens de duur), afwezig en "
    "verontschuldigd tellen niet. Geannuleerde sessies tellen nooit mee.",
    "fill": "Bezettingsgraad = ingeschreven (bevestigd) ÷ capaciteit. Activiteiten zonder "
    "maximum aantal plaatsen hebben geen bezettingsgraad.",
    "attendance": "Aanwezigheidsgraad = aanwezige minuten van de ingeschreven deelnemers op de "
    "afgelopen sessies ÷ (geplande minuten van die sessies × aantal ingeschreven "
    "deelnemers). Sessies die nog moeten komen tellen niet mee. Een beroepsopleiding telt "
    "de sessies van al haar modules samen.",
    "certificates": "Attesten: geldige attesten en diploma's; ingetrokken attesten apart "
    "(ook een attest dat bij heruitreiking vervangen werd, telt als ingetrokken).",
    "hours": "Gegeven uren = aanwezige minuten ÷ 60 van iedereen die geregistreerd werd op de "
    "afgelopen sessies die in de periode begonnen. Activiteiten in ontwerp tellen niet mee.",
    "themes": "Een activiteit met meerdere thema's telt voor elk van die thema's volledig "
    "mee: de uren per thema kunnen samen dus meer zijn dan het totaal. Een module zonder "
    "eigen thema telt mee voor de thema's van haar beroepsopleiding.",
    "kinds": "Modules van een beroepsopleiding tellen als beroepsopleiding. Elke module telt "
    "als een aparte activiteit.",
    "organisations": "Per organisatie: de organisatie waar de deelnemer nu bij hoort.",
    "participants": "Unieke deelnemers: mensen die op minstens één afgelopen sessie in de "
    "periode (deels) aanwezig waren. Unieke ingeschrevenen: mensen met een bevestigde "
    "inschrijving voor een activiteit met een afgelopen sessie in de periode.",
    "selection": "Het rapport per activiteit toont de activiteiten met minstens één sessie "
    "(ook een geannuleerde) die in de periode begint; de cijfers gelden voor de hele "
    "activiteit. Modules staan onder hun beroepsopleiding.",
}


#: What each definition is about, for the explanation sheet of the downloads.
DEFINITION_LABELS = {
    "held": "Afgelopen sessie",
    "attended": "Aanwezige minuten",
    "fill": "Bezettingsgraad",
    "attendance": "Aanwezigheidsgraad",
    "certificates": "Attesten",
    "hours": "Gegeven uren",
    "themes": "Per thema",
    "kinds": "Per soort",
    "organisations": "Per organisatie",
    "participants": "Deelnemers",
    "selection": "Welke activiteiten",
}


# --- Numbers as people read them -----------------------------------------------------------


def ratio(part: int, whole: int | None) -> Decimal | None:
    """``part / whole`` as a Decimal, or None when there is nothing to divide by."""
    if not whole:
        return None
    return Decimal(part) / Decimal(whole)


def percent(value: Decimal | None) -> Decimal | None:
    """A ratio as a percentage with one decimal (half up): ``Decimal("66.7")``."""
    if value is None:
        return None
    return (value * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percent_text(value: Decimal | None) -> str:
    """``66,7 %``, ``100 %``, or ``–`` when there is no rate."""
    pct = percent(value)
    if pct is None:
        return "–"
    text = f"{pct:f}"
    if text.endswith(".0"):
        text = text[:-2]
    return text.replace(".", ",") + " %"


def hours(minutes: int) -> Decimal:
    return minutes_to_hours(minutes)


def hours_text(minutes: int) -> str:
    return format_hours(minutes_to_hours(minutes))


# --- Periods -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Calendar days in Brussels, both ends included."""

    start: date
    end: date

    @classmethod
    def year_of(cls, day: date) -> Period:
        return cls(date(day.year, 1, 1), date(day.year, 12, 31))

    @classmethod
    def this_year(cls, now: datetime | None = None) -> Period:
        return cls.year_of(to_local(now or utcnow()).date())

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """The UTC interval [start of the first day, start of the day after the last)."""
        return local_day_bounds(self.start)[0], local_day_bounds(self.end)[1]

    @property
    def label(self) -> str:
        whole = (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31)
        if whole and self.start.year == self.end.year:
            return str(self.start.year)
        return f"{format_date(self.start, weekday=False)} – {format_date(self.end, weekday=False)}"

    @property
    def slug(self) -> str:
        return f"{self.start:%Y-%m-%d}-{self.end:%Y-%m-%d}"

    def months(self) -> list[tuple[int, int]]:
        result = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            result.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return result


# --- SQL pieces -------------------------------------------------------------------------------


def minutes_between(start: Any, end: Any) -> Any:
    """Whole minutes from ``start`` to ``end`` (rounded down), as SQL for this database.

    The same as :attr:`ActivitySession.duration_minutes`, but computed by the database so
    sums need no rows in Python. SQLite stores UTC timestamps as text, PostgreSQL as
    ``timestamptz``.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(extract("epoch", end - start) / 60), Integer)
    seconds = cast(func.strftime("%s", end), Integer) - cast(func.strftime("%s", start), Integer)
    return cast(seconds / 60, Integer)


def session_minutes() -> Any:
    return minutes_between(ActivitySession.starts_at, ActivitySession.ends_at)


def attended_minutes_expr(duration: Any) -> Any:
    """Minutes one attendance record counts for (CONTRACT.md, the default learning policy)."""
    return case(
        (Attendance.status == AttendanceStatus.PRESENT, duration),
        (
            and_(Attendance.status == AttendanceStatus.PARTIAL, Attendance.minutes > duration),
            duration,
        ),
        (
            and_(Attendance.status == AttendanceStatus.PARTIAL, Attendance.minutes > 0),
            Attendance.minutes,
        ),
        else_=0,
    )


def attended_condition() -> Any:
    """The record shows the person was there (at least partly)."""
    return or_(
        Attendance.status == AttendanceStatus.PRESENT,
        and_(Attendance.status == AttendanceStatus.PARTIAL, Attendance.minutes > 0),
    )


def held_condition(now: datetime) -> Any:
    return and_(ActivitySession.status == SessionStatus.SCHEDULED, ActivitySession.ends_at <= now)


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


# --- Per period ---------------------------------------------------------------------------------


@dataclass
class Group:
    """One line of a breakdown: a label and its figures."""

    label: str
    minutes: int = 0
    activities: int = 0
    sessions: int = 0
    participants: int = 0
    key: Any = None
    #: A month or year that has not begun yet (the line chart stops before it).
    future: bool = False

    @property
    def hours(self) -> Decimal:
        return hours(self.minutes)

    @property
    def hours_text(self) -> str:
        return hours_text(self.minutes)


@dataclass
class PeriodReport:
    period: Period
    generated_at: datetime
    participants: int
    enrolled: int
    activities_held: int
    sessions_held: int
    minutes: int
    themes: list[Group]
    kinds: list[Group]
    organisations: list[Group]
    #: Months of the period (years when it spans more than 24 months), in time order.
    timeline: list[Group]
    by_year: bool = False

    @property
    def hours(self) -> Decimal:
        return hours(self.minutes)

    @property
    def hours_text(self) -> str:
        return hours_text(self.minutes)


NO_THEME = "Zonder thema"
NO_ORGANISATION = "Zonder organisatie"


def period_report(period: Period, *, now: datetime | None = None) -> PeriodReport:
    """Participants and hours delivered in a period: five queries, whatever its size."""
    now = now or utcnow()
    lo, hi = period.bounds
    listed = aliased(Activity)  # aliased: never correlated with the Activity of query 1
    offered = select(listed.id).where(listed.status != ActivityStatus.DRAFT)
    in_period = and_(
        held_condition(now),
        ActivitySession.starts_at >= lo,
        ActivitySession.starts_at < hi,
        ActivitySession.activity_id.in_(offered),
    )
    duration = session_minutes()
    parent = aliased(Activity)

    # 1. Every held session of the period with its activity and attended minutes.
    sessions = db.session.execute(
        select(
            ActivitySession.id,
            ActivitySession.activity_id,
            ActivitySession.starts_at,
            Activity.kind,
            Activity.parent_id,
            parent.kind,
            func.coalesce(func.sum(attended_minutes_expr(duration)), 0),
        )
        .join(Activity, Activity.id == ActivitySession.activity_id)
        .outerjoin(parent, parent.id == Activity.parent_id)
        .outerjoin(Attendance, Attendance.session_id == ActivitySession.id)
        .where(in_period)
        .group_by(
            ActivitySession.id,
            ActivitySession.activity_id,
            ActivitySession.starts_at,
            Activity.kind,
            Activity.parent_id,
            parent.kind,
        )
    ).all()

    activity_minutes: dict[int, int] = defaultdict(int)
    activity_kind: dict[int, ActivityKind] = {}
    activity_parent: dict[int, int | None] = {}
    by_kind: dict[ActivityKind, Group] = {k: Group(label=KIND_LABELS[k], key=k) for k in KIND_ORDER}
    by_year = len(period.months()) > 24
    buckets = (
        [(y, 0) for y in range(period.start.year, period.end.year + 1)]
        if by_year
        else period.months()
    )
    today = to_local(now)
    current = (today.year, 0) if by_year else (today.year, today.month)
    timeline = {b: Group(label=_bucket_label(b), key=b, future=b > current) for b in buckets}
    total = 0
    for _sid, activity_id, starts_at, kind, parent_id, parent_kind, minutes in sessions:
        minutes = int(minutes or 0)
        total += minutes
        report_kind = parent_kind or kind
        activity_minutes[activity_id] += minutes
        activity_kind[activity_id] = report_kind
        activity_parent[activity_id] = parent_id
        group = by_kind[report_kind]
        group.sessions += 1
        group.minutes += minutes
        local = to_local(starts_at)
        bucket = timeline.get((local.year, 0) if by_year else (local.year, local.month))
        if bucket is not None:
            bucket.sessions += 1
            bucket.minutes += minutes
    for kind in activity_kind.values():
        by_kind[kind].activities += 1

    # 2. Themes of those activities and of their programmes; 3. every theme (zeros too).
    wanted = set(activity_minutes) | {p for p in activity_parent.values() if p}
    themes_of: dict[int, list[int]] = defaultdict(list)
    if wanted:
        for activity_id, theme_id in db.session.execute(
            select(activity_themes.c.activity_id, activity_themes.c.theme_id).where(
                activity_themes.c.activity_id.in_(sorted(wanted))
            )
        ):
            themes_of[activity_id].append(theme_id)
    theme_groups = {
        theme_id: Group(label=name, key=theme_id)
        for theme_id, name in db.session.execute(select(Theme.id, Theme.name).order_by(Theme.name))
    }
    no_theme = Group(label=NO_THEME)
    for activity_id, minutes in activity_minutes.items():
        own = themes_of.get(activity_id) or themes_of.get(activity_parent[activity_id] or 0) or []
        targets = [theme_groups[t] for t in own if t in theme_groups] or [no_theme]
        for group in targets:
            group.activities += 1
            group.minutes += minutes
    themes = sorted(theme_groups.values(), key=lambda g: (-g.minutes, g.label.lower()))
    if no_theme.activities:
        themes.append(no_theme)

    # 4. Per organisation: people present and their minutes.
    attended = attended_condition()
    organisations = [
        Group(
            label=name or NO_ORGANISATION,
            key=organisation_id,
            participants=int(people or 0),
            minutes=int(minutes or 0),
        )
        for organisation_id, name, people, minutes in db.session.execute(
            select(
                User.organisation_id,
                Organisation.name,
                func.count(func.distinct(Attendance.user_id)),
                func.sum(attended_minutes_expr(duration)),
            )
            .select_from(Attendance)
            .join(ActivitySession, ActivitySession.id == Attendance.session_id)
            .join(User, User.id == Attendance.user_id)
            .outerjoin(Organisation, Organisation.id == User.organisation_id)
            .where(in_period, attended)
            .group_by(User.organisation_id, Organisation.name)
        )
    ]
    organisations.sort(key=lambda g: (g.key is None, -g.minutes, g.label.lower()))

    # 5. Distinct people present, and distinct people enrolled in what was held.
    held_activities = select(ActivitySession.activity_id).where(in_period)
    present_people = (
        select(func.count(func.distinct(Attendance.user_id)))
        .select_from(Attendance)
        .join(ActivitySession, ActivitySession.id == Attendance.session_id)
        .where(in_period, attended)
        .scalar_subquery()
    )
    enrolled_people = (
        select(func.count(func.distinct(Enrolment.user_id)))
        .where(
            Enrolment.status == EnrolmentStatus.CONFIRMED,
            Enrolment.activity_id.in_(held_activities),
        )
        .scalar_subquery()
    )
    participants, enrolled = db.session.execute(select(present_people, enrolled_people)).one()

    return PeriodReport(
        period=period,
        generated_at=now,
        participants=int(participants or 0),
        enrolled=int(enrolled or 0),
        activities_held=len(activity_minutes),
        sessions_held=len(sessions),
        minutes=total,
        themes=themes,
        kinds=[by_kind[k] for k in KIND_ORDER],
        organisations=organisations,
        timeline=[timeline[b] for b in buckets],
        by_year=by_year,
    )


def _bucket_label(bucket: tuple[int, int]) -> str:
    year, month = bucket
    if month == 0:
        return str(year)
    return f"{MONTH_NAMES[month - 1]} {year}"


def short_bucket_label(group: Group) -> str:
    """``jan 26`` for a month, ``2026`` for a year (the x labels of the line chart)."""
    year, month = group.key
    if month == 0:
        return str(year)
    return f"{SHORT_MONTH_NAMES[month - 1]} {str(year)[2:]}"
