"""Demo certificates: the finished course "Impactevaluatie in de praktijk" gets its attests,
issued through :mod:`lms.certificates.service` by the demo coordinator, once its attendance
(from :mod:`lms.demo.attendance`) is there. So the demo participant has a certificate to
download and verify, and Mijn leertraject has hours to show.

Idempotent: issuing never issues twice.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from lms.certificates import service
from lms.common.slugs import slugify
from lms.extensions import db
from lms.models import Activity, Attendance, User

COURSE_TITLE = "Impactevaluatie in de praktijk"
COORDINATOR = "coordinator@sam-demo.be"


def load(today: date, result: object) -> None:
    del today  # the course's dates are relative to the first load already
    activity = db.session.scalar(select(Activity).where(Activity.slug == slugify(COURSE_TITLE)))
    coordinator = db.session.scalar(select(User).where(User.email == COORDINATOR))
    if activity is None or coordinator is None:
        return
    session_ids = [s.id for s in activity.sessions]
    recorded = db.session.scalar(
        select(Attendance.id).where(Attendance.session_id.in_(session_ids)).limit(1)
    )
    if recorded is None:
        return  # no attendance yet: nobody can be eligible
    db.session.commit()  # end the reads, so the issuing lock is the transaction's first write
    try:
        issued = service.issue_for_activity(activity.id, actor=coordinator)
    except service.CertificateError:
        db.session.rollback()  # e.g. its last session has not passed yet
        return
    db.session.commit()
    created = getattr(result, "created", None)
    if created is not None:
        for certificate in issued.issued:
            created.append(
                f"attest {certificate.code} voor {certificate.snapshot['holder_name']} "
                f"({COURSE_TITLE})"
            )
