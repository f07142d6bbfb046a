"""Data for the markup checks: one participant with something on every main page.

Made with the suite's factories and the real services (enrolment, attendance,
certificates), so the pages show what they show in real use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from lms.attendance import service as attendance_service
from lms.attendance.service import Mark
from lms.certificates import service as certificate_service
from lms.common.timeutil import local_day_bounds, to_local
from lms.enrolment import service as enrolment_service
from lms.extensions import db
from lms.models import Activity, ActivitySession, AttendanceStatus, Certificate, User, utcnow


@dataclass
class Scene:
    participant: User
    trainer: User
    coordinator: User
    course: Activity  # upcoming, the participant is enrolled
    full_course: Activity  # full, the participant is on its waiting list
    today: ActivitySession  # started today, run by the trainer, attendance partly taken
    finished: Activity  # over, the participant holds its certificate
    certificate: Certificate


def whole_hour(days: int, hour: int = 9):
    return (utcnow() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def build_scene(create_user: Any, create_activity: Any, create_theme: Any) -> Scene:
    wonen = create_theme("Wonen")
    jeugd = create_theme("Jeugd- en kinderrechten")
    coordinator = create_user(name="Hilde Coördinator", roles=("coordinator",))
    trainer = create_user(name="Tine Lesgever", roles=("trainer",))
    participant = create_user(
        name="Fatima El Amrani-Vandenbroucke", organisation="Samenlevingsopbouw Brussel"
    )
    others = [create_user(name=name) for name in ("An Peeters", "Bram Janssens", "Chloë Maes")]

    course = create_activity(
        title="Betaalbaar wonen: samen sterker tegen leegstand en huisjesmelkerij",
        themes=[wonen],
        trainers=[trainer],
        capacity=12,
        sessions=[(whole_hour(d), whole_hour(d) + timedelta(hours=3)) for d in (10, 17, 24)],
        summary="Hoe buurtwerkers samen met huurders werken aan betaalbaar en gezond wonen.",
        description="Drie namiddagen met praktijkvoorbeelden uit Gent, Antwerpen en Brussel."
        "\n\nWe werken met casussen die je zelf meebrengt.",
        audience="Opbouwwerkers, maatschappelijk werkers en buurtwerkers.",
    )
    full_course = create_activity(
        title="Kinderrechten in de wijk",
        themes=[jeugd],
        capacity=1,
        sessions=[(whole_hour(12), whole_hour(12) + timedelta(hours=2))],
    )
    now = utcnow().replace(second=0, microsecond=0)
    day_start, _ = local_day_bounds(to_local(now).date())
    start = max(now - timedelta(minutes=5), day_start)
    running = create_activity(
        title="Politiserend sociaal werk in de praktijk",
        trainers=[trainer],
        sessions=[(start, start + timedelta(hours=3))],
    )
    finished = create_activity(
        title="Impactevaluatie in de praktijk",
        themes=[wonen],
        trainers=[trainer],
        sessions=[
            (whole_hour(-30 + 7 * i), whole_hour(-30 + 7 * i) + timedelta(hours=3))
            for i in range(3)
        ],
    )

    for activity in (course, running):
        for person in (participant, *others):
            enrolment_service.enrol_on_behalf(activity, person, actor=coordinator)
    enrolment_service.enrol_on_behalf(finished, participant, actor=coordinator)
    enrolment_service.enrol_on_behalf(finished, others[0], actor=coordinator)
    enrolment_service.enrol_on_behalf(full_course, others[1], actor=coordinator)
    enrolment_service.enrol(full_course, participant)
    db.session.commit()

    today = running.sessions[0]
    attendance_service.record_attendance(
        today,
        [
            Mark(participant.id, AttendanceStatus.PRESENT),
            Mark(others[0].id, AttendanceStatus.ABSENT),
        ],
        actor=trainer,
    )
    for session in finished.sessions:
        attendance_service.record_attendance(
            session,
            [
                Mark(participant.id, AttendanceStatus.PRESENT),
                Mark(others[0].id, AttendanceStatus.PARTIAL, 60),
            ],
            actor=trainer,
        )
    result = certificate_service.issue_for_activity(finished, actor=coordinator)
    db.session.commit()
    (certificate,) = result.issued
    return Scene(
        participant=participant,
        trainer=trainer,
        coordinator=coordinator,
        course=course,
        full_course=full_course,
        today=today,
        finished=finished,
        certificate=certificate,
    )
