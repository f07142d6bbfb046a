"""Certificates in the API: issue for an activity (coordinators), list one's own."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from lms.api.auth import api_error, current_api_user, refuse, role_required, token_required
from lms.api.spec import document, error_response, json_response, ref
from lms.certificates import service
from lms.common.timeutil import iso
from lms.common.urls import absolute_url
from lms.extensions import db
from lms.models import Activity, Role


@role_required(Role.COORDINATOR)
def issue_certificates(activity_id: int) -> Any:
    if db.session.get(Activity, activity_id) is None:
        api_error(404, _("Deze activiteit bestaat niet."))
    try:
        result = service.issue_for_activity(activity_id, actor=current_api_user())
    except service.CertificateError as exc:
        refuse(exc)
    issued = [
        {
            "email": cert.user.email if cert.user else None,
            "name": cert.snapshot.get("holder_name"),
            "code": cert.code,
            "hours": cert.snapshot.get("hours"),
        }
        for cert in result.issued
    ]
    db.session.commit()
    return {
        "issued": issued,
        "already_issued": result.already,
        "skipped_revoked": result.revoked,
        "not_eligible": result.not_eligible,
    }


@token_required
def my_certificates() -> Any:
    return [
        {
            "code": cert.code,
            "activity": cert.snapshot.get("activity_title"),
            "activity_id": cert.activity_id,
            "kind": cert.snapshot.get("kind"),
            "document": cert.snapshot.get("document"),
            "hours": cert.snapshot.get("hours"),
            "start_date": cert.snapshot.get("start_date"),
            "end_date": cert.snapshot.get("end_date"),
            "themes": cert.snapshot.get("themes") or [],
            "issued_at": iso(cert.issued_at),
            "revoked": cert.is_revoked,
            "revoked_at": iso(cert.revoked_at),
            "pdf_url": absolute_url("certificates.pdf", code=cert.code),
            "verify_url": absolute_url("certificates.verify", code=cert.code),
        }
        for cert in service.certificates_of(current_api_user())
    ]


_ISSUED = {
    "type": "object",
    "required": ["email", "code", "hours"],
    "properties": {
        "email": {"type": "string", "nullable": True},
        "name": {"type": "string"},
        "code": {"type": "string", "example": "7KQ4-M2XD-9FJ1-PZ3W"},
        "hours": {"type": "number"},
    },
}

document(
    {
        "/activities/{id}/certificates": {
            "post": {
                "summary": "Reik attesten uit aan iedereen die geslaagd is en er nog geen heeft",
                "description": (
                    "Kan zodra de laatste sessie voorbij is. Idempotent: een tweede oproep "
                    "(ook tegelijk) reikt niets dubbel uit. Wie een ingetrokken attest heeft, "
                    "wordt overgeslagen (opnieuw uitreiken gebeurt per persoon in de "
                    "webtoepassing)."
                ),
                "operationId": "issueCertificates",
                "security": [{"bearer": []}],
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {
                    "200": json_response(
                        "De nieuw uitgereikte attesten",
                        {
                            "type": "object",
                            "required": ["issued"],
                            "properties": {
                                "issued": {"type": "array", "items": _ISSUED},
                                "already_issued": {"type": "integer"},
                                "skipped_revoked": {"type": "integer"},
                                "not_eligible": {"type": "integer"},
                            },
                        },
                    ),
                    "401": error_response("Geen geldige sleutel"),
                    "403": error_response("Geen coördinator"),
                    "404": error_response("Onbekende activiteit"),
                    "409": error_response("De laatste sessie is nog niet voorbij"),
                },
            }
        },
        "/me/certificates": {
            "get": {
                "summary": "Mijn attesten",
                "operationId": "getMyCertificates",
                "security": [{"bearer": []}],
                "responses": {
                    "200": json_response(
                        "Attesten, nieuwste eerst", {"type": "array", "items": ref("Certificate")}
                    ),
                    "401": error_response("Geen geldige sleutel"),
                },
            }
        },
    },
    {
        "Certificate": {
            "type": "object",
            "required": ["code", "activity", "hours", "issued_at", "revoked"],
            "properties": {
                "code": {"type": "string"},
                "activity": {"type": "string"},
                "activity_id": {"type": "integer"},
                "kind": {"type": "string"},
                "document": {"type": "string", "enum": ["attest", "diploma"]},
                "hours": {"type": "number"},
                "start_date": {"type": "string", "format": "date", "nullable": True},
                "end_date": {"type": "string", "format": "date", "nullable": True},
                "themes": {"type": "array", "items": {"type": "string"}},
                "issued_at": {"type": "string", "format": "date-time"},
                "revoked": {"type": "boolean"},
                "revoked_at": {"type": "string", "format": "date-time", "nullable": True},
                "pdf_url": {"type": "string"},
                "verify_url": {"type": "string"},
            },
        }
    },
)
