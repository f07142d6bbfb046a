"""A worker that one bad mail or a slow server cannot stop, and that never sends twice."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.mail import worker
from lms.mail.failures import FailureCode, explain, parse_failure
from lms.mail.worker import SettingsError, check_settings, send_due
from lms.models import MailStatus, OutboxMail
from tests.mail.conftest import TEST_TIMEOUT_SECONDS, StallingSmtp, StrictSmtp

# Workers (threads and a process of their own) read the outbox on their own connections.
pytestmark = pytest.mark.commits


def run_cli(app, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["lms", "mail", "send", *args])


def run_bounded(job: Callable[[], Any], limit: float = 60) -> Any:
    """Run ``job`` in a thread; fail (instead of hanging the suite) if it never ends."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = job()
        except BaseException as exc:  # re-raised below
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(limit)
    assert not thread.is_alive(), "the worker hung"
    if "error" in result:
        raise result["error"]
    return result.get("value")


def fresh(row: OutboxMail) -> OutboxMail:
    db.session.expire_all()
    return db.session.get(OutboxMail, row.id)


def failure_of(row: OutboxMail):
    failure = parse_failure(fresh(row).last_error)
    assert failure is not None, fresh(row).last_error
    return failure


# --- (a) poison mails ----------------------------------------------------------------------


def test_poison_mails_fail_on_their_own_and_everything_else_arrives(
    app, strict_smtp, outbox_row, monkeypatch
):
    first = outbox_row(to_email="eerste@example.org", subject="Eerste")
    unicode_address = outbox_row(to_email="ünï@example.org", subject="Voor Ünï")
    line_break = outbox_row(to_email="tweede@example.org", subject="Nieuws\nvan SAM")
    unrenderable = outbox_row(to_email="derde@example.org", subject="Kapot")
    last = outbox_row(to_email="laatste@example.org", subject="Laatste")

    real_render = worker.render_outbox_mail

    def render(row):
        if row.id == unrenderable.id:
            raise KeyError("session_title")
        return real_render(row)

    monkeypatch.setattr(worker, "render_outbox_mail", render)

    result = run_cli(app, "--once")

    assert result.exit_code == 0, result.output
    assert "verstuurd: 3, later opnieuw: 0, mislukt: 2" in result.output
    arrived = {m.rcpt_tos[0]: m for m in strict_smtp.messages}
    assert set(arrived) == {"eerste@example.org", "tweede@example.org", "laatste@example.org"}
    assert arrived["tweede@example.org"].subject == "Nieuws van SAM"
    for row in (first, line_break, last):
        assert fresh(row).status == MailStatus.SENT

    unicode_row = fresh(unicode_address)
    assert unicode_row.status == MailStatus.FAILED and unicode_row.attempts == 1
    failure = failure_of(unicode_address)
    assert failure.code == FailureCode.UNENCODABLE and failure.permanent
    assert "tekens die deze mailserver niet aanvaardt" in explain(failure)

    assert fresh(unrenderable).status == MailStatus.FAILED
    assert failure_of(unrenderable).code == FailureCode.RENDER
    assert "KeyError" in failure_of(unrenderable).detail


def test_a_refused_recipient_fails_at_once_and_a_deferred_one_is_retried(
    app, strict_smtp, outbox_row
):
    strict_smtp.refuse.update(
        {
            "weg@example.org": "550 5.1.1 <weg@example.org>: Recipient address rejected",
            "vol@example.org": "452 4.2.2 Mailbox full",
        }
    )
    refused = outbox_row(to_email="weg@example.org")
    deferred = outbox_row(to_email="vol@example.org")
    fine = outbox_row(to_email="goed@example.org")

    report = send_due()

    assert (report.sent, report.retrying, report.failed) == (1, 1, 1)
    assert [m.rcpt_tos for m in strict_smtp.messages] == [["goed@example.org"]]
    assert fresh(fine).status == MailStatus.SENT
    assert fresh(refused).status == MailStatus.FAILED
    failure = failure_of(refused)
    assert failure.code == FailureCode.REFUSED
    assert explain(failure).startswith("De mailserver weigerde het bericht: 550 5.1.1")
    row = fresh(deferred)
    assert row.status == MailStatus.QUEUED and row.attempts == 1
    assert failure_of(deferred).code == FailureCode.DEFERRED


