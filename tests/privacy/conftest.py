"""Fixtures of the privacy tests: a person with a bit of everything the platform holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from lms.accounts.tokens import create_api_token
from lms.attendance.service import Mark, record_attendance
from lms.calendar.tokens import ensure_feed_token
from lms.certificates.service import issue_for_activity, revoke
from lms.enrolment import service as enrolment_service
from lms.extensions import db
from lms.models import (
    Activity,
    AttendanceStatus,
    Certificate,
    MailStatus,
    OutboxMail,
    User,
    utcnow,
)
from tests.factories import attend, create_enrolment
from tests.policy.factories import build_course

NAME = "Zoë Ağaoğlu-Łukasiewicz"
EMAIL = "zoe.agaoglu@example.org"


@dataclass
class Person:
    """The person whose data is exported or erased, and what surrounds them."""

    user: User
    coordinator: User
    other: User
    finished: Activity
    future: Activity
    waiting: User
    certificate: Certificate
    revoked: Certificate
    raw_token: str
    feed_token: str
    extra: dict = field(default_factory=dict)


@pytest.fixture
def person(app, create_user, create_activity, coordinator) -> Person:
    """Zoë: attended a finished course (one mark corrected), holds a certificate for it
    and a revoked one for another, has a confirmed seat in a full future course with
    someone waiting, an API token, a calendar feed and mail (queued and sent)."""
    course = build_course(
        create_user,
        create_activity,
        title="Impactevaluatie in de praktijk",
        marks={NAME: ["present"] * 4, "Pieter Van den Broeck": ["present"] * 4},
    )
    user = course.people[0]
    user.email = EMAIL
    other = course.people[1]
    db.session.commit()
    # A correction of one mark leaves an AttendanceChange.
    record_attendance(
        course.sessions[0],
        [Mark(user.id, AttendanceStatus.PARTIAL, 150)],
        actor=course.trainer,
    )
    db.session.commit()
    record_attendance(
        course.sessions[0], [Mark(user.id, AttendanceStatus.PRESENT)], actor=course.trainer
    )
    db.session.commit()
    issued = issue_for_activity(course.activity, actor=coordinator).issued
    [certificate] = [c for c in issued if c.user_id == user.id]
    db.session.commit()

    earlier = build_course(
        create_user,
        create_activity,
        title="Wonen en armoede",
        people=[],
        marks={},
    )
    create_enrolment(earlier.activity, user)
    for session in earlier.sessions:
        attend(user, session, "present")
    [revoked] = issue_for_activity(earlier.activity, actor=coordinator).issued
    db.session.commit()
    revoke(revoked, actor=coordinator, reason="Foute uren")
    db.session.commit()

    future = create_activity(title="Straathoekwerk vandaag", capacity=1, sessions=2)
    enrolment_service.enrol(future, user)
    db.session.commit()
    waiting = create_user(name="Wout Wachtlijst")
    enrolment_service.enrol(future, waiting)
    db.session.commit()

    raw_token = create_api_token(user, "agenda-script")
    feed_token = str(ensure_feed_token(user))
    db.session.commit()
    # One mail already sent (with a body the export must not contain).
    sent = OutboxMail(
        kind="password_reset",
        to_email=user.email,
        to_name=user.name,
        user=user,
        subject="Nieuw wachtwoord voor het SAM Leerplatform",
        body_text="Kies een nieuw wachtwoord: https://x.example/account/reset/GEHEIM-123",
        status=MailStatus.SENT,
        sent_at=utcnow() - timedelta(days=2),
    )
    db.session.add(sent)
    db.session.commit()
    return Person(
        user=user,
        coordinator=coordinator,
        other=other,
        finished=course.activity,
        future=future,
        waiting=waiting,
        certificate=certificate,
        revoked=revoked,
        raw_token=raw_token,
        feed_token=feed_token,
    )
