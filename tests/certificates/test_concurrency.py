"""Two coordinators click "uitreiken" at the same moment: one certificate per eligible person.

Issuing takes the activity's lock (lms.common.locking) before it judges anyone. On PostgreSQL the
proof is deterministic: a third transaction holds the activity's row lock, both requests are
seen waiting for it in ``pg_locks``, and only then is it released, so the two requests
certainly overlap; the second one to get the lock must see the first one's certificates.
A held lock with a short timeout shows that issuing waits for the lock before writing.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select, text

from lms.common import locking
from lms.extensions import db
from lms.models import Certificate

# Threads: each needs the others' commits.
pytestmark = pytest.mark.commits

#: Backends (other than the test's own) waiting for a lock on a row of ``activities``.
WAITING_FOR_ACTIVITY = text(
    "SELECT count(*) FROM pg_locks l WHERE NOT l.granted AND l.locktype IN ('tuple', "
    "'transactionid') AND l.pid <> pg_backend_pid() AND l.pid IN (SELECT pid FROM "
    "pg_stat_activity WHERE datname = current_database() AND query ILIKE '%activities%')"
)


def issue_at_once(app, url: str, headers: list[dict[str, str]], *, before_release=None):
    """Both coordinators post ``url``; ``before_release`` runs while both are started."""
    responses: list[Any] = [None, None]

    def click(index: int) -> None:
        responses[index] = app.test_client().post(url, headers=headers[index])

    threads = [threading.Thread(target=click, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    if before_release is not None:
        before_release()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    return responses


def assert_one_certificate_each(finished_course) -> None:
    db.session.expire_all()
    per_person = db.session.execute(
        select(Certificate.user_id, func.count(Certificate.id)).group_by(Certificate.user_id)
    ).all()
    eligible = {finished_course.people[0].id, finished_course.people[1].id}
    assert {user_id for user_id, _n in per_person} == eligible
    assert all(n == 1 for _user_id, n in per_person)


@pytest.fixture
def coordinators(create_user, api_token) -> list[dict[str, str]]:
    return [api_token(create_user(name=f"Coördinator {i}", roles=("coordinator",))) for i in (1, 2)]


@pytest.mark.postgres_only
def test_two_requests_waiting_on_the_lock_yield_one_certificate_each(
    app, backend, finished_course, coordinators
):
    if backend != "postgresql":
        pytest.skip("pg_locks shows who waits for a row lock: PostgreSQL")
    activity_id = finished_course.activity.id
    url = f"/api/v1/activities/{activity_id}/certificates"
    db.session.commit()

    with db.engine.connect() as holder:
        holder.execute(
            text("SELECT id FROM activities WHERE id = :id FOR UPDATE"), {"id": activity_id}
        )

        def both_wait_then_release() -> None:
            # Wait (bounded) until both requests are blocked on the activity's lock.
            for _ in range(600):
                if holder.scalar(WAITING_FOR_ACTIVITY) >= 2:
                    break
                threading.Event().wait(0.05)
            else:
                raise AssertionError("the two requests never waited for the activity lock")
            holder.rollback()

        responses = issue_at_once(app, url, coordinators, before_release=both_wait_then_release)

    assert [r.status_code for r in responses] == [200, 200], [r.get_json() for r in responses]
    issued = sorted(len(r.get_json()["issued"]) for r in responses)
    assert issued == [0, 2]
    assert_one_certificate_each(finished_course)


@pytest.mark.postgres_only
def test_issuing_waits_for_the_activity_lock_before_writing(
    app, backend, client, finished_course, coordinators, monkeypatch
):
    if backend != "postgresql":
        pytest.skip("lock_timeout is PostgreSQL's")
    monkeypatch.setitem(app.config, "LOCK_TIMEOUT_SECONDS", 0.3)
    activity_id = finished_course.activity.id
    url = f"/api/v1/activities/{activity_id}/certificates"
    db.session.commit()

    with db.engine.connect() as holder:
        holder.execute(
            text("SELECT id FROM activities WHERE id = :id FOR UPDATE"), {"id": activity_id}
        )
        busy = client.post(url, headers=coordinators[0])
        holder.rollback()
    assert busy.status_code == 503
    assert int(busy.headers["Retry-After"]) == locking.RETRY_AFTER_SECONDS
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Certificate.id))) == 0

    done = client.post(url, headers=coordinators[0])
    assert done.status_code == 200
    assert len(done.get_json()["issued"]) == 2
    assert_one_certificate_each(finished_course)


def test_two_concurrent_issue_requests_yield_one_certificate_each(
    app, finished_course, coordinators
):
    """On either database: whatever the interleaving, never a second certificate."""
    url = f"/api/v1/activities/{finished_course.activity.id}/certificates"
    db.session.commit()
    responses = issue_at_once(app, url, coordinators)
    assert [r.status_code for r in responses] == [200, 200], [r.get_json() for r in responses]
    assert sorted(len(r.get_json()["issued"]) for r in responses) == [0, 2]
    assert_one_certificate_each(finished_course)
