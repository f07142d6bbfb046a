"""Demo: a past season, so the reports and "Mijn organisatie" have figures to show.

Five activities whose sessions lie in the past (relative to the first load day): a course
with a waiting list and a cancelled session, a lecture, an intervision group, a practice
group and a second course. People are enrolled by the demo coordinator through
:mod:`lms.enrolment.service`, attendance is taken through :mod:`lms.attendance.service`
and certificates are issued through :mod:`lms.certificates.service`, like real ones.

Idempotent: activities are found by slug, people with an enrolment are left alone, a
session with any attendance is not touched again, and issuing never issues twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from lms.common.slugs import slugify
from lms.common.timeutil import brussels
from lms.demo import has_enrolment, users_by_email
from lms.extensions import db
from lms.models import (
    APPROVAL_BY_DEFAULT,
    Activity,
    ActivityKind,
    ActivitySession,
    ActivityStatus,
    AttendanceStatus,
    SessionStatus,
    Theme,
    User,
)

COORDINATOR = "coordinator@sam-demo.be"
TRAINER = "lesgever@sam-demo.be"
PEOPLE = (
    "deelnemer@sam-demo.be",
    "zoe@sam-demo.be",
    "minh@sam-demo.be",
    "pieter@sam-demo.be",
    "fatima@sam-demo.be",
    "jens@sam-demo.be",
    "contact@sam-demo.be",
)

P, A, E, D = "present", "absent", "excused", "partial"


@dataclass(frozen=True)
class PastActivity:
    kind: ActivityKind
    title: str
    theme: str
    #: (days before the load day, hour, minutes long)
    sessions: tuple[tuple[int, int, int], ...]
    capacity: int | None
    people: tuple[str, ...]
    #: One row per session: a mark per person (in ``people`` order) — "present", "absent",
    #: "excused" or ("partial", minutes).
    marks: tuple[tuple[object, ...], ...]
    #: Index of a session that was cancelled (nobody attends it).
    cancelled: int | None = None


SEASON = (
    PastActivity(
        ActivityKind.COURSE,
        "Straathoekwerk: de straat als werkplek",
        "Straathoekwerk",
        ((120, 9, 180), (113, 9, 180), (106, 9, 120), (99, 9, 180)),
        capacity=5,
        people=PEOPLE[1:7],  # six for five seats: the last waits
        marks=(
            (P, P, P, A, P),
            (P, (D, 120), P, P, E),
            (P, P, P, P, P),
            (P, P, A, P, (D, 90)),
        ),
        cancelled=2,
    ),
    PastActivity(
        ActivityKind.LECTURE,
        "Lezing: eerstelijnszones en sociaal werk",
        "Eerstelijnszones",
        ((75, 19, 120),),
        capacity=None,
        people=PEOPLE,
        marks=((P, P, A, P, P, P, P),),
    ),
    PastActivity(
        ActivityKind.INTERVISION,
        "Intervisie jeugdhulp en kinderrechten",
        "Jeugd- en kinderrechten",
        ((210, 13, 150), (182, 13, 150), (154, 13, 150), (126, 13, 150)),
        capacity=8,
        people=PEOPLE[:4],
        marks=((P, P, P, P), (P, E, P, P), (P, P, A, P), (P, P, P, (D, 100))),
    ),
    PastActivity(
        ActivityKind.PRACTICE_GROUP,
        "Praktijkgroep gebiedsgericht werken",
        "Gebiedsgericht sociaal werk",
        ((260, 14, 150), (232, 14, 150), (204, 14, 150), (176, 14, 150), (148, 14, 150)),
        capacity=20,
        people=PEOPLE[2:],
        marks=(
            (P, P, P, P, P),
            (P, A, P, E, P),
            (P, P, P, P, A),
            (A, P, P, P, P),
            (P, P, (D, 90), P, P),
        ),
    ),
    PastActivity(
        ActivityKind.COURSE,
        "Sociale bescherming: rechten in de praktijk",
        "Sociale bescherming",
        ((60, 10, 180), (53, 10, 180)),
        capacity=12,
        people=PEOPLE[:3],
        marks=((P, P, P), (A, P, (D, 60))),
    ),
)


def load(today: date, result: object) -> None:
    created = getattr(result, "created", None)
    users = users_by_email([*PEOPLE, COORDINATOR, TRAINER])
    coordinator, trainer = users.get(COORDINATOR), users.get(TRAINER)
    if coordinator is None or trainer is None:
        return
    themes = {t.name: t for t in db.session.scalars(select(Theme))}
    for spec in SEASON:
        activity = _activity(spec, today, themes, trainer, created)
        db.session.commit()
        _enrol(activity, [users[e] for e in spec.people if e in users], coordinator)
        _attendance(activity, spec, users, trainer, created)
        _certificates(activity, coordinator)


def _activity(spec: PastActivity, today: date, themes, trainer: User, created) -> Activity:
    slug = slugify(spec.title)
    activity = db.session.scalar(select(Activity).where(Activity.slug == slug))
    if activity is not None:
        return activity
    activity = Activity(
        kind=spec.kind,
        title=spec.title,
        slug=slug,
        summary=f"Afgelopen editie: {spec.title}.",
        description=f"Afgelopen editie: {spec.title}.",
        capacity=spec.capacity,
        waitlist_enabled=True,
        requires_approval=spec.kind in APPROVAL_BY_DEFAULT,
        status=ActivityStatus.PUBLISHED,
        themes=[themes[spec.theme]] if spec.theme in themes else [],
        trainers=[trainer],
    )
    for index, (days, hour, minutes) in enumerate(spec.sessions):
        day = today - timedelta(days=days)
        starts = brussels(day.year, day.month, day.day, hour)
        session = ActivitySession(
            starts_at=starts,
            ends_at=starts + timedelta(minutes=minutes),
            location="SAM, Sint-Jansbergsesteenweg 97, Heverlee",
        )
        if index == spec.cancelled:
            session.status = SessionStatus.CANCELLED
            session.cancelled_at = starts - timedelta(days=3)
        activity.sessions.append(session)
    db.session.add(activity)
    if created is not None:
        created.append(f"afgelopen {spec.kind.label} {spec.title}")
    return activity


def _enrol(activity: Activity, people: list[User], coordinator: User) -> None:
    from lms.enrolment import service

    for user in people:
        if has_enrolment(user, activity):
            continue
        try:
            service.enrol_on_behalf(activity, user, actor=coordinator)
        except service.EnrolmentError:
            db.session.rollback()
            continue
        db.session.commit()


def _attendance(activity: Activity, spec: PastActivity, users, trainer: User, created) -> None:
    from lms.attendance import service
    from lms.attendance.queries import confirmed_by_activity, records_for_sessions

    confirmed = {u.id for u in confirmed_by_activity([activity.id])[activity.id]}
    sessions = sorted(activity.sessions, key=lambda s: s.starts_at)
    recorded = {sid for sid, _uid in records_for_sessions(s.id for s in sessions)}
    for session, row in zip(sessions, spec.marks, strict=False):
        if session.status == SessionStatus.CANCELLED or session.id in recorded:
            continue
        marks = []
        for email, mark in zip(spec.people, row, strict=False):
            user = users.get(email)
            if user is None or user.id not in confirmed:
                continue
            status, minutes = mark if isinstance(mark, tuple) else (mark, None)
            marks.append(service.Mark(user.id, AttendanceStatus(status), minutes))
        try:
            service.record_attendance(session, marks, actor=trainer, source="trainer")
        except service.AttendanceError:
            db.session.rollback()
            continue
        db.session.commit()
        if created is not None:
            created.append(f"aanwezigheden {activity.title} ({session.starts_at:%d-%m-%Y})")


def _certificates(activity: Activity, coordinator: User) -> None:
    from lms.certificates import service

    db.session.commit()  # the issuing lock must be the transaction's first write
    try:
        service.issue_for_activity(activity.id, actor=coordinator)
    except service.CertificateError:
        db.session.rollback()
        return
    db.session.commit()
