"""Benchmark: certificates — issuing 200 at once, rendering their 200 PDFs, downloading one.

A finished course with four sessions of three hours and 200 confirmed participants who
attended every session, in a fresh SQLite database in a temporary directory (or the empty
database of ``BENCH_DATABASE_URL``, e.g. PostgreSQL; its tables are dropped and made anew).
The application runs in-process with the production configuration. It prints:

* **issue 200**: seconds for :func:`lms.certificates.service.issue_for_activity` plus the
  commit — lock, judge 200 people, write 200 snapshots, audit entries and mails;
* **render 200 PDFs**: certificates per second for :func:`lms.certificates.service.pdf_of`
  (ReportLab, from the snapshot, stored in the row);
* **download first / repeated**: median milliseconds of ``GET /certificates/<code>.pdf``
  with a Bearer token, when the PDF must still be rendered and stored, and when it is
  served from the row.

Figures only, never asserted.
"""

from __future__ import annotations

import logging
import os
import secrets
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

PARTICIPANTS = 200
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "15"))


def _build(app) -> tuple[int, dict[str, str]]:
    """The course, its participants and their attendance; return (activity id, headers)."""
    from lms.accounts.tokens import create_api_token
    from lms.extensions import db
    from lms.models import (
        Activity,
        ActivityKind,
        ActivitySession,
        ActivityStatus,
        Attendance,
        AttendanceStatus,
        Enrolment,
        EnrolmentStatus,
        Role,
        User,
        utcnow,
    )
    from lms.policy.defaults import ensure_default_policy

    ensure_default_policy()
    first = utcnow().replace(second=0, microsecond=0) - timedelta(weeks=6)
    activity = Activity(
        kind=ActivityKind.COURSE,
        title="Impactevaluatie in de praktijk",
        slug="bench-impactevaluatie",
        status=ActivityStatus.PUBLISHED,
        capacity=None,
    )
    for week in range(4):
        start = first + timedelta(weeks=week)
        activity.sessions.append(
            ActivitySession(starts_at=start, ends_at=start + timedelta(hours=3))
        )
    db.session.add(activity)
    names = ["Zoë Ağaoğlu-Łukasiewicz", "Nguyễn Thị Minh Khai", "Pieter Van den Broeck"]
    users = []
    for i in range(PARTICIPANTS):
        user = User(email=f"deelnemer{i}@bench.example", name=f"{names[i % 3]} {i}")
        user.set_roles({Role.PARTICIPANT})
        users.append(user)
    db.session.add_all(users)
    db.session.flush()
    db.session.add_all(
        Enrolment(user_id=u.id, activity_id=activity.id, status=EnrolmentStatus.CONFIRMED)
        for u in users
    )
    db.session.add_all(
        Attendance(session_id=s.id, user_id=u.id, status=AttendanceStatus.PRESENT)
        for s in activity.sessions
        for u in users
    )
    headers = {"Authorization": f"Bearer {create_api_token(users[0], 'bench')}"}
    db.session.commit()
    return activity.id, headers


def _run(url: str) -> None:
    from lms import create_app
    from lms.certificates import service
    from lms.extensions import db
    from lms.models import Certificate

    app = create_app(
        "production",
        SQLALCHEMY_DATABASE_URI=url,
        SECRET_KEY=secrets.token_hex(16),
        LMS_BASE_URL="https://leerplatform.samenlevingsopbouw.be",
        FORCE_HTTPS=False,
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        activity_id, headers = _build(app)

        started = time.perf_counter()
        result = service.issue_for_activity(activity_id, actor=None)
        db.session.commit()
        issue_seconds = time.perf_counter() - started
        codes = [c.code for c in result.issued]
        print(f"issue {len(codes)} certificates:        {issue_seconds:8.2f} s")

        certificates = db.session.scalars(db.select(Certificate)).all()
        started = time.perf_counter()
        for certificate in certificates:
            service.pdf_of(certificate)
        db.session.commit()
        render_seconds = time.perf_counter() - started
        print(
            f"render {len(certificates)} PDFs:              {render_seconds:8.2f} s  "
            f"({len(certificates) / render_seconds:6.1f} certificates/s)"
        )
        sizes = [len(c.pdf) for c in certificates]
        print(f"PDF size:                      {statistics.median(sizes) / 1024:8.1f} KiB (median)")

        holder_code = db.session.scalar(
            db.select(Certificate.code)
            .where(Certificate.user_id.is_not(None))
            .order_by(Certificate.user_id)
        )
        client = app.test_client()
        logging.getLogger("lms.request").setLevel(logging.WARNING)  # a line per request here
        path = f"/certificates/{holder_code}.pdf"
        first, repeated = [], []
        for _ in range(SAMPLES):
            db.session.execute(
                db.update(Certificate).where(Certificate.code == holder_code).values(pdf=None)
            )
            db.session.commit()
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            first.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        for _ in range(SAMPLES * 4):
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            repeated.append((time.perf_counter() - started) * 1000)
        print(f"download first (renders):      {statistics.median(first):8.1f} ms (median)")
        print(f"download repeated (stored):    {statistics.median(repeated):8.1f} ms (median)")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        from config import normalise_database_url

        _run(normalise_database_url(url))
        return
    with tempfile.TemporaryDirectory(prefix="lms-bench-certificates-") as directory:
        _run(f"sqlite:///{Path(directory) / 'bench.db'}")


if __name__ == "__main__":
    main()
