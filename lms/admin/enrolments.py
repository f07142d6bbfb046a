"""An activity's enrolments grouped the way coordinators work with them.

Two queries for any number of enrolments: the rows (with person, organisation and who
enrolled them) and the waiting-list positions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.enrolment.queries import EnrolmentRow, waitlist_positions
from lms.extensions import db
from lms.models import MAX_ID, Activity, Enrolment, EnrolmentEvent, EnrolmentStatus, User


@dataclass
class EnrolmentLists:
    confirmed: list[EnrolmentRow] = field(default_factory=list)
    #: Waitlisted people holding an open offer of a freed seat.
    offered: list[EnrolmentRow] = field(default_factory=list)
    waiting: list[EnrolmentRow] = field(default_factory=list)
    pending: list[EnrolmentRow] = field(default_factory=list)
    ended: list[EnrolmentRow] = field(default_factory=list)


def enrolment_lists(activity: Activity, now: datetime) -> EnrolmentLists:
    rows = list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.activity_id == activity.id)
            .options(
                joinedload(Enrolment.user).joinedload(User.organisation),
                joinedload(Enrolment.enrolled_by),
            )
        )
    )
    positions = waitlist_positions([activity.id])
    lists = EnrolmentLists()
    for enrolment in rows:
        row = EnrolmentRow(enrolment, positions.get(enrolment.id))
        if enrolment.status == EnrolmentStatus.CONFIRMED:
            lists.confirmed.append(row)
        elif enrolment.status == EnrolmentStatus.PENDING:
            lists.pending.append(row)
        elif enrolment.status == EnrolmentStatus.WAITLISTED:
            offer = enrolment.offer_expires_at
            (lists.offered if offer is not None and offer > now else lists.waiting).append(row)
        else:
            lists.ended.append(row)
    by_name = lambda r: (r.enrolment.user.name.lower(), r.enrolment.id)  # noqa: E731
    lists.confirmed.sort(key=by_name)
    lists.pending.sort(key=lambda r: (r.enrolment.created_at, r.enrolment.id))
    lists.waiting.sort(key=lambda r: (r.position or 0, r.enrolment.id))
    lists.offered.sort(key=lambda r: (r.position or 0, r.enrolment.id))
    lists.ended.sort(key=lambda r: (-r.enrolment.updated_at.timestamp(), r.enrolment.id))
    return lists


def load_enrolment(enrolment_id: int) -> Enrolment | None:
    """An enrolment with its person, activity and history (who did what, when)."""
    if not 0 < enrolment_id <= MAX_ID:
        return None
    return db.session.scalar(
        select(Enrolment)
        .where(Enrolment.id == enrolment_id)
        .options(
            joinedload(Enrolment.user).joinedload(User.organisation),
            joinedload(Enrolment.activity).joinedload(Activity.parent),
            joinedload(Enrolment.enrolled_by),
            selectinload(Enrolment.events).joinedload(EnrolmentEvent.actor),
        )
    )


def pending_everywhere(limit: int = 200) -> list[Enrolment]:
    """Every request waiting for approval, oldest first (for the requests page)."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.status == EnrolmentStatus.PENDING)
            .options(
                joinedload(Enrolment.user).joinedload(User.organisation),
                joinedload(Enrolment.activity).joinedload(Activity.parent),
            )
            .order_by(Enrolment.created_at, Enrolment.id)
            .limit(limit)
        )
    )
