"""`/api/v1/openapi.json`: the OpenAPI document, built from what each resource module documents."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify

from lms.api.spec import openapi_document


def openapi() -> Any:
    return jsonify(openapi_document(current_app.config["LMS_BASE_URL"] + "/api/v1"))
