"""A season with known enrolments, attendance and certificates, and its figures by hand.

Everything happens in March–June of last year (Brussels), so every session has ended;
module 2 of the programme meets next month (not held). The expected figures are worked
out in the comments and in :data:`EXPECTED_ACTIVITIES` / :data:`EXPECTED_PERIOD`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from lms.certificates.codes import new_code
from lms.common.timeutil import brussels, to_local
from lms.extensions import db
from lms.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Attendance,
    AttendanceStatus,
    Certificate,
    EnrolmentStatus,
    SessionStatus,
    User,
    utcnow,
)
from tests.factories import create_enrolment

C, W, PEND, X = (
    EnrolmentStatus.CONFIRMED,
    EnrolmentStatus.WAITLISTED,
    EnrolmentStatus.PENDING,
    EnrolmentStatus.CANCELLED,
)


def last_year() -> int:
    return to_local(utcnow()).year - 1


def period_args(year: int | None = None) -> str:
    year = year or last_year()
    return f"van={year}-01-01&tot={year}-12-31"


def mark(user: User, session, status: str, minutes: int | None = None) -> None:
    db.session.add(
        Attendance(
            session_id=session.id,
            user_id=user.id,
            status=AttendanceStatus(status),
            minutes=minutes,
        )
    )


def certificate(user: User, activity: Activity, *, hours: float, revoked: bool = False, **snap):
    snapshot = {
        "holder_name": user.name,
        "activity_title": activity.title,
        "hours": hours,
        "document": "attest",
        **snap,
    }
    cert = Certificate(code=new_code(), user=user, activity=activity, snapshot=snapshot)
    if revoked:
        cert.revoked_at = utcnow()
    db.session.add(cert)
    return cert


@dataclass
class Season:
    year: int
    people: dict[str, User]
    activities: dict[str, Activity]
    extra: dict = field(default_factory=dict)


@pytest.fixture
def season(create_user, create_activity, create_theme, create_organisation) -> Season:
    y = last_year()
    wonen, straat = create_theme("Wonen"), create_theme("Straathoekwerk")
    create_theme("Impactevaluatie")  # no activity: 0 hours
    gent = create_organisation("Opbouw Gent")
    leuven = create_organisation("OCMW Leuven")
    anna = create_user(name="Anna Aerts", organisation=gent)
    bart = create_user(name="Bart Bos", organisation=gent)
    chloe = create_user(name="Chloé Claes", organisation=leuven)
    dirk = create_user(name="Dirk Dewitte")  # no organisation
    eva = create_user(name="Eva Evers", organisation=leuven)

    def at(month, day, hour, minutes):
        start = brussels(y, month, day, hour)
        return (start, start + timedelta(minutes=minutes))

    # A: course, two themes, capacity 3; A3 cancelled. Held: A1, A2, A4 (540 minutes).
    a = create_activity(
        title="Wonen in de stad",
        capacity=3,
        themes=[wonen, straat],
        sessions=[
            at(3, 3, 10, 180),
            at(3, 10, 10, 180),
            at(3, 17, 10, 120),
            at(3, 24, 10, 180),
        ],
    )
    a1, a2, a3, a4 = sorted(a.sessions, key=lambda s: s.starts_at)
    a3.status = SessionStatus.CANCELLED
    for person in (anna, bart, chloe):
        create_enrolment(a, person, C)
    create_enrolment(a, dirk, W)
    create_enrolment(a, eva, PEND)
    mark(anna, a1, "present")  # 180
    mark(bart, a1, "partial", 90)  # 90
    mark(chloe, a1, "absent")  # 0
    mark(dirk, a1, "present")  # 180, but Dirk is only on the waiting list
    mark(anna, a2, "present")  # 180
    mark(bart, a2, "present")  # 180
    mark(chloe, a2, "excused")  # 0
    mark(anna, a3, "present")  # cancelled session: never counts
    mark(anna, a4, "partial", 200)  # at most the session: 180
    mark(bart, a4, "absent")  # 0
    mark(chloe, a4, "present")  # 180
    certificate(anna, a, hours=9)
    certificate(chloe, a, hours=3, revoked=True)

    # B: lecture without theme, unlimited; 120 minutes, both present.
    b = create_activity(
        kind=ActivityKind.LECTURE,
        title="Lezing over impact",
        capacity=None,
        sessions=[at(4, 15, 19, 120)],
    )
    create_enrolment(b, anna, C)
    create_enrolment(b, eva, C)
    mark(anna, b.sessions[0], "present")
    mark(eva, b.sessions[0], "present")

    # P: programme (theme Wonen) with module M1 (no theme: counts toward Wonen) in May and
    # module M2 (next month: not held).
    p = create_activity(
        kind=ActivityKind.PROGRAMME,
        title="Opleiding opbouwwerk",
        capacity=10,
        themes=[wonen],
        sessions=[],
    )
    m1 = create_activity(
        title="Module 1 – Visie",
        capacity=10,
        parent=p,
        sessions=[at(5, 5, 9, 180), at(5, 12, 9, 180)],
    )
    soon = utcnow().replace(second=0, microsecond=0) + timedelta(days=30)
    m2 = create_activity(
        title="Module 2 – Praktijk",
        capacity=10,
        parent=p,
        themes=[straat],
        sessions=[(soon, soon + timedelta(hours=3))],
    )
    for person in (bart, chloe):
        programme = create_enrolment(p, person, C)
        db.session.flush()
        create_enrolment(m1, person, C, programme_enrolment_id=programme.id)
        create_enrolment(m2, person, C, programme_enrolment_id=programme.id)
    m1a, m1b = sorted(m1.sessions, key=lambda s: s.starts_at)
    mark(bart, m1a, "present")  # 180
    mark(chloe, m1a, "present")  # 180
    mark(bart, m1b, "present")  # 180
    mark(chloe, m1b, "partial", 60)  # 60
    certificate(bart, m1, hours=6)

    # C: a cancelled course (its one session cancelled), with a cancelled enrolment.
    c = create_activity(
        title="Geannuleerde cursus",
        capacity=10,
        status=ActivityStatus.CANCELLED,
        sessions=[at(6, 1, 10, 120)],
    )
    c.sessions[0].status = SessionStatus.CANCELLED
    create_enrolment(c, eva, X)

    # D: a draft with a (past) session: in neither report. G: the year before: outside.
    d = create_activity(title="Ontwerp", status=ActivityStatus.DRAFT, sessions=[at(6, 8, 10, 120)])
    create_enrolment(d, eva, C)
    mark(eva, d.sessions[0], "present")
    g_start = brussels(y - 1, 12, 15, 10)
    g = create_activity(title="Vorig jaar", sessions=[(g_start, g_start + timedelta(hours=2))])
    create_enrolment(g, anna, C)
    mark(anna, g.sessions[0], "present")
    db.session.commit()
    return Season(
        year=y,
        people={"anna": anna, "bart": bart, "chloe": chloe, "dirk": dirk, "eva": eva},
        activities={"A": a, "B": b, "P": p, "M1": m1, "M2": m2, "C": c, "D": d, "G": g},
    )


# Per activity, in the order of the report (first session; C has none left, so last):
# (title, capacity, confirmed, fill %, waitlisted, pending, planned, held, cancelled,
#  attended hours, expected hours, attendance %, certificates valid, revoked)
#   A: 990 of 3 × 540 = 1620 minutes → 61,1 %; P = M1 + M2: 600 of 720 → 83,3 %.
EXPECTED_ACTIVITIES = [
    ("Wonen in de stad", 3, 3, "100", 1, 1, 3, 3, 1, "16,5", "27", "61,1", 1, 1),
    ("Lezing over impact", None, 2, None, 0, 0, 1, 1, 0, "4", "4", "100", 0, 0),
    ("Opleiding opbouwwerk", 10, 2, "20", 0, 0, 3, 2, 0, "10", "12", "83,3", 0, 0),
    ("Module 1 – Visie", 10, 2, "20", 0, 0, 2, 2, 0, "10", "12", "83,3", 1, 0),
    ("Module 2 – Praktijk", 10, 2, "20", 0, 0, 1, 0, 0, "0", "0", None, 0, 0),
    ("Geannuleerde cursus", 10, 0, "0", 0, 0, 0, 0, 1, "0", "0", None, 0, 0),
]

# Held sessions: A1, A2, A4, B1, M1a, M1b. Minutes: A 450 + 360 + 360 = 1170 (Dirk's 180
# included: hours delivered count everyone recorded), B 240, M1 600 → 2010 = 33,5 hours.
EXPECTED_PERIOD = {
    "participants": 5,  # Anna, Bart, Chloé, Dirk, Eva
    "enrolled": 4,  # confirmed in A, B or M1: Anna, Bart, Chloé, Eva
    "activities": 3,  # A, B, M1
    "sessions": 6,
    "hours": "33,5",
    # theme: (activities, hours) — A counts for both of its themes, M1 for P's Wonen.
    "themes": [
        ("Wonen", 2, "29,5"),
        ("Straathoekwerk", 1, "19,5"),
        ("Impactevaluatie", 0, "0"),
        ("Zonder thema", 1, "4"),
    ],
    # kind: (activities, sessions, hours) — M1 counts as beroepsopleiding.
    "kinds": [
        ("beroepsopleiding", 1, 2, "10"),
        ("cursus", 1, 3, "19,5"),
        ("lezing", 1, 1, "4"),
        ("intervisie", 0, 0, "0"),
        ("praktijkgroep", 0, 0, "0"),
        ("leeractiviteit op maat", 0, 0, "0"),
    ],
    # organisation: (participants, hours) — Anna 660 + Bart 630; Chloé 420 + Eva 120; Dirk.
    "organisations": [
        ("Opbouw Gent", 2, "21,5"),
        ("OCMW Leuven", 2, "9"),
        ("Zonder organisatie", 1, "3"),
    ],
    # month: (sessions, hours)
    "months": {3: (3, "19,5"), 4: (1, "4"), 5: (2, "10")},
}
