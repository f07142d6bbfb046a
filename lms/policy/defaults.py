"""The default learning policy a fresh database holds (CONTRACT.md, DESIGN.md).

The first migration inserts the same rows; this function makes sure they exist for
databases built another way (tests, ``lms demo`` on an empty database).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from lms.extensions import db
from lms.models import ActivityKind, CertificationRule, HoursCredit, LearningPolicy

DEFAULT_POLICY_NAME = "Leerbeleid SAM (standaard)"
DEFAULT_VALID_FROM = date(2021, 1, 1)
DEFAULT_YEARLY_HOURS = 20

#: kind → (minimum attendance in % of the planned minutes, competences it counts toward)
DEFAULT_RULES: dict[ActivityKind, tuple[int, str]] = {
    ActivityKind.PROGRAMME: (80, "Basiscompetenties opbouwwerk"),
    ActivityKind.COURSE: (80, "Vakinhoudelijke verdieping"),
    ActivityKind.PRACTICE_GROUP: (80, "Praktijkontwikkeling"),
    ActivityKind.INTERVISION: (75, "Reflectie op het eigen handelen"),
    # A lecture is one session: being there (present) is what counts.
    ActivityKind.LECTURE: (100, "Kennisverbreding"),
    ActivityKind.CUSTOM: (80, "Vakinhoudelijke verdieping"),
}


def ensure_default_policy() -> LearningPolicy:
    """The earliest policy version; created with the default rules when there is none."""
    policy = db.session.scalar(select(LearningPolicy).order_by(LearningPolicy.valid_from).limit(1))
    if policy is not None:
        return policy
    policy = LearningPolicy(
        name=DEFAULT_POLICY_NAME,
        valid_from=DEFAULT_VALID_FROM,
        yearly_hours_target=DEFAULT_YEARLY_HOURS,
    )
    for kind, (pct, competences) in DEFAULT_RULES.items():
        policy.rules.append(
            CertificationRule(
                kind=kind,
                min_attendance_pct=pct,
                excused_counts=False,
                hours_credit=HoursCredit.ATTENDED,
                competences=competences,
            )
        )
    db.session.add(policy)
    db.session.flush()
    return policy
