"""The URL table of ``lms.catalog``: its blueprint and the view each URL runs.

Imported only by :func:`lms.create_app`; the views themselves never import it.
"""

from __future__ import annotations

from flask import Blueprint

from lms.catalog import views

bp = Blueprint("catalog", __name__)

bp.record_once(views._install_page_cache)
bp.add_url_rule("/activities", view_func=views.index, methods=["GET"])
