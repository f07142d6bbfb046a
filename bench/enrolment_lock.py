"""Benchmark: how long an enrolment holds its activity's lock, on PostgreSQL.

200 people enrol one after the other, in-process, into a course with 25 seats and a
waiting list (so both confirmations and waiting-list mails are queued), once for a course
of 1 session and once for 10 sessions. For each enrolment the time runs from the
statement that takes the activity's row lock (``… FOR NO KEY UPDATE`` / ``FOR UPDATE``)
to the end of the commit that releases it: the time others wait. Each enrolment runs in
a request context, as it does behind the API. Prints the median, p95 and mean per kind
of outcome, with and without the commit itself (the work done while others wait, which
rendering mail used to be part of); timing is printed, never asserted.

It creates (and afterwards drops) its own database ``lms_bench_lock`` on 127.0.0.1 as
user ``postgres``. ``python -m bench enrolment_lock`` runs it alone.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

DATABASE = "lms_bench_lock"
ADMIN_URL = "postgresql://postgres@127.0.0.1/postgres"
DATABASE_URL = f"postgresql+psycopg://postgres@127.0.0.1/{DATABASE}"
PEOPLE = 200
SEATS = 25


def _admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(statement)


def run(sessions: int) -> dict[str, list[float]]:
    """Milliseconds under the lock per enrolment, by outcome (confirmed / waitlisted)."""
    from sqlalchemy import event

    from lms import create_app
    from lms.enrolment import service
    from lms.extensions import db
    from lms.models import (
        Activity,
        ActivityKind,
        ActivitySession,
        ActivityStatus,
        Role,
        User,
        utcnow,
    )

    _admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    _admin(f"CREATE DATABASE {DATABASE}")
    app = create_app("development", SQLALCHEMY_DATABASE_URI=DATABASE_URL)
    timings: dict[str, list[float]] = {}
    with app.app_context():
        db.create_all()
        start = utcnow().replace(second=0, microsecond=0) + timedelta(days=14)
        activity = Activity(
            kind=ActivityKind.COURSE,
            title="Sociaal werk en duurzaamheid: de drukte",
            slug="drukte",
            capacity=SEATS,
            waitlist_enabled=True,
            status=ActivityStatus.PUBLISHED,
            sessions=[
                ActivitySession(
                    starts_at=start + timedelta(days=7 * n),
                    ends_at=start + timedelta(days=7 * n, hours=3),
                    location="Buurthuis De Kring, Gent",
                )
                for n in range(sessions)
            ],
        )
        db.session.add(activity)
        people = []
        for n in range(PEOPLE):
            user = User(email=f"persoon{n:03d}@rush.example", name=f"Persoon {n:03d}")
            user.set_roles({Role.PARTICIPANT})
            if hasattr(User, "email_verified_at"):  # enrolling needs a confirmed address
                user.email_verified_at = utcnow()
            db.session.add(user)
            people.append(user)
        db.session.commit()
        activity_id, user_ids = activity.id, [u.id for u in people]
        db.session.remove()

        locked_at: list[float] = []

        def mark(_conn, _cursor, statement, *_args) -> None:
            if not locked_at and " FOR " in statement and "UPDATE" in statement:
                locked_at.append(time.perf_counter())

        event.listen(db.engine, "before_cursor_execute", mark)
        for user_id in user_ids:
            with app.test_request_context(f"/api/v1/activities/{activity_id}/enrolment"):
                locked_at.clear()
                enrolment, _changed = service.enrol(
                    db.session.get(Activity, activity_id), db.session.get(User, user_id)
                )
                status = enrolment.status.value
                db.session.flush()
                committing = time.perf_counter()
                db.session.commit()
                done = time.perf_counter()
                if locked_at:
                    timings.setdefault(status, []).append((done - locked_at[0]) * 1000)
                    timings.setdefault(f"{status}, before the commit", []).append(
                        (committing - locked_at[0]) * 1000
                    )
                db.session.remove()
        event.remove(db.engine, "before_cursor_execute", mark)
        db.engine.dispose()
    _admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    return timings


def _line(label: str, values: list[float]) -> str:
    if not values:
        return f"  {label:<30} (none)"
    ordered = sorted(values)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (
        f"  {label:<30} n={len(values):>3}  median {statistics.median(values):6.2f} ms  "
        f"p95 {p95:6.2f} ms  mean {statistics.fmean(values):6.2f} ms"
    )


def main() -> None:
    for sessions in (1, 10):
        timings = run(sessions)
        print(f"time under the activity lock per enrolment, course of {sessions} session(s):")
        for label, values in timings.items():
            print(_line(label, values))


if __name__ == "__main__":
    main()
