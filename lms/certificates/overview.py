"""The coordinators' overview: finished activities, who is eligible, what was issued.

A constant number of queries for any number of activities and participants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.certificates.service import finished_activity_ids
from lms.extensions import db
from lms.models import Activity, Certificate, utcnow
from lms.policy.evaluation import State
from lms.policy.progress import activities_progress


@dataclass
class ActivityIssuing:
    activity: Activity
    ended_at: datetime
    participants: int = 0
    eligible: int = 0
    #: Eligible people without a certificate (valid or revoked): what "uitreiken" would do.
    to_issue: int = 0
    issued: int = 0
    not_eligible: int = 0
    #: People whose result waits for attendance of sessions nobody recorded.
    incomplete: int = 0
    #: Valid certificates whose attendance changed after issuing.
    to_review: int = 0


@dataclass
class Overview:
    activities: list[ActivityIssuing] = field(default_factory=list)
    recent: list[Certificate] = field(default_factory=list)

    @property
    def waiting(self) -> list[ActivityIssuing]:
        return [a for a in self.activities if a.to_issue]


def issuing_overview(*, now: datetime | None = None, days: int = 365) -> Overview:
    now = now or utcnow()
    ids = finished_activity_ids(now)
    progress = activities_progress(ids, now=now)
    overview = Overview()
    since = now - timedelta(days=days)
    for activity_id in reversed(ids):
        items = progress.get(activity_id, [])
        if not items:
            continue
        activity = items[0].activity
        end = activity.last_end
        if end is None or end < since:
            continue
        row = ActivityIssuing(activity=activity, ended_at=end, participants=len(items))
        for item in items:
            if item.certificate is not None:
                row.issued += 1
                if item.certificate.needs_review:
                    row.to_review += 1
            if item.state == State.INCOMPLETE:
                row.incomplete += 1
            elif item.state == State.ELIGIBLE:
                row.eligible += 1
                if item.certificate is None and item.revoked is None:
                    row.to_issue += 1
            else:
                row.not_eligible += 1
        overview.activities.append(row)
    overview.recent = list(
        db.session.scalars(
            select(Certificate)
            .options(joinedload(Certificate.user), joinedload(Certificate.activity))
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
            .limit(20)
        )
    )
    return overview
