"""Factories shared by the schedule and attendance tests (used through their conftests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lms.models import (
    Activity,
    ActivitySession,
    EnrolmentStatus,
    Role,
    User,
    utcnow,
)
from tests.factories import create_enrolment


@dataclass
class Course:
    """An activity run by ``trainer`` with confirmed ``participants``."""

    activity: Activity
    trainer: User
    other_trainer: User
    coordinator: User
    participants: list[User]
    outsider: User
    waitlisted: User
    extra: dict = field(default_factory=dict)

    @property
    def sessions(self) -> list[ActivitySession]:
        return sorted(self.activity.sessions, key=lambda s: s.starts_at)

    @property
    def session(self) -> ActivitySession:
        return self.sessions[0]


def build_course(
    create_user,
    create_activity,
    *,
    starts: datetime | None = None,
    sessions: list[tuple[datetime, datetime]] | None = None,
    participants: int = 3,
    names: list[str] | None = None,
    **activity_fields,
) -> Course:
    """A course with one session that started an hour ago (or ``sessions``)."""
    trainer = create_user(name="Karel Lesgever", roles=(Role.TRAINER,))
    other_trainer = create_user(name="Olga Andere", roles=(Role.TRAINER,))
    coordinator = create_user(name="Cora Coördinator", roles=(Role.COORDINATOR,))
    if sessions is None:
        start = starts or (utcnow().replace(second=0, microsecond=0) - timedelta(hours=1))
        sessions = [(start, start + timedelta(hours=3))]
    activity = create_activity(
        title=activity_fields.pop("title", "Cursus participatie"),
        sessions=sessions,
        trainers=[trainer],
        **activity_fields,
    )
    names = names or [f"Deelnemer {chr(65 + i)}" for i in range(participants)]
    people = [
        create_user(name=name, organisation=f"Organisatie {name.split()[-1]}") for name in names
    ]
    for person in people:
        create_enrolment(activity, person)
    outsider = create_user(name="Xander Buiten")
    waitlisted = create_user(name="Wim Wachtlijst")
    create_enrolment(activity, waitlisted, EnrolmentStatus.WAITLISTED)
    return Course(
        activity=activity,
        trainer=trainer,
        other_trainer=other_trainer,
        coordinator=coordinator,
        participants=people,
        outsider=outsider,
        waitlisted=waitlisted,
    )
