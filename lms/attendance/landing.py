"""Where a trainer lands after logging in: today's session, or Mijn sessies.

A trainer who logs in on the day of a session mostly wants to take attendance or show
the check-in code, so the login sends them straight there (see
:func:`lms.accounts.views.login`). Reading only; one query.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from lms.attendance.queries import trained_activity_ids
from lms.common.timeutil import local_day_bounds, to_local
from lms.extensions import db
from lms.models import Activity, ActivitySession, ActivityStatus, Role, SessionStatus, User


def todays_session(user: User, now: datetime) -> ActivitySession | None:
    """The session of today the trainer runs that matters now: the one running, else the
    next one today, else the last one that started today."""
    day_start, day_end = local_day_bounds(to_local(now).date())
    sessions = list(
        db.session.scalars(
            select(ActivitySession)
            .join(Activity, Activity.id == ActivitySession.activity_id)
            .where(
                ActivitySession.starts_at >= day_start,
                ActivitySession.starts_at < day_end,
                ActivitySession.status != SessionStatus.CANCELLED,
                Activity.status != ActivityStatus.CANCELLED,
                ActivitySession.activity_id.in_(trained_activity_ids(user.id)),
            )
            .order_by(ActivitySession.starts_at, ActivitySession.id)
        )
    )
    if not sessions:
        return None
    for session in sessions:
        if session.starts_at <= now <= session.ends_at:
            return session
    upcoming = [s for s in sessions if s.starts_at > now]
    return upcoming[0] if upcoming else sessions[-1]


def landing_endpoint(user: User, now: datetime) -> tuple[str, dict[str, int]] | None:
    """``(endpoint, values)`` for a trainer's first page, or None for everyone else."""
    if not user.has_role(Role.TRAINER):
        return None
    session = todays_session(user, now)
    if session is None:
        return "attendance.my_sessions", {}
    return "attendance.take", {"session_id": session.id}
