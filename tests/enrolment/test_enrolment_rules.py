"""The enrolment state machine: every transition and every refusal, with the Dutch message.

Transitions: (none|cancelled) → confirmed | waitlisted | pending; pending → confirmed |
waitlisted (approve) | rejected | cancelled; waitlisted → confirmed (promotion, offer
accepted, coordinator) | cancelled (leave, offer declined or expired); confirmed →
cancelled. Each leaves an EnrolmentEvent, an audit entry and (where the person must hear
of it) a queued mail.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.enrolment import queries, service
from lms.enrolment.service import EnrolmentError
from lms.extensions import db
from lms.models import (
    ActivityKind,
    ActivityStatus,
    Enrolment,
    EnrolmentStatus,
    Role,
    SessionStatus,
    utcnow,
)
from tests.enrolment.helpers import audit_actions, events_of, positions, statuses

CONFIRMED = EnrolmentStatus.CONFIRMED
WAITLISTED = EnrolmentStatus.WAITLISTED
PENDING = EnrolmentStatus.PENDING
CANCELLED = EnrolmentStatus.CANCELLED
REJECTED = EnrolmentStatus.REJECTED


def refusal(call, *args, **kwargs) -> EnrolmentError:
    with pytest.raises(EnrolmentError) as info:
        call(*args, **kwargs)
    db.session.rollback()
    return info.value


# --- Enrolling ----------------------------------------------------------------------------


def test_enrolling_with_room_confirms_records_and_mails(create_activity, participant, queued_mails):
    activity = create_activity(capacity=3, title="Wonen op maat")
    sofie = participant("Sofie Deelnemer")
    enrolment, changed = service.enrol(activity, sofie)
    db.session.commit()
    assert changed and enrolment.status == CONFIRMED
    assert queries.waitlist_position(enrolment) is None
    assert events_of(enrolment) == [(None, "confirmed", sofie.id)]
    assert audit_actions(activity) == ["enrolment.confirmed"]
    [mail] = queued_mails("enrolment_confirmed")
    assert mail.to_email == sofie.email
    assert mail.subject == "Je bent ingeschreven: Wonen op maat"
    assert "Je bent ingeschreven voor „Wonen op maat”" in mail.body_text
    assert "Wonen op maat" in mail.body_html


def test_a_double_click_returns_the_existing_enrolment(create_activity, participant, queued_mails):
    activity = create_activity(capacity=3)
    user = participant()
    first, changed = service.enrol(activity, user)
    db.session.commit()
    again, changed_again = service.enrol(activity, user)
    db.session.commit()
    assert changed and not changed_again
    assert again.id == first.id
    assert db.session.scalar(select(func.count(Enrolment.id))) == 1
    assert len(queued_mails("enrolment_confirmed")) == 1
    assert len(events_of(first)) == 1


def test_full_activity_puts_people_on_the_waiting_list_first_come_first_served(
    create_activity, fill, participant, queued_mails
):
    activity = create_activity(capacity=2)
    fill(activity, 2)
    late = [participant() for _ in range(3)]
    rows = []
    for user in late:
        enrolment, _ = service.enrol(activity, user)
        db.session.commit()
        rows.append(enrolment)
    assert [r.status for r in rows] == [WAITLISTED] * 3
    assert positions(activity) == [(u.id, n) for n, u in enumerate(late, start=1)]
    mails = queued_mails("enrolment_waitlisted")
    assert [m.to_email for m in mails] == [u.email for u in late]
    assert "op de wachtlijst, op plaats 3" in mails[2].body_text
    assert events_of(rows[0]) == [(None, "waitlisted", late[0].id)]


def test_full_without_waiting_list_is_refused(create_activity, fill, participant):
    activity = create_activity(capacity=1, waitlist_enabled=False)
    fill(activity, 1)
    error = refusal(service.enrol, activity, participant())
    assert error.code == "full" and error.status == 409
    assert error.message == "Deze activiteit is volzet en heeft geen wachtlijst."
    assert statuses(activity) == {"confirmed": 1}


def test_unlimited_capacity_always_confirms(create_activity, fill):
    activity = create_activity(capacity=None)
    assert {e.status for e in fill(activity, 5)} == {CONFIRMED}


def test_capacity_zero_with_waiting_list_waitlists(create_activity, fill):
    activity = create_activity(capacity=0)
    assert {e.status for e in fill(activity, 2)} == {WAITLISTED}


# --- Refusals that depend on the activity and the moment ------------------------------------


def test_enrolment_window_not_yet_open(create_activity, participant):
    activity = create_activity(enrolment_opens_at=utcnow() + timedelta(days=2))
    error = refusal(service.enrol, activity, participant())
    assert error.code == "closed" and error.status == 409
    assert error.message.startswith("De inschrijvingen openen op ")
    assert " om " in error.message


def test_enrolment_window_closed(create_activity, participant):
    activity = create_activity(enrolment_closes_at=utcnow() - timedelta(hours=1))
    error = refusal(service.enrol, activity, participant())
    assert error.code == "closed"
    assert error.message.startswith("De inschrijvingen zijn gesloten sinds ")


def test_activity_that_is_over(create_activity, participant):
    activity = create_activity(first=utcnow() - timedelta(days=30))
    error = refusal(service.enrol, activity, participant())
    assert error.message == "Deze activiteit is voorbij; inschrijven kan niet meer."


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("draft", "Deze activiteit is nog niet gepubliceerd; inschrijven kan nog niet."),
        ("cancelled", "Deze activiteit is geannuleerd; inschrijven kan niet meer."),
        ("archived", "Deze activiteit is gearchiveerd; inschrijven kan niet meer."),
    ],
)
def test_nothing_is_possible_on_unpublished_activities(
    create_activity, participant, coordinator, status, message
):
    activity = create_activity(status=status)
    assert refusal(service.enrol, activity, participant()).message == message
    # Not even for a coordinator on someone's behalf.
    error = refusal(service.enrol_on_behalf, activity, participant(), actor=coordinator)
    assert error.message == message and error.code == "closed"


def test_only_participants_enrol_themselves(create_activity, create_user):
    trainer = create_user(roles=(Role.TRAINER,))
    error = refusal(service.enrol, create_activity(), trainer)
    assert error.code == "not_allowed" and error.status == 422
    assert error.message.startswith("Alleen deelnemers kunnen zich inschrijven.")


def test_a_module_is_joined_through_its_programme(create_activity, participant):
    programme = create_activity(kind="programme", title="Beroepsopleiding", sessions=0)
    module = create_activity(parent=programme, title="Module 1")
    error = refusal(service.enrol, module, participant())
    assert error.code == "not_allowed"
    assert "Dit is een module van „Beroepsopleiding”" in error.message


def test_custom_activity_only_for_its_organisation(
    create_activity, participant, create_organisation
):
    gent = create_organisation("Samenlevingsopbouw Gent")
    activity = create_activity(kind="custom", organisation_id=gent.id)
    outsider = participant(organisation="OCMW Leuven")
    error = refusal(service.enrol, activity, outsider)
    assert error.message.startswith("Deze leeractiviteit wordt op maat georganiseerd")
    insider = participant(organisation=gent)
    enrolment, _ = service.enrol(activity, insider)
    assert enrolment.status == CONFIRMED


# --- Cancelling -----------------------------------------------------------------------------


def test_cancelling_a_seat_promotes_the_first_waiting_in_the_same_transaction(
    create_activity, fill, queued_mails
):
    activity = create_activity(capacity=2, title="Klimaat en armoede")
    seated = fill(activity, 2)
    waiting = fill(activity, 2)
    service.cancel(activity, seated[0].user)
    # Not committed yet: the promotion and its mail are part of this same transaction.
    db.session.flush()
    assert db.session.get(Enrolment, waiting[0].id).status == CONFIRMED
    db.session.commit()
    db.session.expire_all()
    assert statuses(activity) == {"confirmed": 2, "waitlisted": 1, "cancelled": 1}
    assert positions(activity) == [(waiting[1].user_id, 1)]
    [promoted] = queued_mails("enrolment_promoted")
    assert promoted.to_email == waiting[0].user.email
    assert "er kwam een plaats vrij in „Klimaat en armoede”" in promoted.body_text
    [cancelled] = queued_mails("enrolment_cancelled")
    assert cancelled.to_email == seated[0].user.email
    assert events_of(waiting[0])[-1] == ("waitlisted", "confirmed", seated[0].user_id)
    assert audit_actions(activity)[-2:] == ["enrolment.cancelled", "enrolment.promoted"]


def test_a_rolled_back_cancel_leaves_no_promotion_and_no_mail(create_activity, fill, queued_mails):
    activity = create_activity(capacity=1)
    [seated] = fill(activity, 1)
    [waiting] = fill(activity, 1)
    service.cancel(activity, seated.user)
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Enrolment, waiting.id).status == WAITLISTED
    assert queued_mails("enrolment_promoted") == []


def test_leaving_the_waiting_list_moves_the_others_up(create_activity, fill):
    activity = create_activity(capacity=1)
    fill(activity, 1)
    waiting = fill(activity, 3)
    service.cancel(activity, waiting[1].user)
    db.session.commit()
    assert positions(activity) == [(waiting[0].user_id, 1), (waiting[2].user_id, 2)]


def test_enrolling_again_after_cancelling_reuses_the_row_and_queues_at_the_end(
    create_activity, fill
):
    activity = create_activity(capacity=1)
    fill(activity, 1)
    waiting = fill(activity, 2)
    first = waiting[0]
    service.cancel(activity, first.user)
    db.session.commit()
    again, changed = service.enrol(activity, first.user)
    db.session.commit()
    assert changed and again.id == first.id and again.status == WAITLISTED
    assert positions(activity) == [(waiting[1].user_id, 1), (first.user_id, 2)]
    assert [e[1] for e in events_of(first)] == ["waitlisted", "cancelled", "waitlisted"]


def test_cancelling_twice_is_harmless(create_activity, enrol, participant, queued_mails):
    activity = create_activity()
    user = participant()
    enrol(activity, user)
    service.cancel(activity, user)
    db.session.commit()
    enrolment = service.cancel(activity, user)
    db.session.commit()
    assert enrolment.status == CANCELLED
    assert len(queued_mails("enrolment_cancelled")) == 1


def test_cancelling_without_enrolment(create_activity, participant):
    error = refusal(service.cancel, create_activity(), participant())
    assert error.status == 404
    assert error.message == "Je bent niet ingeschreven voor deze activiteit."


def test_cancellation_deadline_binds_a_confirmed_seat(create_activity, enrol, participant):
    activity = create_activity(cancellation_deadline=utcnow() + timedelta(days=1))
    user = participant()
    enrol(activity, user)
    activity.cancellation_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    error = refusal(service.cancel, activity, user)
    assert error.code == "deadline" and error.status == 409
    assert error.message.startswith("De annuleringstermijn liep af op ")
    assert "neem dan contact op met SAM" in error.message


def test_after_the_deadline_one_can_still_leave_the_waiting_list(
    create_activity, fill, participant
):
    activity = create_activity(capacity=1, cancellation_deadline=utcnow() + timedelta(days=1))
    fill(activity, 1)
    [waiting] = fill(activity, 1)
    activity.cancellation_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert service.cancel(activity, waiting.user).status == CANCELLED


def test_a_coordinator_cancels_after_the_deadline_with_a_reason(
    create_activity, enrol, participant, coordinator, queued_mails
):
    activity = create_activity(cancellation_deadline=utcnow() + timedelta(days=1))
    user = participant()
    enrolment = enrol(activity, user)
    activity.cancellation_deadline = utcnow() - timedelta(days=1)
    db.session.commit()
    service.cancel_on_behalf(enrolment, actor=coordinator, reason="Ziek gemeld.")
    db.session.commit()
    assert enrolment.status == CANCELLED and enrolment.reason == "Ziek gemeld."
    [mail] = queued_mails("enrolment_cancelled")
    assert "Hilde Coördinator annuleerde je inschrijving" in mail.body_text
    assert "Reden: Ziek gemeld." in mail.body_text
    assert events_of(enrolment)[-1] == ("confirmed", "cancelled", coordinator.id)


def test_a_participant_cannot_cancel_after_the_activity_started(
    create_activity, enrol, participant
):
    activity = create_activity(first=utcnow() + timedelta(days=1))
    user = participant()
    enrol(activity, user)
    activity.sessions[0].starts_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    error = refusal(service.cancel, activity, user)
    assert error.message.startswith("Deze activiteit is al begonnen.")


# --- Approval ---------------------------------------------------------------------------------


def test_approval_pending_then_approved_into_a_seat(
    create_activity, participant, coordinator, queued_mails
):
    activity = create_activity(kind="intervision", capacity=8, title="Intervisie wonen")
    assert activity.requires_approval
    user = participant()
    enrolment, _ = service.enrol(activity, user)
    db.session.commit()
    assert enrolment.status == PENDING
    [pending_mail] = queued_mails("enrolment_pending")
    assert "We ontvingen je aanvraag voor „Intervisie wonen”" in pending_mail.body_text
    service.approve(enrolment, actor=coordinator)
    db.session.commit()
    assert enrolment.status == CONFIRMED
    [approved] = queued_mails("enrolment_approved")
    assert "goedgekeurd. Je bent ingeschreven" in approved.body_text
    assert events_of(enrolment) == [
        (None, "pending", user.id),
        ("pending", "confirmed", coordinator.id),
    ]
    assert "enrolment.approved" in audit_actions(activity)


def test_approval_when_full_puts_on_the_waiting_list(
    create_activity, participant, coordinator, queued_mails
):
    activity = create_activity(kind="intervision", capacity=1)
    first, _ = service.enrol(activity, participant())
    second, _ = service.enrol(activity, participant())
    service.approve(first, actor=coordinator)
    service.approve(second, actor=coordinator)
    db.session.commit()
    assert (first.status, second.status) == (CONFIRMED, WAITLISTED)
    mail = queued_mails("enrolment_approved")[-1]
    assert "je staat op de wachtlijst, op plaats 1" in mail.body_text


def test_approval_when_full_without_waiting_list_is_refused(
    create_activity, participant, coordinator
):
    activity = create_activity(kind="intervision", capacity=1, waitlist_enabled=False)
    first, _ = service.enrol(activity, participant())
    second, _ = service.enrol(activity, participant())
    service.approve(first, actor=coordinator)
    db.session.commit()
    error = refusal(service.approve, second, actor=coordinator)
    assert error.code == "full"
    assert error.message.startswith("Er is geen plaats meer en deze activiteit heeft geen")


def test_rejection_needs_a_reason_and_tells_it(
    create_activity, participant, coordinator, queued_mails
):
    activity = create_activity(kind="intervision")
    user = participant()
    enrolment, _ = service.enrol(activity, user)
    db.session.commit()
    error = refusal(service.reject, enrolment, actor=coordinator, reason="  ")
    assert error.code == "invalid"
    assert error.message == "Geef een reden op: de aanvrager krijgt ze te lezen."
    service.reject(enrolment, actor=coordinator, reason="De groep is voor straathoekwerkers.")
    db.session.commit()
    assert enrolment.status == REJECTED
    [mail] = queued_mails("enrolment_rejected")
    assert "De groep is voor straathoekwerkers." in mail.body_text
    # Asking again is refused with the reason; a coordinator can still enrol the person.
    error = refusal(service.enrol, activity, user)
    assert error.code == "not_allowed"
    assert error.message.startswith(
        "Je aanvraag werd niet aanvaard: De groep is voor straathoekwerkers."
    )
    again, changed = service.enrol_on_behalf(activity, user, actor=coordinator)
    assert changed and again.id == enrolment.id and again.status == CONFIRMED


def test_only_pending_requests_are_approved_or_rejected(
    create_activity, enrol, participant, coordinator
):
    enrolment = enrol(create_activity(), participant())
    assert refusal(service.approve, enrolment, actor=coordinator).code == "conflict"
    error = refusal(service.reject, enrolment, actor=coordinator, reason="x")
    assert error.message == "Deze aanvraag wacht niet (meer) op goedkeuring."


def test_only_coordinators_approve(create_activity, participant):
    activity = create_activity(kind="intervision")
    enrolment, _ = service.enrol(activity, participant())
    db.session.commit()
    error = refusal(service.approve, enrolment, actor=participant())
    assert error.status == 403 and error.message == "Alleen een coördinator kan dit doen."


def test_withdrawing_a_request(create_activity, participant, queued_mails):
    activity = create_activity(kind="intervision")
    user = participant()
    service.enrol(activity, user)
    db.session.commit()
    assert service.cancel(activity, user).status == CANCELLED
    db.session.commit()
    [mail] = queued_mails("enrolment_cancelled")
    assert "Je aanvraag voor" in mail.body_text


# --- On someone's behalf ------------------------------------------------------------------


def test_coordinator_ignores_the_window_but_not_the_capacity(
    create_activity, fill, participant, coordinator, queued_mails
):
    activity = create_activity(
        capacity=1, waitlist_enabled=False, enrolment_closes_at=utcnow() - timedelta(days=1)
    )
    user = participant()
    enrolment, changed = service.enrol_on_behalf(activity, user, actor=coordinator)
    db.session.commit()
    assert changed and enrolment.status == CONFIRMED
    assert enrolment.enrolled_by_id == coordinator.id
    assert "Hilde Coördinator schreef je in" in queued_mails("enrolment_confirmed")[0].body_text
    error = refusal(service.enrol_on_behalf, activity, participant(), actor=coordinator)
    assert error.code == "full"


def test_coordinator_enrolment_needs_no_approval(create_activity, participant, coordinator):
    activity = create_activity(kind="intervision")
    enrolment, _ = service.enrol_on_behalf(activity, participant(), actor=coordinator)
    assert enrolment.status == CONFIRMED


def test_organisation_contact_enrols_own_colleagues_only(
    create_activity, create_user, participant, create_organisation
):
    gent = create_organisation("Samenlevingsopbouw Gent")
    contact = create_user(roles=(Role.ORGANISATION_CONTACT, Role.PARTICIPANT), organisation=gent)
    colleague = participant(organisation=gent)
    stranger = participant(organisation="OCMW Leuven")
    activity = create_activity()
    enrolment, _ = service.enrol_on_behalf(activity, colleague, actor=contact)
    assert enrolment.status == CONFIRMED and enrolment.enrolled_by_id == contact.id
    error = refusal(service.enrol_on_behalf, activity, stranger, actor=contact)
    assert error.status == 403
    assert error.message == "Je kan alleen collega's van je eigen organisatie inschrijven."
    # A participant is no organisation contact.
    error = refusal(service.enrol_on_behalf, activity, stranger, actor=colleague)
    assert error.message == "Je kan alleen jezelf inschrijven."


def test_organisation_contact_is_bound_by_the_window_and_approval(
    create_activity, create_user, participant, create_organisation
):
    gent = create_organisation("Samenlevingsopbouw Gent")
    contact = create_user(roles=(Role.ORGANISATION_CONTACT,), organisation=gent)
    colleague = participant(organisation=gent)
    closed = create_activity(enrolment_closes_at=utcnow() - timedelta(hours=1))
    assert refusal(service.enrol_on_behalf, closed, colleague, actor=contact).code == "closed"
    intervision = create_activity(kind="intervision")
    enrolment, _ = service.enrol_on_behalf(intervision, colleague, actor=contact)
    assert enrolment.status == PENDING


def test_coordinator_moves_someone_up_only_into_a_free_seat(
    create_activity, fill, coordinator, queued_mails
):
    activity = create_activity(capacity=1)
    fill(activity, 1)
    [waiting] = fill(activity, 1)
    error = refusal(service.promote, waiting, actor=coordinator)
    assert error.code == "full"
    assert error.message == "Er is geen vrije plaats. Verhoog eerst de capaciteit."
    # The capacity rises (the activities service calls capacity_changed): promoted at once.
    activity.capacity = 2
    service.capacity_changed(activity, actor=coordinator)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Enrolment, waiting.id).status == CONFIRMED
    assert len(queued_mails("enrolment_promoted")) == 1


def test_coordinator_promotes_when_no_offer_can_be_made(
    create_activity, fill, coordinator, queued_mails
):
    """After the window closed, offer mode makes no offers; a coordinator decides."""
    activity = create_activity(capacity=1, seat_release="offer")
    [seated] = fill(activity, 1)
    [waiting] = fill(activity, 1)
    activity.enrolment_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    service.cancel_on_behalf(seated, actor=coordinator)
    db.session.commit()
    assert db.session.get(Enrolment, waiting.id).offer_expires_at is None
    service.promote(waiting, actor=coordinator)
    db.session.commit()
    assert waiting.status == CONFIRMED
    assert len(queued_mails("enrolment_promoted")) == 1


# --- Offers of a freed seat ---------------------------------------------------------------


@pytest.fixture
def offer_course(create_activity, fill):
    activity = create_activity(capacity=2, seat_release="offer", offer_hours=24)
    seated = fill(activity, 2)
    waiting = fill(activity, 3)
    return activity, seated, waiting


def test_a_freed_seat_is_offered_to_the_first_waiting(offer_course, queued_mails):
    activity, seated, waiting = offer_course
    service.cancel(activity, seated[0].user)
    db.session.commit()
    db.session.expire_all()
    first = db.session.get(Enrolment, waiting[0].id)
    assert first.status == WAITLISTED and first.offer_token_hash
    hours = (first.offer_expires_at - utcnow()).total_seconds() / 3600
    assert 23.9 < hours <= 24
    [mail] = queued_mails("enrolment_offered")
    assert mail.to_email == first.user.email
    assert "https://leerplatform.test.example/enrolments/offer/" in mail.body_text
    token = mail.body_text.split("/enrolments/offer/")[1].split()[0]
    assert first.offer_token_hash != token and len(token) >= 40
    assert queries.enrolment_by_offer_token(token).id == first.id
    # The offered seat is reserved: a newcomer queues behind.
    summary = queries.seat_summary(activity)
    assert summary.taken == 2 and summary.seats_left == 0
    assert events_of(first)[-1] == ("waitlisted", "waitlisted", seated[0].user_id)


def test_accepting_an_offer_confirms(offer_course, queued_mails):
    activity, seated, waiting = offer_course
    service.cancel(activity, seated[0].user)
    db.session.commit()
    enrolment, changed = service.accept_offer(waiting[0], actor=waiting[0].user)
    db.session.commit()
    assert changed and enrolment.status == CONFIRMED
    assert enrolment.offer_token_hash is None and enrolment.offer_expires_at is None
    mail = queued_mails("enrolment_confirmed")[-1]
    assert "Je nam de vrijgekomen plaats aan" in mail.body_text
    # Accepting twice (a double click) changes nothing.
    assert service.accept_offer(enrolment, actor=enrolment.user).changed is False


def test_declining_an_offer_passes_it_on(offer_course, queued_mails):
    activity, seated, waiting = offer_course
    service.cancel(activity, seated[0].user)
    db.session.commit()
    service.decline_offer(waiting[0], actor=waiting[0].user)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Enrolment, waiting[0].id).status == CANCELLED
    assert db.session.get(Enrolment, waiting[1].id).offer_expires_at is not None
    assert [m.to_email for m in queued_mails("enrolment_offered")] == [
        waiting[0].user.email,
        waiting[1].user.email,
    ]


def test_an_expired_offer_passes_to_the_next(offer_course, queued_mails):
    activity, seated, waiting = offer_course
    service.cancel(activity, seated[0].user)
    db.session.commit()
    first = db.session.get(Enrolment, waiting[0].id)
    first.offer_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert service.expire_offers() == 1
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Enrolment, waiting[0].id).status == CANCELLED
    second = db.session.get(Enrolment, waiting[1].id)
    assert second.offer_expires_at is not None and second.offer_expires_at > utcnow()
    [expired] = queued_mails("enrolment_offer_expired")
    assert expired.to_email == waiting[0].user.email
    assert "je nam ze niet op tijd aan" in expired.body_text
    assert service.expire_offers() == 0
    # Accepting the expired offer is refused.
    error = refusal(service.accept_offer, waiting[0], actor=waiting[0].user)
    assert error.message.startswith("Dit aanbod geldt niet meer")


def test_an_offer_never_outlives_the_window_or_the_first_session(create_activity, fill):
    closes = utcnow() + timedelta(hours=5)
    activity = create_activity(
        capacity=1, seat_release="offer", offer_hours=48, enrolment_closes_at=closes
    )
    [seated] = fill(activity, 1)
    [waiting] = fill(activity, 1)
    service.cancel(activity, seated.user)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Enrolment, waiting.id).offer_expires_at == closes

    soon = create_activity(capacity=1, seat_release="offer", first=utcnow() + timedelta(hours=3))
    [seated] = fill(soon, 1)
    [waiting] = fill(soon, 1)
    service.cancel_on_behalf(seated, actor=seated.user)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Enrolment, waiting.id).offer_expires_at == soon.first_start


# --- Programmes: all modules or none ---------------------------------------------------------


@pytest.fixture
def programme(create_activity):
    parent = create_activity(kind="programme", title="Beroepsopleiding", capacity=5, sessions=0)
    parent.requires_approval = False
    modules = [
        create_activity(parent=parent, title=f"Module {n}", capacity=5, sessions=2)
        for n in (1, 2, 3)
    ]
    db.session.commit()
    return parent, modules


def test_enrolling_in_a_programme_enrols_in_every_module(programme, participant, queued_mails):
    parent, modules = programme
    user = participant()
    enrolment, _ = service.enrol(parent, user)
    db.session.commit()
    assert enrolment.status == CONFIRMED
    rows = db.session.scalars(
        select(Enrolment).where(Enrolment.activity_id.in_([m.id for m in modules]))
    ).all()
    assert len(rows) == 3
    assert {r.status for r in rows} == {CONFIRMED}
    assert {r.programme_enrolment_id for r in rows} == {enrolment.id}
    # One mail, listing the modules' sessions.
    [mail] = queued_mails("enrolment_confirmed")
    assert "Je volgt alle modules" in mail.body_text and "(Module 3)" in mail.body_text


def test_a_full_module_enrols_in_nothing(programme, participant, coordinator):
    parent, modules = programme
    modules[1].capacity = 0
    db.session.commit()
    error = refusal(service.enrol, parent, participant())
    assert error.code == "full"
    assert error.message.startswith("Module „Module 2” is volzet")
    assert db.session.scalar(select(func.count(Enrolment.id))) == 0


def test_cancelling_a_programme_cancels_its_modules(programme, participant):
    parent, modules = programme
    user = participant()
    service.enrol(parent, user)
    db.session.commit()
    module_row = queries.enrolment_for(user.id, modules[0].id)
    error = refusal(service.cancel, modules[0], user)
    assert "hoort bij je inschrijving voor „Beroepsopleiding”" in error.message
    service.cancel(parent, user)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Enrolment, module_row.id).status == CANCELLED
    assert {
        e.status for e in db.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id))
    } == {CANCELLED}


def test_an_approved_programme_request_enrols_in_the_modules(
    create_activity, participant, coordinator
):
    parent = create_activity(kind="programme", capacity=5, sessions=0)
    module = create_activity(parent=parent, capacity=5)
    user = participant()
    enrolment, _ = service.enrol(parent, user)
    assert enrolment.status == PENDING
    assert queries.enrolment_for(user.id, module.id) is None
    service.approve(enrolment, actor=coordinator)
    db.session.commit()
    assert queries.enrolment_for(user.id, module.id).status == CONFIRMED


# --- Cancelling an activity --------------------------------------------------------------------


def test_cancelling_an_activity_cancels_everything_and_mails_each_person_once(
    create_activity, create_user, fill, participant, coordinator, queued_mails
):
    trainer = create_user(roles=(Role.TRAINER,))
    activity = create_activity(
        kind="intervision", capacity=2, sessions=3, trainers=[trainer], title="Intervisie"
    )
    people = [participant() for _ in range(4)]
    rows = [service.enrol(activity, p)[0] for p in people]
    for row in rows[:3]:
        service.approve(row, actor=coordinator)
    db.session.commit()
    assert [r.status for r in rows] == [CONFIRMED, CONFIRMED, WAITLISTED, PENDING]
    mailed = service.cancel_activity(activity, actor=coordinator, reason="Te weinig deelnemers.")
    db.session.commit()
    assert mailed == 5
    db.session.expire_all()
    assert activity.status == ActivityStatus.CANCELLED
    assert {s.status for s in activity.sessions} == {SessionStatus.CANCELLED}
    assert statuses(activity) == {"cancelled": 4}
    mails = queued_mails("enrolment_activity_cancelled")
    assert sorted(m.to_email for m in mails) == sorted(p.email for p in people)
    assert all("Reden: Te weinig deelnemers." in m.body_text for m in mails)
    assert len(queued_mails("activity_cancelled_trainer")) == 1
    assert service.cancel_activity(activity, actor=coordinator) == 0


def test_inactive_accounts_cannot_be_enrolled(create_activity, participant, coordinator):
    user = participant(active=False)
    error = refusal(service.enrol_on_behalf, create_activity(), user, actor=coordinator)
    assert error.message == "Dit account is niet actief; inschrijven kan niet."


def test_kinds_needing_approval_by_default(create_activity, participant):
    for kind in (ActivityKind.PROGRAMME, ActivityKind.INTERVISION):
        activity = create_activity(kind=kind, sessions=1)
        enrolment, _ = service.enrol(activity, participant())
        assert enrolment.status == PENDING
