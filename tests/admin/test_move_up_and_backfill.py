"""A coordinator chooses who moves up from the waiting list (with a reason, audited), and
back-fills an activity that is over without mailing anyone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.extensions import db
from lms.models import (
    Activity,
    AuditEntry,
    Enrolment,
    EnrolmentEvent,
    EnrolmentStatus,
    utcnow,
)


def test_a_coordinator_picks_the_third_in_line_with_a_reason(
    client, as_coordinator, create_activity, fill, queued_mails
):
    activity = create_activity(capacity=2, title="Intervisie wonen")
    fill(activity, 2)
    waiting = fill(activity, 3)
    assert {e.status for e in waiting} == {EnrolmentStatus.WAITLISTED}
    # A seat comes free without anyone moving up yet (capacity raised outside the service).
    db.session.get(Activity, activity.id).capacity = 3
    db.session.commit()
    chosen = waiting[2]
    url = f"/admin/enrolments/{chosen.id}/move-up"
    page = client.get(url).get_data(as_text=True)
    assert "staat op plaats 3 van de wachtlijst" in page
    assert "Er staan 2 personen vóór op de wachtlijst" in page
    # Without a reason: refused, nothing changes.
    response = client.post(url, data={"reason": "  "})
    assert response.status_code == 422
    assert "Geef een reden waarom deze persoon" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Enrolment, chosen.id).status == EnrolmentStatus.WAITLISTED
    # With a reason: enrolled, mailed, the reason in the history and the audit log.
    response = client.post(url, data={"reason": "Werkt in de wijk van de intervisiegroep"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Enrolment, chosen.id).status == EnrolmentStatus.CONFIRMED
    assert db.session.get(Enrolment, waiting[0].id).status == EnrolmentStatus.WAITLISTED
    event = db.session.scalars(
        select(EnrolmentEvent)
        .where(EnrolmentEvent.enrolment_id == chosen.id)
        .order_by(EnrolmentEvent.id.desc())
    ).first()
    assert event.note == "Werkt in de wijk van de intervisiegroep"
    entry = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "enrolment.promoted")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry.details["note"] == "Werkt in de wijk van de intervisiegroep"
    assert entry.subject_user_id == chosen.user_id
    assert [m.kind for m in queued_mails(to=chosen.user.email)][-1] == "enrolment_promoted"


def test_the_waiting_list_offers_a_choice_beyond_the_first(
    client, as_coordinator, create_activity, fill
):
    activity = create_activity(capacity=1)
    fill(activity, 1)
    waiting = fill(activity, 2)
    db.session.get(Activity, activity.id).capacity = 2
    db.session.commit()
    page = client.get(f"/admin/activities/{activity.id}/enrolments").get_data(as_text=True)
    assert f'action="/admin/enrolments/{waiting[0].id}/promote"' in page
    assert f'href="/admin/enrolments/{waiting[1].id}/move-up"' in page


def test_back_filling_a_past_activity_without_mail(
    client, as_coordinator, create_activity, participant, queued_mails
):
    start = utcnow() - timedelta(days=10)
    past = create_activity(title="Vorige maand", sessions=[(start, start + timedelta(hours=3))])
    quiet, loud = participant("Stille Sofie"), participant("Luide Lode")
    page = client.get(f"/admin/activities/{past.id}/enrol?q=Sofie").get_data(as_text=True)
    assert 'name="no_mail" value="1" checked' in page
    client.post(f"/admin/activities/{past.id}/enrol", data={"user_id": quiet.id, "no_mail": "1"})
    client.post(f"/admin/activities/{past.id}/enrol", data={"user_id": loud.id})
    db.session.expire_all()
    statuses = {
        e.user_id: e.status
        for e in db.session.scalars(select(Enrolment).where(Enrolment.activity_id == past.id))
    }
    assert statuses == {quiet.id: EnrolmentStatus.CONFIRMED, loud.id: EnrolmentStatus.CONFIRMED}
    assert queued_mails(to=quiet.email) == []
    assert [m.kind for m in queued_mails(to=loud.email)] == ["enrolment_confirmed"]
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "enrolment.confirmed", AuditEntry.subject_user_id == quiet.id
        )
    )
    assert entry.details["note"] == "zonder mail"


def test_an_activity_still_to_come_always_mails(
    client, as_coordinator, create_activity, participant, queued_mails
):
    future = create_activity(title="Volgende maand")
    person = participant("Toekomstige Tom")
    page = client.get(f"/admin/activities/{future.id}/enrol?q=Tom").get_data(as_text=True)
    assert 'name="no_mail"' not in page
    client.post(f"/admin/activities/{future.id}/enrol", data={"user_id": person.id, "no_mail": "1"})
    assert [m.kind for m in queued_mails(to=person.email)] == ["enrolment_confirmed"]
