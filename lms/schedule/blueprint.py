"""The URL table of ``lms.schedule``: its blueprint and the view each URL runs.

Imported only by :func:`lms.create_app`; the views themselves never import it.
"""

from __future__ import annotations

from flask import Blueprint

from lms.schedule import views

bp = Blueprint("schedule", __name__)

bp.add_url_rule(
    "/activities/<int:activity_id>/sessions", view_func=views.manage, methods=["GET", "POST"]
)
bp.add_url_rule("/sessions/<int:session_id>/edit", view_func=views.edit, methods=["GET", "POST"])
bp.add_url_rule(
    "/sessions/<int:session_id>/cancel", view_func=views.cancel, methods=["GET", "POST"]
)
bp.add_url_rule("/sessions/<int:session_id>/reinstate", view_func=views.reinstate, methods=["POST"])
