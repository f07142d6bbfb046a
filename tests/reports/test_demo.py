"""The demo's past season: published activities with enrolments, attendance and
certificates made through the services, so the reports have figures; loaded once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lms.common.slugs import slugify
from lms.common.timeutil import to_local
from lms.demo import DEMO_EXTENSIONS, load_demo
from lms.demo.reports import SEASON
from lms.extensions import db
from lms.models import (
    Activity,
    ActivitySession,
    ActivityStatus,
    Attendance,
    Certificate,
    Enrolment,
    EnrolmentStatus,
    utcnow,
)
from lms.reports.common import Period
from lms.reports.per_activity import ActivityFilters, activity_report


def test_the_demo_has_a_past_season_for_the_reports(app):
    assert "lms.demo.reports" in DEMO_EXTENSIONS
    load_demo()
    slugs = [slugify(spec.title) for spec in SEASON]
    activities = list(db.session.scalars(select(Activity).where(Activity.slug.in_(slugs))))
    assert len(activities) == len(SEASON)
    assert all(a.status == ActivityStatus.PUBLISHED for a in activities)
    ids = [a.id for a in activities]

    def count(model, *where):
        return db.session.scalar(select(func.count(model.id)).where(*where))

    attendance = count(
        Attendance,
        Attendance.session_id.in_(
            select(ActivitySession.id).where(ActivitySession.activity_id.in_(ids))
        ),
    )
    certificates = count(Certificate, Certificate.activity_id.in_(ids))
    enrolments = count(Enrolment, Enrolment.activity_id.in_(ids))
    assert attendance > 40 and certificates >= 10
    # The course with six people for five seats has a waiting list.
    straat = next(a for a in activities if a.title.startswith("Straathoekwerk"))
    assert (
        count(
            Enrolment,
            Enrolment.activity_id == straat.id,
            Enrolment.status == EnrolmentStatus.WAITLISTED,
        )
        == 1
    )

    now = utcnow()
    start = to_local(now - timedelta(days=300)).date()
    report = activity_report(ActivityFilters(Period(start, to_local(now).date())))
    shown = {r.title: r for r in report.rows}
    for spec in SEASON:
        assert shown[spec.title].attendance_rate is not None, spec.title
    assert shown[straat.title].sessions_cancelled == 1

    load_demo()  # idempotent
    assert count(Enrolment, Enrolment.activity_id.in_(ids)) == enrolments
    assert count(Certificate, Certificate.activity_id.in_(ids)) == certificates
    assert (
        count(
            Attendance,
            Attendance.session_id.in_(
                select(ActivitySession.id).where(ActivitySession.activity_id.in_(ids))
            ),
        )
        == attendance
    )
