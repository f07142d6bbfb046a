"""The worker as operators run it: ``flask lms mail send`` in its own process.

SIGTERM ends it after the mail in hand, also during a stalled send (the timeout bounds
it), and the looping worker rides out a database outage. The outage is made with a TCP
proxy on loopback between the worker and PostgreSQL: stopping the proxy cuts every
connection the worker has and refuses new ones, as a database restart or a network cut
does; starting it again is the database coming back.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bench.tcp_proxy import TcpProxy
from lms.extensions import db
from lms.models import MailStatus, OutboxMail
from tests.conftest import free_port
from tests.mail.conftest import StallingSmtp, StrictSmtp

# Workers (threads and a process of their own) read the outbox on their own connections.
pytestmark = pytest.mark.commits

ROOT = Path(__file__).resolve().parents[2]


def wait_until(condition: Callable[[], Any], limit: float, what: str) -> Any:
    """Poll ``condition`` until it is true; fail with ``what`` if it never becomes true
    (a guard against hanging, not a measurement)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting: {what}")


class WorkerProcess:
    """``flask --app wsgi lms mail send …`` with its own environment; stderr to a file."""

    def __init__(self, tmp_path: Path, database_url: str, smtp_port: int, *args: str) -> None:
        self.log_path = tmp_path / "worker.log"
        env = {
            **os.environ,
            "LMS_CONFIG": "development",
            "DATABASE_URL": database_url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_port),
            "MAIL_TIMEOUT_SECONDS": "1",
            "PYTHONUNBUFFERED": "1",
        }
        flask = Path(sys.executable).with_name("flask")
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [str(flask), "--app", "wsgi", "lms", "mail", "send", *args],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text()

    def terminate(self, limit: float = 30) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(limit)
        finally:
            self._log.close()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self._log.close()


def status_of(mail_id: int) -> MailStatus | None:
    db.session.rollback()  # a fresh snapshot: the worker commits in another process
    return db.session.scalar(select(OutboxMail.status).where(OutboxMail.id == mail_id))


def test_sigterm_during_a_stalled_send_ends_the_worker_after_the_mail_in_hand(
    app, tmp_path, outbox_row
):
    rows = [outbox_row(to_email=f"t{i}@example.org") for i in range(3)]
    port = free_port()
    stalling = StallingSmtp(port, mode="after_ehlo")
    worker = WorkerProcess(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"], port)
    try:
        wait_until(lambda: stalling.connections, 30, "the worker to connect")
        code = worker.terminate()
    finally:
        worker.kill()
        stalling.stop()
    log = worker.log()
    assert code == 0, log
    assert "signal SIGTERM: stopping after the mail in hand" in log
    assert "mail worker stopped" in log
    db.session.rollback()
    db.session.expire_all()
    states = [db.session.get(OutboxMail, row.id) for row in rows]
    # The mail in hand got its timeout; the others wait, untried; none is left claimed.
    assert [s.attempts for s in states] == [1, 0, 0]
    assert all(s.status == MailStatus.QUEUED and s.claimed_at is None for s in states)


def _outage(app, tmp_path, outbox_row, seconds: float) -> None:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    proxy = TcpProxy(free_port(), (url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    smtp = StrictSmtp(port=free_port(), smtputf8=False)
    smtp.start()
    through_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    worker = WorkerProcess(
        tmp_path, through_proxy, smtp.port, "--interval", "0.2", "--max-pause", "1"
    )
    try:
        before = outbox_row(to_email="voor@example.org")
        wait_until(lambda: status_of(before.id) == MailStatus.SENT, 60, "the first mail")

        proxy.stop()  # the database is gone for the worker
        during = outbox_row(to_email="tijdens@example.org")
        wait_until(
            lambda: "database unavailable" in worker.log(),
            30,
            "the worker to notice:\n" + worker.log(),
        )
        time.sleep(seconds)
        assert worker.process.poll() is None, worker.log()

        proxy.start()  # and back
        wait_until(lambda: status_of(during.id) == MailStatus.SENT, 60, "the mail after")
        code = worker.terminate()
    finally:
        worker.kill()
        proxy.stop()
        smtp.stop()
    log = worker.log()
    assert code == 0, log
    assert "database reachable again" in log
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == [
        "tijdens@example.org",
        "voor@example.org",
    ]


@pytest.mark.postgres_only
def test_the_looping_worker_rides_out_a_database_outage(app, backend, tmp_path, outbox_row):
    if backend != "postgresql":
        pytest.skip("a database that goes away and comes back: PostgreSQL")
    _outage(app, tmp_path, outbox_row, seconds=3)


@pytest.mark.postgres_only
@pytest.mark.slow
def test_the_looping_worker_rides_out_a_thirty_second_database_outage(
    app, backend, tmp_path, outbox_row
):
    if backend != "postgresql":
        pytest.skip("a database that goes away and comes back: PostgreSQL")
    if not os.environ.get("LMS_SLOW_TESTS"):
        pytest.skip("30 s: set LMS_SLOW_TESTS=1")
    _outage(app, tmp_path, outbox_row, seconds=30)
