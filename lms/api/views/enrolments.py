"""Enrolment through the API (CONTRACT.md).

* ``POST /activities/{id}/enrolment``: the token's user enrols: 201 ``{"status",
  "position"}``; 200 with the same body when already enrolled (a double click); 409 when
  closed or full without waiting list, 422 when not allowed, with ``{"error": …}`` in Dutch.
* ``DELETE /activities/{id}/enrolment``: cancel: 200 ``{"status": "cancelled"}``.
* ``POST /activities/{id}/enrolments``: a coordinator enrols ``{"email"}`` on their behalf
  (window rules do not bind them; capacity does); an organisation contact may enrol a
  colleague of their own organisation (under the participant's rules).
* ``GET /activities/{id}/enrolments``: coordinators and the activity's trainers.
* ``GET /me/enrolments``: the token user's enrolments.

Every rule lives in :mod:`lms.enrolment.service`; this module maps its refusals to HTTP.
"""

from __future__ import annotations

from typing import Any, NoReturn

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from lms.access import can_manage_activity
from lms.api.auth import api_error, current_api_user, json_body, refuse, token_required
from lms.api.spec import document, error_response, json_request, json_response, ref
from lms.enrolment import fast, queries, rules, service
from lms.enrolment.service import EnrolmentError
from lms.enrolment.with_answers import enrol_with_answers
from lms.extensions import db, limiter
from lms.i18n import N_
from lms.intake import queries as intake_queries
from lms.intake.service import InvalidAnswersError
from lms.models import Activity, ActivityStatus, Enrolment, EnrolmentStatus, Role, User
from lms.models.user import normalise_email

MAX_ID = 2**31 - 1


def _activity(activity_id: int) -> Activity:
    activity = (
        db.session.get(Activity, activity_id, options=[lazyload(Activity.themes)])
        if 0 < activity_id <= MAX_ID
        else None
    )
    if activity is None:
        api_error(404, _("Deze activiteit bestaat niet."))
    return activity


def _refused(exc: EnrolmentError) -> NoReturn:
    refuse(exc)


def enrolment_body(enrolment: Enrolment) -> dict[str, Any]:
    return {
        "status": enrolment.status.value,
        "position": queries.waitlist_position(enrolment),
    }


@token_required
def enrol(activity_id: int) -> Any:
    user = current_api_user()
    # On PostgreSQL the activity, its sessions and themes come in one round trip for the
    # fast path (lms/enrolment/fast.py); elsewhere, or when it does not exist, as usual.
    prepared = fast.load(activity_id) if 0 < activity_id <= MAX_ID else None
    activity = prepared.activity if prepared is not None else _activity(activity_id)
    if activity.status == ActivityStatus.DRAFT and not user.is_coordinator:
        api_error(404, _("Deze activiteit bestaat niet."))
    try:
        if prepared.has_questions if prepared else intake_queries.has_questions(activity.id):
            enrolment, changed = enrol_with_answers(activity, user, _answers())
        else:
            enrolled = fast.enrol(prepared, user)  # committed; None: the service decides
            if enrolled is not None:
                return {"status": enrolled.status.value, "position": enrolled.position}, 201
            enrolment, changed = service.enrol(activity, user)
    except InvalidAnswersError as exc:
        db.session.rollback()
        api_error(422, exc.message, fields={f"answers.{k}": v for k, v in exc.errors.items()})
    except EnrolmentError as exc:
        _refused(exc)
    db.session.commit()
    return enrolment_body(enrolment), 201 if changed else 200


def _answers() -> dict[str, Any]:
    """The intake answers of a self-enrolment: ``{"answers": {"<question id>": "…"}}``
    (a request without a body answers nothing)."""
    if not request.get_data():
        return {}
    answers = json_body().get("answers", {})
    if not isinstance(answers, dict):
        api_error(422, _('Geef de antwoorden als object: {"answers": {"<vraag-id>": "…"}}.'))
    return answers


@token_required
def cancel(activity_id: int) -> Any:
    user = current_api_user()
    activity = _activity(activity_id)
    try:
        enrolment = service.cancel(activity, user)
    except EnrolmentError as exc:
        _refused(exc)
    db.session.commit()
    return {"status": enrolment.status.value}


def _person_for(data: dict[str, Any]) -> User:
    email = data.get("email")
    if not isinstance(email, str) or not email.strip():
        api_error(422, _("Geef het e-mailadres van de persoon op (email)."))
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        api_error(404, _("Er is geen account met dit e-mailadres."))
    return user


#: What an organisation contact hears about any address that is not one of their
#: organisation's members — unknown, someone else's, or not confirmed — so the API never
#: tells whether an address has an account.
NOT_A_COLLEAGUE = N_("Er is geen lid van je organisatie met dit e-mailadres.")


def _contact_limit_key() -> str:
    user = current_api_user()
    return f"contact-enrol:{user.id if user is not None else '-'}"


def _coordinator_is_exempt() -> bool:
    user = current_api_user()
    return user is not None and user.is_coordinator


