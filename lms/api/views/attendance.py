"""``/sessions/{id}/attendance``: read and record a session's attendance (CONTRACT.md).

Coordinators and the activity's trainers only. ``PUT`` sets the attendance of the people
it lists (confirmed participants, by email); people it does not list keep what they have.
A session that has not started answers 409, unless every record is ``excused`` (absence
reported in advance). A change behind an issued certificate needs a ``reason`` (409
``reason_required`` without one); the certificate then goes on the coordinators' to-do list.
"""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_babel import gettext as _

from lms.access import can_manage_activity
from lms.api.auth import api_error, current_api_user, json_body, refuse, token_required
from lms.api.spec import document, error_response, json_request, json_response, ref
from lms.attendance import queries, service
from lms.attendance.service import AttendanceError, Mark
from lms.common.timeutil import iso
from lms.extensions import db
from lms.models import ActivitySession, AttendanceStatus
from lms.models.user import normalise_email

STATUSES = [s.value for s in AttendanceStatus]


def _managed_session(session_id: int) -> ActivitySession:
    session = queries.load_session(session_id)
    if session is None:
        api_error(404, _("Deze sessie bestaat niet."))
    if not can_manage_activity(current_api_user(), session.activity):
        api_error(403, _("Alleen coördinatoren en lesgevers van deze activiteit hebben toegang."))
    return session


def _body(session: ActivitySession) -> dict[str, Any]:
    card = queries.session_card(session)
    return {
        "session_id": session.id,
        "activity_id": session.activity_id,
        "starts_at": iso(session.starts_at),
        "ends_at": iso(session.ends_at),
        "status": session.status.value,
        "participants": card.total,
        "recorded": card.recorded,
        "records": [
            {
                "email": entry.user.email,
                "name": entry.user.name,
                "status": entry.attendance.status.value if entry.attendance else None,
                "minutes": entry.attendance.minutes if entry.attendance else None,
                "source": entry.attendance.source if entry.attendance else None,
                "remark": entry.attendance.remark if entry.attendance else None,
                "recorded_at": iso(entry.attendance.recorded_at) if entry.attendance else None,
            }
            for entry in card.entries
        ],
    }


@token_required
def get_attendance(session_id: int) -> Any:
    return _body(_managed_session(session_id))


@token_required
def put_attendance(session_id: int) -> Any:
    session = _managed_session(session_id)
    data = json_body()
    records = data.get("records")
    if not isinstance(records, list):
        api_error(422, _("Verwacht ‘records’: een lijst van {email, status, minutes}."))
    reason = data.get("reason", "")
    if not isinstance(reason, str):
        api_error(422, _("‘reason’ moet tekst zijn: waarom de aanwezigheid gecorrigeerd wordt."))
    statuses = [
        item.get("status")
        for item in records
        if isinstance(item, dict) and item.get("status") in STATUSES
    ]
    try:
        service.ensure_can_take(session, statuses=statuses)
    except AttendanceError as error:
        refuse(error, 409, code=error.code)

    by_email = {u.email: u for u in (e.user for e in queries.session_card(session).entries)}
    marks = []
    for index, item in enumerate(records):
        where = f"records[{index}]"
        if not isinstance(item, dict):
            api_error(422, _("%(where)s: verwacht een object met email en status.", where=where))
        email = normalise_email(str(item.get("email") or ""))
        if not email:
            api_error(422, _("%(where)s: email ontbreekt.", where=where))
        status = item.get("status")
        if status not in STATUSES:
            api_error(
                422,
                _(
                    "%(where)s: status moet een van %(choices)s zijn.",
                    where=where,
                    choices=", ".join(STATUSES),
                ),
            )
        minutes = item.get("minutes")
        if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int)):
            api_error(422, _("%(where)s: minutes moet een geheel getal zijn.", where=where))
        remark = item.get("remark")
        if remark is not None and not isinstance(remark, str):
            api_error(422, _("%(where)s: remark moet tekst zijn.", where=where))
        user = by_email.get(email)
        if user is None:
            api_error(
                422,
                _(
                    "%(where)s: %(email)s is geen bevestigde deelnemer van deze activiteit.",
                    where=where,
                    email=email,
                ),
            )
        marks.append(Mark(user.id, AttendanceStatus(status), minutes, remark))
    try:
        result = service.record_attendance(
            session, marks, actor=current_api_user(), source="api", correction_reason=reason
        )
    except AttendanceError as error:
        conflict = error.code in ("not_started", "cancelled", "reason_required")
        refuse(error, 409 if conflict else 422, code=error.code)
    db.session.commit()
    session = queries.load_session(session_id)
    if session is None:  # pragma: no cover (deleted in between)
        abort(404)
    body = _body(session)
    body.update(
        created=result.created,
        corrected=result.corrected,
        unchanged=result.unchanged,
        certificates_to_review=[c.code for c in result.certificates_flagged],
    )
    return body


