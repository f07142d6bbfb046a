"""The URL table of ``lms.privacy``: its blueprint and the view each URL runs.

Imported only by :func:`lms.create_app`; the views themselves never import it.
"""

from __future__ import annotations

from flask import Blueprint

from lms.privacy import views

bp = Blueprint("privacy", __name__, url_prefix="/privacy")

bp.add_url_rule("", view_func=views.statement, methods=["GET"])
bp.add_url_rule("/my-data", view_func=views.my_data, methods=["GET"])
bp.add_url_rule("/erase/<int:user_id>", view_func=views.erase, methods=["GET", "POST"])
