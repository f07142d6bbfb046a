"""The JSON API, fuzzed from its own OpenAPI document with schemathesis.

Every operation of ``/api/v1/openapi.json`` gets generated requests — valid ones (positive
mode) and invalid ones (negative mode) — sent as a participant, a trainer, a coordinator or
nobody, against fixture data (published, full and finished activities, enrolments,
attendance), with path ids and e-mail addresses often pointing at real objects.

Checks, chosen on purpose:

* ``not_a_server_error`` — never a 500, whatever comes in;
* ``status_code_conformance``, ``content_type_conformance``, ``response_headers_conformance``
  and ``response_schema_conformance`` — every answer is one the document describes;
* ``ignored_auth`` (positive mode) — an operation that declares authentication refuses a
  request without it.

Left out: ``positive_data_acceptance`` — a request that fits the schema may still be
refused by a business rule (a full activity: 409; enrolling someone who is not a
participant: 422); those refusals are documented responses, not bugs. In negative mode
``negative_data_rejection`` is left out too: the API is lenient where leniency is harmless
(an unknown query parameter is ignored, a long token label is cut to 100 characters), and
"invalid" input must only never cause a 500 or an undocumented answer. ``max_response_time``
is out because tests never assert on time; the stateful checks (``use_after_free``,
``ensure_resource_availability``) need links the document does not declare.

Bounded and reproducible: SQLite only, ``derandomize=True`` and a fixed number of examples
per operation and mode.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from lms.accounts.tokens import create_api_token
from lms.enrolment import service as enrolment_service
from lms.extensions import db, limiter
from lms.models import Role, utcnow
from tests.factories import TEST_PASSWORD, attend
from tests.policy.factories import build_course

CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 12}


@dataclass
class World:
    app: object
    tokens: dict[str, str]
    activity_ids: list[int]
    session_ids: list[int]
    emails: list[str]
    participant_email: str


@pytest.fixture
def world(app, backend, create_user, create_activity) -> World:
    if backend != "sqlite":
        pytest.skip("the API fuzzing runs on SQLite (the rules it reaches run on both)")
    coordinator = create_user(email="coord@example.org", roles=(Role.COORDINATOR, Role.PARTICIPANT))
    participant = create_user(email="deelnemer@example.org")
    trainer = create_user(email="lesgever@example.org", roles=(Role.TRAINER,))
    others = [create_user(email=f"collega{n}@example.org") for n in range(3)]

    finished = build_course(
        create_user,
        create_activity,
        title="Afgelopen cursus",
        marks={"Ann Afgelopen": ["present"] * 4, "Bart Bijna": ["present", "absent"]},
    )
    finished.activity.trainers.append(trainer)
    enrolment_service.enrol_on_behalf(finished.activity, participant, actor=coordinator)
    attend(participant, finished.sessions[0], "present")
    running = create_activity(
        title="Loopt nu",
        capacity=3,
        trainers=[trainer],
        sessions=[
            (utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=2)),
            (utcnow() + timedelta(days=7), utcnow() + timedelta(days=7, hours=3)),
        ],
    )
    full = create_activity(title="Volzet", capacity=1, waitlist_enabled=False, sessions=2)
    waiting = create_activity(title="Met wachtlijst", capacity=1, sessions=2)
    approval = create_activity(kind="intervision", title="Intervisie", capacity=8, sessions=3)
    draft = create_activity(title="Ontwerp", status="draft")
    for activity in (running, full, waiting):
        enrolment_service.enrol(activity, others[0])
    enrolment_service.enrol(waiting, others[1])
    enrolment_service.enrol(approval, others[2])
    enrolment_service.enrol(approval, participant)  # a request the participant can cancel
    db.session.commit()

    tokens = {
        "participant": create_api_token(participant, "fuzz"),
        "trainer": create_api_token(trainer, "fuzz"),
        "coordinator": create_api_token(coordinator, "fuzz"),
    }
    db.session.commit()
    activities = [finished.activity, running, full, waiting, approval, draft]
    return World(
        app=app,
        tokens=tokens,
        activity_ids=[a.id for a in activities],
        session_ids=[s.id for a in activities for s in a.sessions],
        emails=[u.email for u in (participant, trainer, coordinator, *others)]
        + [p.email for p in finished.people],
        participant_email=participant.email,
    )


class OwnContext:
    """The app as WSGI, each request in its own application context (as in production; see
    ``IsolatedClient`` in conftest): otherwise ``g`` — and the API user cached on it —
    would carry over to a check's second request without a token."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        with self.app.app_context():
            return self.app(environ, start_response)


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", OwnContext(app))
    return [result.ok() for result in schema.get_all_operations()]


def _operation_ids() -> list[str]:
    """The operations of the document, read once at collection time (no database needed)."""
    from lms import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
    with app.app_context():
        return sorted(op.definition.raw["operationId"] for op in _operations(app))


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("operation_id", _operation_ids())
def test_the_api_holds_against_generated_requests(world, operation_id, mode):
    app = world.app
    [operation] = [
        op for op in _operations(app) if op.definition.raw["operationId"] == operation_id
    ]
    checks = CONFORMANCE + ([ignored_auth] if mode == GenerationMode.POSITIVE else [])

    @settings(
        max_examples=EXAMPLES[mode],
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def run(case, data):
        headers = _headers(world, operation_id, data)
        _point_at_real_objects(world, case, data)
        case.call_and_validate(headers=headers, checks=checks)

    run()


def _headers(world: World, operation_id: str, data) -> dict[str, str]:
    if operation_id == "createToken":
        # Its rate limit (10 a minute, documented as 429) would otherwise answer before the
        # credentials are looked at, and ignored_auth wants to see them refused.
        limiter.reset()
        password = data.draw(st.sampled_from([TEST_PASSWORD, "fout-fout-fout"]))
        raw = base64.b64encode(f"{world.participant_email}:{password}".encode()).decode()
        return {"Authorization": f"Basic {raw}"}
    if operation_id == "revokeToken":
        # A fresh token per call: revoking one of the world's tokens would end the run.
        with world.app.app_context():
            from lms.models import User

            user = db.session.scalar(db.select(User).where(User.email == world.participant_email))
            raw = create_api_token(user, "wegwerp")
            db.session.commit()
        return {"Authorization": f"Bearer {raw}"}
    who = data.draw(
        st.sampled_from(
            ["coordinator", "coordinator", "participant", "participant", "trainer", None]
        )
    )
    return {"Authorization": f"Bearer {world.tokens[who]}"} if who else {}


def _often(data) -> bool:
    return data.draw(st.integers(0, 4)) > 0  # four times in five


def _point_at_real_objects(world: World, case, data) -> None:
    """Often replace generated ids and e-mail addresses by real ones."""
    if case.path_parameters:
        for name in list(case.path_parameters):
            real = world.session_ids if name == "session_id" else world.activity_ids
            if _often(data):
                case.path_parameters[name] = data.draw(st.sampled_from(real))
    body = case.body
    if isinstance(body, dict):
        if "email" in body and _often(data):
            body["email"] = data.draw(st.sampled_from(world.emails))
        records = body.get("records")
        if isinstance(records, list) and _often(data):
            for record in records:
                if isinstance(record, dict) and "email" in record:
                    record["email"] = data.draw(st.sampled_from(world.emails))
        trainers = body.get("trainers")
        if isinstance(trainers, list) and _often(data):
            body["trainers"] = [data.draw(st.sampled_from(world.emails))]
