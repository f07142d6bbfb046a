"""``POST /activities`` and ``PATCH /activities/{id}``: coordinators manage the offer.

The JSON is checked here (types, ISO 8601 times, known fields); the rules are
:mod:`lms.activities.service`'s (and :mod:`lms.enrolment.service`'s for what a change means
for enrolments). Both answer with the activity in the shape of ``GET /activities/{id}``
(:func:`lms.api.views.activities.serialize_activity`).

* Times are ISO 8601; without an offset they are read as Brussels time.
* Raising ``capacity`` confirms (or offers seats to) people on the waiting list in the same
  transaction; it cannot drop below the seats already taken (409).
* ``status: "cancelled"`` cancels the sessions and every enrolment and queues one mail per
  person concerned; the optional ``reason`` goes in that mail.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NoReturn

from flask_babel import gettext as _
from sqlalchemy import or_, select

from lms.activities import service
from lms.activities.service import ActivityError
from lms.api.auth import api_error, current_api_user, json_body, refuse, role_required
from lms.api.spec import document, error_response, json_request, json_response, ref
from lms.api.views.activities import ACTIVITY_ID_PARAMETER, serialize_activity
from lms.common.errors import RuleError
from lms.common.timeutil import local_to_utc
from lms.enrolment.queries import seat_summary
from lms.enrolment.service import EnrolmentError
from lms.extensions import db
from lms.models import (
    MAX_ID,
    Activity,
    ActivityKind,
    ActivityStatus,
    Role,
    SeatRelease,
    Theme,
    User,
)
from lms.models.user import normalise_email
from lms.schedule.service import SessionData

MAX_SESSIONS = 400
MAX_LIST = 50
YEARS = (2000, 2100)

#: JSON field → keyword of :func:`lms.activities.service.create_activity`.
CREATE_FIELDS = {
    "kind": "kind",
    "title": "title",
    "capacity": "capacity",
    "waitlist": "waitlist_enabled",
    "requires_approval": "requires_approval",
    "status": "status",
    "sessions": "sessions",
    "trainers": "trainers",
    "themes": "themes",
    "summary": "summary",
    "description": "description",
    "audience": "audience",
    "what_to_bring": "what_to_bring",
    "price_member": "price_member",
    "price_non_member": "price_non_member",
    "enrolment_opens_at": "enrolment_opens_at",
    "enrolment_closes_at": "enrolment_closes_at",
    "cancellation_deadline": "cancellation_deadline",
    "seat_release": "seat_release",
    "offer_hours": "offer_hours",
    "parent_id": "parent",
}
PATCH_FIELDS = {
    "title": "title",
    "capacity": "capacity",
    "status": "status",
    "waitlist": "waitlist_enabled",
    "requires_approval": "requires_approval",
    "summary": "summary",
    "description": "description",
    "audience": "audience",
    "what_to_bring": "what_to_bring",
    "price_member": "price_member",
    "price_non_member": "price_non_member",
    "enrolment_opens_at": "enrolment_opens_at",
    "enrolment_closes_at": "enrolment_closes_at",
    "cancellation_deadline": "cancellation_deadline",
    "seat_release": "seat_release",
    "offer_hours": "offer_hours",
    "reason": "reason",
}
TIME_FIELDS = ("enrolment_opens_at", "enrolment_closes_at", "cancellation_deadline")


class BadInputError(RuleError):
    """Input the API cannot take; ``field`` names it."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message, field=field, status=422)


def _fail(exc: ActivityError | BadInputError | EnrolmentError) -> NoReturn:
    if isinstance(exc, EnrolmentError):
        refuse(exc)
    refuse(exc, field=exc.field)


def _no_nul(value: Any, field: str) -> None:
    """Text with a NUL character cannot be stored (PostgreSQL refuses it)."""
    if isinstance(value, str) and "\x00" in value:
        raise BadInputError(_("Tekst mag geen NUL-teken bevatten."), field)
    if isinstance(value, list):
        for index, item in enumerate(value):
            _no_nul(item, f"{field}[{index}]")
    if isinstance(value, dict):
        for key, item in value.items():
            _no_nul(item, f"{field}.{key}")


