"""A person downloads everything held about them, as JSON (GDPR art. 15 and 20)."""

from __future__ import annotations

import json

from lms.accounts.tokens import hash_token
from lms.enrolment import service as enrolment_service
from lms.extensions import db
from lms.privacy.export import export_user_data
from tests.privacy.conftest import EMAIL, NAME


def download(client):
    response = client.get("/privacy/my-data")
    assert response.status_code == 200
    return response, json.loads(response.get_data(as_text=True))


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/privacy/my-data")
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


def test_the_profile_page_links_to_the_download(login, create_user):
    client = login(create_user())
    html = client.get("/account/").get_data(as_text=True)
    assert 'href="/privacy/my-data"' in html
    assert "Mijn gegevens downloaden" in html


def test_the_download_is_a_private_json_attachment(login, person):
    response, data = download(login(person.user))
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "mijn-gegevens" in disposition
    assert response.headers["Cache-Control"] == "no-store"
    assert data["format"] == "sam-leerplatform-persoonsgegevens"
    assert NAME in response.get_data(as_text=True)  # UTF-8, not \u escapes


def test_everything_about_the_person_is_in_it(login, person):
    _response, data = download(login(person.user))

    profile = data["profile"]
    assert profile["email"] == EMAIL and profile["name"] == NAME
    assert profile["roles"] == ["participant"]

    by_title = {e["activity_title"]: e for e in data["enrolments"]}
    assert set(by_title) == {
        "Impactevaluatie in de praktijk",
        "Wonen en armoede",
        "Straathoekwerk vandaag",
    }
    future = by_title["Straathoekwerk vandaag"]
    assert future["status"] == "confirmed"
    assert future["events"] == [
        {
            "at": future["events"][0]["at"],
            "from_status": None,
            "to_status": "confirmed",
            "by_you": True,
            "note": None,
        }
    ]

    assert len(data["attendance"]) == 8
    corrected = [a for a in data["attendance"] if a["changes"]]
    assert len(corrected) == 1
    assert [(c["old_status"], c["new_status"]) for c in corrected[0]["changes"]] == [
        ("present", "partial"),
        ("partial", "present"),
    ]
    assert corrected[0]["activity_title"] == "Impactevaluatie in de praktijk"

    certificates = {c["code"]: c for c in data["certificates"]}
    assert certificates[person.certificate.code]["revoked_at"] is None
    assert certificates[person.certificate.code]["snapshot"]["holder_name"] == NAME
    assert certificates[person.revoked.code]["revoke_reason"] == "Foute uren"
    assert certificates[person.certificate.code]["verify_url"].endswith(
        f"/certificates/verify/{person.certificate.code}"
    )

    kinds = {m["kind"] for m in data["mails"]}
    assert {"enrolment_confirmed", "certificate_issued", "password_reset"} <= kinds
    assert all(
        set(m) == {"kind", "subject", "created_at", "sent_at", "status"} for m in data["mails"]
    )
    assert {m["status"] for m in data["mails"]} >= {"queued", "sent"}

    actions = {entry["action"] for entry in data["audit"]}
    assert {"enrolment.confirmed", "certificate.issued", "certificate.revoked"} <= actions

    assert data["api_tokens"] == [
        {
            "label": "agenda-script",
            "created_at": data["api_tokens"][0]["created_at"],
            "last_used_at": None,
            "revoked_at": None,
        }
    ]
    assert data["calendar_feed"] == {"exists": True}
    assert data["trainer_of"] == []
    assert "mails" in data["notes"] and "inhoud" in data["notes"]["mails"]


def test_no_secret_and_nobody_else_is_in_it(login, person):
    response, _data = download(login(person.user))
    text = response.get_data(as_text=True)
    for secret in (
        person.raw_token,
        hash_token(person.raw_token),
        person.feed_token,
        person.feed_token[16:],
        person.user.password_hash,
        "GEHEIM-123",  # the body of a sent mail
    ):
        assert secret not in text
    assert person.other.name not in text and person.other.email not in text
    assert person.waiting.name not in text


def test_a_waiting_place_shows_its_position(login, person):
    enrolment_service.enrol(person.future, person.other)
    db.session.commit()
    _response, data = download(login(person.other))
    [waiting] = [e for e in data["enrolments"] if e["activity_id"] == person.future.id]
    assert waiting["status"] == "waitlisted" and waiting["waitlist_position"] == 2


def test_a_trainer_sees_the_activities_they_run(login, person):
    trainer = person.finished.trainers[0]
    _response, data = download(login(trainer))
    assert data["trainer_of"] == [
        {"activity_id": person.finished.id, "title": "Impactevaluatie in de praktijk"}
    ]


def test_the_export_costs_the_same_queries_however_much_there_is(
    app, person, create_user, create_activity, count_queries
):
    def full(capacity):
        activity = create_activity(capacity=capacity, sessions=2)
        if capacity:
            enrolment_service.enrol(activity, create_user())
        enrolment_service.enrol(activity, person.user)
        db.session.commit()

    full(1)  # a waiting-list place too, so every kind of row is there once
    db.session.expire_all()
    with count_queries() as before:
        export_user_data(person.user)
    for capacity in (1, 1, None, None, 5):
        full(capacity)
    db.session.expire_all()
    with count_queries() as after:
        data = export_user_data(person.user)
    assert len(data["enrolments"]) == 9
    assert after.count == before.count, after
