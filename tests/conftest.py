"""Fixtures shared by the whole suite.

Every test that uses ``app`` (or anything built on it) runs once per database backend:
SQLite always, PostgreSQL when ``TEST_DATABASE_URL`` is set; the test id says which
(``test_x[sqlite]``, ``test_x[postgresql]``). The schema is built once per backend; after
each test every table is emptied, so tests are isolated and may commit (threads in
concurrency tests need real commits).

Factories are fixtures that return small callables: ``create_user(...)``,
``create_activity(...)``. ``count_queries`` catches N+1 queries. Any test that would reach
an SMTP server fails unless it uses the ``smtp_server`` fixture.
"""

from __future__ import annotations

import itertools
import os
import smtplib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, select, text

from config import normalise_database_url
from lms import create_app
from lms.accounts.passwords import hash_password
from lms.accounts.tokens import create_api_token
from lms.extensions import db, limiter
from lms.models import (
    APPROVAL_BY_DEFAULT,
    Activity,
    ActivityKind,
    ActivitySession,
    ActivityStatus,
    Organisation,
    OutboxMail,
    Role,
    Theme,
    User,
    utcnow,
)
from lms.policy.defaults import ensure_default_policy
from lms.slugs import slugify
from lms.timeutil import BRUSSELS, brussels

TEST_PASSWORD = "Een-lang-testwachtwoord-42"

BACKENDS = ["sqlite"]
if os.environ.get("TEST_DATABASE_URL"):
    BACKENDS.append("postgresql")

# Hashing with scrypt's production cost for every factory user makes the suite slow;
# one hash computed once is enough for tests that log in with TEST_PASSWORD.
_TEST_PASSWORD_HASH = hash_password(TEST_PASSWORD)


def _database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    if backend == "postgresql":
        return normalise_database_url(os.environ["TEST_DATABASE_URL"])
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite')}/test.db"


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own application context.

    Flask reuses an already pushed app context for a request, and the ``app`` fixture
    keeps one pushed for the test's own database work. Without this, ``g`` (where
    Flask-Login caches the current user) and the database session would leak from one
    request into the next, which real requests never see.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session", params=BACKENDS)
