"""Sending the outbox. Safe to run in several processes at once; nothing stops it for long.

Claiming. A sender *claims* due mails first (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; a
compare-and-set on the status everywhere) and commits the claim, so no lock is held during
network I/O. The claim's time is its token and its lease: a claim older than the lease
(``MAIL_CLAIM_LEASE_SECONDS``, a crashed sender) returns to the queue.

Never twice. Right before it sends a mail, the sender renews that mail's lease with a
compare-and-set on the token it claimed with; when the renewal finds another token, the
lease ran out and another sender owns the mail now, so this one skips it. After the
renewal, rendering, building and sending one mail is bounded (socket timeouts of
``MAIL_TIMEOUT_SECONDS`` and a watchdog at :data:`MAIL_DEADLINE_FACTOR` times that), and
:func:`check_settings` refuses a lease shorter than that bound. So however long a batch takes,
no mail is sent while another sender may also send it. (SMTP itself cannot promise more:
a server that takes the message and never confirms it gets it again on the next attempt.)

Failures. Each mail's failure is recorded on that mail (:mod:`lms.mail.failures`) and the
batch goes on: a refusal (5xx), an address the server cannot take, or a mail that cannot be
rendered or built fails at once; a 4xx is retried with backoff, up to ``MAIL_MAX_ATTEMPTS``.
When the server itself is the problem (unreachable, silent, login refused), the mail in
hand is retried later and the rest of the batch waits as long, untried, and the round
ends: one slow server costs one timeout per round, not one per mail.

Database errors are not the mails' fault: they leave this module, and the looping command
(:mod:`lms.cli.mail`) waits for the database to come back.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from lms.extensions import db
from lms.mail.addresses import UndeliverableAddressError
from lms.mail.failures import Failure, FailureCode, explain
from lms.mail.message import Envelope, build_message
from lms.mail.rendering import render_outbox_mail
from lms.models import MailStatus, OutboxMail, utcnow

log = logging.getLogger(__name__)

#: The default lease of a claim (``MAIL_CLAIM_LEASE_SECONDS``).
STALE_CLAIM = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=6)
#: Mails claimed at once. Small, so mails claimed behind a slow one wait little.
BATCH_SIZE = 20
#: A mail's whole SMTP exchange (and the connection's set-up) is cut off after this many
#: times ``MAIL_TIMEOUT_SECONDS``, even when the server trickles bytes to beat the timeout.
MAIL_DEADLINE_FACTOR = 2
#: The lease must cover connecting (the connect itself plus its deadline) and one mail,
#: with room to spare for rendering and writing down the outcome.
LEASE_FACTOR = 2 * MAIL_DEADLINE_FACTOR + 2

ShouldStop = Callable[[], bool]


class SettingsError(ValueError):
    """The mail settings cannot keep the never-twice promise; the message says why."""


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    #: Mails claimed but left for a later round untried (server down, or stopping).
    postponed: int = 0
    errors: list[str] = field(default_factory=list)
    #: The round ended early because the server could not be used.
    server_down: bool = False
    #: The round ended early because the worker was asked to stop.
    stopped: bool = False

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed


def timeout_seconds() -> float:
    return float(current_app.config.get("MAIL_TIMEOUT_SECONDS", 30))


def lease() -> timedelta:
    seconds = current_app.config.get("MAIL_CLAIM_LEASE_SECONDS")
    return timedelta(seconds=float(seconds)) if seconds else STALE_CLAIM


def check_settings() -> None:
    """Refuse settings under which a mail could be sent twice or a send could hang."""
    timeout = timeout_seconds()
    if timeout <= 0:
        raise SettingsError("MAIL_TIMEOUT_SECONDS moet groter dan 0 zijn.")
    if lease().total_seconds() < LEASE_FACTOR * timeout:
        raise SettingsError(
            f"MAIL_CLAIM_LEASE_SECONDS ({lease().total_seconds():g}) moet minstens "
            f"{LEASE_FACTOR} keer MAIL_TIMEOUT_SECONDS ({timeout:g}) zijn, anders kan een "
            "tweede worker een mail versturen die nog onderweg is."
        )


def backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: base, 2×, 4×, … capped at six hours."""
    base = timedelta(seconds=current_app.config["MAIL_RETRY_BASE_SECONDS"])
    return min(base * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


# --- Claiming ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    ids: list[int]
    token: datetime
    #: The highest id looked at (claimed or taken by another sender meanwhile).
    last_seen: int = 0


def claim_batch(
    limit: int = BATCH_SIZE, *, ignore_backoff: bool = False, after_id: int = 0
) -> Claim:
    """Claim up to ``limit`` due mails (ids above ``after_id``) and commit the claim."""
    now = utcnow()
    due = or_(
        OutboxMail.status == MailStatus.QUEUED,
        (OutboxMail.status == MailStatus.SENDING) & (OutboxMail.claimed_at < now - lease()),
    )
    if ignore_backoff:
        due = or_(due, OutboxMail.status == MailStatus.FAILED)
    query = select(OutboxMail.id, OutboxMail.status, OutboxMail.claimed_at).where(
        due, OutboxMail.id > after_id
    )
    if not ignore_backoff:
        query = query.where(OutboxMail.next_attempt_at <= now)
    query = query.order_by(OutboxMail.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    candidates = db.session.execute(query).all()
    claimed = []
    for mail_id, status, claimed_at in candidates:
        condition = [OutboxMail.id == mail_id, OutboxMail.status == status]
        if status == MailStatus.SENDING:
            condition.append(OutboxMail.claimed_at == claimed_at)
        result = db.session.execute(
            update(OutboxMail)
            .where(*condition)
            .values(status=MailStatus.SENDING, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(mail_id)
    db.session.commit()
    return Claim(claimed, now, max((c[0] for c in candidates), default=0))


def claim_due(limit: int = BATCH_SIZE, *, ignore_backoff: bool = False) -> list[int]:
    """The ids of up to ``limit`` due mails, claimed for this process (committed)."""
    return claim_batch(limit, ignore_backoff=ignore_backoff).ids


def _renew(mail_id: int, token: datetime) -> datetime | None:
    """Renew the lease on one mail if this process still holds it; the new token or None."""
    renewed = utcnow()
    result = db.session.execute(
        update(OutboxMail)
        .where(
            OutboxMail.id == mail_id,
            OutboxMail.status == MailStatus.SENDING,
            OutboxMail.claimed_at == token,
        )
        .values(claimed_at=renewed)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return renewed if result.rowcount == 1 else None


def _postpone(ids: Iterable[int], token: datetime, until: datetime, why: Failure | None) -> int:
    """Give claimed, untried mails back to the queue (due at ``until``), not as an attempt."""
    ids = list(ids)
    if not ids:
        return 0
    values: dict = {"status": MailStatus.QUEUED, "claimed_at": None, "next_attempt_at": until}
    if why is not None:
        values["last_error"] = why.stored()
    result = db.session.execute(
        update(OutboxMail)
        .where(
            OutboxMail.id.in_(ids),
            OutboxMail.status == MailStatus.SENDING,
            OutboxMail.claimed_at == token,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


# --- Talking SMTP --------------------------------------------------------------------------


class ServerUnusableError(Exception):
    """The server, not the mail, failed: the connection cannot be used any more."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.stored())
        self.failure = failure


class _Watchdog:
    """Cuts a connection that has not finished its work ``seconds`` after it started.

    Socket timeouts bound each read and write; this bounds the whole exchange, so a server
    trickling a byte now and then cannot keep a mail (and its lease) forever.
    """

    def __init__(self, sock: socket.socket | None, seconds: float) -> None:
        self.fired = False
        self._sock = sock
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.fired = True
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._timer.cancel()


class SmtpConnection:
    """One SMTP session with Flask-Mail's settings, opened on first use."""

    def __init__(self) -> None:
        self._smtp: smtplib.SMTP | None = None
        self.timeout = timeout_seconds()

    def _timeout_failure(self) -> Failure:
        return Failure(FailureCode.TIMEOUT, f"{self.timeout:g}")

    def _open(self) -> smtplib.SMTP:
        config = current_app.config
        host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
        smtp: smtplib.SMTP | None = None
        try:
            if config.get("MAIL_USE_SSL"):
                smtp = smtplib.SMTP_SSL(host, port, timeout=self.timeout)
            else:
                smtp = smtplib.SMTP(host, port, timeout=self.timeout)
            with _Watchdog(smtp.sock, self.timeout * MAIL_DEADLINE_FACTOR) as watchdog:
                try:
                    smtp.ehlo()
                    if config.get("MAIL_USE_TLS"):
                        smtp.starttls(context=ssl.create_default_context())
                        smtp.ehlo()
                    if config.get("MAIL_USERNAME"):
                        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
                except (OSError, smtplib.SMTPServerDisconnected) as exc:
                    if watchdog.fired or _timed_out(exc):
                        raise TimeoutError from exc
                    raise
        except smtplib.SMTPAuthenticationError as exc:
            self._quietly_close(smtp)
            raise ServerUnusableError(Failure(FailureCode.AUTH, _reply(exc))) from exc
        except TimeoutError as exc:
            self._quietly_close(smtp)
            raise ServerUnusableError(self._timeout_failure()) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self._quietly_close(smtp)
            if _timed_out(exc):  # the greeting never came
                raise ServerUnusableError(self._timeout_failure()) from exc
            raise ServerUnusableError(Failure(FailureCode.UNREACHABLE, _describe(exc))) from exc
        return smtp

    def send(self, envelope: Envelope, data: bytes) -> Failure | None:
        """Send one message; its own failure, or None. Raises :class:`ServerUnusableError`."""
        if self._smtp is None:
            self._smtp = self._open()
        smtp = self._smtp
        options: list[str] = []
        if envelope.smtputf8:
            if not smtp.has_extn("smtputf8"):
                return Failure(
                    FailureCode.UNENCODABLE,
                    f"{envelope.rcpt_to}: de server biedt geen SMTPUTF8 aan",
                )
            options.append("SMTPUTF8")
            if smtp.has_extn("8bitmime"):
                options.append("BODY=8BITMIME")
        try:
            with _Watchdog(smtp.sock, self.timeout * MAIL_DEADLINE_FACTOR) as watchdog:
                try:
                    smtp.sendmail(envelope.mail_from, [envelope.rcpt_to], data, options)
                except (OSError, smtplib.SMTPServerDisconnected) as exc:
                    if watchdog.fired or _timed_out(exc):
                        raise TimeoutError from exc
                    raise
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (550, b""))
            return self._response_failure(code, reply)
        except smtplib.SMTPNotSupportedError as exc:
            return Failure(FailureCode.UNENCODABLE, _describe(exc))
        except smtplib.SMTPResponseException as exc:
            # Sender refused, data refused: the message or the server said no.
            return self._response_failure(exc.smtp_code, exc.smtp_error)
        except TimeoutError as exc:
            self.close()
            raise ServerUnusableError(self._timeout_failure()) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise ServerUnusableError(Failure(FailureCode.UNREACHABLE, _describe(exc))) from exc
        return None

    def _response_failure(self, code: int, reply: bytes | str) -> Failure:
        text = f"{code} {_text(reply)}".strip()
        if code == 421:  # the server is closing the connection
            self.close()
            raise ServerUnusableError(Failure(FailureCode.DEFERRED, text))
        return Failure(FailureCode.REFUSED if code >= 500 else FailureCode.DEFERRED, text)

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            with _Watchdog(smtp.sock, self.timeout):
                smtp.quit()
        except (OSError, smtplib.SMTPException):
            self._quietly_close(smtp)

    @staticmethod
    def _quietly_close(smtp: smtplib.SMTP | None) -> None:
        if smtp is not None:
            with contextlib.suppress(OSError):
                smtp.close()


def _timed_out(exc: BaseException) -> bool:
    """Whether ``exc`` is (smtplib's rewording of) a socket timeout."""
    while exc is not None:
        if isinstance(exc, TimeoutError):
            return True
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return False


def _text(reply: bytes | str) -> str:
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    return " ".join(reply.split())


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return f"{exc.smtp_code} {_text(exc.smtp_error)}".strip()


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --- One mail ------------------------------------------------------------------------------


def _prepare(row: OutboxMail) -> tuple[Envelope, bytes] | Failure:
    """Render and build ``row``; a failure of this mail only, never an exception.

    Database errors do leave: they are no fault of the mail.
    """
    try:
        rendered = render_outbox_mail(row)
    except SQLAlchemyError:
        raise
    except Exception as exc:
        log.exception("Rendering mail %s (%s) failed", row.id, row.kind)
        return Failure(FailureCode.RENDER, _describe(exc))
    try:
        envelope = build_message(
            row,
            rendered,
            sender=current_app.config["MAIL_DEFAULT_SENDER"],
            base_url=current_app.config.get("LMS_BASE_URL", ""),
        )
        data = envelope.as_bytes()
    except UndeliverableAddressError as exc:
        return Failure(FailureCode.BAD_ADDRESS, f"{row.to_email!r}: {exc}")
    except SQLAlchemyError:
        raise
    except Exception as exc:
        log.exception("Building mail %s (%s) failed", row.id, row.kind)
        return Failure(FailureCode.BUILD, _describe(exc))
    if not envelope.smtputf8 and not data.isascii():
        return Failure(FailureCode.BUILD, "non-ASCII bytes in a message without SMTPUTF8")
    return envelope, data


def _record_sent(row: OutboxMail, report: SendReport) -> None:
    row.status = MailStatus.SENT
    row.sent_at = utcnow()
    row.attempts += 1
    row.last_error = ""
    row.claimed_at = None
    report.sent += 1
    log.info("mail %s (%s) sent", row.id, row.kind)


def _record_failure(row: OutboxMail, failure: Failure, report: SendReport) -> None:
    row.attempts += 1
    row.last_error = failure.stored()
    row.claimed_at = None
    reason = explain(failure)
    if failure.permanent or row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        row.status = MailStatus.FAILED
        report.failed += 1
        log.warning("mail %s (%s) failed for good: %s", row.id, row.kind, failure.stored())
    else:
        row.status = MailStatus.QUEUED
        row.next_attempt_at = utcnow() + backoff(row.attempts)
        report.retrying += 1
        log.warning(
            "mail %s (%s) will be retried at %s: %s",
            row.id,
            row.kind,
            row.next_attempt_at.isoformat(timespec="seconds"),
            failure.stored(),
        )
    report.errors.append(f"mail {row.id} aan {row.to_email}: {reason}")


def send_claimed(claim: Claim, report: SendReport, should_stop: ShouldStop | None = None) -> None:
    """Send the mails of ``claim`` one by one, each outcome committed before the next."""
    connection = SmtpConnection()
    ids = list(claim.ids)
    try:
        for index, mail_id in enumerate(ids):
            if should_stop is not None and should_stop():
                report.postponed += _postpone(ids[index:], claim.token, utcnow(), None)
                report.stopped = True
                log.info("stopping: %s claimed mails left in the queue", len(ids) - index)
                return
            token = _renew(mail_id, claim.token)
            if token is None:
                log.warning("mail %s: lease ran out, another sender has it now", mail_id)
                continue
            row = db.session.get(OutboxMail, mail_id, populate_existing=True)
            if row is None:  # deleted (erasure) since the claim
                continue
            prepared = _prepare(row)
            if isinstance(prepared, Failure):
                _record_failure(row, prepared, report)
                db.session.commit()
                continue
            envelope, data = prepared
            try:
                failure = connection.send(envelope, data)
            except ServerUnusableError as problem:
                _record_failure(row, problem.failure, report)
                db.session.commit()
                rest = ids[index + 1 :]
                report.postponed += _postpone(
                    rest, claim.token, utcnow() + backoff(1), problem.failure
                )
                report.server_down = True
                log.warning(
                    "mail server unusable (%s); %s mails wait for the next round",
                    problem.failure.stored(),
                    len(rest),
                )
                return
            if failure is None:
                _record_sent(row, report)
            else:
                _record_failure(row, failure, report)
            db.session.commit()  # each outcome is durable before the next mail goes out
    finally:
        connection.close()


def send_due(
    *,
    ignore_backoff: bool = False,
    limit: int | None = None,
    should_stop: ShouldStop | None = None,
) -> SendReport:
    """Send every due mail once (``lms mail send --once``); returns what happened.

    Ends early when the server cannot be used (the next round tries again) or when
    ``should_stop()`` says so (after the mail in hand).
    """
    check_settings()
    report = SendReport()
    after_id = 0  # one pass in id order: a round tries each mail at most once
    while True:
        if should_stop is not None and should_stop():
            report.stopped = True
            break
        claim = claim_batch(BATCH_SIZE, ignore_backoff=ignore_backoff, after_id=after_id)
        if not claim.last_seen:
            break
        after_id = claim.last_seen
        send_claimed(claim, report, should_stop)
        if report.server_down or report.stopped:
            break
        if limit is not None and report.attempted >= limit:
            break
    return report


def retry_mail(row: OutboxMail) -> None:
    """Put a failed mail back in the queue, due now (coordinator's mail queue page)."""
    row.status = MailStatus.QUEUED
    row.next_attempt_at = utcnow()
    row.claimed_at = None


def abort_mail(row: OutboxMail) -> None:
    row.status = MailStatus.ABORTED
    row.claimed_at = None
