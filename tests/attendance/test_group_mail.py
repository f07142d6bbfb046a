"""A trainer mails their group through the outbox: preview, send, audit; nobody else."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.extensions import db
from lms.models import AuditEntry


def test_a_trainer_mails_the_confirmed_participants(course, client, login, queued_mails):
    c = course(participants=2)
    login(c.trainer)
    url = f"/activities/{c.activity.id}/group-mail"
    page = client.get(url).get_data(as_text=True)
    assert "Een mail aan de 2 bevestigde deelnemers" in page
    data = {"subject": "Lokaal gewijzigd", "body": "We zitten morgen in zaal 2."}
    preview = client.post(url, data={**data, "preview": "1"})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "We zitten morgen in zaal 2." in page
    assert queued_mails() == []  # a preview sends nothing
    fingerprint = page.split('name="fingerprint" type="hidden" value="')[1].split('"')[0]
    response = client.post(url, data={**data, "fingerprint": fingerprint, "send": "1"})
    assert response.status_code == 302
    mails = queued_mails(kind="activity_message")
    assert sorted(m.to_email for m in mails) == sorted(p.email for p in c.participants)
    assert {m.subject for m in mails} == {"Lokaal gewijzigd"}
    assert "We zitten morgen in zaal 2." in mails[0].body_text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "activity.mailed"))
    assert entry is not None and entry.actor_id == c.trainer.id


def test_a_line_break_in_the_subject_is_refused(course, client, login, queued_mails):
    c = course(participants=1)
    login(c.trainer)
    response = client.post(
        f"/activities/{c.activity.id}/group-mail",
        data={"subject": "Hallo\r\nBcc: iedereen@example.org", "body": "x", "preview": "1"},
    )
    assert response.status_code == 422
    assert "Het onderwerp moet op één regel staan" in response.get_data(as_text=True)
    assert queued_mails() == []


def test_only_the_activitys_trainers_and_coordinators(course, client, login, queued_mails):
    c = course(participants=1)
    url = f"/activities/{c.activity.id}/group-mail"
    for person, expected in (
        (c.other_trainer, 403),
        (c.participants[0], 403),
        (c.coordinator, 200),
    ):
        login(person)
        assert client.get(url).status_code == expected, person.name
        client.post(url, data={"subject": "x", "body": "y", "send": "1", "fingerprint": "z"})
    assert queued_mails() == []
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "activity.mailed")
        )
        == 0
    )
