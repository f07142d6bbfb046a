"""The enrolment API and the coordinators' activity API: statuses and JSON bodies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select

from lms.common.timeutil import brussels
from lms.enrolment import service
from lms.extensions import db
from lms.models import (
    Activity,
    ActivityStatus,
    Enrolment,
    EnrolmentStatus,
    Role,
    SessionStatus,
    utcnow,
)
from tests.enrolment.helpers import statuses


def url(activity, suffix: str = "enrolment") -> str:
    return f"/api/v1/activities/{activity.id}/{suffix}"


@pytest.fixture
def as_user(api_token, participant):
    """``as_user(user=None)`` → (user, headers)."""

    def make(user=None):
        user = user or participant()
        return user, api_token(user)

    return make


# --- Enrolling oneself --------------------------------------------------------------------


def test_enrol_confirmed_then_again_is_200_with_the_same_body(client, create_activity, as_user):
    activity = create_activity(capacity=2)
    _user, headers = as_user()
    response = client.post(url(activity), headers=headers)
    assert response.status_code == 201
    assert response.get_json() == {"status": "confirmed", "position": None}
    again = client.post(url(activity), headers=headers)
    assert again.status_code == 200
    assert again.get_json() == {"status": "confirmed", "position": None}


def test_enrol_waitlisted_with_position_and_pending(client, create_activity, as_user, fill):
    full = create_activity(capacity=1)
    fill(full, 2)
    _user, headers = as_user()
    response = client.post(url(full), headers=headers)
    assert response.status_code == 201
    assert response.get_json() == {"status": "waitlisted", "position": 2}
    intervision = create_activity(kind="intervision")
    response = client.post(url(intervision), headers=headers)
    assert response.status_code == 201
    assert response.get_json() == {"status": "pending", "position": None}


def test_enrol_refusals_are_json_with_the_dutch_message(
    client, create_activity, as_user, fill, create_user, api_token
):
    _user, headers = as_user()
    closed = create_activity(enrolment_closes_at=utcnow() - timedelta(hours=1))
    response = client.post(url(closed), headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"].startswith("De inschrijvingen zijn gesloten sinds ")

    full = create_activity(capacity=1, waitlist_enabled=False)
    fill(full, 1)
    response = client.post(url(full), headers=headers)
    assert response.status_code == 409
    assert response.get_json() == {"error": "Deze activiteit is volzet en heeft geen wachtlijst."}

    cancelled = create_activity(status="cancelled")
    response = client.post(url(cancelled), headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"] == (
        "Deze activiteit is geannuleerd; inschrijven kan niet meer."
    )

    trainer = create_user(roles=(Role.TRAINER,))
    response = client.post(url(create_activity()), headers=api_token(trainer))
    assert response.status_code == 422
    assert response.get_json()["error"].startswith("Alleen deelnemers kunnen zich inschrijven.")

    draft = create_activity(status="draft")
    assert client.post(url(draft), headers=headers).status_code == 404
    missing = client.post("/api/v1/activities/999999/enrolment", headers=headers)
    assert missing.status_code == 404 and "error" in missing.get_json()
    assert client.post(url(closed)).status_code == 401


def test_cancel_through_the_api(client, create_activity, as_user, fill, queued_mails):
    activity = create_activity(capacity=1)
    _user, headers = as_user()
    client.post(url(activity), headers=headers)
    [waiting] = fill(activity, 1)
    response = client.delete(url(activity), headers=headers)
    assert response.status_code == 200
    assert response.get_json() == {"status": "cancelled"}
    db.session.expire_all()
    assert db.session.get(Enrolment, waiting.id).status == EnrolmentStatus.CONFIRMED
    assert len(queued_mails("enrolment_promoted")) == 1
    again = client.delete(url(activity), headers=headers)
    assert again.status_code == 200 and again.get_json() == {"status": "cancelled"}


def test_cancel_refusals(client, create_activity, as_user):
    _user, headers = as_user()
    activity = create_activity(cancellation_deadline=utcnow() + timedelta(days=1))
    response = client.delete(url(activity), headers=headers)
    assert response.status_code == 404
    assert response.get_json() == {"error": "Je bent niet ingeschreven voor deze activiteit."}
    client.post(url(activity), headers=headers)
    activity.cancellation_deadline = utcnow() - timedelta(minutes=5)
    db.session.commit()
    response = client.delete(url(activity), headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"].startswith("De annuleringstermijn liep af op ")


# --- On someone's behalf, lists --------------------------------------------------------------


def test_coordinator_enrols_someone_by_email(
    client, create_activity, coordinator, api_token, participant
):
    activity = create_activity(capacity=1, enrolment_closes_at=utcnow() - timedelta(days=1))
    person = participant("Fatima El Amrani", email="fatima@example.org")
    headers = api_token(coordinator)
    response = client.post(
        url(activity, "enrolments"), json={"email": "Fatima@Example.org"}, headers=headers
    )
    assert response.status_code == 201
    assert response.get_json() == {
        "email": "fatima@example.org",
        "name": "Fatima El Amrani",
        "status": "confirmed",
        "position": None,
    }
    again = client.post(url(activity, "enrolments"), json={"email": person.email}, headers=headers)
    assert again.status_code == 200
    other = client.post(
        url(activity, "enrolments"), json={"email": participant().email}, headers=headers
    )
    assert other.status_code == 201 and other.get_json()["status"] == "waitlisted"
    assert other.get_json()["position"] == 1

    unknown = client.post(
        url(activity, "enrolments"), json={"email": "niemand@example.org"}, headers=headers
    )
    assert unknown.status_code == 404
    assert unknown.get_json() == {"error": "Er is geen account met dit e-mailadres."}
    empty = client.post(url(activity, "enrolments"), json={}, headers=headers)
    assert empty.status_code == 422
    not_json = client.post(url(activity, "enrolments"), data="x", headers=headers)
    assert not_json.status_code == 415


def test_participants_cannot_enrol_others(client, create_activity, as_user, participant):
    _user, headers = as_user()
    response = client.post(
        url(create_activity(), "enrolments"), json={"email": participant().email}, headers=headers
    )
    assert response.status_code == 403


def test_organisation_contact_enrols_colleagues_through_the_api(
    client, create_activity, create_user, participant, api_token, create_organisation
):
    gent = create_organisation("Samenlevingsopbouw Gent")
    contact = create_user(roles=(Role.ORGANISATION_CONTACT,), organisation=gent)
    colleague = participant(organisation=gent)
    stranger = participant(organisation="OCMW Leuven")
    activity = create_activity()
    headers = api_token(contact)
    ok = client.post(url(activity, "enrolments"), json={"email": colleague.email}, headers=headers)
    assert ok.status_code == 201 and ok.get_json()["status"] == "confirmed"
    refused = client.post(
        url(activity, "enrolments"), json={"email": stranger.email}, headers=headers
    )
    # The same answer for someone else's member and for an address without an account:
    # a contact cannot find out through the API whether an address has an account.
    unknown = client.post(
        url(activity, "enrolments"), json={"email": "niemand@example.org"}, headers=headers
    )
    for response in (refused, unknown):
        assert response.status_code == 404
        assert response.get_json() == {
            "error": "Er is geen lid van je organisatie met dit e-mailadres."
        }


def test_a_contact_cannot_probe_addresses_in_bulk(
    client, create_activity, create_user, api_token, create_organisation, coordinator
):
    gent = create_organisation("Samenlevingsopbouw Gent")
    contact = create_user(roles=(Role.ORGANISATION_CONTACT,), organisation=gent)
    activity = create_activity()
    headers = api_token(contact)
    statuses = [
        client.post(
            url(activity, "enrolments"), json={"email": f"gok{n}@example.org"}, headers=headers
        ).status_code
        for n in range(31)
    ]
    assert statuses == [404] * 30 + [429]
    # Coordinators are not limited by it.
    coordinator_headers = api_token(coordinator)
    answer = client.post(
        url(activity, "enrolments"),
        json={"email": "gok99@example.org"},
        headers=coordinator_headers,
    )
    assert answer.status_code == 404


def test_enrolment_list_for_coordinators_and_the_activity_trainers(
    client, create_activity, create_user, coordinator, api_token, participant, enrol
):
    trainer = create_user(roles=(Role.TRAINER,))
    other_trainer = create_user(roles=(Role.TRAINER,))
    activity = create_activity(capacity=2, trainers=[trainer])
    people = [participant(f"Persoon {letter}") for letter in "DCBA"]
    for person in people:
        enrol(activity, person)
    service.cancel(activity, people[3])
    db.session.commit()
    expected = [
        {"email": people[1].email, "name": "Persoon C", "status": "confirmed", "position": None},
        {"email": people[0].email, "name": "Persoon D", "status": "confirmed", "position": None},
        {"email": people[2].email, "name": "Persoon B", "status": "waitlisted", "position": 1},
        {"email": people[3].email, "name": "Persoon A", "status": "cancelled", "position": None},
    ]
    response = client.get(url(activity, "enrolments"), headers=api_token(coordinator))
    assert response.status_code == 200
    body = response.get_json()
    assert body == expected
    assert client.get(url(activity, "enrolments"), headers=api_token(trainer)).status_code == 200
    assert (
        client.get(url(activity, "enrolments"), headers=api_token(other_trainer)).status_code == 403
    )
    assert client.get(url(activity, "enrolments"), headers=api_token(people[0])).status_code == 403
    only = client.get(
        url(activity, "enrolments") + "?status=waitlisted", headers=api_token(trainer)
    )
    assert only.get_json() == [expected[2]]
    bad = client.get(url(activity, "enrolments") + "?status=x", headers=api_token(trainer))
    assert bad.status_code == 422


def test_my_enrolments(client, create_activity, as_user, fill):
    _user, headers = as_user()
    one = create_activity(title="Wonen op maat", capacity=3)
    two = create_activity(title="Klimaat en armoede", capacity=1)
    fill(two, 1)
    client.post(url(one), headers=headers)
    client.post(url(two), headers=headers)
    response = client.get("/api/v1/me/enrolments", headers=headers)
    assert response.status_code == 200
    assert response.get_json() == [
        {"activity_id": one.id, "title": "Wonen op maat", "status": "confirmed", "position": None},
        {
            "activity_id": two.id,
            "title": "Klimaat en armoede",
            "status": "waitlisted",
            "position": 1,
        },
    ]
    assert client.get("/api/v1/me/enrolments").status_code == 401


# --- Coordinators create and change activities ------------------------------------------------


def create_body(**overrides):
    body = {
        "kind": "course",
        "title": "Wonen op maat: lokaal woonbeleid beïnvloeden",
        "capacity": 16,
        "waitlist": True,
        "requires_approval": False,
        "status": "published",
        "sessions": [
            {
                "starts_at": "2030-03-05T13:30:00+01:00",
                "ends_at": "2030-03-05T16:30:00+01:00",
                "location": "Gent",
            },
            {
                "starts_at": "2030-03-12T13:30:00",
                "ends_at": "2030-03-12T16:30:00",
                "location": "Gent",
            },
        ],
        "trainers": [],
    }
    body.update(overrides)
    return body


def test_create_an_activity(client, coordinator, api_token, create_user):
    trainer = create_user(email="karim@example.org", roles=(Role.TRAINER,))
    response = client.post(
        "/api/v1/activities",
        json=create_body(trainers=["Karim@example.org"]),
        headers=api_token(coordinator),
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/activities/{body['id']}"
    assert body["kind"] == "course" and body["capacity"] == 16
    assert body["seats_left"] == 16 and body["waitlist_length"] == 0
    assert body["requires_approval"] is False
    # A time without offset is Brussels time.
    assert [s["starts_at"] for s in body["sessions"]] == [
        "2030-03-05T13:30:00+01:00",
        "2030-03-12T13:30:00+01:00",
    ]
    activity = db.session.get(Activity, body["id"])
    assert activity.status == ActivityStatus.PUBLISHED
    assert activity.sessions[1].starts_at == brussels(2030, 3, 12, 13, 30)
    assert activity.trainers == [trainer]
    assert activity.slug == "wonen-op-maat-lokaal-woonbeleid-beinvloeden"
    second = client.post("/api/v1/activities", json=create_body(), headers=api_token(coordinator))
    assert db.session.get(Activity, second.get_json()["id"]).slug.endswith("-2")


def test_approval_defaults_by_kind(client, coordinator, api_token):
    body = create_body(kind="intervision")
    del body["requires_approval"]
    response = client.post("/api/v1/activities", json=body, headers=api_token(coordinator))
    assert response.get_json()["requires_approval"] is True


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": " "}, "title", "Geef de activiteit een titel."),
        ({"kind": "workshop"}, "kind", "Onbekende soort"),
        ({"capacity": -1}, "capacity", "De capaciteit kan niet negatief zijn."),
        ({"capacity": "10"}, "capacity", "De capaciteit is een geheel getal"),
        ({"status": "cancelled"}, "status", "Een nieuwe activiteit is een ontwerp"),
        (
            {"sessions": [{"starts_at": "2030-03-05T13:30:00", "ends_at": "2030-03-05T12:00:00"}]},
            "sessions[0]",
            "Sessie 1: Het einde moet na het begin liggen.",
        ),
        (
            {"sessions": [{"starts_at": "morgen", "ends_at": "2030-03-05T12:00:00"}]},
            "sessions[0].starts_at",
            "Ongeldige datum en tijd",
        ),
        ({"trainers": ["niemand@example.org"]}, "trainers", "Er is geen account met e-mailadres"),
        (
            {"enrolment_closes_at": "2030-03-06T00:00:00+01:00"},
            "enrolment_closes_at",
            "De inschrijvingen moeten sluiten vóór de eerste sessie begint",
        ),
        ({"colour": "red"}, "colour", "Onbekend veld: colour."),
    ],
)
def test_create_refusals(client, coordinator, api_token, overrides, field, message):
    response = client.post(
        "/api/v1/activities", json=create_body(**overrides), headers=api_token(coordinator)
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"].startswith(message)
    assert body["field"] == field
    assert db.session.scalar(select(Activity.id)) is None


def test_a_nul_character_is_refused_before_anything_is_created(client, coordinator, api_token):
    """Caught for every route at once (lms.web.input_guard): a 400 in Dutch."""
    response = client.post(
        "/api/v1/activities", json=create_body(title="a\x00b"), headers=api_token(coordinator)
    )
    assert response.status_code == 400
    assert "nul-byte" in response.get_json()["error"]
    assert db.session.scalar(select(Activity.id)) is None


def test_create_needs_a_coordinator(client, as_user):
    _user, headers = as_user()
    response = client.post("/api/v1/activities", json=create_body(), headers=headers)
    assert response.status_code == 403
    assert client.post("/api/v1/activities", json=create_body()).status_code == 401


def test_raising_capacity_promotes_the_waiting_list_in_the_same_request(
    client, create_activity, coordinator, api_token, fill, queued_mails
):
    activity = create_activity(capacity=2, title="Klimaat en armoede")
    fill(activity, 2)
    waiting = fill(activity, 3)
    response = client.patch(
        f"/api/v1/activities/{activity.id}", json={"capacity": 4}, headers=api_token(coordinator)
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["capacity"] == 4 and body["seats_left"] == 0 and body["waitlist_length"] == 1
    db.session.expire_all()
    assert [db.session.get(Enrolment, w.id).status for w in waiting] == [
        EnrolmentStatus.CONFIRMED,
        EnrolmentStatus.CONFIRMED,
        EnrolmentStatus.WAITLISTED,
    ]
    assert len(queued_mails("enrolment_promoted")) == 2


def test_capacity_cannot_drop_below_the_seats_taken(
    client, create_activity, coordinator, api_token, fill
):
    activity = create_activity(capacity=5)
    fill(activity, 3)
    response = client.patch(
        f"/api/v1/activities/{activity.id}", json={"capacity": 2}, headers=api_token(coordinator)
    )
    assert response.status_code == 409
    assert response.get_json()["error"].startswith(
        "De capaciteit kan niet lager dan het aantal ingenomen plaatsen (3"
    )
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).capacity == 5


def test_cancelling_an_activity_through_the_api(
    client, create_activity, coordinator, api_token, fill, queued_mails
):
    activity = create_activity(capacity=1, sessions=2, title="Lezing")
    fill(activity, 3)
    response = client.patch(
        f"/api/v1/activities/{activity.id}",
        json={"status": "cancelled", "reason": "De spreker is ziek."},
        headers=api_token(coordinator),
    )
    assert response.status_code == 200
    body = response.get_json()
    assert {s["status"] for s in body["sessions"]} == {"cancelled"}
    db.session.expire_all()
    assert statuses(activity) == {"cancelled": 3}
    assert {s.status for s in db.session.get(Activity, activity.id).sessions} == {
        SessionStatus.CANCELLED
    }
    mails = queued_mails("enrolment_activity_cancelled")
    assert len(mails) == 3 and "De spreker is ziek." in mails[0].body_text
    again = client.patch(
        f"/api/v1/activities/{activity.id}",
        json={"status": "published"},
        headers=api_token(coordinator),
    )
    assert again.status_code == 409
    assert again.get_json()["error"].startswith("Een geannuleerde activiteit kan niet opnieuw")


def test_patch_title_and_publish_a_draft(client, create_activity, coordinator, api_token):
    activity = create_activity(status="draft", title="Ontwerp")
    response = client.patch(
        f"/api/v1/activities/{activity.id}",
        json={"title": "Nieuwe titel", "status": "published"},
        headers=api_token(coordinator),
    )
    assert response.status_code == 200 and response.get_json()["title"] == "Nieuwe titel"
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).status == ActivityStatus.PUBLISHED
    missing = client.patch("/api/v1/activities/999999", json={}, headers=api_token(coordinator))
    assert missing.status_code == 404


# --- The OpenAPI document ---------------------------------------------------------------------


def test_openapi_document_is_valid_and_describes_these_calls(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    paths = document["paths"]
    assert set(paths["/activities/{id}/enrolment"]) == {"post", "delete"}
    assert set(paths["/activities/{id}/enrolments"]) == {"get", "post"}
    assert "get" in paths["/me/enrolments"]
    assert "post" in paths["/activities"] and "patch" in paths["/activities/{id}"]
    schemas = document["components"]["schemas"]
    assert set(schemas["EnrolmentStatus"]["required"]) == {"status", "position"}
    assert set(schemas["EnrolmentRow"]["required"]) == {"email", "name", "status", "position"}
    assert set(schemas["MyEnrolment"]["required"]) == {"activity_id", "title", "status", "position"}


def test_responses_match_their_schemas(client, create_activity, as_user, coordinator, api_token):
    """Every body of these calls has exactly the documented fields."""
    import jsonschema

    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]

    def check(body, name):
        schema = dict(schemas[name])
        schema = _nullable_to_jsonschema(schema, schemas)
        jsonschema.validate(body, schema)

    activity = create_activity(capacity=1)
    _user, headers = as_user()
    check(client.post(url(activity), headers=headers).get_json(), "EnrolmentStatus")
    for row in client.get(url(activity, "enrolments"), headers=api_token(coordinator)).get_json():
        check(row, "EnrolmentRow")
    for row in client.get("/api/v1/me/enrolments", headers=headers).get_json():
        check(row, "MyEnrolment")
    created = client.post("/api/v1/activities", json=create_body(), headers=api_token(coordinator))
    check(created.get_json(), "Activity")


def _nullable_to_jsonschema(schema, schemas):
    """OpenAPI 3.0 (nullable, $ref to components) → plain JSON Schema."""
    if isinstance(schema, list):
        return [_nullable_to_jsonschema(s, schemas) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return _nullable_to_jsonschema(schemas[schema["$ref"].rsplit("/", 1)[1]], schemas)
    result = {k: _nullable_to_jsonschema(v, schemas) for k, v in schema.items() if k != "nullable"}
    if schema.get("nullable") and "type" in result:
        result["type"] = [result["type"], "null"]
        if "enum" in result:
            result["enum"] = [*result["enum"], None]
    return result
