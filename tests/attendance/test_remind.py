"""``flask lms remind``: one reminder per confirmed participant per session, ever."""

from __future__ import annotations

from datetime import timedelta

from lms.extensions import db
from lms.models import ActivityStatus, OutboxMail, utcnow
from lms.schedule.reminders import queue_reminders, reminder_key
from lms.schedule.service import cancel_session


def in_hours(hours, length=2):
    start = utcnow().replace(second=0, microsecond=0) + timedelta(hours=hours)
    return (start, start + timedelta(hours=length))


def test_running_remind_twice_queues_each_reminder_once(app, course, queued_mails):
    c = course(
        sessions=[in_hours(5), in_hours(20), in_hours(30)],
        participants=3,
        what_to_bring="Een voorbeeld van een woonvraag uit je eigen werking.",
        online_url="https://meet.jit.si/sam-test",
    )
    runner = app.test_cli_runner()

    first = runner.invoke(args=["lms", "remind"])
    assert first.exit_code == 0, first.output
    assert "Herinneringen: 6 nieuw in de wachtrij, 0 al eerder klaargezet, voor 2 sessies" in (
        first.output
    )
    second = runner.invoke(args=["lms", "remind"])
    assert second.exit_code == 0, second.output
    assert "Herinneringen: 0 nieuw in de wachtrij, 6 al eerder klaargezet" in second.output

    mails = queued_mails("reminder")
    assert len(mails) == 6
    keys = {m.dedup_key for m in mails}
    soon, later, _far = c.sessions
    assert keys == {reminder_key(s.id, p.id) for s in (soon, later) for p in c.participants}
    assert c.waitlisted.email not in {m.to_email for m in mails}
    mail = next(m for m in mails if m.dedup_key == reminder_key(soon.id, c.participants[0].id))
    assert mail.subject.startswith("Herinnering: Cursus participatie")
    body = mail.body_text
    from lms.common.timeutil import format_period

    assert format_period(soon.starts_at, soon.ends_at) in body
    assert "Zaal De Kring, Gent" in body and "https://meet.jit.si/sam-test" in body
    assert "Meebrengen: Een voorbeeld van een woonvraag" in body


def test_no_reminders_for_cancelled_sessions(app, course, queued_mails):
    c = course(sessions=[in_hours(3), in_hours(6)], participants=1)
    cancel_session(c.sessions[0], actor=c.trainer)
    db.session.commit()
    report = queue_reminders()
    db.session.commit()
    assert report.queued == 1
    assert queued_mails("reminder")[0].dedup_key == reminder_key(
        c.sessions[1].id, c.participants[0].id
    )


def test_no_reminders_for_a_cancelled_activity(app, course):
    c = course(sessions=[in_hours(3)], participants=1)
    c.activity.status = ActivityStatus.CANCELLED
    db.session.commit()
    assert queue_reminders().queued == 0


def test_a_started_session_gets_no_reminder(app, course):
    course(participants=2)  # started an hour ago
    assert queue_reminders().queued == 0


def test_a_clash_on_the_unique_key_is_retried_and_never_sends_twice(
    app, course, queued_mails, monkeypatch
):
    """Two runs at the same moment: the unique index refuses the second row at commit;
    the command rolls back, runs again and skips what is there."""
    c = course(sessions=[in_hours(4)], participants=2)
    import lms.cli.remind as remind_cli

    real = remind_cli.queue_reminders
    calls = []

    def clashing(*args, **kwargs):
        report = real(*args, **kwargs)
        if not calls:  # the first attempt meets a row "another run" wrote meanwhile
            db.session.add(
                OutboxMail(
                    kind="reminder",
                    to_email=c.participants[0].email,
                    subject="s",
                    body_text="b",
                    dedup_key=reminder_key(c.session.id, c.participants[0].id),
                )
            )
        calls.append(report.queued)
        return report

    monkeypatch.setattr(remind_cli, "queue_reminders", clashing)
    result = app.test_cli_runner().invoke(args=["lms", "remind"])
    assert result.exit_code == 0, result.output
    assert calls == [2, 2]
    mails = queued_mails("reminder")
    assert len(mails) == 2 and len({m.dedup_key for m in mails}) == 2


def test_remind_also_passes_on_expired_waiting_list_offers(app, course, monkeypatch):
    called = []
    import lms.enrolment.service as enrolment_service

    monkeypatch.setattr(enrolment_service, "expire_offers", lambda: called.append(1) or 2)
    result = app.test_cli_runner().invoke(args=["lms", "remind"])
    assert result.exit_code == 0, result.output
    assert called == [1]
    assert "Verlopen aanbiedingen van een vrijgekomen plaats: 2" in result.output
