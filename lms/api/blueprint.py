"""The URL table of the JSON API: ``/api/v1``, exempt from CSRF because it never reads cookies.

Imported only by :func:`lms.create_app`. The views live in :mod:`lms.api.views`, one module
per resource, each next to its part of the OpenAPI document (:func:`lms.api.spec.document`,
run when this module imports them).
"""

from __future__ import annotations

from flask import Blueprint

from lms.api.views import (
    activities,
    activity_admin,
    attendance,
    certificates,
    enrolments,
    me,
    openapi,
    progress,
    tokens,
)
from lms.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

bp.add_url_rule("/activities", view_func=activities.list_activities, methods=["GET"])
bp.add_url_rule("/activities/<int:activity_id>", view_func=activities.get_activity, methods=["GET"])

bp.add_url_rule("/activities", view_func=activity_admin.create_activity, methods=["POST"])
bp.add_url_rule(
    "/activities/<int:activity_id>", view_func=activity_admin.patch_activity, methods=["PATCH"]
)

bp.add_url_rule(
    "/sessions/<int:session_id>/attendance", view_func=attendance.get_attendance, methods=["GET"]
)
bp.add_url_rule(
    "/sessions/<int:session_id>/attendance", view_func=attendance.put_attendance, methods=["PUT"]
)

bp.add_url_rule(
    "/activities/<int:activity_id>/certificates",
    view_func=certificates.issue_certificates,
    methods=["POST"],
)
bp.add_url_rule("/me/certificates", view_func=certificates.my_certificates, methods=["GET"])

bp.add_url_rule(
    "/activities/<int:activity_id>/enrolment", view_func=enrolments.enrol, methods=["POST"]
)
bp.add_url_rule(
    "/activities/<int:activity_id>/enrolment", view_func=enrolments.cancel, methods=["DELETE"]
)
bp.add_url_rule(
    "/activities/<int:activity_id>/enrolments", view_func=enrolments.enrol_someone, methods=["POST"]
)
bp.add_url_rule(
    "/activities/<int:activity_id>/enrolments",
    view_func=enrolments.list_enrolments,
    methods=["GET"],
)
bp.add_url_rule("/me/enrolments", view_func=enrolments.my_enrolments, methods=["GET"])

bp.add_url_rule("/me", view_func=me.me, methods=["GET"])

bp.add_url_rule(
    "/activities/<int:activity_id>/progress",
    view_func=progress.get_activity_progress,
    methods=["GET"],
)

bp.add_url_rule("/tokens", view_func=tokens.create_token, methods=["POST"])
bp.add_url_rule("/tokens", view_func=tokens.revoke_token, methods=["DELETE"])

bp.add_url_rule("/openapi.json", view_func=openapi.openapi, methods=["GET"])
