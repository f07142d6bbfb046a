"""A stuck transaction on an activity makes a concurrent enrolment answer "try again".

The activity lock (lms.common.locking) waits at most ``LOCK_TIMEOUT_SECONDS``; then the request
answers 503 with ``Retry-After`` and a Dutch sentence, as JSON in the API and as an error
page on pages, and nothing is written. The lock is held by a transaction of another
connection, exactly as a stuck request would hold it.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select, text

from lms.common import locking
from lms.extensions import db
from lms.models import Enrolment

# A second connection holds the activity's lock: it must see the committed rows.
pytestmark = pytest.mark.commits

BUSY = "Het is even druk; probeer het zo opnieuw."


class _Headings(HTMLParser):
    """The text of the page's <h1> and of the paragraphs in its <main>."""

    def __init__(self) -> None:
        super().__init__()
        self.h1: list[str] = []
        self.paragraphs: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, _attrs: list) -> None:
        if tag in ("h1", "p"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "h1":
            self.h1.append(data.strip())
        elif self._in == "p" and data.strip():
            self.paragraphs.append(data.strip())


def parse(html: str) -> _Headings:
    parser = _Headings()
    parser.feed(html)
    return parser


def enrolment_count(activity_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count(Enrolment.id)).where(Enrolment.activity_id == activity_id)
    )


@pytest.fixture
def short_lock_timeout(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOCK_TIMEOUT_SECONDS", 0.5)


@pytest.mark.postgres_only
def test_a_held_activity_lock_makes_enrolment_answer_503(
    app, backend, client, login, create_activity, participant, api_token, short_lock_timeout
):
    if backend != "postgresql":
        pytest.skip("lock_timeout is PostgreSQL's; SQLite's wait is its busy timeout")
    activity = create_activity(capacity=5)
    person = participant()
    headers = api_token(person)
    db.session.commit()

    with db.engine.connect() as stuck:
        stuck.execute(
            text("SELECT id FROM activities WHERE id = :id FOR UPDATE"), {"id": activity.id}
        )
        held = stuck.scalar(
            text(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = 'activities' AND l.pid = pg_backend_pid() "
                "AND l.mode = 'RowShareLock' AND l.granted"
            )
        )
        assert held == 1  # the other transaction really holds the row lock

        api = client.post(f"/api/v1/activities/{activity.id}/enrolment", headers=headers)
        assert api.status_code == 503
        assert api.get_json() == {"error": BUSY}
        assert int(api.headers["Retry-After"]) == locking.RETRY_AFTER_SECONDS

        login(person)
        page = client.post(f"/activities/{activity.id}/enrol")
        assert page.status_code == 503
        assert int(page.headers["Retry-After"]) == locking.RETRY_AFTER_SECONDS
        document = parse(page.get_data(as_text=True))
        assert document.h1  # the error page's own title
        assert BUSY in document.paragraphs
        stuck.rollback()

    assert enrolment_count(activity.id) == 0
    # Once the stuck transaction ends, the same request succeeds.
    retry = client.post(f"/api/v1/activities/{activity.id}/enrolment", headers=headers)
    assert retry.status_code == 201
    assert retry.get_json()["status"] == "confirmed"
    assert enrolment_count(activity.id) == 1


def test_a_lock_timeout_is_a_polite_503_on_either_database(
    client, login, create_activity, participant, api_token, monkeypatch
):
    """Whatever the database, a lock that is not granted reaches people the same way."""
    activity = create_activity(capacity=5)
    person = participant()
    headers = api_token(person)
    db.session.commit()

    def busy(*_args):
        raise locking.LockTimeoutError()

    monkeypatch.setattr(locking, "lock_activities", busy)
    monkeypatch.setattr(locking, "queue_lock", busy)  # the API's fast path on PostgreSQL
    api = client.post(f"/api/v1/activities/{activity.id}/enrolment", headers=headers)
    assert (api.status_code, api.get_json()) == (503, {"error": BUSY})
    assert int(api.headers["Retry-After"]) == locking.RETRY_AFTER_SECONDS
    login(person)
    page = client.post(f"/activities/{activity.id}/enrol")
    assert page.status_code == 503
    assert BUSY in parse(page.get_data(as_text=True)).paragraphs
    assert enrolment_count(activity.id) == 0


def test_lock_timeouts_are_recognised_and_other_errors_are_not():
    class Psycopg3Error(Exception):
        sqlstate = "55P03"

    class WrappedError(Exception):
        def __init__(self, orig: BaseException) -> None:
            self.orig = orig

    assert locking.is_lock_timeout(WrappedError(Psycopg3Error()))
    assert locking.is_lock_timeout(WrappedError(Exception("database is locked")))
    assert not locking.is_lock_timeout(WrappedError(Exception("no such table: activities")))
    assert not locking.is_lock_timeout(ValueError("55P03"))