def _colleague_for(actor: User, data: dict[str, Any]) -> User:
    """The member of the contact's organisation with this address; one and the same 404
    for every other address (whether it has an account or not)."""
    email = data.get("email")
    if not isinstance(email, str) or not email.strip():
        api_error(422, _("Geef het e-mailadres van de persoon op (email)."))
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or rules.colleague_refusal(actor, user) is not None:
        api_error(404, _(NOT_A_COLLEAGUE))
    return user


@token_required
@limiter.limit(
    "30 per minute",
    key_func=_contact_limit_key,
    exempt_when=_coordinator_is_exempt,
    error_message=_l("Te veel inschrijvingen op korte tijd. Wacht een minuut en probeer opnieuw."),
)
def enrol_someone(activity_id: int) -> Any:
    actor = current_api_user()
    if not actor.has_role(Role.COORDINATOR, Role.ORGANISATION_CONTACT):
        api_error(403, _("Alleen een coördinator of een contactpersoon kan iemand inschrijven."))
    data = json_body()
    activity = _activity(activity_id)
    if activity.status == ActivityStatus.DRAFT and not actor.is_coordinator:
        api_error(404, _("Deze activiteit bestaat niet."))
    user = _person_for(data) if actor.is_coordinator else _colleague_for(actor, data)
    try:
        enrolment, changed = service.enrol_on_behalf(activity, user, actor=actor)
    except EnrolmentError as exc:
        if not actor.is_coordinator and exc.code == "forbidden":
            db.session.rollback()
            api_error(404, _(NOT_A_COLLEAGUE))
        _refused(exc)
    db.session.commit()
    return _row(enrolment, queries.waitlist_position(enrolment)), 201 if changed else 200


def _row(enrolment: Enrolment, position: int | None) -> dict[str, Any]:
    return {
        "email": enrolment.user.email,
        "name": enrolment.user.name,
        "status": enrolment.status.value,
        "position": position,
    }


STATUS_VALUES = [s.value for s in EnrolmentStatus]


@token_required
def list_enrolments(activity_id: int) -> Any:
    user = current_api_user()
    activity = _activity(activity_id)
    if not can_manage_activity(user, activity):
        api_error(
            403,
            _(
                "Alleen coördinatoren en de lesgevers van deze activiteit zien wie er is "
                "ingeschreven."
            ),
        )
    statuses = None
    wanted = request.args.getlist("status")
    if wanted:
        unknown = [s for s in wanted if s not in STATUS_VALUES]
        if unknown:
            api_error(
                422, _("Onbekende status: kies uit %(choices)s.", choices=", ".join(STATUS_VALUES))
            )
        statuses = [EnrolmentStatus(s) for s in wanted]
    rows = queries.activity_enrolments(activity, statuses)
    return [_row(row.enrolment, row.position) for row in rows]


@token_required
def my_enrolments() -> Any:
    user = current_api_user()
    return [
        {
            "activity_id": row.enrolment.activity_id,
            "title": row.enrolment.activity.title,
            "status": row.enrolment.status.value,
            "position": row.position,
        }
        for row in queries.user_enrolments(user.id)
    ]


_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
_BEARER = [{"bearer": []}]

