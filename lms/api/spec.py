"""The OpenAPI 3.0 document, assembled from the parts each resource module declares."""

from __future__ import annotations

import copy
from typing import Any

_PATHS: dict[str, dict[str, Any]] = {}
_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}},
    },
}


def document(paths: dict[str, dict[str, Any]], schemas: dict[str, Any] | None = None) -> None:
    """Add ``paths`` (OpenAPI path items) and ``schemas`` to the document."""
    for path, item in paths.items():
        _PATHS.setdefault(path, {}).update(item)
    _SCHEMAS.update(schemas or {})


def error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def json_request(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


#: Answers any operation may give before its own code runs (lms.web.input_guard, the request
#: size limit, lms.web.response_policies), added where an operation does not describe them.
EDGE_RESPONSES = {
    "400": "Ongeldige invoer: tekens die niet verwerkt kunnen worden, een te groot getal of "
    "te diep geneste JSON",
    "413": "De aanvraag is te groot",
    "503": "De databank is even niet bereikbaar",
}


def _with_edge_responses(paths: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    for item in paths.values():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            for status, description in EDGE_RESPONSES.items():
                responses.setdefault(status, error_response(description))
    return paths


def openapi_document(server_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "SAM Leerplatform API",
            "version": "1.0.0",
            "description": (
                "Het leeraanbod, inschrijvingen, aanwezigheden en attesten van het SAM "
                "Leerplatform. Authenticatie met een persoonlijke API-sleutel: "
                '`Authorization: Bearer <sleutel>`. Fouten zijn JSON `{"error": "…"}`. '
                "Tijden zijn ISO 8601 met tijdzoneverschuiving."
            ),
        },
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "basic": {"type": "http", "scheme": "basic"},
            },
            "schemas": copy.deepcopy(_SCHEMAS),
        },
        "paths": _with_edge_responses(copy.deepcopy(dict(sorted(_PATHS.items())))),
    }
