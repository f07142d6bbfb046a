"""Managing an activity's enrolments: every action through the enrolment service, each
recorded as an event and in the audit log, each person mailed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.extensions import db
from lms.models import (
    AuditEntry,
    Enrolment,
    EnrolmentEvent,
    EnrolmentStatus,
    utcnow,
)


def status_of(enrolment):
    db.session.expire_all()
    return db.session.get(Enrolment, enrolment.id).status


def audit_actions(enrolment):
    return [
        e.action
        for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        if (e.details or {}).get("enrolment_id") == enrolment.id
    ]


def test_the_lists_show_each_status_with_waiting_list_positions(
    client, as_coordinator, create_activity, participant, enrol, coordinator
):
    activity = create_activity(capacity=1, title="Wonen")
    first = enrol(activity, participant("Ann Eerst"))
    second = enrol(activity, participant("Bert Tweede"))
    third = enrol(activity, participant("Chris Derde"))
    assert [status_of(e) for e in (first, second, third)] == [
        EnrolmentStatus.CONFIRMED,
        EnrolmentStatus.WAITLISTED,
        EnrolmentStatus.WAITLISTED,
    ]
    page = client.get(f"/admin/activities/{activity.id}/enrolments").get_data(as_text=True)
    confirmed = page.index('id="ingeschreven"')
    waiting = page.index('id="wachtlijst"')
    assert page.index("Bert Tweede") < page.index("Chris Derde")
    assert waiting < page.index("Bert Tweede") < confirmed < page.index("Ann Eerst")
    assert 'data-label="Plaats">1</td>' in page and 'data-label="Plaats">2</td>' in page
    assert "Er is geen vrije plaats" in page


def test_approving_and_rejecting_requests(
    client, as_coordinator, create_activity, participant, enrol, queued_mails
):
    activity = create_activity(capacity=5, kind="intervision", requires_approval=True)
    yes = enrol(activity, participant("Ja Persoon"))
    no = enrol(activity, participant("Nee Persoon"))
    page = client.get("/admin/requests").get_data(as_text=True)
    assert "Ja Persoon" in page and "Nee Persoon" in page
    response = client.post(
        f"/admin/enrolments/{yes.id}/approve",
        data={"next": f"/admin/activities/{activity.id}/enrolments"},
    )
    assert response.headers["Location"].endswith(f"/admin/activities/{activity.id}/enrolments")
    assert status_of(yes) == EnrolmentStatus.CONFIRMED
    assert len(queued_mails("enrolment_approved")) == 1
    # A rejection needs a reason, explained next to the field.
    response = client.post(f"/admin/enrolments/{no.id}/reject", data={"reason": "  "})
    assert response.status_code == 422
    assert 'id="reason-error"' in response.get_data(as_text=True)
    assert status_of(no) == EnrolmentStatus.PENDING
    response = client.post(
        f"/admin/enrolments/{no.id}/reject",
        data={"reason": "De groep is al samengesteld."},
        follow_redirects=True,
    )
    assert "is afgewezen" in response.get_data(as_text=True)
    assert status_of(no) == EnrolmentStatus.REJECTED
    [mail] = queued_mails("enrolment_rejected")
    assert "De groep is al samengesteld." in mail.body_text
    assert audit_actions(yes)[-1] == "enrolment.approved"
    assert audit_actions(no)[-1] == "enrolment.rejected"
    # Approving twice is explained, not an error page.
    response = client.post(f"/admin/enrolments/{yes.id}/approve", follow_redirects=True)
    assert "wacht niet (meer) op goedkeuring" in response.get_data(as_text=True)


def test_enrolling_someone_found_by_name(
    client, as_coordinator, create_activity, participant, queued_mails
):
    activity = create_activity(
        capacity=1, enrolment_closes_at=utcnow() - timedelta(days=1), sessions=1
    )
    person = participant("Zoë Vandamme", email="zoe@example.org")
    page = client.get(f"/admin/activities/{activity.id}/enrol?q=zoe").get_data(as_text=True)
    assert "Zoë Vandamme" in page and "zoe@example.org" in page
    response = client.post(
        f"/admin/activities/{activity.id}/enrol", data={"user_id": str(person.id)}
    )
    assert response.status_code == 302
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.id))
    # The window does not bind a coordinator.
    assert enrolment.status == EnrolmentStatus.CONFIRMED
    assert enrolment.enrolled_by.name == "Hilde Coördinator"
    assert len(queued_mails("enrolment_confirmed")) == 1
    # Capacity does: the next one waits.
    other = participant("Omar Tweede")
    client.post(f"/admin/activities/{activity.id}/enrol", data={"user_id": str(other.id)})
    assert (
        db.session.scalar(select(Enrolment.status).where(Enrolment.user_id == other.id))
        == EnrolmentStatus.WAITLISTED
    )
    page = client.get(f"/admin/activities/{activity.id}/enrol?q=zoe").get_data(as_text=True)
    assert "al ingeschreven" in page
    assert "Niemand gevonden" in client.get(
        f"/admin/activities/{activity.id}/enrol?q=nobodyatall"
    ).get_data(as_text=True)


def test_moving_someone_up_from_the_waiting_list(
    client, as_coordinator, create_activity, participant, enrol, coordinator
):
    activity = create_activity(capacity=1)
    first = enrol(activity, participant())
    waiting = enrol(activity, participant("Wacht Persoon"))
    response = client.post(f"/admin/enrolments/{waiting.id}/promote", follow_redirects=True)
    assert "Er is geen vrije plaats. Verhoog eerst de capaciteit." in response.get_data(
        as_text=True
    )
    activity.capacity = 2
    db.session.commit()
    client.post(f"/admin/enrolments/{waiting.id}/promote")
    assert status_of(waiting) == EnrolmentStatus.CONFIRMED
    assert status_of(first) == EnrolmentStatus.CONFIRMED
    assert audit_actions(waiting)[-1] == "enrolment.promoted"


def test_cancelling_on_someones_behalf_after_the_deadline(
    client, as_coordinator, create_activity, participant, enrol, queued_mails
):
    activity = create_activity(capacity=1)
    person = participant("Laat Annuleerder")
    enrolment = enrol(activity, person)
    waiting = enrol(activity, participant("Volgende"))
    activity.cancellation_deadline = utcnow() - timedelta(hours=1)
    db.session.commit()
    page = client.get(f"/admin/enrolments/{enrolment.id}/cancel").get_data(as_text=True)
    assert "De annuleringstermijn is voorbij; als coördinator kan je toch annuleren." in page
    response = client.post(
        f"/admin/enrolments/{enrolment.id}/cancel", data={"reason": "Ziek gemeld bij SAM."}
    )
    assert response.status_code == 302
    assert status_of(enrolment) == EnrolmentStatus.CANCELLED
    assert status_of(waiting) == EnrolmentStatus.CONFIRMED  # the seat moved on
    [mail] = queued_mails("enrolment_cancelled")
    assert "Ziek gemeld bij SAM." in mail.body_text

    history = client.get(f"/admin/enrolments/{enrolment.id}").get_data(as_text=True)
    assert "Historiek" in history and "Ziek gemeld bij SAM." in history
    assert "Hilde Coördinator" in history and "de persoon zelf" in history
    events = db.session.scalars(
        select(EnrolmentEvent).where(EnrolmentEvent.enrolment_id == enrolment.id)
    ).all()
    assert [e.to_status for e in events] == [EnrolmentStatus.CONFIRMED, EnrolmentStatus.CANCELLED]
    page = client.get(f"/admin/activities/{activity.id}/enrolments").get_data(as_text=True)
    section = page[page.index('id="beeindigd"') :]
    assert "Laat Annuleerder" in section and "Ziek gemeld bij SAM." in section


def test_the_enrolments_page_runs_a_constant_number_of_queries(
    client, as_coordinator, create_activity, participant, enrol, count_queries, create_organisation
):
    activity = create_activity(capacity=3, title="Druk")

    def measure():
        with count_queries() as counter:
            assert client.get(f"/admin/activities/{activity.id}/enrolments").status_code == 200
        return counter.count

    enrol(activity, participant())
    few = measure()
    for i in range(12):
        enrol(activity, participant(organisation=create_organisation(f"Org {i}")))
    many = measure()
    assert few == many, f"{few} → {many}"