document(
    {
        "/activities/{id}/enrolment": {
            "post": {
                "summary": "Inschrijven (jezelf)",
                "description": (
                    "Schrijft de eigenaar van de sleutel in. `confirmed` als er plaats is, "
                    "`waitlisted` (met `position`) als de activiteit volzet is en een "
                    "wachtlijst heeft, `pending` als een coördinator moet goedkeuren. Wie al "
                    "ingeschreven is, krijgt 200 met dezelfde gegevens. Stelt de activiteit "
                    'intakevragen, stuur dan de antwoorden mee: `{"answers": '
                    '{"<vraag-id>": "antwoord"}}` (een keuzevraag: een van de '
                    "mogelijkheden). Ontbreekt een verplicht antwoord, dan volgt 422 met een "
                    "Nederlandse fout die de vraag noemt (en `fields`). Een betalende "
                    "activiteit kent hier geen bevestigingsstap: het bedrag (de ledenprijs "
                    "voor een bevestigd lid van een ledenorganisatie) wordt gefactureerd "
                    "met de factuurgegevens die de persoon het laatst bevestigde op de "
                    "website; zonder zulke gegevens aan de organisatie van het bevestigde "
                    "lidmaatschap, anders privé, telkens naar het eigen e-mailadres."
                ),
                "operationId": "enrol",
                "security": _BEARER,
                "parameters": [_ID],
                "responses": {
                    "201": json_response("Ingeschreven", ref("EnrolmentStatus")),
                    "200": json_response("Was al ingeschreven", ref("EnrolmentStatus")),
                    "401": error_response("Geen geldige sleutel"),
                    "404": error_response("Onbekende activiteit"),
                    "409": error_response(
                        "Inschrijvingen gesloten, activiteit niet open, of volzet zonder wachtlijst"
                    ),
                    "422": error_response("Niet toegelaten (bv. geen deelnemer, besloten)"),
                },
            },
            "delete": {
                "summary": "Uitschrijven (jezelf)",
                "description": (
                    "Annuleert de inschrijving, de plaats op de wachtlijst of de aanvraag. "
                    "Een vrijgekomen plaats gaat meteen naar de wachtlijst. Twee keer "
                    "annuleren is geen fout."
                ),
                "operationId": "cancelEnrolment",
                "security": _BEARER,
                "parameters": [_ID],
                "responses": {
                    "200": json_response(
                        "Geannuleerd",
                        {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["status"],
                            "properties": {"status": {"type": "string", "enum": ["cancelled"]}},
                        },
                    ),
                    "401": error_response("Geen geldige sleutel"),
                    "404": error_response("Onbekende activiteit, of niet ingeschreven"),
                    "409": error_response(
                        "Annuleringstermijn verstreken, activiteit begonnen of aanvraag afgewezen"
                    ),
                    "422": error_response("Een module annuleer je via de opleiding"),
                },
            },
        },
        "/activities/{id}/enrolments": {
            "get": {
                "summary": "Inschrijvingen van een activiteit",
                "description": (
                    "Voor coördinatoren en de lesgevers van de activiteit: bevestigd, "
                    "aangevraagd, de wachtlijst op volgorde, dan geannuleerd en afgewezen."
                ),
                "operationId": "listEnrolments",
                "security": _BEARER,
                "parameters": [
                    _ID,
                    {
                        "name": "status",
                        "in": "query",
                        "required": False,
                        "description": "Alleen deze status(sen); mag herhaald worden.",
                        "style": "form",
                        "explode": True,
                        "schema": {
                            "type": "array",
                            "items": {"type": "string", "enum": STATUS_VALUES},
                        },
                    },
                ],
                "responses": {
                    "200": json_response(
                        "De inschrijvingen", {"type": "array", "items": ref("EnrolmentRow")}
                    ),
                    "401": error_response("Geen geldige sleutel"),
                    "403": error_response("Geen coördinator of lesgever van de activiteit"),
                    "404": error_response("Onbekende activiteit"),
                    "422": error_response("Onbekende status"),
                },
            },
            "post": {
                "summary": "Iemand inschrijven",
                "description": (
                    "Een coördinator schrijft iemand in (de inschrijvingsperiode geldt niet, "
                    "de capaciteit wel; geen goedkeuring nodig). Een contactpersoon van een "
                    "organisatie mag collega's van de eigen organisatie inschrijven, onder "
                    "dezelfde regels als een deelnemer."
                ),
                "operationId": "enrolSomeone",
                "security": _BEARER,
                "parameters": [_ID],
                "requestBody": json_request(
                    {
                        "type": "object",
                        "required": ["email"],
                        "properties": {"email": {"type": "string", "format": "email"}},
                    }
                ),
                "responses": {
                    "201": json_response("Ingeschreven", ref("EnrolmentRow")),
                    "200": json_response("Was al ingeschreven", ref("EnrolmentRow")),
                    "400": error_response("Ongeldige JSON"),
                    "401": error_response("Geen geldige sleutel"),
                    "403": error_response("Niet toegelaten voor deze persoon"),
                    "404": error_response(
                        "Onbekende activiteit of persoon; voor een contactpersoon: geen lid "
                        "van de eigen organisatie (hetzelfde antwoord voor elk ander adres)"
                    ),
                    "409": error_response("Activiteit niet open, of volzet zonder wachtlijst"),
                    "415": error_response("Geen JSON"),
                    "422": error_response("E-mailadres ontbreekt, of niet toegelaten"),
                    "429": error_response("Te veel inschrijvingen op korte tijd (contactpersoon)"),
                },
            },
        },
        "/me/enrolments": {
            "get": {
                "summary": "Mijn inschrijvingen",
                "operationId": "myEnrolments",
                "security": _BEARER,
                "responses": {
                    "200": json_response(
                        "Alle inschrijvingen van de eigenaar van de sleutel",
                        {"type": "array", "items": ref("MyEnrolment")},
                    ),
                    "401": error_response("Geen geldige sleutel"),
                },
            }
        },
    },
    {
        "EnrolmentStatus": {
            "type": "object",
            "additionalProperties": False,
            "required": ["status", "position"],
            "properties": {
                "status": {"type": "string", "enum": ["confirmed", "waitlisted", "pending"]},
                "position": {
                    "type": "integer",
                    "minimum": 1,
                    "nullable": True,
                    "description": "Plaats op de wachtlijst (1 = eerst aan de beurt); null "
                    "als je niet op de wachtlijst staat.",
                },
            },
        },
        "EnrolmentRow": {
            "type": "object",
            "additionalProperties": False,
            "required": ["email", "name", "status", "position"],
            "properties": {
                "email": {"type": "string"},
                "name": {"type": "string"},
                "status": {"type": "string", "enum": STATUS_VALUES},
                "position": {"type": "integer", "minimum": 1, "nullable": True},
            },
        },
        "MyEnrolment": {
            "type": "object",
            "additionalProperties": False,
            "required": ["activity_id", "title", "status", "position"],
            "properties": {
                "activity_id": {"type": "integer"},
                "title": {"type": "string"},
                "status": {"type": "string", "enum": STATUS_VALUES},
                "position": {"type": "integer", "minimum": 1, "nullable": True},
            },
        },
    },
)