# --- (b) a server that accepts and stalls --------------------------------------------------


@pytest.mark.parametrize("mode", ["greeting", "after_ehlo", "trickle"])
def test_a_stalling_server_costs_one_timeout_and_every_mail_arrives_once_later(
    app, smtp_target, outbox_row, mode
):
    rows = [outbox_row(to_email=f"p{i}@example.org", subject=f"Mail {i}") for i in range(5)]
    stalling = StallingSmtp(smtp_target, mode=mode)
    try:
        result = run_bounded(lambda: run_cli(app, "--once"))
    finally:
        stalling.stop()
    assert stalling.connections >= 1
    assert result.exit_code == 0, result.output
    assert "verstuurd: 0, later opnieuw: 1, mislukt: 0, uitgesteld: 4" in result.output

    in_hand = fresh(rows[0])
    assert in_hand.status == MailStatus.QUEUED and in_hand.attempts == 1
    failure = failure_of(rows[0])
    assert failure.code == FailureCode.TIMEOUT
    assert explain(failure) == (
        f"De mailserver antwoordde niet binnen {TEST_TIMEOUT_SECONDS:g} seconden."
    )
    for row in rows[1:]:
        waiting = fresh(row)
        assert waiting.status == MailStatus.QUEUED and waiting.attempts == 0
        assert parse_failure(waiting.last_error).code == FailureCode.TIMEOUT

    # The server is fixed; --now sends what waits, each mail exactly once.
    server = StrictSmtp(port=smtp_target, smtputf8=False)
    server.start()
    try:
        result = run_bounded(lambda: run_cli(app, "--once", "--now"))
    finally:
        server.stop()
    assert result.exit_code == 0, result.output
    assert Counter(m.rcpt_tos[0] for m in server.messages) == Counter(
        f"p{i}@example.org" for i in range(5)
    )
    assert all(fresh(row).status == MailStatus.SENT for row in rows)


def _two_workers(app, jobs: list[Callable[[], Any]]) -> list[Any]:
    """Each job in its own thread with its own app context (own session, real commits)."""
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], Any]) -> None:
        with app.app_context():
            try:
                results[index] = job()
            except BaseException as exc:  # asserted on below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    assert errors == []
    return results


@pytest.mark.postgres_only
def test_two_workers_after_a_stall_send_every_mail_exactly_once(
    app, backend, smtp_target, outbox_row
):
    if backend != "postgresql":
        pytest.skip("two workers committing at the same time: PostgreSQL")
    rows = [outbox_row(to_email=f"w{i}@example.org") for i in range(30)]
    stalling = StallingSmtp(smtp_target, mode="after_ehlo")
    try:
        _two_workers(app, [send_due, send_due])
    finally:
        stalling.stop()

    server = StrictSmtp(port=smtp_target, smtputf8=False)
    server.start()
    try:
        reports = _two_workers(
            app, [lambda: send_due(ignore_backoff=True), lambda: send_due(ignore_backoff=True)]
        )
    finally:
        server.stop()
    counts = Counter(m.rcpt_tos[0] for m in server.messages)
    assert counts == Counter(row.to_email for row in rows)
    assert sum(r.sent for r in reports) == 30
    db.session.expire_all()
    statuses = set(db.session.scalars(select(OutboxMail.status)))
    assert statuses == {MailStatus.SENT}


