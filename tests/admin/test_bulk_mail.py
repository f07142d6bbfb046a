"""Mailing everyone of an activity: a preview of exactly what goes out, then the outbox."""

from __future__ import annotations

from sqlalchemy import select

from lms.extensions import db
from lms.mail.rendering import render_outbox_mail
from lms.models import AuditEntry, OutboxMail


def outbox():
    return db.session.scalars(select(OutboxMail).where(OutboxMail.kind == "activity_message")).all()


def test_preview_then_send_to_the_chosen_statuses(
    client, as_coordinator, create_activity, participant, enrol
):
    activity = create_activity(capacity=2, title="Wonen op maat")
    ann, bert = participant("Ann Aerts"), participant("Bert Bosmans")
    enrol(activity, ann)
    enrol(activity, bert)
    waiting = participant("Chris Claes")
    enrol(activity, waiting)
    data = {
        "statuses": ["confirmed"],
        "subject": "Praktisch voor dinsdag",
        "body": "We starten om 9 uur stipt.\n\nBreng je laptop mee.",
        "preview": "Voorbeeld bekijken",
    }
    response = client.post(f"/admin/activities/{activity.id}/mail", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 personen" in page and "Ann Aerts" in page and "Bert Bosmans" in page
    assert "Chris Claes" not in page
    assert "Dag Ann," in page  # the exact text of the first recipient's mail
    assert "We starten om 9 uur stipt." in page and "Hilde Coördinator, SAM" in page
    assert outbox() == []  # a preview queues nothing
    fingerprint = page.split('name="fingerprint" type="hidden" value="')[1].split('"')[0]

    response = client.post(
        f"/admin/activities/{activity.id}/mail",
        data={**data, "fingerprint": fingerprint, "send": "Versturen", "preview": ""},
    )
    assert response.status_code == 302
    mails = outbox()
    assert sorted(m.to_email for m in mails) == sorted([ann.email, bert.email])
    assert all(m.subject == "Praktisch voor dinsdag" for m in mails)
    ann_mail = render_outbox_mail(next(m for m in mails if m.to_email == ann.email))
    assert ann_mail.text.startswith("Dag Ann,")
    assert "Breng je laptop mee." in ann_mail.text and ann_mail.html
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "activity.mailed"))
    assert entry.details["recipients"] == 2 and entry.activity_id == activity.id


def test_nothing_is_sent_when_the_recipients_changed_since_the_preview(
    client, as_coordinator, create_activity, participant, enrol
):
    activity = create_activity(capacity=5)
    enrol(activity, participant("Ann"))
    data = {"statuses": ["confirmed"], "subject": "Info", "body": "Tekst", "preview": "x"}
    page = client.post(f"/admin/activities/{activity.id}/mail", data=data).get_data(as_text=True)
    fingerprint = page.split('name="fingerprint" type="hidden" value="')[1].split('"')[0]
    enrol(activity, participant("Nieuwkomer"))
    response = client.post(
        f"/admin/activities/{activity.id}/mail",
        data={**data, "preview": "", "send": "Versturen", "fingerprint": fingerprint},
    )
    page = response.get_data(as_text=True)
    assert "De ontvangers of de tekst zijn veranderd sinds het voorbeeld." in page
    assert "Nieuwkomer" in page  # the new preview
    assert outbox() == []


def test_errors_are_explained(client, as_coordinator, create_activity):
    activity = create_activity()
    response = client.post(
        f"/admin/activities/{activity.id}/mail",
        data={"statuses": ["confirmed"], "subject": "", "body": "", "preview": "x"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Geef de mail een onderwerp." in page and "Schrijf het bericht." in page
    response = client.post(
        f"/admin/activities/{activity.id}/mail",
        data={"statuses": ["pending"], "subject": "Hallo", "body": "Tekst", "preview": "x"},
    )
    assert "Er is niemand met de gekozen status(sen)" in response.get_data(as_text=True)
    response = client.post(
        f"/admin/activities/{activity.id}/mail",
        data={"subject": "Hallo", "body": "Tekst", "preview": "x"},
    )
    assert "Kies minstens één groep ontvangers." in response.get_data(as_text=True)
    assert outbox() == []


def test_a_line_break_in_the_subject_is_refused_in_dutch(
    client, as_coordinator, create_activity, participant, enrol
):
    """A line break would end the Subject header and start another one: refused at input,
    for the preview and for a crafted send alike, and nothing is queued."""
    activity = create_activity(capacity=5)
    enrol(activity, participant("Ann"))
    for extra in ({"preview": "x"}, {"preview": "", "send": "Versturen", "fingerprint": "x"}):
        response = client.post(
            f"/admin/activities/{activity.id}/mail",
            data={
                "statuses": ["confirmed"],
                "subject": "Info\r\nBcc: iedereen@example.org",
                "body": "Tekst",
                **extra,
            },
        )
        page = response.get_data(as_text=True)
        assert "Het onderwerp moet op één regel staan" in page
    assert outbox() == []
