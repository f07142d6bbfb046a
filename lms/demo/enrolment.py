"""Demo enrolments, made through :mod:`lms.enrolment.service` like real ones.

- Sofie (the demo participant) is enrolled in two courses and the lecture, waits for a
  place in the full capacity-2 course and has asked to join an intervisie group.
- "Sociaal werk en duurzaamheid" (2 seats) is full, with three people waiting.
- Other people fill other activities a little, so lists are not empty.

Idempotent: a person who has (or had) an enrolment in an activity is left alone, so a
second load changes nothing, and what someone changed by hand stays changed.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from lms.common.slugs import slugify
from lms.demo import has_enrolment
from lms.enrolment import service
from lms.extensions import db
from lms.models import Activity, User

#: (activity title, [emails in the order they enrol])
DEMO_ENROLMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        # capacity 2: two seats, then the waiting list (Sofie third in the queue)
        "Sociaal werk en duurzaamheid: klimaat en armoede",
        (
            "zoe@sam-demo.be",
            "minh@sam-demo.be",
            "pieter@sam-demo.be",
            "fatima@sam-demo.be",
            "deelnemer@sam-demo.be",
        ),
    ),
    (
        "Wonen op maat: lokaal woonbeleid beïnvloeden",
        ("deelnemer@sam-demo.be", "pieter@sam-demo.be", "jens@sam-demo.be", "zoe@sam-demo.be"),
    ),
    (
        "Voorwaardelijkheid van rechten: wat doet het met mensen?",
        ("deelnemer@sam-demo.be", "fatima@sam-demo.be", "minh@sam-demo.be"),
    ),
    (
        "Lezing: sociale bescherming in tijden van crisis",
        ("deelnemer@sam-demo.be", "jens@sam-demo.be", "contact@sam-demo.be"),
    ),
    # Approval needed: these stay pending until a coordinator decides.
    ("Intervisie gebiedsgericht werken", ("deelnemer@sam-demo.be", "pieter@sam-demo.be")),
    ("Intervisie straathoekwerk Antwerpen", ("minh@sam-demo.be",)),
    ("Praktijkgroep wonen", ("pieter@sam-demo.be", "fatima@sam-demo.be")),
)


def load(today: date, result: object) -> None:
    """Add the demo enrolments that are missing (see the module docstring)."""
    del today  # the offer's dates are already relative to the load day
    created = getattr(result, "created", None)
    for title, emails in DEMO_ENROLMENTS:
        activity = db.session.scalar(select(Activity).where(Activity.slug == slugify(title)))
        if activity is None:
            continue
        for email in emails:
            user = db.session.scalar(select(User).where(User.email == email))
            if user is None:
                continue
            if has_enrolment(user, activity):
                continue
            try:
                enrolment, changed = service.enrol(activity, user)
            except service.EnrolmentError:
                db.session.rollback()  # e.g. the enrolment window closed since the demo load
                continue
            db.session.commit()
            if changed and created is not None:
                created.append(
                    f"inschrijving {user.email} → {activity.title} ({enrolment.status.label})"
                )
