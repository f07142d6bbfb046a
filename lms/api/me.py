"""``/me``: who the token belongs to."""

from __future__ import annotations

from typing import Any

from lms.api.auth import current_api_user, token_required
from lms.api.blueprint import bp
from lms.api.spec import document, error_response, json_response, ref


def calendar_url_for(user: Any) -> str | None:
    """The absolute URL of the user's personal feed (once the calendar feature provides it)."""
    from flask import current_app

    if "calendar.personal_feed" not in current_app.view_functions:
        return None
    from lms.calendar.tokens import personal_feed_url

    return personal_feed_url(user)


@bp.get("/me")
@token_required
def me() -> Any:
    user = current_api_user()
    return {
        "email": user.email,
        "name": user.name,
        "roles": sorted(r.value for r in user.roles),
        "organisation": user.organisation.name if user.organisation else None,
        "calendar_url": calendar_url_for(user),
    }


document(
    {
        "/me": {
            "get": {
                "summary": "De eigenaar van de API-sleutel",
                "operationId": "getMe",
                "security": [{"bearer": []}],
                "responses": {
                    "200": json_response("Profiel", ref("Me")),
                    "401": error_response("Geen geldige sleutel"),
                },
            }
        }
    },
    {
        "Me": {
            "type": "object",
            "required": ["email", "name", "roles", "organisation", "calendar_url"],
            "properties": {
                "email": {"type": "string"},
                "name": {"type": "string"},
                "roles": {
                    "type": "array",
                    "items": {
                        "type": "string",
                        "enum": ["participant", "trainer", "coordinator", "organisation_contact"],
                    },
                },
                "organisation": {"type": "string", "nullable": True},
                "calendar_url": {"type": "string", "nullable": True},
            },
        }
    },
)
