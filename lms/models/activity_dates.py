"""When an activity runs, in SQL: per activity its first start, last end and number of
scheduled sessions, a programme's modules included (cancelled sessions do not count).
"""

from __future__ import annotations

from sqlalchemy import func, select, union_all

from lms.models.activity import Activity, ActivitySession, SessionStatus


def activity_dates():  # type: ignore[no-untyped-def]
    """Subquery: per activity (a programme through its modules too) the first start, the last
    end and the number of its scheduled sessions."""
    own = select(
        ActivitySession.activity_id.label("owner"),
        ActivitySession.starts_at.label("starts_at"),
        ActivitySession.ends_at.label("ends_at"),
    ).where(ActivitySession.status == SessionStatus.SCHEDULED)
    via_module = (
        select(
            Activity.parent_id.label("owner"),
            ActivitySession.starts_at.label("starts_at"),
            ActivitySession.ends_at.label("ends_at"),
        )
        .join(Activity, Activity.id == ActivitySession.activity_id)
        .where(ActivitySession.status == SessionStatus.SCHEDULED, Activity.parent_id.is_not(None))
    )
    sessions = union_all(own, via_module).subquery("owned_sessions")
    return (
        select(
            sessions.c.owner,
            func.min(sessions.c.starts_at).label("first_start"),
            func.max(sessions.c.ends_at).label("last_end"),
            func.count().label("sessions"),
        )
        .group_by(sessions.c.owner)
        .subquery("activity_dates")
    )
