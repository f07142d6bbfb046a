"""The URL table of ``lms.interest``: its blueprint and the view each URL runs.

Imported only by :func:`lms.create_app`; the views themselves never import it.
"""

from __future__ import annotations

from flask import Blueprint

from lms.interest import views

bp = Blueprint("interest", __name__)

bp.add_app_template_global(views.interest_state, "interest_state")
bp.add_app_template_global(views.interest_counts, "interest_counts")
bp.add_url_rule(
    "/activities/<int:activity_id>/interest", view_func=views.activity, methods=["GET", "POST"]
)
bp.add_url_rule("/op-de-hoogte", view_func=views.themes, methods=["GET"])
bp.add_url_rule(
    "/op-de-hoogte/themes/<int:theme_id>", view_func=views.theme, methods=["GET", "POST"]
)
bp.add_url_rule("/op-de-hoogte/stop/<token>", view_func=views.stop, methods=["GET", "POST"])
