"""Brussels time for people, UTC for storage.

Everything stored is aware UTC (see :mod:`lms.models.base`); everything shown, typed in
a form or exported is Europe/Brussels. These helpers are the only place that converts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")

DAY_NAMES = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]
MONTH_NAMES = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]

#: The usual Dutch abbreviations ("mrt", not "maa").
SHORT_MONTH_NAMES = [
    "jan",
    "feb",
    "mrt",
    "apr",
    "mei",
    "jun",
    "jul",
    "aug",
    "sep",
    "okt",
    "nov",
    "dec",
]


def to_local(value: datetime) -> datetime:
    """An aware datetime in Brussels time."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: expected an aware one")
    return value.astimezone(BRUSSELS)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in Brussels time with its offset (``2026-03-05T09:00:00+01:00``), for JSON
    (the API and the data export); None stays None."""
    return to_local(value).isoformat() if value is not None else None


def local_to_utc(value: datetime) -> datetime:
    """Interpret a naive datetime (from a form) as Brussels wall time; return aware UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=BRUSSELS)
    return value.astimezone(UTC)


def brussels(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Aware UTC datetime of a Brussels wall-clock time: ``brussels(2026, 3, 29, 10)``."""
    return local_to_utc(datetime(year, month, day, hour, minute))


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC interval [start, end) of a calendar day in Brussels (23, 24 or 25 hours)."""
    start = datetime.combine(day, time.min, tzinfo=BRUSSELS)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=BRUSSELS)
    return start.astimezone(UTC), end.astimezone(UTC)


def format_date(value: datetime | date, *, weekday: bool = True, year: bool = True) -> str:
    """``dinsdag 3 maart 2026`` (Dutch, Brussels date)."""
    if isinstance(value, datetime):
        value = to_local(value).date()
    parts = []
    if weekday:
        parts.append(DAY_NAMES[value.weekday()])
    parts.append(f"{value.day} {MONTH_NAMES[value.month - 1]}")
    if year:
        parts.append(str(value.year))
    return " ".join(parts)


def format_short_date(value: datetime | date) -> str:
    """``3 mrt 2026``."""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return f"{value.day} {SHORT_MONTH_NAMES[value.month - 1]} {value.year}"


def format_time(value: datetime) -> str:
    """``09:30`` in Brussels time."""
    return to_local(value).strftime("%H:%M")


def format_datetime(value: datetime, *, weekday: bool = True) -> str:
    """``dinsdag 3 maart 2026 om 09:30``."""
    return f"{format_date(value, weekday=weekday)} om {format_time(value)}"


def format_period(start: datetime, end: datetime) -> str:
    """``dinsdag 3 maart 2026, 09:30–12:30`` (or two dates when it spans days)."""
    if to_local(start).date() == to_local(end).date():
        return f"{format_date(start)}, {format_time(start)}–{format_time(end)}"
    return f"{format_datetime(start)} – {format_datetime(end)}"


def format_month(year: int, month: int) -> str:
    return f"{MONTH_NAMES[month - 1]} {year}"
