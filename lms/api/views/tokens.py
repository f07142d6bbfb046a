"""``/tokens``: create a personal token with HTTP Basic, revoke the one in use."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _

from lms.accounts.service import authenticate
from lms.accounts.tokens import create_api_token, revoke_api_token
from lms.api.auth import api_error, current_api_token
from lms.api.spec import document, error_response, json_response
from lms.extensions import db, limiter


@limiter.limit("10 per minute")
def create_token() -> Any:
    auth = request.authorization
    if auth is None or auth.type != "basic" or not auth.username:
        api_error(401, _("Meld je aan met HTTP Basic (e-mailadres en wachtwoord)."))
    user = authenticate(auth.username, auth.password or "")
    if user is None:
        api_error(401, _("E-mailadres of wachtwoord klopt niet."))
    label = ""
    if request.is_json and isinstance(request.get_json(silent=True), dict):
        label = str(request.get_json(silent=True).get("label", ""))[:100]
    raw = create_api_token(user, label or "API")
    db.session.commit()
    return {"token": raw}, 201


def revoke_token() -> Any:
    token = current_api_token()
    if token is None:
        api_error(401, _("Geldige API-sleutel vereist (Authorization: Bearer …)."))
    revoke_api_token(token, actor=token.user)
    db.session.commit()
    return "", 204


document(
    {
        "/tokens": {
            "post": {
                "summary": "Nieuwe persoonlijke API-sleutel",
                "operationId": "createToken",
                "security": [{"basic": []}],
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"label": {"type": "string", "maxLength": 100}},
                            }
                        }
                    },
                },
                "responses": {
                    "201": json_response(
                        "De nieuwe sleutel (wordt maar één keer getoond)",
                        {
                            "type": "object",
                            "required": ["token"],
                            "properties": {"token": {"type": "string"}},
                        },
                    ),
                    "401": error_response("Ongeldige aanmeldgegevens"),
                    "429": error_response("Te veel pogingen"),
                },
            },
            "delete": {
                "summary": "Trek de gebruikte API-sleutel in",
                "operationId": "revokeToken",
                "security": [{"bearer": []}],
                "responses": {
                    "204": {"description": "Ingetrokken"},
                    "401": error_response("Geen geldige sleutel"),
                },
            },
        }
    }
)
