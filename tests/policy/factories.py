"""Factories for the policy and certificate tests: finished courses with attendance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from lms.extensions import db
from lms.models import (
    Activity,
    ActivitySession,
    SessionStatus,
    User,
)
from tests.factories import attend, create_enrolment, past_start, weekly

P, A, E, X = "present", "absent", "excused", "partial"


@dataclass
class Course:
    activity: Activity
    people: list[User] = field(default_factory=list)
    trainer: User | None = None

    @property
    def sessions(self) -> list[ActivitySession]:
        return sorted(self.activity.sessions, key=lambda s: s.starts_at)


def build_course(
    create_user,
    create_activity,
    *,
    sessions: int = 4,
    minutes: int = 180,
    finished: bool = True,
    people: list[str] | None = None,
    marks: dict[str, list[str | tuple[str, int] | None]] | None = None,
    cancelled: tuple[int, ...] = (),
    **activity_fields,
) -> Course:
    """A course whose sessions lie in the past (``finished``) or half in the future.

    ``marks`` maps a person's name to one mark per session: "present", "absent", "excused",
    ("partial", minutes) or None (nothing recorded).
    """
    first = past_start(sessions + 1) if finished else past_start(sessions // 2) + timedelta(hours=1)
    trainer = create_user(name="Tine Trainer", roles=("trainer",))
    activity = create_activity(
        sessions=weekly(sessions, first=first, minutes=minutes),
        trainers=[trainer],
        **activity_fields,
    )
    for index in cancelled:
        activity.sessions[index].status = SessionStatus.CANCELLED
    db.session.commit()
    course = Course(activity=activity, trainer=trainer)
    names = people or list((marks or {}).keys())
    for name in names:
        user = create_user(name=name)
        create_enrolment(activity, user)
        course.people.append(user)
        for session, mark in zip(course.sessions, (marks or {}).get(name, []), strict=False):
            if mark is None:
                continue
            if isinstance(mark, tuple):
                attend(user, session, mark[0], mark[1])
            else:
                attend(user, session, mark)
    return course
