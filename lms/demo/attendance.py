"""Demo attendance, recorded through :mod:`lms.attendance.service` like real attendance.

The finished course "Impactevaluatie in de praktijk" gets confirmed participants (enrolled
by the demo coordinator through :mod:`lms.enrolment.service`) and the attendance of its
three sessions as the demo trainer took it, with one later correction by the coordinator,
so the history, the CSV export, the learning record and certificates have something real
to show.

Idempotent: people who have (or had) an enrolment are left alone, and a session that has
any attendance recorded is not touched again.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from lms.attendance import service
from lms.attendance.queries import confirmed_by_activity, records_for_sessions
from lms.attendance.service import AttendanceError, Mark
from lms.common.slugs import slugify
from lms.demo import has_enrolment, users_by_email
from lms.extensions import db
from lms.models import Activity, AttendanceStatus, SessionStatus, User

COURSE_TITLE = "Impactevaluatie in de praktijk"
TRAINER = "lesgever@sam-demo.be"
COORDINATOR = "coordinator@sam-demo.be"
PARTICIPANTS = (
    "deelnemer@sam-demo.be",
    "zoe@sam-demo.be",
    "minh@sam-demo.be",
    "pieter@sam-demo.be",
    "fatima@sam-demo.be",
    "jens@sam-demo.be",
)

P, A, E, D = (
    AttendanceStatus.PRESENT,
    AttendanceStatus.ABSENT,
    AttendanceStatus.EXCUSED,
    AttendanceStatus.PARTIAL,
)
#: Per session (in time order): email → (status, minutes for a partial attendance).
ATTENDANCE: tuple[dict[str, tuple[AttendanceStatus, int | None]], ...] = (
    {"jens@sam-demo.be": (A, None)},
    {"zoe@sam-demo.be": (D, 120), "minh@sam-demo.be": (E, None)},
    {"pieter@sam-demo.be": (A, None), "fatima@sam-demo.be": (D, 150)},
)
#: Corrected later by the coordinator: (session index, email, new status).
CORRECTIONS = ((0, "jens@sam-demo.be", E),)


def load(today: date, result: object) -> None:
    del today  # the course's dates are already relative to the load day
    created = getattr(result, "created", None)
    activity = db.session.scalar(select(Activity).where(Activity.slug == slugify(COURSE_TITLE)))
    if activity is None:
        return
    users = users_by_email([*PARTICIPANTS, TRAINER, COORDINATOR])
    trainer, coordinator = users.get(TRAINER), users.get(COORDINATOR)
    if trainer is None or coordinator is None:
        return
    _enrol(activity, [users[e] for e in PARTICIPANTS if e in users], coordinator, created)

    sessions = [s for s in activity.sessions if s.status == SessionStatus.SCHEDULED]
    participants = confirmed_by_activity([activity.id])[activity.id]
    if not participants:
        return
    records = records_for_sessions(s.id for s in sessions)
    for index, session in enumerate(sessions):
        if any(session.id == sid for sid, _uid in records):
            continue  # already taken (by an earlier load, or by hand)
        exceptions = ATTENDANCE[index] if index < len(ATTENDANCE) else {}
        marks = []
        for user in participants:
            status, minutes = exceptions.get(user.email, (P, None))
            marks.append(Mark(user.id, status, minutes))
        try:
            service.record_attendance(session, marks, actor=trainer, source="trainer")
            for at, email, status in CORRECTIONS:
                if at == index and email in users and users[email] in participants:
                    service.record_attendance(
                        session, [Mark(users[email].id, status)], actor=coordinator
                    )
        except AttendanceError:
            db.session.rollback()  # e.g. the session has not started (a later load day)
            continue
        db.session.commit()
        if created is not None:
            created.append(f"aanwezigheden {activity.title} ({session.starts_at:%d-%m-%Y})")


def _enrol(activity: Activity, people: list[User], coordinator: User, created) -> None:
    """Confirmed enrolments through the enrolment feature (a coordinator enrols them)."""
    try:
        from lms.enrolment import service as enrolment_service
    except ImportError:  # pragma: no cover (the enrolment feature is part of the app)
        return
    for user in people:
        if has_enrolment(user, activity):
            continue
        try:
            _enrolment, changed = enrolment_service.enrol_on_behalf(
                activity, user, actor=coordinator
            )
        except enrolment_service.EnrolmentError:
            db.session.rollback()
            continue
        db.session.commit()
        if changed and created is not None:
            created.append(f"inschrijving {user.email} → {activity.title} (door coördinator)")
