"""The mail queue (retry, abort, banner) and the audit log (filters, paging, queries)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.audit import record
from lms.extensions import db
from lms.mail.outbox import queue_mail
from lms.models import AuditEntry, MailStatus, OutboxMail, utcnow


@pytest.fixture
def make_mail(app, participant):
    def make(status=MailStatus.QUEUED, *, kind="password_reset", error="", to=None, attempts=0):
        person = to or participant()
        mail = queue_mail(
            kind="password_reset",
            to=person,
            subject=f"Mail aan {person.name}",
            context={"user": person, "link": "https://x.example/r", "hours": 2},
        )
        mail.kind = kind
        mail.status = status
        mail.last_error = error
        mail.attempts = attempts
        db.session.commit()
        return mail

    return make


def test_failed_mails_show_a_banner_on_the_dashboard(client, as_coordinator, make_mail):
    assert "konden niet verstuurd worden" not in client.get("/admin/").get_data(as_text=True)
    make_mail(MailStatus.FAILED, error="SMTP-server niet bereikbaar", attempts=6)
    make_mail(MailStatus.FAILED, error="550 mailbox unavailable", attempts=6)
    page = client.get("/admin/").get_data(as_text=True)
    assert "2 mails konden niet verstuurd worden." in page
    assert 'href="/admin/mail?status=failed"' in page


def test_the_queue_lists_and_filters_mails_with_attempts_and_errors(
    client, as_coordinator, make_mail, participant
):
    zoe = participant("Zoë Janssens", email="zoe@example.org")
    failed = make_mail(MailStatus.FAILED, error="550 mailbox unavailable", attempts=6, to=zoe)
    make_mail(MailStatus.SENT)
    make_mail(MailStatus.QUEUED, kind="reminder_test")
    page = client.get("/admin/mail?status=failed").get_data(as_text=True)
    assert "550 mailbox unavailable" in page and failed.subject in page
    assert 'data-label="Pogingen">6</td>' in page
    assert page.count('data-label="Pogingen"') == 1
    page = client.get("/admin/mail?recipient=ZOE").get_data(as_text=True)
    assert failed.subject in page and page.count('data-label="Pogingen"') == 1
    page = client.get("/admin/mail?kind=reminder_test").get_data(as_text=True)
    assert page.count('data-label="Pogingen"') == 1
    assert client.get("/admin/mail?status=nonsense&page=-4").status_code == 200
    detail = client.get(f"/admin/mail/{failed.id}").get_data(as_text=True)
    assert "550 mailbox unavailable" in detail and "Opnieuw versturen" in detail


def test_retrying_and_aborting_a_failed_mail(client, as_coordinator, make_mail):
    failed = make_mail(MailStatus.FAILED, error="timeout", attempts=6)
    other = make_mail(MailStatus.FAILED, error="timeout", attempts=6)
    sent = make_mail(MailStatus.SENT)
    response = client.post(f"/admin/mail/{failed.id}/retry", follow_redirects=True)
    assert "staat weer in de wachtrij" in response.get_data(as_text=True)
    client.post(f"/admin/mail/{other.id}/abort")
    response = client.post(f"/admin/mail/{sent.id}/retry", follow_redirects=True)
    assert "Alleen een mislukte of afgebroken mail" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(OutboxMail, failed.id).status == MailStatus.QUEUED
    assert db.session.get(OutboxMail, failed.id).next_attempt_at <= utcnow()
    assert db.session.get(OutboxMail, other.id).status == MailStatus.ABORTED
    assert db.session.get(OutboxMail, sent.id).status == MailStatus.SENT
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["mail.retried", "mail.aborted"]


def test_the_queue_runs_a_constant_number_of_queries(
    client, as_coordinator, make_mail, count_queries
):
    def measure():
        with count_queries() as counter:
            assert client.get("/admin/mail").status_code == 200
        return counter.count

    make_mail(MailStatus.FAILED)
    few = measure()
    for _ in range(15):
        make_mail(MailStatus.SENT)
    assert measure() == few


def test_the_audit_log_filters_by_action_person_activity_and_period(
    client, as_coordinator, coordinator, participant, create_activity
):
    ann = participant("Ann Audit", email="ann@example.org")
    bert = participant("Bert Andere")
    wonen = create_activity(title="Wonen")
    other = create_activity(title="Ander ding")
    record(
        "enrolment.confirmed", actor=ann, subject_user=ann, activity=wonen, summary="Ann schreef in"
    )
    record(
        "enrolment.cancelled",
        actor=coordinator,
        subject_user=bert,
        activity=other,
        summary="Bert geannuleerd",
    )
    record("user.roles", actor=coordinator, subject_user=ann, summary="Rollen van Ann gewijzigd")
    old = record(
        "attendance.corrected",
        actor=coordinator,
        subject_user=bert,
        activity=wonen,
        summary="Oude correctie",
    )
    db.session.flush()
    old.at = utcnow() - timedelta(days=40)
    db.session.commit()

    def rows(**args):
        page = client.get("/admin/audit", query_string=args).get_data(as_text=True)
        return {
            s
            for s in (
                "Ann schreef in",
                "Bert geannuleerd",
                "Rollen van Ann gewijzigd",
                "Oude correctie",
            )
            if s in page
        }

    assert rows() == {
        "Ann schreef in",
        "Bert geannuleerd",
        "Rollen van Ann gewijzigd",
        "Oude correctie",
    }
    assert rows(action="enrolment.") == {"Ann schreef in", "Bert geannuleerd"}
    assert rows(action="user.roles") == {"Rollen van Ann gewijzigd"}
    assert rows(person="ann@example.org") == {"Ann schreef in", "Rollen van Ann gewijzigd"}
    assert rows(person="hilde") == {
        "Bert geannuleerd",
        "Rollen van Ann gewijzigd",
        "Oude correctie",
    }
    assert rows(activity=str(wonen.id)) == {"Ann schreef in", "Oude correctie"}
    assert rows(activity="ander") == {"Bert geannuleerd"}
    since = (utcnow() - timedelta(days=7)).date().isoformat()
    assert "Oude correctie" not in rows(since=since)
    until = (utcnow() - timedelta(days=30)).date().isoformat()
    assert rows(until=until) == {"Oude correctie"}
    assert client.get("/admin/audit?since=gisteren&page=abc").status_code == 200


def test_the_audit_log_pages_with_a_constant_number_of_queries(
    client, as_coordinator, coordinator, participant, create_activity, count_queries
):
    activity = create_activity()

    def measure(**args):
        with count_queries() as counter:
            assert client.get("/admin/audit", query_string=args).status_code == 200
        return counter.count

    first = participant()
    record("x.one", actor=first, subject_user=first, summary="een", activity=activity)
    db.session.commit()
    few = measure()
    for i in range(60):
        person = participant()
        record(
            "enrolment.confirmed",
            actor=person,
            subject_user=person,
            activity=activity,
            summary=f"regel {i}",
        )
    db.session.commit()
    assert measure() == few
    page = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert "Pagina 2 van 2" in page
    assert measure(person="persoon", page="2") <= few + 1
