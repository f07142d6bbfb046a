"""The URL table of ``lms.policy``: its blueprint and the view each URL runs.

Imported only by :func:`lms.create_app`; the views themselves never import it.
"""

from __future__ import annotations

from flask import Blueprint

from lms.policy import views

bp = Blueprint("policy", __name__)

bp.add_url_rule("/policy/", view_func=views.index, methods=["GET"])
bp.add_url_rule("/policy/<int:policy_id>", view_func=views.show, methods=["GET"])
bp.add_url_rule("/policy/new", view_func=views.new, methods=["GET", "POST"])
bp.add_url_rule("/policy/<int:policy_id>/edit", view_func=views.edit, methods=["GET", "POST"])
bp.add_url_rule("/policy/<int:policy_id>/delete", view_func=views.delete, methods=["POST"])
bp.add_url_rule(
    "/activities/<int:activity_id>/progress", view_func=views.activity_progress, methods=["GET"]
)
bp.add_url_rule(
    "/my/activities/<int:activity_id>/progress", view_func=views.my_progress, methods=["GET"]
)
bp.add_url_rule(
    "/activities/<int:activity_id>/sessions/<int:session_id>/absence",
    view_func=views.report_absence,
    methods=["POST"],
)
bp.add_app_template_global(views._trainer_todo, "trainer_todo")
