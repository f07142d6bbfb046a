"""The API's routes: importing the resource modules registers them on the blueprint."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify

# Importing a resource module registers its routes and its part of the OpenAPI document.
from lms.api import (  # noqa: F401
    activities,
    activity_admin,
    attendance,
    certificates,
    enrolments,
    me,
    progress,
    tokens,
)
from lms.api.blueprint import bp
from lms.api.spec import openapi_document


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document(current_app.config["LMS_BASE_URL"] + "/api/v1"))
