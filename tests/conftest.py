"""Fixtures shared by the whole suite.

Every test that uses ``app`` (or anything built on it) runs once per database backend:
SQLite always, PostgreSQL when ``TEST_DATABASE_URL`` is set; the test id says which
(``test_x[sqlite]``, ``test_x[postgresql]``). The schema is built once per backend.

Isolation: a test runs inside one database transaction on one connection, rolled back after
it. The application's session is bound to that connection in savepoint mode, so the code
under test may commit (a commit releases a savepoint) and every request of the test client
sees what the test wrote. A test whose commits must be seen by another connection (threads,
a second connection holding a lock, a worker process, the live server of the browser tests,
backups and migrations) is marked ``@pytest.mark.commits``: it really commits, and every
table is emptied after it.

Factories are fixtures that return small callables: ``create_user(...)``,
``create_activity(...)``. ``count_queries`` catches N+1 queries. Any test that would reach
an SMTP server fails unless it uses the ``smtp_server`` fixture.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from sqlalchemy import event, select, text

from config import normalise_database_url
from lms import create_app
from lms.accounts import tokens as tokens_module
from lms.accounts.tokens import create_api_token
from lms.catalog.cache import RenderCache
from lms.extensions import db, limiter
from lms.models import (
    Activity,
    Enrolment,
    Organisation,
    OutboxMail,
    Role,
    Theme,
    User,
)
from lms.policy.defaults import ensure_default_policy
from tests import factories

BACKENDS = ["sqlite"]
if os.environ.get("TEST_DATABASE_URL"):
    BACKENDS.append("postgresql")


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


class _ConnectionSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy's session, but on the connection it was given.

    Flask-SQLAlchemy's ``get_bind`` always answers with its engine; a test that runs inside
    one outer transaction needs every session (the test's and each request's) on that
    transaction's connection instead.
    """

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any):
        if bind is not None:
            return bind
        if self.bind.info.get("test_thread") != threading.get_ident():
            raise RuntimeError(
                "Another thread reached the test's rolled-back connection: mark the test "
                "@pytest.mark.commits (see tests/conftest.py)."
            )
        return self.bind


class _SavepointEngine:
    """Stands in for the engine where code opens a transaction of its own: ``begin()``
    gives a savepoint on the test's connection instead."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    @contextmanager
    def begin(self) -> Iterator[Any]:
        with self.connection.begin_nested():
            yield self.connection


@contextmanager
def _rolled_back_transaction() -> Iterator[None]:
    """Everything inside runs in one transaction on one connection, rolled back at the end.

    Sessions join it in ``create_savepoint`` mode: their commits and rollbacks release or
    roll back a savepoint of their own. pysqlite's own transaction handling breaks
    savepoints (it begins a transaction only before a write, and commits behind
    SQLAlchemy's back before some statements); on this one connection it is switched off
    and the transaction begun explicitly, as SQLAlchemy's documentation on pysqlite
    transactions describes.
    """
    connection = db.engine.connect()
    connection.info["test_thread"] = threading.get_ident()
    driver = connection.connection.driver_connection
    sqlite = db.engine.dialect.name == "sqlite"
    old_isolation = driver.isolation_level if sqlite else None
    outer = connection.begin()
    if sqlite:
        driver.isolation_level = None
        connection.exec_driver_sql("BEGIN")
    db.session.remove()
    factory = db.session.session_factory
    session_class, session_options = factory.class_, dict(factory.kw)
    factory.class_ = _ConnectionSession
    factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    # The one write the application makes on a connection of its own (API token usage,
    # after the response) goes to the test's connection, in a savepoint: on another
    # connection it would not see the test's tokens, and on SQLite it would wait for the
    # test's write lock.
    flush = tokens_module.flush_token_usage
    tokens_module.flush_token_usage = lambda _engine, now, app=None: flush(
        _SavepointEngine(connection), now, app
    )
    try:
        yield
    finally:
        tokens_module.flush_token_usage = flush
        db.session.remove()
        still_open = (
            driver.in_transaction
            if sqlite
            else driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
        )
        factory.class_, factory.kw = session_class, session_options
        outer.rollback()
        connection.info.pop("test_thread", None)
        if sqlite:
            driver.isolation_level = old_isolation
        connection.close()
        if not still_open:
            _empty_all_tables()
            pytest.fail(
                "The test's outer transaction was committed behind SQLAlchemy's back (a "
                "COMMIT on the raw connection): its rows stay in the database. Mark the "
                "test @pytest.mark.commits (see tests/conftest.py)."
            )


def _forget_rendered_pages(app: Any) -> None:
    """Empty the application's page caches (lms/catalog/cache.py). They are keyed by the
    catalogue's version, which a rolled-back test leaves where it found it: the next test
    would be shown the pages of this one."""
    for extension in app.extensions.values():
        if isinstance(extension, RenderCache):
            extension.clear()


@pytest.fixture
def app(_app, request: pytest.FixtureRequest):
    """The application with an app context and the default policy.

    The test's writes are rolled back after it; a test marked ``commits`` really commits,
    and every table is emptied after it (see the module's docstring).
    """
    commits = request.node.get_closest_marker("commits") is not None
    with _app.app_context():
        isolation = contextlib.nullcontext() if commits else _rolled_back_transaction()
        with isolation:
            ensure_default_policy()
            db.session.commit()
            try:
                yield _app
            finally:
                db.session.rollback()
                db.session.remove()
                if commits:
                    _empty_all_tables()
                _forget_rendered_pages(_app)
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


# --- Factories (tests/factories.py), with an application context ------------------------


@pytest.fixture
def create_organisation(app) -> Callable[..., Organisation]:
    return factories.create_organisation


@pytest.fixture
def create_user(app) -> Callable[..., User]:
    return factories.create_user


@pytest.fixture
def create_theme(app) -> Callable[..., Theme]:
    return factories.create_theme


@pytest.fixture
def create_activity(app) -> Callable[..., Activity]:
    return factories.create_activity


@pytest.fixture
def enrol(app) -> Callable[..., Enrolment]:
    """``enrol(activity, user, **options)``: through the enrolment service, committed."""
    return factories.enrol


@pytest.fixture
def create_enrolment(app) -> Callable[..., Enrolment]:
    """``create_enrolment(activity, user, status="confirmed", offered=False, **fields)``:
    the row alone, without the enrolment rules."""
    return factories.create_enrolment


@pytest.fixture
def create_enrolments(app) -> Callable[..., list[Enrolment]]:
    """``create_enrolments(activity, confirmed=n, waitlisted=m, pending=k)``: that many
    new people with an enrolment row of each status, without the enrolment rules."""
    return factories.create_enrolments


@pytest.fixture
def fill(app) -> Callable[..., list[Enrolment]]:
    """``fill(activity, n)``: n new participants enrol through the service, in order."""
    return factories.fill


@pytest.fixture
def participant(app) -> Callable[..., User]:
    """``participant(name=None, **options)``: a new participant."""

    def make(name: str | None = None, **options: Any) -> User:
        return factories.create_user(name=name, **options)

    return make


@pytest.fixture
def coordinator(app) -> User:
    """Hilde, coordinator (and participant, as coordinators usually are)."""
    return factories.create_user(
        email="hilde@sam.example",
        name="Hilde Coördinator",
        roles=(Role.COORDINATOR, Role.PARTICIPANT),
    )


@pytest.fixture
def trainer(app) -> User:
    return factories.create_user(
        email="karim@sam.example", name="Karim Lesgever", roles=(Role.TRAINER,)
    )


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
            if (
                not statement.lstrip()
                .upper()
                .startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO", "PRAGMA"))
            ):
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
