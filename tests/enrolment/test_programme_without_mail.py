"""A coordinator's back-fill without mail (``notify=False``) stays silent for a programme
too: its module enrolments are confirmed with it and mail nobody."""

from __future__ import annotations

from sqlalchemy import select

from lms.enrolment import service
from lms.extensions import db
from lms.models import Enrolment, EnrolmentStatus, OutboxMail, Role


def test_a_programme_back_fill_without_mail_mails_nobody_for_its_modules(
    create_user, create_activity
):
    coordinator = create_user(roles=(Role.COORDINATOR,))
    person = create_user()
    programme = create_activity(kind="programme", sessions=0)
    first = create_activity(parent=programme, sessions=2)
    second = create_activity(parent=programme, sessions=1)
    outcome = service.enrol_on_behalf(programme, person, actor=coordinator, notify=False)
    db.session.commit()
    assert outcome.enrolment.status == EnrolmentStatus.CONFIRMED
    modules = db.session.scalars(
        select(Enrolment.activity_id).where(
            Enrolment.user_id == person.id, Enrolment.status == EnrolmentStatus.CONFIRMED
        )
    ).all()
    assert sorted(modules) == sorted([programme.id, first.id, second.id])
    assert db.session.scalars(select(OutboxMail.kind)).all() == []
