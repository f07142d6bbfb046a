"""The URL table of ``lms.contact``: its blueprint and the view each URL runs.

Imported only by :func:`lms.create_app`; the views themselves never import it.
"""

from __future__ import annotations

from flask import Blueprint

from lms.contact import views

bp = Blueprint("contact", __name__)

bp.add_url_rule("/contact", view_func=views.page, methods=["GET"])
