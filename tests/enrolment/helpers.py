"""Reading enrolment state in tests."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.enrolment import queries
from lms.extensions import db
from lms.models import AuditEntry, Enrolment, EnrolmentEvent, EnrolmentStatus


def statuses(activity) -> dict[str, int]:
    rows = db.session.execute(
        select(Enrolment.status, func.count(Enrolment.id))
        .where(Enrolment.activity_id == activity.id)
        .group_by(Enrolment.status)
    ).all()
    return {status.value: count for status, count in rows}


def positions(activity) -> list[tuple[int, int]]:
    """(user id, position) of the waiting list, in order."""
    rows = queries.activity_enrolments(activity, [EnrolmentStatus.WAITLISTED])
    return [(row.enrolment.user_id, row.position) for row in rows]


def events_of(enrolment) -> list[tuple[str | None, str, int | None]]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(EnrolmentEvent)
        .where(EnrolmentEvent.enrolment_id == enrolment.id)
        .order_by(EnrolmentEvent.id)
    )
    return [
        (e.from_status.value if e.from_status else None, e.to_status.value, e.actor_id)
        for e in rows
    ]


def audit_actions(activity) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.activity_id == activity.id)
            .order_by(AuditEntry.id)
        )
    )
