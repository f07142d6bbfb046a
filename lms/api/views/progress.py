"""``/activities/{id}/progress``: each participant's standing against the learning policy.

Percentages go through :func:`lms.common.display.pct_number` (half-up to one decimal),
the rounding of the pages and the certificate PDFs.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from lms.access import can_manage_activity
from lms.api.auth import api_error, current_api_user, token_required
from lms.api.serializers import number
from lms.api.spec import document, error_response, json_response, ref
from lms.common.display import pct_number
from lms.common.timeutil import iso
from lms.policy.evaluation import session_name
from lms.policy.progress import Progress, activity_progress, load_activities


def progress_json(item: Progress) -> dict[str, Any]:
    decision = item.decision
    return {
        "email": item.user.email,
        "name": item.user.name,
        "state": decision.state.value,
        "attended_hours": number(decision.attended_hours),
        "credited_hours": number(decision.credited_hours),
        "planned_hours": number(decision.planned_hours),
        "attended_pct": pct_number(decision.counted_minutes, decision.planned_minutes),
        "required_pct": decision.required_pct,
        "reasons": [str(reason) for reason in decision.reasons],
        "reason_codes": [getattr(reason, "code", "") for reason in decision.reasons],
        "unrecorded_sessions": _unrecorded(decision),
        "certificate": item.certificate.code if item.certificate is not None else None,
    }


def _unrecorded(decision) -> list[dict[str, Any]]:
    """The sessions (not cancelled) without a record, of the activity or its modules."""
    outcomes = list(decision.sessions)
    for _title, module in decision.modules:
        outcomes.extend(module.sessions)
    return [
        {"id": o.session.id, "starts_at": iso(o.session.starts_at), "name": session_name(o.session)}
        for o in outcomes
        if o.is_open
    ]


@token_required
def get_activity_progress(activity_id: int) -> Any:
    activity = load_activities([activity_id]).get(activity_id)
    if activity is None:
        api_error(404, _("Deze activiteit bestaat niet."))
    if not can_manage_activity(current_api_user(), activity):
        api_error(403, _("Alleen coördinatoren en de lesgevers van deze activiteit zien dit."))
    return [progress_json(item) for item in activity_progress(activity)]


document(
    {
        "/activities/{id}/progress": {
            "get": {
                "summary": "Voortgang van elke deelnemer volgens het leerbeleid",
                "description": (
                    "Per bevestigde deelnemer: de stand (`eligible` = gehaald, `possible` = nog "
                    "haalbaar als elke nog niet geregistreerde sessie gevolgd wordt, "
                    "`impossible` = niet meer haalbaar, `incomplete` = de activiteit is "
                    "voorbij maar sessies zijn niet geregistreerd: het resultaat wacht op de "
                    "aanwezigheden, de sessies staan in `unrecorded_sessions`), de gevolgde en "
                    "erkende uren en de redenen in het Nederlands. Beoordeeld tegen alle "
                    "geplande sessies. Eens de activiteit voorbij is, is niemand nog "
                    "`possible`. Percentages zijn afgerond op één decimaal (half naar boven)."
                ),
                "operationId": "getActivityProgress",
                "security": [{"bearer": []}],
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {
                    "200": json_response(
                        "Voortgang per deelnemer", {"type": "array", "items": ref("Progress")}
                    ),
                    "401": error_response("Geen geldige sleutel"),
                    "403": error_response("Geen coördinator of lesgever van deze activiteit"),
                    "404": error_response("Onbekende activiteit"),
                },
            }
        }
    },
    {
        "Progress": {
            "type": "object",
            "required": ["email", "attended_hours", "state", "reasons"],
            "properties": {
                "email": {"type": "string"},
                "name": {"type": "string"},
                "state": {
                    "type": "string",
                    "enum": ["eligible", "possible", "impossible", "incomplete"],
                },
                "attended_hours": {"type": "number"},
                "credited_hours": {"type": "number"},
                "planned_hours": {"type": "number"},
                "attended_pct": {"type": "number"},
                "required_pct": {"type": "integer"},
                "reasons": {"type": "array", "items": {"type": "string"}},
                "reason_codes": {
                    "type": "array",
                    "description": "Vaste code van elke reden, in dezelfde volgorde als reasons",
                    "items": {"type": "string"},
                },
                "unrecorded_sessions": {
                    "type": "array",
                    "description": "Sessies (niet geannuleerd) zonder registratie",
                    "items": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "integer"},
                            "starts_at": {"type": "string", "format": "date-time"},
                            "name": {"type": "string"},
                        },
                    },
                },
                "certificate": {
                    "type": "string",
                    "nullable": True,
                    "description": "Code van het geldige attest, als het al uitgereikt is",
                },
            },
        }
    },
)
