"""A coordinator erases a person on request: anonymised, figures kept, mail purged."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from lms.enrolment.queries import seat_summary
from lms.extensions import db
from lms.models import (
    ApiToken,
    Attendance,
    AuditEntry,
    Certificate,
    Enrolment,
    EnrolmentStatus,
    FeedCache,
    OutboxMail,
    Role,
    User,
)
from lms.privacy.erasure import PrivacyError, erase_user
from tests.factories import TEST_PASSWORD
from tests.privacy.conftest import EMAIL, NAME


def erase(client, user_id, confirm=True):
    return client.post(f"/privacy/erase/{user_id}", data={"confirm": "y"} if confirm else {})


def counts():
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Enrolment, Attendance, Certificate)
    }


@pytest.mark.parametrize(
    "roles", [(Role.PARTICIPANT,), (Role.TRAINER,), (Role.ORGANISATION_CONTACT,)]
)
def test_only_coordinators_may_erase(login, create_user, person, roles):
    client = login(create_user(roles=roles, organisation=person.user.organisation))
    assert client.get(f"/privacy/erase/{person.user.id}").status_code == 403
    assert erase(client, person.user.id).status_code == 403
    db.session.expire_all()
    assert person.user.erased_at is None


def test_anonymous_visitors_are_sent_to_login(client, person):
    response = client.get(f"/privacy/erase/{person.user.id}")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_unknown_person_is_404(login, coordinator):
    assert login(coordinator).get("/privacy/erase/999999").status_code == 404


def test_the_page_says_what_will_happen(login, person):
    html = login(person.coordinator).get(f"/privacy/erase/{person.user.id}").get_data(as_text=True)
    assert NAME in html and EMAIL in html
    assert f"Verwijderde gebruiker #{person.user.id}" in html
    assert "Vrijgegeven plaatsen" in html
    assert "1, blijven controleerbaar" in html  # one valid certificate kept
    assert "Raad de persoon aan eerst de attesten te downloaden" in html
    assert 'type="checkbox"' in html and "Gegevens definitief wissen" in html


def test_without_confirmation_nothing_happens(login, person):
    response = erase(login(person.coordinator), person.user.id, confirm=False)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Vink dit aan om te bevestigen." in html
    assert 'aria-invalid="true"' in html
    db.session.expire_all()
    assert person.user.erased_at is None and person.user.name == NAME


def test_erasure_anonymises_the_person_and_keeps_the_figures(login, person, app):
    user_id = person.user.id
    before = counts()
    finished_before = seat_summary(person.finished)

    response = erase(login(person.coordinator), user_id)
    assert response.status_code == 302
    db.session.expire_all()

    user = db.session.get(User, user_id)
    assert user.name == f"Verwijderde gebruiker #{user_id}"
    assert user.email == f"verwijderd-{user_id}@gewist.invalid"
    assert user.password_hash is None
    assert user.feed_selector is None and user.feed_secret is None
    assert user.erased_at is not None and not user.active and not user.is_active
    assert (
        db.session.scalar(select(func.count(ApiToken.id)).where(ApiToken.user_id == user_id)) == 0
    )

    # Rows stay, pointing to the anonymised person, so reports still add up.
    assert counts() == before
    assert seat_summary(person.finished) == finished_before
    assert all(
        a.user_id == user_id
        for a in db.session.scalars(select(Attendance).where(Attendance.user_id == user_id))
    )

    # The seat in the course that has not started is released; the next person gets it.
    enrolments = {
        e.activity_id: e
        for e in db.session.scalars(select(Enrolment).where(Enrolment.user_id == user_id))
    }
    assert enrolments[person.future.id].status == EnrolmentStatus.CANCELLED
    assert enrolments[person.finished.id].status == EnrolmentStatus.CONFIRMED
    waiting = db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.waiting.id))
    assert waiting.status == EnrolmentStatus.CONFIRMED
    promoted = db.session.scalars(
        select(OutboxMail).where(OutboxMail.user_id == person.waiting.id)
    ).all()
    assert "enrolment_promoted" in {m.kind for m in promoted}


def test_mail_to_the_person_is_purged_and_other_mail_kept(login, person):
    others_before = db.session.scalar(
        select(func.count(OutboxMail.id)).where(OutboxMail.to_email != EMAIL)
    )
    erase(login(person.coordinator), person.user.id)
    db.session.expire_all()
    assert (
        db.session.scalar(
            select(func.count(OutboxMail.id)).where(
                (OutboxMail.to_email == EMAIL) | (OutboxMail.user_id == person.user.id)
            )
        )
        == 0
    )
    others_after = db.session.scalar(select(func.count(OutboxMail.id)))
    assert others_after >= others_before  # plus the promotion mail to the next in line


def test_no_name_or_address_is_left_in_the_audit_log(login, person):
    audit_ids = set(db.session.scalars(select(AuditEntry.id)))
    erase(login(person.coordinator), person.user.id)
    db.session.expire_all()
    entries = db.session.scalars(select(AuditEntry)).all()
    assert audit_ids <= {e.id for e in entries}  # ids kept
    dump = json.dumps([(e.summary, e.details) for e in entries], ensure_ascii=False)
    assert NAME not in dump and EMAIL not in dump
    [erased] = [e for e in entries if e.action == "user.erased"]
    assert erased.subject_user_id == person.user.id
    assert erased.actor_id == person.coordinator.id
    assert erased.summary == f"Persoonsgegevens van gebruiker #{person.user.id} gewist op verzoek."
    # Entries about the person still point to them.
    about = [e for e in entries if e.subject_user_id == person.user.id]
    assert {"enrolment.confirmed", "certificate.issued"} <= {e.action for e in about}


def test_valid_certificates_stay_verifiable_revoked_ones_lose_the_name(login, client, person):
    erase(login(person.coordinator), person.user.id)
    db.session.expire_all()
    kept = db.session.get(Certificate, person.certificate.id)
    assert kept.revoked_at is None and kept.snapshot["holder_name"] == NAME
    verify = client.get(
        f"/certificates/verify/{kept.code}", headers={"Accept": "application/json"}
    ).get_json()
    assert verify["status"] == "valid" and verify["holder"] == NAME

    revoked = db.session.get(Certificate, person.revoked.id)
    assert revoked.snapshot["holder_name"] == f"Verwijderde gebruiker #{person.user.id}"
    verify = client.get(
        f"/certificates/verify/{revoked.code}", headers={"Accept": "application/json"}
    ).get_json()
    assert verify["status"] == "revoked" and NAME not in json.dumps(verify, ensure_ascii=False)


def test_the_erased_person_can_no_longer_get_in(app, person, login):
    other_browser = app.test_client()
    with other_browser.session_transaction() as session:
        session["_user_id"] = person.user.get_id()
        session["_fresh"] = True
    assert other_browser.get("/account/").status_code == 200
    token_headers = {"Authorization": f"Bearer {person.raw_token}"}
    assert other_browser.get("/api/v1/me", headers=token_headers).status_code == 200

    erase(login(person.coordinator), person.user.id)

    assert other_browser.get("/account/").status_code == 302  # the session ended
    assert other_browser.get("/api/v1/me", headers=token_headers).status_code == 401
    assert app.test_client().get(f"/calendar/{person.feed_token}.ics").status_code == 404
    login_attempt = app.test_client().post(
        "/account/login", data={"email": EMAIL, "password": TEST_PASSWORD}
    )
    assert login_attempt.status_code == 200  # refused: the form again
    assert "klopt niet" in login_attempt.get_data(as_text=True)


def test_the_cached_personal_feed_goes_too(app, client, person, coordinator):
    assert client.get(f"/calendar/{person.feed_token}.ics").status_code == 200  # cached
    key = f"personal:{person.user.id}"
    assert db.session.get(FeedCache, key) is not None
    erase_user(person.user, actor=coordinator)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(FeedCache, key) is None


def test_a_trainer_leaves_unfinished_activities_only(
    app, create_user, create_activity, coordinator, person
):
    trainer = create_user(name="Tine Lesgever", roles=(Role.TRAINER,))
    upcoming = create_activity(title="Komt nog", trainers=[trainer])
    person.finished.trainers.append(trainer)
    db.session.commit()
    erase_user(trainer, actor=coordinator)
    db.session.commit()
    db.session.expire_all()
    assert trainer not in db.session.get(type(upcoming), upcoming.id).trainers
    assert trainer in db.session.get(type(upcoming), person.finished.id).trainers


def test_the_page_after_erasure_and_a_second_attempt(login, person):
    client = login(person.coordinator)
    first = erase(client, person.user.id)
    assert first.status_code == 302
    html = client.get(first.headers["Location"]).get_data(as_text=True)
    assert f"De persoonsgegevens van gebruiker #{person.user.id} zijn gewist" in html
    assert "werden gewist op" in html and NAME not in html
    entries = db.session.scalar(select(func.count(AuditEntry.id)))
    again = erase(client, person.user.id)
    assert again.status_code == 200 and "werden gewist op" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AuditEntry.id))) == entries


def test_a_coordinator_cannot_erase_themselves(login, person, coordinator):
    client = login(coordinator)
    html = client.get(f"/privacy/erase/{coordinator.id}").get_data(as_text=True)
    assert "Je kan je eigen account niet wissen" in html and 'type="checkbox"' not in html
    erase(client, coordinator.id)
    db.session.expire_all()
    assert coordinator.erased_at is None
    with pytest.raises(PrivacyError, match="eigen account"):
        erase_user(coordinator, actor=coordinator)


def test_the_service_refuses_non_coordinators_and_second_erasures(person, coordinator):
    with pytest.raises(PrivacyError, match="Alleen een coördinator"):
        erase_user(person.user, actor=person.other)
    erase_user(person.user, actor=coordinator)
    db.session.commit()
    with pytest.raises(PrivacyError, match="al gewist"):
        erase_user(person.user, actor=coordinator)


def test_erasure_forgets_a_pending_address_and_a_typed_organisation(app, create_user, coordinator):
    person = create_user(email="weg@example.org")
    person.pending_email = "nieuw.adres@example.org"
    person.requested_organisation_name = "Buurtwerk Eigen Naam"
    db.session.commit()
    erase_user(person, actor=coordinator)
    db.session.commit()
    db.session.refresh(person)
    assert person.pending_email is None and person.requested_organisation_name is None