def _app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """One application and schema per backend for the whole run."""
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=_database_url(request.param, tmp_path_factory)
    )
    app.config["TEST_BACKEND"] = request.param
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _empty_all_tables() -> None:
    tables = [t.name for t in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for name in reversed(tables):
            db.session.execute(text(f"DELETE FROM {name}"))  # noqa: S608 (our own table names)
    db.session.commit()


@pytest.fixture
def app(_app):
    """The application with an app context, the default policy, and empty tables after."""
    with _app.app_context():
        ensure_default_policy()
        db.session.commit()
        try:
            yield _app
        finally:
            db.session.rollback()
            db.session.remove()
            _empty_all_tables()
            limiter.reset()


@pytest.fixture
def backend(app) -> str:
    return app.config["TEST_BACKEND"]


@pytest.fixture
def client(app):
    return app.test_client()


# --- Guard against real SMTP ----------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_real_smtp(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if "smtp_server" in request.fixturenames or request.node.get_closest_marker("real_smtp"):
        return

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        pytest.fail("This test tried to reach an SMTP server; use the smtp_server fixture.")

    monkeypatch.setattr(smtplib.SMTP, "connect", refuse)
    monkeypatch.setattr(smtplib.SMTP_SSL, "connect", refuse)


# --- Factories ------------------------------------------------------------------------

_counter = itertools.count(1)


@pytest.fixture
def create_organisation(app) -> Callable[..., Organisation]:
    def make(name: str | None = None, *, is_member: bool = True) -> Organisation:
        name = name or f"Organisatie {next(_counter)}"
        existing = db.session.scalar(select(Organisation).where(Organisation.name == name))
        if existing is not None:
            return existing
        organisation = Organisation(name=name, is_member=is_member)
        db.session.add(organisation)
        db.session.commit()
        return organisation

    return make


@pytest.fixture
def create_user(app, create_organisation) -> Callable[..., User]:
    def make(
        email: str | None = None,
        name: str | None = None,
        *,
        roles: tuple[Role | str, ...] = (Role.PARTICIPANT,),
        organisation: Organisation | str | None = None,
        active: bool = True,
        password: str | None = TEST_PASSWORD,
        verified: bool = True,
    ) -> User:
        """``organisation`` is a confirmed membership; ``verified=False`` makes an account
        whose address was never confirmed (a fresh self-registration)."""
        n = next(_counter)
        if isinstance(organisation, str):
            organisation = create_organisation(organisation)
        user = User(
            email=email or f"persoon{n}@example.org",
            name=name or f"Persoon {n}",
            organisation=organisation,
            active=active,
            email_verified_at=utcnow() if verified else None,
            password_hash=(
                _TEST_PASSWORD_HASH
                if password == TEST_PASSWORD
                else hash_password(password)
                if password
                else None
            ),
        )
        user.set_roles({Role(r) for r in roles})
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def create_theme(app) -> Callable[..., Theme]:
    def make(name: str | None = None) -> Theme:
        name = name or f"Thema {next(_counter)}"
        theme = db.session.scalar(select(Theme).where(Theme.name == name))
        if theme is None:
            theme = Theme(name=name, slug=slugify(name))
            db.session.add(theme)
            db.session.commit()
        return theme

    return make


def _session_times(
    sessions: int | list[tuple[datetime, datetime]], first: datetime | None
) -> list[tuple[datetime, datetime]]:
    if not isinstance(sessions, int):
        return list(sessions)
    if first is None:
        # A week from today at 10:00 Brussels time: a fixed time of day, so no default
        # session ever runs past midnight (forms and reports are per day).
        day = (utcnow() + timedelta(days=7)).astimezone(BRUSSELS).date()
        first = brussels(day.year, day.month, day.day, 10)
    start = first
    return [
        (start + timedelta(days=7 * i), start + timedelta(days=7 * i, hours=3))
        for i in range(sessions)
    ]


@pytest.fixture
def create_activity(app) -> Callable[..., Activity]:
    """``create_activity(kind="course", capacity=10, sessions=3, trainers=[u], ...)``.

    ``sessions`` is a count (weekly, 3 hours, from a week from now, or from ``first``) or
    a list of ``(starts_at, ends_at)``. Other keyword arguments set Activity columns.
    """

    def make(
        *,
        kind: ActivityKind | str = ActivityKind.COURSE,
        title: str | None = None,
        capacity: int | None = 10,
        status: ActivityStatus | str = ActivityStatus.PUBLISHED,
        sessions: int | list[tuple[datetime, datetime]] = 1,
        first: datetime | None = None,
        trainers: list[User] | None = None,
        themes: list[Theme] | None = None,
        parent: Activity | None = None,
        location: str = "Zaal De Kring, Gent",
        online_url: str = "",
        **fields: Any,
    ) -> Activity:
        n = next(_counter)
        kind = ActivityKind(kind)
        title = title or f"Activiteit {n}"
        fields.setdefault("requires_approval", kind in APPROVAL_BY_DEFAULT)
        fields.setdefault("price_member", Decimal("0"))
        fields.setdefault("price_non_member", Decimal("0"))
        activity = Activity(
            kind=kind,
            title=title,
            slug=f"{slugify(title)}-{n}",
            summary=fields.pop("summary", f"Samenvatting van {title}"),
            capacity=capacity,
            status=ActivityStatus(status),
            trainers=list(trainers or []),
            themes=list(themes or []),
            parent=parent,
            **fields,
        )
        for starts_at, ends_at in _session_times(sessions, first):
            activity.sessions.append(
                ActivitySession(
                    starts_at=starts_at, ends_at=ends_at, location=location, online_url=online_url
                )
            )
        db.session.add(activity)
        db.session.commit()
        return activity

    return make


@pytest.fixture
def login(client) -> Callable[[User], Any]:
    """``login(user)`` logs the test client in as ``user`` and returns the client."""

    def do(user: User) -> Any:
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return client

    return do


@pytest.fixture
def api_token(app) -> Callable[[User], dict[str, str]]:
    """``api_token(user)`` → headers with a fresh Bearer token for ``user``."""

    def make(user: User) -> dict[str, str]:
        raw = create_api_token(user, "test")
        db.session.commit()
        return {"Authorization": f"Bearer {raw}"}

    return make


@pytest.fixture
def queued_mails(app) -> Callable[..., list[QueuedMail]]:
    """``queued_mails(kind=None, to=None)`` → outbox rows, oldest first, each with what the
    worker would send (``body_text``, ``body_html``, ``ics``, ``ics_method``; see
    :class:`QueuedMail`)."""

    def read(kind: str | None = None, to: str | None = None) -> list[QueuedMail]:
        query = select(OutboxMail).order_by(OutboxMail.id)
        if kind is not None:
            query = query.where(OutboxMail.kind == kind)
        if to is not None:
            query = query.where(OutboxMail.to_email == to.lower())
        return [QueuedMail(row) for row in db.session.scalars(query)]

    return read


class QueuedMail:
    """An outbox row as the worker renders it (:func:`lms.mail.rendering.render_outbox_mail`),
    rendered on first use: tests read the text a person gets, not the stored facts. Every
    other attribute is the row's."""

    def __init__(self, row: OutboxMail) -> None:
        self.row = row
        self._rendered = None

    @property
    def rendered(self):
        from lms.mail.rendering import render_outbox_mail

        if self._rendered is None:
            self._rendered = render_outbox_mail(self.row)
        return self._rendered

    @property
    def body_text(self) -> str:
        return self.rendered.text

    @property
    def body_html(self) -> str | None:
        return self.rendered.html

    @property
    def ics(self) -> str | None:
        return self.rendered.invitation.ics if self.rendered.invitation else None

    @property
    def ics_method(self) -> str | None:
        return self.rendered.invitation.method if self.rendered.invitation else None

    def __getattr__(self, name: str):
        return getattr(self.row, name)


# --- Query counting -------------------------------------------------------------------


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def __repr__(self) -> str:
        return f"<{self.count} queries>\n" + "\n".join(self.statements)


@pytest.fixture
def count_queries(app) -> Callable[[], Any]:
    """``with count_queries() as counter: ...``; then ``counter.count``."""

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def before(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "PRAGMA")):
                counter.statements.append(statement)

        def direct(statement: str) -> None:  # the catalogue's page cache, on the DBAPI
            counter.statements.append(statement)

        from lms.catalog.page_cache import QUERY_LISTENERS

        event.listen(db.engine, "before_cursor_execute", before)
        QUERY_LISTENERS.append(direct)
        try:
            yield counter
        finally:
            QUERY_LISTENERS.remove(direct)
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


