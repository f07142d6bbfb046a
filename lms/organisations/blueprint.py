"""The URL table of ``lms.organisations``: its blueprint and the view each URL runs.

Imported only by :func:`lms.create_app`; the views themselves never import it.
"""

from __future__ import annotations

from flask import Blueprint

from lms.organisations import views

bp = Blueprint("organisations", __name__, url_prefix="/organisations")

bp.add_url_rule("/staff", view_func=views.staff, methods=["GET"])
bp.add_url_rule("/<int:organisation_id>/staff", view_func=views.organisation_staff, methods=["GET"])
bp.add_url_rule("/staff/<int:user_id>", view_func=views.person, methods=["GET"])
bp.add_url_rule("/enrol", view_func=views.enrol, methods=["GET", "POST"])
bp.add_url_rule("/members/<int:user_id>/confirm", view_func=views.confirm_member, methods=["POST"])
bp.add_url_rule("/members/<int:user_id>/decline", view_func=views.decline_member, methods=["POST"])
bp.add_url_rule("/members/<int:user_id>/end", view_func=views.end_member, methods=["POST"])
bp.add_url_rule("/requests", view_func=views.requests, methods=["GET"])
bp.add_url_rule("/requests/<int:user_id>", view_func=views.resolve_request, methods=["POST"])
bp.add_url_rule(
    "/enrolments/<int:enrolment_id>/cancel", view_func=views.cancel_colleague, methods=["POST"]
)
bp.add_url_rule(
    "/enrolments/<int:enrolment_id>/substitute",
    view_func=views.substitute_colleague,
    methods=["GET", "POST"],
)
