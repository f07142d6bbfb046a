"""No overbooking under concurrent requests: the activity row lock, on both databases.

Each thread has its own application context, so its own database session and
connection, and commits like a request does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from lms.enrolment import queries, service
from lms.extensions import db
from lms.models import Activity, Enrolment, EnrolmentStatus, OutboxMail, User
from tests.enrolment.helpers import positions, statuses

# Threads: each needs the others' commits.
pytestmark = pytest.mark.commits


def run_at_once(app, jobs: list[Callable[[], Any]]) -> list[BaseException]:
    """Start every job in its own thread behind a barrier; return the errors raised."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def worker(job: Callable[[], Any]) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                job()
                db.session.commit()
            except BaseException as exc:  # collected and asserted on below
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return errors


def enrol_job(activity_id: int, user_id: int) -> Callable[[], Any]:
    def job() -> None:
        activity = db.session.get(Activity, activity_id)
        user = db.session.get(User, user_id)
        service.enrol(activity, user)

    return job


def rush(app, activity, users) -> list[BaseException]:
    return run_at_once(app, [enrol_job(activity.id, u.id) for u in users])


@pytest.mark.postgres_only
def test_forty_threads_into_ten_seats_on_postgresql(
    app, backend, create_activity, participant, queued_mails
):
    if backend != "postgresql":
        pytest.skip("row locks under real concurrency: PostgreSQL")
    activity = create_activity(capacity=10)
    users = [participant() for _ in range(40)]
    errors = rush(app, activity, users)
    assert errors == []
    db.session.expire_all()
    assert statuses(activity) == {"confirmed": 10, "waitlisted": 30}
    assert [p for _user, p in positions(activity)] == list(range(1, 31))
    assert len(queued_mails("enrolment_confirmed")) == 10
    assert len(queued_mails("enrolment_waitlisted")) == 30

    # Cancelling one confirmed seat promotes position 1, with its mail, in one transaction.
    first_waiting = positions(activity)[0][0]
    seated = db.session.scalar(
        select(Enrolment)
        .where(Enrolment.activity_id == activity.id, Enrolment.status == EnrolmentStatus.CONFIRMED)
        .limit(1)
    )
    service.cancel(activity, seated.user)
    db.session.flush()
    expected = db.session.get(User, first_waiting).email
    # This transaction holds the promotion and its mail ...
    assert [m.to_email for m in queued_mails("enrolment_promoted")] == [expected]
    # ... and no other transaction sees either until it commits: one transaction.
    with db.engine.connect() as other:
        assert (
            other.scalar(
                select(func.count(OutboxMail.id)).where(OutboxMail.kind == "enrolment_promoted")
            )
            == 0
        )
        assert (
            other.scalar(
                select(Enrolment.status).where(
                    Enrolment.user_id == first_waiting, Enrolment.activity_id == activity.id
                )
            )
            == EnrolmentStatus.WAITLISTED
        )
    db.session.commit()
    db.session.expire_all()
    promoted = queries.enrolment_for(first_waiting, activity.id)
    assert promoted.status == EnrolmentStatus.CONFIRMED
    assert [p for _user, p in positions(activity)] == list(range(1, 30))
    assert statuses(activity) == {"confirmed": 10, "waitlisted": 29, "cancelled": 1}
    [mail] = queued_mails("enrolment_promoted")
    assert mail.to_email == promoted.user.email


def test_threads_cannot_overbook_on_either_database(app, create_activity, participant):
    """A smaller rush that also runs on SQLite, where the lock is SQLite's write lock."""
    activity = create_activity(capacity=4)
    users = [participant() for _ in range(12)]
    errors = rush(app, activity, users)
    assert errors == []
    db.session.expire_all()
    assert statuses(activity) == {"confirmed": 4, "waitlisted": 8}
    assert [p for _user, p in positions(activity)] == list(range(1, 9))


def test_concurrent_double_clicks_make_one_enrolment(app, create_activity, participant):
    activity = create_activity(capacity=4)
    user = participant()
    errors = run_at_once(app, [enrol_job(activity.id, user.id) for _ in range(8)])
    assert errors == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Enrolment.id))) == 1
    assert statuses(activity) == {"confirmed": 1}


def test_concurrent_cancels_and_enrolments_keep_the_count(app, create_activity, participant):
    """People leave while others arrive: never more than capacity, the queue stays whole."""
    activity = create_activity(capacity=3)
    seated = [participant() for _ in range(3)]
    for user in seated:
        service.enrol(activity, user)
    db.session.commit()
    newcomers = [participant() for _ in range(6)]

    def cancel_job(user_id: int) -> Callable[[], Any]:
        def job() -> None:
            service.cancel(db.session.get(Activity, activity.id), db.session.get(User, user_id))

        return job

    jobs = [enrol_job(activity.id, u.id) for u in newcomers] + [
        cancel_job(u.id) for u in seated[:2]
    ]
    errors = run_at_once(app, jobs)
    assert errors == []
    db.session.expire_all()
    counts = statuses(activity)
    assert counts["confirmed"] == 3
    assert counts["cancelled"] == 2
    assert counts["waitlisted"] == 4
    assert [p for _user, p in positions(activity)] == [1, 2, 3, 4]