# --- A real SMTP server on loopback ------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CapturedMail:
    def __init__(self, envelope: Any) -> None:
        import email
        from email import policy

        self.mail_from = envelope.mail_from
        self.rcpt_tos = list(envelope.rcpt_tos)
        self.message = email.message_from_bytes(envelope.content, policy=policy.default)

    def part(self, content_type: str) -> Any:
        for part in self.message.walk():
            if part.get_content_type() == content_type:
                return part
        return None

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])


@pytest.fixture
def smtp_server(app):
    """An aiosmtpd server on 127.0.0.1 (a free port); the app is pointed at it.

    Yields an object with ``.messages`` (received :class:`CapturedMail`) and ``.stop()``
    (to simulate the server going down).
    """
    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self) -> None:
            self.messages: list[CapturedMail] = []

        async def handle_DATA(self, _server, _session, envelope):  # noqa: N802
            self.messages.append(CapturedMail(envelope))
            return "250 Message accepted for delivery"

    handler = Handler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()

    class Server:
        messages = handler.messages

        def __init__(self) -> None:
            self.port = port
            self.running = True

        def stop(self) -> None:
            if self.running:
                controller.stop()
                self.running = False

    old = (app.config["MAIL_SERVER"], app.config["MAIL_PORT"])
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    app.extensions["mail"].server = "127.0.0.1"
    app.extensions["mail"].port = port
    server = Server()
    try:
        yield server
    finally:
        server.stop()
        app.config.update(MAIL_SERVER=old[0], MAIL_PORT=old[1])
        app.extensions["mail"].server, app.extensions["mail"].port = old


# --- Every log line to test-artifacts/test-run.log, searched for secrets at the end ----------


def pytest_configure(config: pytest.Config) -> None:
    from tests import logcheck

    logcheck.start(config.rootpath)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from tests import logcheck

    logcheck.finish(session)


# --- Report which databases the run covered -------------------------------------------------


def pytest_report_header(config: pytest.Config) -> list[str]:
    backends = ", ".join(BACKENDS)
    hint = "" if "postgresql" in BACKENDS else " (set TEST_DATABASE_URL to add postgresql)"
    return [f"database backends: {backends}{hint}"]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Counts per backend, so a run shows that PostgreSQL really ran."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") not in ("call", "setup"):
                continue
            for backend in BACKENDS:
                if f"[{backend}" in report.nodeid or f"-{backend}]" in report.nodeid:
                    counts.setdefault(backend, {}).setdefault(outcome, 0)
                    counts[backend][outcome] += 1
    if counts:
        terminalreporter.section("tests per database backend")
        for backend, by_outcome in counts.items():
            parts = ", ".join(f"{n} {o}" for o, n in sorted(by_outcome.items()))
            terminalreporter.write_line(f"{backend}: {parts}")
