"""Employer tools: an organisation contact cancels a colleague's enrolment under the
participant's own rules, the waiting list moves up, and nobody outside the organisation
can tell an enrolment of theirs from one that does not exist."""

from __future__ import annotations

from sqlalchemy import select

from lms.enrolment import service
from lms.extensions import db
from lms.models import AuditEntry, Enrolment, EnrolmentStatus
from tests.organisations.test_staff import setup  # noqa: F401  (the shared fixture)
from tests.reports.helpers import tables, text


def _status(user, activity) -> EnrolmentStatus:
    db.session.expire_all()
    return db.session.scalar(
        select(Enrolment.status).where(
            Enrolment.user_id == user.id, Enrolment.activity_id == activity.id
        )
    )


def test_a_contact_cancels_a_colleagues_seat_and_the_waiting_list_moves_up(
    setup,  # noqa: F811
    client,
    login,
    create_activity,
    queued_mails,
):
    small = create_activity(title="Kleine cursus", capacity=1)
    bart_seat = service.enrol(small, setup.bart).enrolment
    service.enrol(small, setup.anna)
    db.session.commit()
    assert _status(setup.anna, small) == EnrolmentStatus.WAITLISTED

    login(setup.marc)
    page = client.get(f"/organisations/staff/{setup.bart.id}").get_data(as_text=True)
    row = next(r for r in tables(page)["tabel-lopend"] if "Kleine cursus" in r[0])
    assert "Annuleren Kleine cursus" in " ".join(row[-1].split())

    response = client.post(f"/organisations/enrolments/{bart_seat.id}/cancel")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/organisations/staff/{setup.bart.id}")
    assert _status(setup.bart, small) == EnrolmentStatus.CANCELLED
    assert _status(setup.anna, small) == EnrolmentStatus.CONFIRMED  # promoted
    assert [m.to_email for m in queued_mails("enrolment_cancelled")] == [setup.bart.email]
    (copy,) = queued_mails("contact_copy")
    assert copy.to_email == setup.marc.email
    body = " ".join(copy.body_text.split())
    assert "Je hebt de inschrijving van Bart Bos voor „Kleine cursus” geannuleerd." in body
    assert f"/organisations/staff/{setup.bart.id}" in body
    audit = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "enrolment.cancelled")
        .order_by(AuditEntry.id.desc())
    )
    assert audit.actor_id == setup.marc.id and audit.subject_user_id == setup.bart.id
    shown = text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "De inschrijving van Bart Bos voor „Kleine cursus” is geannuleerd." in shown


def test_other_peoples_enrolments_answer_like_missing_ones(
    setup,  # noqa: F811
    client,
    login,
):
    lena_seat = db.session.scalar(
        select(Enrolment).where(
            Enrolment.user_id == setup.lena.id,
            Enrolment.activity_id == setup.activities["wonen"].id,
        )
    )
    anna_seat = db.session.scalar(
        select(Enrolment).where(
            Enrolment.user_id == setup.anna.id,
            Enrolment.activity_id == setup.activities["wonen"].id,
        )
    )
    login(setup.marc)
    assert client.post(f"/organisations/enrolments/{lena_seat.id}/cancel").status_code == 404
    assert client.post("/organisations/enrolments/999999/cancel").status_code == 404
    assert client.post("/organisations/enrolments/0/cancel").status_code == 404
    assert _status(setup.lena, setup.activities["wonen"]) == EnrolmentStatus.CONFIRMED

    login(setup.lotte)
    assert client.post(f"/organisations/enrolments/{anna_seat.id}/cancel").status_code == 404
    assert _status(setup.anna, setup.activities["wonen"]) == EnrolmentStatus.CONFIRMED

    login(setup.anna)  # a participant, not a contact
    assert client.post(f"/organisations/enrolments/{anna_seat.id}/cancel").status_code == 403
