"""``/me``: who the token belongs to."""

from __future__ import annotations

from typing import Any

from lms.api.auth import current_api_user, token_required
from lms.api.spec import document, error_response, json_response, ref
from lms.calendar.tokens import personal_feed_url
from lms.extensions import db


@token_required
def me() -> Any:
    user = current_api_user()
    body = {
        "email": user.email,
        "name": user.name,
        "roles": sorted(r.value for r in user.roles),
        "organisation": user.organisation.name if user.organisation else None,
        "calendar_url": personal_feed_url(user),
    }
    db.session.commit()  # the feed token, when this is its first use
    return body


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
                "calendar_url": {"type": "string", "format": "uri"},
            },
        }
    },
)
