""" "Mijn agenda": a month of one's own sessions, laid out as weeks (pure, no database)."""

from __future__ import annotations

import calendar as pycalendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from lms.common.display_dates import display_date, display_month, display_weekday
from lms.common.timeutil import BRUSSELS, to_local


@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    sessions: list[Any] = field(default_factory=list)

    @property
    def label(self) -> str:
        """``maandag 3 maart`` (for screen readers and the list view), in the reader's language."""
        return display_date(self.day, year=False)


@dataclass
class Month:
    year: int
    month: int
    weeks: list[list[Day]]
    previous: tuple[int, int]
    next: tuple[int, int]

    @property
    def title(self) -> str:
        return display_month(self.year, self.month)

    @property
    def days_with_sessions(self) -> list[Day]:
        return [d for week in self.weeks for d in week if d.in_month and d.sessions]

    @property
    def list_days(self) -> list[Day]:
        """Days for the list view (phones): those with sessions, and today."""
        return [d for week in self.weeks for d in week if d.in_month and (d.sessions or d.is_today)]

    @property
    def session_count(self) -> int:
        return sum(len(d.sessions) for d in self.days_with_sessions)

    @property
    def cancelled_count(self) -> int:
        return sum(1 for d in self.days_with_sessions for s in d.sessions if is_cancelled(s))


def is_cancelled(session: Any) -> bool:
    """The session does not take place: cancelled itself, or its whole activity is."""
    return session.status == "cancelled" or session.activity.status == "cancelled"


def weekday_headers() -> list[tuple[str, str]]:
    """Column headers, Monday first: ``("ma", "maandag")``, … in the reader's language."""
    monday = date(2024, 1, 1)
    names = [display_weekday(monday + timedelta(days=offset)) for offset in range(7)]
    return [(name[:2], name) for name in names]


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The UTC interval [start, end) of a month in Brussels."""
    start = datetime.combine(date(year, month, 1), time.min, tzinfo=BRUSSELS)
    following = shift(year, month, 1)
    end = datetime.combine(date(*following, 1), time.min, tzinfo=BRUSSELS)
    return start.astimezone(UTC), end.astimezone(UTC)


def shift(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def build_month(year: int, month: int, sessions: Iterable[Any], today: date) -> Month:
    """Weeks (Monday first) of the month, each day with its sessions in start order."""
    by_day: dict[date, list[Any]] = defaultdict(list)
    for session in sessions:
        by_day[to_local(session.starts_at).date()].append(session)
    weeks = [
        [
            Day(day=d, in_month=d.month == month, is_today=d == today, sessions=by_day.get(d, []))
            for d in week
        ]
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    return Month(
        year=year,
        month=month,
        weeks=weeks,
        previous=shift(year, month, -1),
        next=shift(year, month, 1),
    )
