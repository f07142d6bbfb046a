"""The report per period (:func:`period_report`): distinct participants, hours delivered
per theme, per kind, per organisation and per month, activities and sessions held. Five
queries, whatever the size of the period. The definitions are
:data:`lms.reports.common.DEFINITIONS`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from lms.common.timeutil import MONTH_NAMES, SHORT_MONTH_NAMES, to_local
from lms.extensions import db
from lms.models import (
    KIND_LABELS,
    Activity,
    ActivityKind,
    ActivitySession,
    ActivityStatus,
    Attendance,
    Enrolment,
    EnrolmentStatus,
    Organisation,
    Theme,
    User,
    activity_themes,
    utcnow,
)
from lms.reports.common import (
    KIND_ORDER,
    Period,
    hours,
    hours_text,
)
from lms.reports.sql import (
    attended_condition,
    attended_minutes_expr,
    held_condition,
    session_minutes,
)

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
