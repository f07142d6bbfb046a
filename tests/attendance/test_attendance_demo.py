"""The demo attendance: the finished course has participants, attendance and a correction."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.common.slugs import slugify
from lms.demo import DEMO_EXTENSIONS, load_demo
from lms.extensions import db
from lms.models import Activity, ActivitySession, Attendance, AttendanceChange, AuditEntry


def test_the_demo_records_attendance_for_the_finished_course_once(app):
    assert "lms.demo.attendance" in DEMO_EXTENSIONS
    load_demo()
    activity = db.session.scalar(
        select(Activity).where(Activity.slug == slugify("Impactevaluatie in de praktijk"))
    )
    attendance = (
        select(func.count(Attendance.id))
        .join(ActivitySession)
        .where(ActivitySession.activity_id == activity.id)
    )
    recorded = db.session.scalar(attendance)
    assert recorded == 6 * 3  # six confirmed participants, three sessions
    names = {
        a.user.name
        for a in db.session.scalars(
            select(Attendance)
            .join(ActivitySession)
            .where(ActivitySession.activity_id == activity.id)
        )
    }
    assert {"Zoë Ağaoğlu-Łukasiewicz", "Nguyễn Thị Minh Khai"} <= names
    corrections = db.session.scalar(
        select(func.count(AuditEntry.id)).where(AuditEntry.action == "attendance.corrected")
    )
    assert corrections == 1
    changes = db.session.scalar(select(func.count(AttendanceChange.id)))

    load_demo()  # idempotent
    assert db.session.scalar(attendance) == recorded
    assert db.session.scalar(select(func.count(AttendanceChange.id))) == changes
