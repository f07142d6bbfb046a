"""The read API of the offer: ``GET /api/v1/activities`` and ``/activities/{id}``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from lms.api.views.activities import serialize_activity
from lms.common.timeutil import brussels
from lms.enrolment.queries import seat_summary
from lms.extensions import db
from lms.models import Role, SessionStatus
from tests.catalog.helpers import span

FIELDS = {
    "id",
    "kind",
    "title",
    "themes",
    "capacity",
    "seats_left",
    "waitlist_length",
    "requires_approval",
    "enrolment_opens_at",
    "enrolment_closes_at",
    "sessions",
}
SESSION_FIELDS = {"id", "starts_at", "ends_at", "location", "status"}


@pytest.fixture
def spec(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    return document


@pytest.fixture
def check_schema(spec):
    """``check_schema(instance, "Activity")``: validate against a component schema."""

    def check(instance, name: str, *, many: bool = False) -> None:
        schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
        if many:
            schema = {"type": "array", "items": schema, "components": spec["components"]}
        OAS30Validator(schema).validate(instance)

    return check


def test_openapi_document_is_valid_and_describes_the_read_api(spec):
    assert "get" in spec["paths"]["/activities"]
    assert "get" in spec["paths"]["/activities/{id}"]
    activity = spec["components"]["schemas"]["Activity"]
    assert set(activity["required"]) == FIELDS == set(activity["properties"])
    session = spec["components"]["schemas"]["ActivitySession"]
    assert set(session["required"]) == SESSION_FIELDS


def test_list_has_exactly_the_contract_fields(
    client, create_activity, create_theme, create_enrolments, check_schema
):
    start = brussels(2030, 1, 14, 9, 30)  # winter: +01:00
    activity = create_activity(
        title="Wonen op maat",
        capacity=3,
        themes=[create_theme("Wonen"), create_theme("Politiserend sociaal werk")],
        sessions=[(start, start + timedelta(hours=3))],
        location="Gent",
        enrolment_opens_at=brussels(2029, 12, 1, 9),
        enrolment_closes_at=brussels(2030, 1, 10, 23, 59),
    )
    create_enrolments(activity, confirmed=3, waitlisted=2, pending=1)

    response = client.get("/api/v1/activities")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    check_schema(body, "Activity", many=True)
    assert body == [
        {
            "id": activity.id,
            "kind": "course",
            "title": "Wonen op maat",
            "themes": ["Politiserend sociaal werk", "Wonen"],
            "capacity": 3,
            "seats_left": 0,
            "waitlist_length": 2,
            "requires_approval": False,
            "enrolment_opens_at": "2029-12-01T09:00:00+01:00",
            "enrolment_closes_at": "2030-01-10T23:59:00+01:00",
            "sessions": [
                {
                    "id": activity.sessions[0].id,
                    "starts_at": "2030-01-14T09:30:00+01:00",
                    "ends_at": "2030-01-14T12:30:00+01:00",
                    "location": "Gent",
                    "status": "scheduled",
                }
            ],
        }
    ]


def test_list_is_published_top_level_in_session_order(client, create_activity, check_schema):
    later = create_activity(title="Later", sessions=[span(30)])
    sooner = create_activity(title="Sooner", sessions=[span(3)])
    undated = create_activity(title="Zonder data", sessions=0)
    past = create_activity(title="Voorbij", sessions=[span(-20)])
    custom = create_activity(title="Op maat", kind="custom", sessions=[span(40)])
    create_activity(title="Ontwerp", status="draft")
    create_activity(title="Geannuleerd", status="cancelled")
    programme = create_activity(title="Opleiding", kind="programme", sessions=0, capacity=20)
    module = create_activity(title="Module", parent=programme, sessions=[span(10), span(17)])

    body = client.get("/api/v1/activities").get_json()

    check_schema(body, "Activity", many=True)
    assert [a["id"] for a in body] == [
        past.id,
        sooner.id,
        programme.id,
        later.id,
        custom.id,
        undated.id,
    ]
    listed_programme = body[2]
    assert listed_programme["kind"] == "programme"
    assert listed_programme["requires_approval"] is True
    assert [s["id"] for s in listed_programme["sessions"]] == [s.id for s in module.sessions]
    assert module.id not in {a["id"] for a in body}


def test_unlimited_capacity_and_online_sessions(client, create_activity, check_schema):
    activity = create_activity(capacity=None, location="", online_url="https://meet.example/x")
    body = client.get(f"/api/v1/activities/{activity.id}").get_json()
    check_schema(body, "Activity")
    assert body["capacity"] is None and body["seats_left"] is None
    assert body["sessions"][0]["location"] == "online"


def test_cancelled_sessions_are_listed_as_cancelled(client, create_activity):
    activity = create_activity(sessions=[span(3), span(10)])
    activity.sessions[0].status = SessionStatus.CANCELLED
    db.session.commit()
    body = client.get(f"/api/v1/activities/{activity.id}").get_json()
    assert [s["status"] for s in body["sessions"]] == ["cancelled", "scheduled"]


def test_one_activity_and_a_module_by_id(client, create_activity, check_schema):
    programme = create_activity(title="Opleiding", kind="programme", sessions=0)
    module = create_activity(title="Module", parent=programme, sessions=2)

    response = client.get(f"/api/v1/activities/{module.id}")

    assert response.status_code == 200
    check_schema(response.get_json(), "Activity")
    assert response.get_json()["title"] == "Module"
    assert len(client.get(f"/api/v1/activities/{programme.id}").get_json()["sessions"]) == 2


@pytest.mark.parametrize(
    "path", ["/api/v1/activities/999999", "/api/v1/activities/99999999999999999999"]
)
def test_unknown_activity_is_a_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json() == {"error": "Deze activiteit bestaat niet of is niet gepubliceerd."}


@pytest.mark.parametrize("status", ["draft", "cancelled", "archived"])
def test_unpublished_is_404_except_for_a_coordinator(
    client, create_activity, create_user, api_token, status
):
    activity = create_activity(status=status)
    path = f"/api/v1/activities/{activity.id}"

    assert client.get(path).status_code == 404
    participant = api_token(create_user(roles=(Role.PARTICIPANT,)))
    assert client.get(path, headers=participant).status_code == 404
    trainer = create_user(roles=(Role.TRAINER,))
    activity.trainers.append(trainer)
    db.session.commit()
    assert client.get(path, headers=api_token(trainer)).status_code == 404

    coordinator = api_token(create_user(roles=(Role.COORDINATOR,)))
    response = client.get(path, headers=coordinator)
    assert response.status_code == 200
    assert response.get_json()["id"] == activity.id
    if status == "cancelled":
        assert {s["status"] for s in response.get_json()["sessions"]} == {"cancelled"}


def test_coordinator_lists_other_statuses(client, create_activity, create_user, api_token):
    draft = create_activity(title="Ontwerp", status="draft")
    published = create_activity(title="Gepubliceerd")
    coordinator = api_token(create_user(roles=(Role.COORDINATOR,)))

    drafts = client.get("/api/v1/activities?status=draft", headers=coordinator).get_json()
    assert [a["id"] for a in drafts] == [draft.id]
    everything = client.get("/api/v1/activities?status=all", headers=coordinator).get_json()
    assert {a["id"] for a in everything} == {draft.id, published.id}

    refused = client.get("/api/v1/activities?status=draft")
    assert refused.status_code == 403
    assert "coördinatoren" in refused.get_json()["error"]
    unknown = client.get("/api/v1/activities?status=weg", headers=coordinator)
    assert unknown.status_code == 422
    assert "Onbekende status" in unknown.get_json()["error"]


def test_an_invalid_token_is_refused_not_ignored(client, create_activity):
    activity = create_activity()
    headers = {"Authorization": "Bearer sam_bestaat-niet"}
    for path in ("/api/v1/activities", f"/api/v1/activities/{activity.id}"):
        response = client.get(path, headers=headers)
        assert response.status_code == 401
        assert response.get_json() == {"error": "Deze API-sleutel is ongeldig of ingetrokken."}


def test_serialize_activity_is_the_shape_of_the_api(
    app, client, create_activity, create_enrolments
):
    activity = create_activity(capacity=5)
    create_enrolments(activity, confirmed=2, waitlisted=0)
    data = serialize_activity(activity, seat_summary(activity))
    assert set(data) == FIELDS
    assert data["seats_left"] == 3
    assert data == client.get(f"/api/v1/activities/{activity.id}").get_json()


def test_the_number_of_queries_does_not_grow(
    client, create_activity, create_theme, create_enrolments, count_queries, create_user, api_token
):
    def offer(count: int) -> None:
        theme = create_theme("Wonen")
        programme = create_activity(kind="programme", sessions=0, themes=[theme])
        for _ in range(2):
            create_activity(parent=programme, sessions=3, themes=[theme])
        for n in range(count):
            activity = create_activity(sessions=4, themes=[theme], capacity=3)
            if n % 3 == 0:
                create_enrolments(activity, confirmed=3, waitlisted=1)

    headers = api_token(create_user(roles=(Role.COORDINATOR,)))
    client.get("/api/v1/me", headers=headers)  # the token's first use records it (a write)
    offer(5)
    with count_queries() as few:
        assert len(client.get("/api/v1/activities").get_json()) == 6
    with count_queries() as few_coordinator:
        client.get("/api/v1/activities?status=all", headers=headers)
    offer(40)
    with count_queries() as many:
        assert len(client.get("/api/v1/activities").get_json()) == 47
    with count_queries() as many_coordinator:
        client.get("/api/v1/activities?status=all", headers=headers)

    assert many.count == few.count, many
    assert many_coordinator.count == few_coordinator.count, many_coordinator
    assert few.count <= 7, few
