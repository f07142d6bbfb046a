"""The actions the issue names leave an audit entry that the audit page finds: attendance
corrections, certificates issued and revoked, role changes (enrolment changes: see
test_enrolments.py)."""

from __future__ import annotations

from lms.accounts import service as accounts
from lms.attendance.service import Mark, record_attendance
from lms.certificates import service as certificates
from lms.extensions import db
from lms.models import AttendanceStatus, Role
from tests.policy.factories import build_course


def test_the_named_actions_are_in_the_audit_log(
    client, as_coordinator, coordinator, create_user, create_activity
):
    course = build_course(
        create_user,
        create_activity,
        title="Straathoekwerk vandaag",
        sessions=2,
        marks={"Ann Aanwezig": ["present", "present"]},
    )
    ann = course.people[0]
    trainer = course.trainer
    # A trainer corrects an attendance.
    record_attendance(
        course.activity.sessions[0],
        [Mark(ann.id, AttendanceStatus.ABSENT)],
        actor=trainer,
    )
    record_attendance(
        course.activity.sessions[0],
        [Mark(ann.id, AttendanceStatus.PRESENT)],
        actor=trainer,
    )
    db.session.commit()
    result = certificates.issue_for_activity(course.activity.id, actor=coordinator)
    db.session.commit()
    [certificate] = result.issued
    certificates.revoke(certificate, actor=coordinator, reason="Verkeerde persoon.")
    accounts.set_roles(ann, {Role.PARTICIPANT, Role.TRAINER}, actor=coordinator)
    db.session.commit()

    def page(**args):
        return client.get("/admin/audit", query_string=args).get_data(as_text=True)

    assert "gewijzigd van aanwezig naar afwezig" in page(action="attendance.")
    assert "uitgereikt aan Ann Aanwezig" in page(action="certificate.issued")
    assert "ingetrokken: Verkeerde persoon." in page(action="certificate.revoked")
    assert "Rollen van Ann Aanwezig gewijzigd: deelnemer → deelnemer, lesgever" in page(
        action="user.roles", person="ann"
    )
