"""Reading activities for the pages that show one whole (its page in the catalogue, its
admin page): sessions, trainers, parent and modules in a fixed number of queries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.extensions import db
from lms.models import MAX_ID, Activity

#: Ids beyond an INTEGER column's range cannot exist (and would overflow the driver).


def activity_with_sessions(activity_id: int) -> Activity | None:
    """The activity with its sessions, trainers, parent and modules (with theirs), or None."""
    if not 0 < activity_id <= MAX_ID:
        return None
    return db.session.scalar(
        select(Activity)
        .where(Activity.id == activity_id)
        .options(
            selectinload(Activity.sessions),
            selectinload(Activity.trainers),
            joinedload(Activity.parent),
            selectinload(Activity.modules).options(
                selectinload(Activity.sessions), selectinload(Activity.trainers)
            ),
        )
    )
