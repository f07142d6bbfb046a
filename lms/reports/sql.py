"""SQL fragments both reports compute with, so sums run in the database.

Durations are computed in SQL (:func:`minutes_between`), per dialect, so summing
attendance never loads one row per person and session into Python. Attended minutes
follow the learning policy (see :mod:`lms.reports.common` for the definitions).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, case, cast, extract, func, or_

from lms.extensions import db
from lms.models import (
    ActivitySession,
    Attendance,
    AttendanceStatus,
    SessionStatus,
)

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
    """Minutes one attendance record counts for (the default learning policy)."""
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
