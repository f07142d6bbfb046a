"""The URL table of ``lms.intake``: its blueprint and the view each URL runs.

Imported only by :func:`lms.create_app`; the views themselves never import it.
"""

from __future__ import annotations

from flask import Blueprint

from lms.intake import views

bp = Blueprint("intake", __name__)

bp.add_app_template_global(views.intake_answers, "intake_answers")
bp.add_app_template_global(views.intake_question_count, "intake_question_count")
bp.add_url_rule(
    "/admin/activities/<int:activity_id>/questions",
    view_func=views.questions,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/admin/activities/<int:activity_id>/questions/<int:question_id>/delete",
    view_func=views.remove,
    methods=["POST"],
)
bp.add_url_rule(
    "/admin/activities/<int:activity_id>/questions/<int:question_id>/move",
    view_func=views.move,
    methods=["POST"],
)