def parse_time(value: Any, field: str) -> datetime | None:
    """ISO 8601 → aware UTC; without an offset the time is Brussels time."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadInputError(_("Verwacht een datum en tijd (ISO 8601)."), field)
    try:
        parsed = datetime.fromisoformat(value.strip())
        if not YEARS[0] <= parsed.year <= YEARS[1]:
            raise BadInputError(
                _("Kies een datum tussen %(first)s en %(last)s.", first=YEARS[0], last=YEARS[1]),
                field,
            )
        result = local_to_utc(parsed) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadInputError(
            _("Ongeldige datum en tijd: gebruik ISO 8601, bv. 2026-03-03T09:30:00+01:00."),
            field,
        ) from None
    return result


def _text(value: Any, field: str, *, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise BadInputError(_("Verwacht tekst."), field)
    return value


def _sessions(value: Any) -> list[SessionData]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadInputError(_("Verwacht een lijst van sessies."), "sessions")
    if len(value) > MAX_SESSIONS:
        raise BadInputError(
            _("Hoogstens %(count)s sessies per activiteit.", count=MAX_SESSIONS), "sessions"
        )
    sessions = []
    for index, item in enumerate(value):
        field = f"sessions[{index}]"
        if not isinstance(item, dict):
            raise BadInputError(_("Een sessie is een object met starts_at en ends_at."), field)
        unknown = sorted(set(item) - {"starts_at", "ends_at", "location", "online_url", "title"})
        if unknown:
            raise BadInputError(
                _("Onbekend veld: %(field)s.", field=unknown[0]), f"{field}.{unknown[0]}"
            )
        starts = parse_time(item.get("starts_at"), f"{field}.starts_at")
        ends = parse_time(item.get("ends_at"), f"{field}.ends_at")
        if starts is None or ends is None:
            raise BadInputError(
                _("Elke sessie heeft een begin (starts_at) en een einde (ends_at)."), field
            )
        sessions.append(
            SessionData(
                starts_at=starts,
                ends_at=ends,
                location=_text(item.get("location"), f"{field}.location"),
                online_url=_text(item.get("online_url"), f"{field}.online_url"),
                title=_text(item.get("title"), f"{field}.title"),
            )
        )
    return sessions


def _string_list(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadInputError(_("Verwacht een lijst van teksten."), field)
    if len(value) > MAX_LIST:
        raise BadInputError(_("Hoogstens %(count)s waarden.", count=MAX_LIST), field)
    return value


def _trainers(value: Any) -> list[User]:
    emails = [normalise_email(e) for e in _string_list(value, "trainers")]
    if not emails:
        return []
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    missing = [e for e in emails if e not in users]
    if missing:
        raise BadInputError(
            _("Er is geen account met e-mailadres %(email)s.", email=missing[0]), "trainers"
        )
    return [users[e] for e in emails]


def _themes(value: Any) -> list[Theme]:
    names = _string_list(value, "themes")
    if not names:
        return []
    themes = list(
        db.session.scalars(select(Theme).where(or_(Theme.name.in_(names), Theme.slug.in_(names))))
    )
    found = {t.name for t in themes} | {t.slug for t in themes}
    missing = [n for n in names if n not in found]
    if missing:
        raise BadInputError(_("Onbekend thema: %(theme)s.", theme=missing[0]), "themes")
    return themes


def _parent(value: Any) -> Activity | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise BadInputError(_("Verwacht het id van een beroepsopleiding."), "parent_id")
    parent = db.session.get(Activity, value)
    if parent is None:
        raise BadInputError(_("Deze beroepsopleiding bestaat niet."), "parent_id")
    return parent


def _unknown(data: dict[str, Any], allowed: dict[str, str]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise BadInputError(_("Onbekend veld: %(field)s.", field=unknown[0]), unknown[0])


def _respond(activity: Activity, status: int = 200) -> Any:
    db.session.expire_all()
    activity = db.session.get(Activity, activity.id)
    headers = {"Location": f"/api/v1/activities/{activity.id}"} if status == 201 else {}
    return serialize_activity(activity, seat_summary(activity)), status, headers


@role_required(Role.COORDINATOR)
def create_activity() -> Any:
    data = json_body()
    actor = current_api_user()
    try:
        _unknown(data, CREATE_FIELDS)
        _no_nul(data, "")
        for required in ("kind", "title"):
            if required not in data:
                raise BadInputError(_("Het veld %(field)s is verplicht.", field=required), required)
        values: dict[str, Any] = {}
        for key, value in data.items():
            name = CREATE_FIELDS[key]
            if key == "sessions":
                values[name] = _sessions(value)
            elif key == "trainers":
                values[name] = _trainers(value)
            elif key == "themes":
                values[name] = _themes(value)
            elif key == "parent_id":
                values[name] = _parent(value)
            elif key in TIME_FIELDS:
                values[name] = parse_time(value, key)
            elif key in ("kind", "status", "seat_release") and not isinstance(value, str):
                raise BadInputError(_("Verwacht tekst."), key)
            elif key in ("price_member", "price_non_member") and value is None:
                raise BadInputError(_("Een prijs is een bedrag in euro."), key)
            elif key in ("waitlist", "offer_hours") and value is None:
                raise BadInputError(_("Dit veld mag niet leeg zijn."), key)
            else:
                values[name] = value
        activity = service.create_activity(actor=actor, **values)
    except (ActivityError, BadInputError, EnrolmentError) as exc:
        _fail(exc)
    db.session.commit()
    return _respond(activity, 201)


@role_required(Role.COORDINATOR)
def patch_activity(activity_id: int) -> Any:
    data = json_body()
    actor = current_api_user()
    activity = db.session.get(Activity, activity_id) if 0 < activity_id <= MAX_ID else None
    if activity is None:
        api_error(404, _("Deze activiteit bestaat niet."))
    try:
        _unknown(data, PATCH_FIELDS)
        _no_nul(data, "")
        changes: dict[str, Any] = {}
        for key, value in data.items():
            name = PATCH_FIELDS[key]
            if key in TIME_FIELDS:
                changes[name] = parse_time(value, key)
            elif key in ("status", "seat_release") and not isinstance(value, str):
                raise BadInputError(_("Verwacht tekst."), key)
            elif key in ("title", "waitlist", "requires_approval", "offer_hours", "status") and (
                value is None
            ):
                raise BadInputError(_("Dit veld mag niet leeg zijn."), key)
            elif key in ("price_member", "price_non_member") and value is None:
                raise BadInputError(_("Een prijs is een bedrag in euro."), key)
            else:
                changes[name] = value
        reason = _text(changes.pop("reason", ""), "reason")
        service.update_activity(activity, actor=actor, reason=reason, **changes)
    except (ActivityError, BadInputError, EnrolmentError) as exc:
        _fail(exc)
    db.session.commit()
    return _respond(activity)


# --- OpenAPI ------------------------------------------------------------------------------

_TIME = {"type": "string", "format": "date-time", "nullable": True}
_TEXT = {"type": "string", "maxLength": 20000}
_PRICE = {
    "oneOf": [
        {"type": "number", "minimum": 0, "maximum": 99999.99},
        {"type": "string", "pattern": "^[0-9]{1,5}([.][0-9]{1,2})?$"},
    ],
    "description": 'Bedrag in euro, bv. 45 of "45.00".',
}
_COMMON_PROPERTIES: dict[str, Any] = {
    "title": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"},
    "capacity": {
        "type": "integer",
        "minimum": 0,
        "maximum": service.MAX_CAPACITY,
        "nullable": True,
        "description": "null: onbeperkt",
    },
    "waitlist": {"type": "boolean", "description": "Een wachtlijst als de activiteit volzet is."},
    "requires_approval": {"type": "boolean"},
    "summary": _TEXT,
    "description": _TEXT,
    "audience": _TEXT,
    "what_to_bring": _TEXT,
    "price_member": _PRICE,
    "price_non_member": _PRICE,
    "enrolment_opens_at": _TIME,
    "enrolment_closes_at": _TIME,
    "cancellation_deadline": _TIME,
    "seat_release": {
        "type": "string",
        "enum": [s.value for s in SeatRelease],
        "description": "`automatic`: een vrijgekomen plaats gaat meteen naar de eerste op de "
        "wachtlijst; `offer`: die krijgt `offer_hours` uur om ze aan te nemen.",
    },
    "offer_hours": {"type": "integer", "minimum": 1, "maximum": service.MAX_OFFER_HOURS},
}

document(
    {
        "/activities": {
            "post": {
                "summary": "Activiteit aanmaken (coördinator)",
                "description": (
                    "Maakt een activiteit met haar sessies en lesgevers. Tijden zonder "
                    "tijdzone gelden als Belgische tijd. Antwoordt met de activiteit zoals "
                    "`GET /activities/{id}`."
                ),
                "operationId": "createActivity",
                "security": [{"bearer": []}],
                "requestBody": json_request(ref("ActivityCreate")),
                "responses": {
                    "201": json_response("Aangemaakt", ref("Activity")),
                    "400": error_response("Ongeldige JSON"),
                    "401": error_response("Geen geldige sleutel"),
                    "403": error_response("Geen coördinator"),
                    "415": error_response("Geen JSON"),
                    "422": error_response("Ongeldige gegevens (het veld staat in `field`)"),
                },
            }
        },
        "/activities/{id}": {
            "patch": {
                "summary": "Activiteit wijzigen (coördinator)",
                "description": (
                    "Een hogere capaciteit geeft de nieuwe plaatsen meteen aan de wachtlijst. "
                    "`status: cancelled` annuleert de sessies en alle inschrijvingen en "
                    "mailt iedereen die betrokken is (met `reason`)."
                ),
                "operationId": "patchActivity",
                "security": [{"bearer": []}],
                "parameters": [ACTIVITY_ID_PARAMETER],
                "requestBody": json_request(ref("ActivityPatch")),
                "responses": {
                    "200": json_response("Gewijzigd", ref("Activity")),
                    "400": error_response("Ongeldige JSON"),
                    "401": error_response("Geen geldige sleutel"),
                    "403": error_response("Geen coördinator"),
                    "404": error_response("Onbekende activiteit"),
                    "409": error_response(
                        "Niet mogelijk in deze toestand (capaciteit onder de ingenomen "
                        "plaatsen, statuswijziging die niet kan)"
                    ),
                    "415": error_response("Geen JSON"),
                    "422": error_response("Ongeldige gegevens (het veld staat in `field`)"),
                },
            }
        },
    },
    {
        "ActivityCreate": {
            "type": "object",
            "additionalProperties": False,
            "required": ["kind", "title"],
            "properties": {
                "kind": {"type": "string", "enum": [k.value for k in ActivityKind]},
                "status": {
                    "type": "string",
                    "enum": [ActivityStatus.DRAFT.value, ActivityStatus.PUBLISHED.value],
                    "default": "draft",
                },
                **_COMMON_PROPERTIES,
                "sessions": {
                    "type": "array",
                    "maxItems": MAX_SESSIONS,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["starts_at", "ends_at"],
                        "properties": {
                            "starts_at": {"type": "string", "format": "date-time"},
                            "ends_at": {"type": "string", "format": "date-time"},
                            "location": {"type": "string", "maxLength": 300},
                            "online_url": {"type": "string", "maxLength": 500},
                            "title": {"type": "string", "maxLength": 200},
                        },
                    },
                },
                "trainers": {
                    "type": "array",
                    "maxItems": MAX_LIST,
                    "items": {"type": "string", "format": "email"},
                    "description": "E-mailadressen van lesgevers",
                },
                "themes": {
                    "type": "array",
                    "maxItems": MAX_LIST,
                    "items": {"type": "string"},
                    "description": "Namen of slugs van bestaande thema's",
                },
                "parent_id": {
                    "type": "integer",
                    "minimum": 1,
                    "nullable": True,
                    "description": "Voor een module: het id van haar beroepsopleiding",
                },
            },
        },
        "ActivityPatch": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "status": {"type": "string", "enum": [s.value for s in ActivityStatus]},
                **_COMMON_PROPERTIES,
                "reason": {
                    "type": "string",
                    "maxLength": 2000,
                    "description": "Bij annuleren: de reden, voor de mail aan de betrokkenen.",
                },
            },
        },
    },
)