@pytest.mark.postgres_only
@pytest.mark.slow
def test_a_batch_longer_than_the_lease_is_still_sent_once(app, backend, smtp_target, outbox_row):
    """The lease is renewed per mail, so a second worker taking over the rest of a slow
    batch never sends a mail the first one is sending."""
    if backend != "postgresql":
        pytest.skip("two workers committing at the same time: PostgreSQL")
    lease = worker.LEASE_FACTOR * TEST_TIMEOUT_SECONDS  # the shortest lease allowed
    app.config["MAIL_CLAIM_LEASE_SECONDS"] = lease
    try:
        check_settings()
        rows = [outbox_row(to_email=f"l{i}@example.org") for i in range(14)]
        server = StrictSmtp(port=smtp_target, smtputf8=False, delay=0.4)  # < the timeout
        server.start()
        started = threading.Event()

        def first() -> Any:
            started.set()
            return send_due()

        def second() -> Any:
            started.wait(10)
            threading.Event().wait(lease + 0.5)  # the first batch's lease has run out
            return send_due()

        try:
            reports = _two_workers(app, [first, second])
        finally:
            server.stop()
    finally:
        app.config.pop("MAIL_CLAIM_LEASE_SECONDS", None)
    counts = Counter(m.rcpt_tos[0] for m in server.messages)
    assert counts == Counter(row.to_email for row in rows)
    assert reports[0].sent + reports[1].sent == 14
    assert reports[1].sent > 0, "the second worker should have taken over part of the batch"


def test_settings_that_could_send_twice_are_refused(app):
    app.config["MAIL_CLAIM_LEASE_SECONDS"] = 60
    app.config["MAIL_TIMEOUT_SECONDS"] = 30
    try:
        with pytest.raises(SettingsError):
            check_settings()
        result = run_cli(app, "--once")
        assert result.exit_code == 2
        assert "MAIL_CLAIM_LEASE_SECONDS" in result.output
    finally:
        app.config.pop("MAIL_CLAIM_LEASE_SECONDS", None)
        app.config["MAIL_TIMEOUT_SECONDS"] = 30


def test_a_stop_request_ends_the_round_after_the_mail_in_hand(app, strict_smtp, outbox_row):
    rows = [outbox_row(to_email=f"s{i}@example.org") for i in range(4)]
    asked = []

    def should_stop() -> bool:
        asked.append(1)
        return len(strict_smtp.messages) >= 1

    report = send_due(should_stop=should_stop)
    assert report.stopped and report.sent == 1 and report.postponed == 3
    assert [m.rcpt_tos for m in strict_smtp.messages] == [["s0@example.org"]]
    waiting = [fresh(r) for r in rows[1:]]
    assert all(r.status == MailStatus.QUEUED and r.attempts == 0 for r in waiting)
    assert all(r.claimed_at is None for r in waiting)


def test_a_sender_whose_lease_ran_out_skips_the_mail_another_sender_took_over(
    app, strict_smtp, outbox_row
):
    """Deterministic, on both databases: the renewal before each send is what keeps a
    mail from going out twice when a batch outlives its lease."""
    from datetime import timedelta

    from sqlalchemy import update

    from lms.mail.worker import SendReport, claim_batch, lease, send_claimed
    from lms.models import utcnow

    first_row, second_row = (
        outbox_row(to_email="a@example.org"),
        outbox_row(to_email="b@example.org"),
    )
    slow = claim_batch()
    assert slow.ids == [first_row.id, second_row.id]
    # The slow sender is still busy with an earlier mail when its lease on these runs out.
    expired = utcnow() - lease() - timedelta(seconds=1)
    db.session.execute(
        update(OutboxMail).where(OutboxMail.id.in_(slow.ids)).values(claimed_at=expired)
    )
    db.session.commit()
    slow = worker.Claim(slow.ids, expired)

    fast = claim_batch()
    assert fast.ids == slow.ids
    fast_report, slow_report = SendReport(), SendReport()
    send_claimed(fast, fast_report)
    send_claimed(slow, slow_report)

    assert fast_report.sent == 2 and slow_report.attempted == 0
    assert sorted(m.rcpt_tos[0] for m in strict_smtp.messages) == ["a@example.org", "b@example.org"]
    assert {fresh(first_row).status, fresh(second_row).status} == {MailStatus.SENT}
