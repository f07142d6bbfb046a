"""Cancelling an activity from its admin page: sessions, enrolments, one mail each, feeds."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from lms.enrolment import service
from lms.extensions import db
from lms.mail.rendering import render_outbox_mail
from lms.models import (
    ACTIVE_STATUSES,
    Activity,
    ActivityStatus,
    AuditEntry,
    Enrolment,
    EnrolmentStatus,
    OutboxMail,
    SessionStatus,
)


def test_cancelling_with_confirmed_waitlisted_and_pending_people_mails_each_once(
    client, as_coordinator, coordinator, create_activity, participant, trainer, enrol
):
    activity = create_activity(
        title="Intervisie straathoekwerk",
        kind="intervision",
        capacity=1,
        sessions=3,
        requires_approval=True,
        trainers=[trainer],
    )
    confirmed, waiting, pending = participant("Ann"), participant("Bert"), participant("Chris")
    for person in (confirmed, waiting, pending):
        enrol(activity, person)
    rows = {e.user_id: e for e in db.session.scalars(select(Enrolment))}
    service.approve(rows[confirmed.id], actor=coordinator)
    service.approve(rows[waiting.id], actor=coordinator)
    db.session.commit()
    statuses = {e.user_id: e.status for e in db.session.scalars(select(Enrolment))}
    assert statuses == {
        confirmed.id: EnrolmentStatus.CONFIRMED,
        waiting.id: EnrolmentStatus.WAITLISTED,
        pending.id: EnrolmentStatus.PENDING,
    }
    before = db.session.scalar(select(OutboxMail.id).order_by(OutboxMail.id.desc()).limit(1))

    page = client.get(f"/admin/activities/{activity.id}/cancel").get_data(as_text=True)
    assert "1 ingeschreven persoon" in page and "1 persoon op de wachtlijst" in page
    assert "1 aanvraag" in page and "Karim Lesgever" in page
    # A reason is required: nothing happens without one.
    response = client.post(f"/admin/activities/{activity.id}/cancel", data={"reason": ""})
    assert response.status_code == 422
    assert "Geef een reden" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).status == ActivityStatus.PUBLISHED

    response = client.post(
        f"/admin/activities/{activity.id}/cancel",
        data={"reason": "De begeleider valt langdurig uit."},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "4 betrokkenen krijgen een mail" in response.get_data(as_text=True)

    db.session.expire_all()
    activity = db.session.get(Activity, activity.id)
    assert activity.status == ActivityStatus.CANCELLED
    assert {s.status for s in activity.sessions} == {SessionStatus.CANCELLED}
    assert all(s.sequence >= 1 for s in activity.sessions)
    active = db.session.scalars(
        select(Enrolment).where(
            Enrolment.activity_id == activity.id, Enrolment.status.in_(ACTIVE_STATUSES)
        )
    ).all()
    assert active == []
    mails = db.session.scalars(select(OutboxMail).where(OutboxMail.id > (before or 0))).all()
    # The confirmed person's calendar loses every session: one CANCEL per further session.
    further = [m for m in mails if m.kind == "session_invitation"]
    assert [m.to_email for m in further] == [confirmed.email] * (len(activity.sessions) - 1)
    per_person = Counter(m.to_email for m in mails if m.kind != "session_invitation")
    assert per_person == {
        confirmed.email: 1,
        waiting.email: 1,
        pending.email: 1,
        trainer.email: 1,
    }
    by_person = {m.to_email: m for m in mails if m.kind != "session_invitation"}
    assert by_person[confirmed.email].kind == "enrolment_activity_cancelled"
    pending_text = render_outbox_mail(by_person[pending.email]).text
    assert "De begeleider valt langdurig uit." in pending_text
    assert "aanvraag" in pending_text
    assert by_person[trainer.email].kind == "activity_cancelled_trainer"
    assert (
        db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "activity.cancelled")
        ).details["notified"]
        == 4
    )

    # The public feed keeps the sessions, as cancelled.
    feed = client.get(f"/activities/{activity.id}/calendar.ics").get_data(as_text=True)
    assert feed.count("STATUS:CANCELLED") == 3
    # Cancelling again is not offered and changes nothing.
    page = client.get(f"/admin/activities/{activity.id}/cancel").get_data(as_text=True)
    assert "kan niet (meer) geannuleerd worden" in page
    again = client.post(f"/admin/activities/{activity.id}/cancel", data={"reason": "Nog eens"})
    assert again.status_code == 302
    assert (
        db.session.scalars(select(OutboxMail).where(OutboxMail.id > (before or 0))).all() == mails
    )


def test_cancelling_a_programme_cancels_its_modules(client, as_coordinator, create_activity):
    programme = create_activity(kind="programme", title="Opleiding", sessions=0)
    module = create_activity(parent=programme, title="Module 1", sessions=2)
    response = client.post(
        f"/admin/activities/{programme.id}/cancel", data={"reason": "Te weinig inschrijvingen."}
    )
    assert response.status_code == 302
    db.session.expire_all()
    module = db.session.get(Activity, module.id)
    assert module.status == ActivityStatus.CANCELLED
    assert {s.status for s in module.sessions} == {SessionStatus.CANCELLED}