_RECORD = {
    "type": "object",
    "required": ["email", "name", "status", "minutes", "source", "recorded_at"],
    # remark: optional, so older clients' expectations hold
    "properties": {
        "email": {"type": "string"},
        "name": {"type": "string"},
        "status": {"type": "string", "enum": STATUSES, "nullable": True},
        "minutes": {"type": "integer", "nullable": True},
        "source": {
            "type": "string",
            "enum": ["trainer", "checkin", "api", "participant"],
            "nullable": True,
        },
        "remark": {"type": "string", "nullable": True},
        "recorded_at": {"type": "string", "format": "date-time", "nullable": True},
    },
}

_PARAMS = [
    {
        "name": "session_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer"},
        "description": "De sessie (id zoals in de sessies van een activiteit).",
    }
]

document(
    {
        "/sessions/{session_id}/attendance": {
            "get": {
                "summary": "Aanwezigheden van een sessie",
                "description": "Alle bevestigde deelnemers, met hun registratie (of null). "
                "Voor coördinatoren en de lesgevers van de activiteit.",
                "operationId": "getSessionAttendance",
                "security": [{"bearer": []}],
                "parameters": _PARAMS,
                "responses": {
                    "200": json_response("De aanwezigheden", ref("SessionAttendance")),
                    "401": error_response("Geen geldige sleutel"),
                    "403": error_response("Geen lesgever van deze activiteit of coördinator"),
                    "404": error_response("Onbekende sessie"),
                },
            },
            "put": {
                "summary": "Aanwezigheden registreren of corrigeren",
                "description": "Zet de aanwezigheid van de opgesomde bevestigde deelnemers "
                "(op e-mailadres); wie niet in de lijst staat, houdt wat geregistreerd is. "
                "`minutes` is verplicht bij `partial` (1 tot de duur van de sessie in "
                "minuten) en wordt anders genegeerd. Elke wijziging blijft bewaard in de "
                "geschiedenis. Alles of niets: één fout weigert de hele aanvraag. Voor een "
                "sessie die nog niet begonnen is, kan alleen `excused` (vooraf verontschuldigd); "
                "elke andere status geeft 409. Wie al een attest heeft voor deze activiteit "
                "(of haar opleiding), krijgt een correctie alleen met `reason`: anders 409 "
                "met code `reason_required`; met reden komt het attest op de takenlijst van "
                "de coördinatoren (`certificates_to_review`).",
                "operationId": "putSessionAttendance",
                "security": [{"bearer": []}],
                "parameters": _PARAMS,
                "requestBody": json_request(ref("AttendanceUpdate")),
                "responses": {
                    "200": json_response(
                        "Geregistreerd; de aanwezigheden zoals ze nu zijn",
                        ref("SessionAttendanceResult"),
                    ),
                    "400": error_response("Ongeldige JSON"),
                    "401": error_response("Geen geldige sleutel"),
                    "403": error_response("Geen lesgever van deze activiteit of coördinator"),
                    "404": error_response("Onbekende sessie"),
                    "409": error_response(
                        "De sessie is nog niet begonnen (andere status dan excused), is "
                        "geannuleerd, of een correctie achter een uitgereikt attest mist "
                        "`reason`"
                    ),
                    "415": error_response("Geen JSON"),
                    "422": error_response(
                        "Ongeldige gegevens (status, minuten, geen bevestigde deelnemer)"
                    ),
                },
            },
        }
    },
    {
        "AttendanceUpdate": {
            "type": "object",
            "required": ["records"],
            "properties": {
                "reason": {
                    "type": "string",
                    "description": "Waarom de aanwezigheid gecorrigeerd wordt; verplicht "
                    "wanneer een uitgereikt attest geraakt wordt.",
                },
                "records": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["email", "status"],
                        "properties": {
                            "email": {"type": "string"},
                            "status": {"type": "string", "enum": STATUSES},
                            "minutes": {"type": "integer", "minimum": 1, "nullable": True},
                            "remark": {"type": "string", "nullable": True},
                        },
                    },
                },
            },
        },
        "AttendanceRecord": _RECORD,
        "SessionAttendance": {
            "type": "object",
            "required": [
                "session_id",
                "activity_id",
                "starts_at",
                "ends_at",
                "status",
                "participants",
                "recorded",
                "records",
            ],
            "properties": {
                "session_id": {"type": "integer"},
                "activity_id": {"type": "integer"},
                "starts_at": {"type": "string", "format": "date-time"},
                "ends_at": {"type": "string", "format": "date-time"},
                "status": {"type": "string", "enum": ["scheduled", "cancelled"]},
                "participants": {"type": "integer"},
                "recorded": {"type": "integer"},
                "records": {"type": "array", "items": ref("AttendanceRecord")},
            },
        },
        "SessionAttendanceResult": {
            "allOf": [
                ref("SessionAttendance"),
                {
                    "type": "object",
                    "required": ["created", "corrected", "unchanged"],
                    "properties": {
                        "created": {"type": "integer"},
                        "corrected": {"type": "integer"},
                        "unchanged": {"type": "integer"},
                        "certificates_to_review": {
                            "type": "array",
                            "items": {"type": "string"},
                        },
                    },
                },
            ]
        },
    },
)
