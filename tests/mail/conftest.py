"""Mail servers on loopback for the mail tests: strict, strict with SMTPUTF8, and broken ones.

``strict_smtp`` is aiosmtpd in its default configuration (lines over 1,000 octets refused
with "500 Line too long", the default data size limit) without SMTPUTF8 (aiosmtpd's
Controller would offer it by default; many production servers do not): what a careful
production server accepts. Each received message is kept as its raw bytes and parsed back
with ``email.policy.default``. ``strict_smtp_utf8`` is the same server offering SMTPUTF8.
Both point the application at themselves for the duration of the test.

``stalling_smtp`` accepts connections and then says nothing (or answers EHLO and then
says nothing), the server that used to hang the worker.
"""

from __future__ import annotations

import contextlib
import email
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest

from lms.extensions import db
from lms.models import OutboxMail
from tests.conftest import free_port

#: Short timeouts, so a stalled server costs the tests little.
TEST_TIMEOUT_SECONDS = 0.5


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests using these servers talk SMTP on purpose (the suite refuses it otherwise)."""
    ours = {"strict_smtp", "strict_smtp_utf8", "stalling_smtp", "smtp_target"}
    for item in items:
        if ours & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.real_smtp)


def _parse(raw: bytes, smtputf8: bool) -> EmailMessage:
    """The message as a mail program reads it; UTF-8 headers are legal under SMTPUTF8."""
    if smtputf8:
        return email.message_from_string(raw.decode("utf-8"), policy=policy.default)
    return email.message_from_bytes(raw, policy=policy.default)


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage
    smtputf8: bool

    def part(self, content_type: str) -> Any:
        for part in self.message.walk():
            if part.get_content_type() == content_type:
                return part
        return None

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def raw_lines(self) -> list[bytes]:
        return self.raw.split(b"\r\n")


@dataclass
class StrictSmtp:
    """A running aiosmtpd on 127.0.0.1; ``messages`` in the order they arrived."""

    port: int
    smtputf8: bool
    messages: list[ReceivedMail] = field(default_factory=list)
    #: address → SMTP reply to RCPT TO (e.g. "550 5.1.1 no such user") to refuse it.
    refuse: dict[str, str] = field(default_factory=dict)
    #: Seconds the server takes before it answers the end of DATA (a slow server).
    delay: float = 0.0
    _controller: Any = None

    def start(self) -> None:
        import asyncio

        from aiosmtpd.controller import Controller

        received = self.messages
        refuse = self.refuse
        server = self

        class Handler:
            async def handle_RCPT(self, _server, _session, envelope, address, _options):  # noqa: N802
                if address in refuse:
                    return refuse[address]
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, _server, _session, envelope):  # noqa: N802
                if server.delay:
                    await asyncio.sleep(server.delay)
                raw = envelope.original_content or envelope.content
                received.append(
                    ReceivedMail(
                        mail_from=envelope.mail_from,
                        rcpt_tos=list(envelope.rcpt_tos),
                        raw=raw,
                        message=_parse(raw, bool(envelope.smtp_utf8)),
                        smtputf8=bool(envelope.smtp_utf8),
                    )
                )
                return "250 Message accepted for delivery"

        # aiosmtpd's Controller offers SMTPUTF8 unless told otherwise (its SMTP class does
        # not): say it explicitly either way.
        self._controller = Controller(
            Handler(), hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=self.smtputf8
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[ReceivedMail]:
        return [m for m in self.messages if address in m.rcpt_tos]


class StallingSmtp:
    """Accepts connections and never finishes a conversation.

    ``mode="greeting"``: says nothing at all. ``mode="after_ehlo"``: greets, answers EHLO,
    then reads commands without answering. ``mode="trickle"``: greets, answers EHLO, then
    answers the next command one byte at a time, never finishing the line.
    """

    def __init__(self, port: int, mode: str = "greeting") -> None:
        self.port = port
        self.mode = mode
        self.connections = 0
        self._stop = threading.Event()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", port))
        self._sock.listen(16)
        self._sock.settimeout(0.1)
        self._clients: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._clients.append(client)
            if self.mode in ("after_ehlo", "trickle"):
                threading.Thread(target=self._greet, args=(client,), daemon=True).start()

    def _greet(self, client: socket.socket) -> None:
        try:
            client.sendall(b"220 stall.example ESMTP\r\n")
            client.settimeout(5)
            data = b""
            while b"\r\n" not in data:
                chunk = client.recv(1024)
                if not chunk:
                    return
                data += chunk
            client.sendall(b"250-stall.example\r\n250 8BITMIME\r\n")
            if self.mode == "trickle":
                # An answer one byte at a time, each well within the read timeout: only a
                # bound on the whole exchange ends this.
                client.recv(1024)
                for byte in b"250 " + b"." * 1000:
                    if self._stop.wait(TEST_TIMEOUT_SECONDS / 3):
                        return
                    client.sendall(bytes([byte]))
            while not self._stop.is_set():  # read and never answer
                if not client.recv(1024):
                    return
        except OSError:
            return

    def stop(self) -> None:
        self._stop.set()
        for client in self._clients:
            with contextlib.suppress(OSError):
                client.close()
        self._sock.close()
        self._thread.join(timeout=5)


@contextmanager
def _point_app_at(app, port: int) -> Iterator[None]:
    old = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT_SECONDS")}
    mail_ext = app.extensions["mail"]
    old_ext = (mail_ext.server, mail_ext.port)
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT_SECONDS=TEST_TIMEOUT_SECONDS
    )
    mail_ext.server, mail_ext.port = "127.0.0.1", port
    try:
        yield
    finally:
        app.config.update(old)
        mail_ext.server, mail_ext.port = old_ext


@pytest.fixture
def smtp_target(app) -> Iterator[int]:
    """A free port the application sends to; the test decides what listens there."""
    port = free_port()
    with _point_app_at(app, port):
        yield port


@pytest.fixture
def strict_smtp(app) -> Iterator[StrictSmtp]:
    """aiosmtpd with its strict defaults (no SMTPUTF8); the app sends to it."""
    server = StrictSmtp(port=free_port(), smtputf8=False)
    server.start()
    try:
        with _point_app_at(app, server.port):
            yield server
    finally:
        server.stop()


@pytest.fixture
def strict_smtp_utf8(app) -> Iterator[StrictSmtp]:
    """The same strict server, offering SMTPUTF8."""
    server = StrictSmtp(port=free_port(), smtputf8=True)
    server.start()
    try:
        with _point_app_at(app, server.port):
            yield server
    finally:
        server.stop()


@pytest.fixture
def stalling_smtp(smtp_target) -> Iterator[StallingSmtp]:
    server = StallingSmtp(smtp_target)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def outbox_row(app):
    """``outbox_row(to_email=…, subject=…, body_html=…, kind=…)``: a queued mail written
    straight into the outbox (as stored, so tests can put in what no service would)."""

    def make(**fields: Any) -> OutboxMail:
        values: dict[str, Any] = {
            "kind": "password_reset",
            "to_email": "persoon@example.org",
            "to_name": "Persoon",
            "subject": "Een onderwerp",
            "body_text": "Hallo,\n\ndit is een test.\n",
            "body_html": "<p>Hallo,</p><p>dit is een test.</p>",
        }
        values.update(fields)
        row = OutboxMail(**values)
        db.session.add(row)
        db.session.commit()
        return row

    return make
