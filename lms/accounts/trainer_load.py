"""Who still runs activities: a trainer role is not taken away from them by accident.

An activity counts while it is a draft or published and its last session has not ended
(or it has no sessions yet). Used by the CSV import (:mod:`lms.accounts.importer`,
:mod:`lms.accounts.import_plan`) before it drops a trainer role.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, or_, select

from lms.extensions import db
from lms.models import Activity, ActivitySession, ActivityStatus, activity_trainers, utcnow

#: Rows per IN (...) list: well below the parameter limits of SQLite and PostgreSQL.
CHUNK = 500


def activities_run(user_ids: Iterable[int], now: datetime | None = None) -> dict[int, int]:
    """How many current activities each of these users is a trainer of (absent: none)."""
    now = now or utcnow()
    ids = sorted(set(user_ids))
    last_end = (
        select(ActivitySession.activity_id, func.max(ActivitySession.ends_at).label("last_end"))
        .group_by(ActivitySession.activity_id)
        .subquery()
    )
    counts: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = db.session.execute(
            select(activity_trainers.c.user_id, func.count(Activity.id))
            .join(Activity, Activity.id == activity_trainers.c.activity_id)
            .outerjoin(last_end, last_end.c.activity_id == Activity.id)
            .where(
                activity_trainers.c.user_id.in_(chunk),
                Activity.status.in_([ActivityStatus.DRAFT, ActivityStatus.PUBLISHED]),
                or_(last_end.c.last_end.is_(None), last_end.c.last_end >= now),
            )
            .group_by(activity_trainers.c.user_id)
        )
        for user_id, count in rows:
            counts[user_id] = count
    return counts
