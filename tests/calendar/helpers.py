"""Small helpers shared by the calendar tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta


def last_sunday(year: int, month: int) -> date:
    """The last Sunday of a month (the EU summer-time switch in March and October)."""
    following = date(year + (month == 12), month % 12 + 1, 1)
    day = following - timedelta(days=1)
    return day - timedelta(days=(day.weekday() - 6) % 7)


def hours_from_now(hours: float) -> datetime:
    from lms.models import utcnow

    return utcnow().replace(microsecond=0) + timedelta(hours=hours)
