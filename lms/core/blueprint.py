"""The URL table of ``lms.core``: its blueprint and the view each URL runs.

Imported only by :func:`lms.create_app`; the views themselves never import it.
"""

from __future__ import annotations

from flask import Blueprint

from lms.core import views

bp = Blueprint("core", __name__)

bp.add_url_rule("/", view_func=views.index, methods=["GET"])
bp.add_url_rule("/healthz", view_func=views.healthz, methods=["GET"])
bp.add_url_rule("/preferences/font-size", view_func=views.font_size, methods=["POST"])
bp.add_url_rule("/preferences/choose-font-size", view_func=views.font_size_link, methods=["GET"])
bp.add_url_rule("/preferences/language", view_func=views.language, methods=["POST"])
bp.add_url_rule("/preferences/choose-language", view_func=views.language_link, methods=["GET"])
