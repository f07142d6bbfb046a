"""The URL table of ``lms.calendar``: its blueprint and the view each URL runs.

Imported only by :func:`lms.create_app`; the views themselves never import it.
"""

from __future__ import annotations

from flask import Blueprint

from lms.calendar import views

bp = Blueprint("calendar", __name__)

bp.add_url_rule("/calendar/catalogue.ics", view_func=views.catalogue_feed, methods=["GET"])
bp.add_url_rule("/calendar/<token>.ics", view_func=views.personal_feed, methods=["GET"])
bp.add_url_rule(
    "/activities/<int:activity_id>/calendar.ics", view_func=views.activity_feed, methods=["GET"]
)
bp.add_url_rule("/sessions/<int:session_id>.ics", view_func=views.session_download, methods=["GET"])
bp.add_url_rule("/calendar/subscribe", view_func=views.subscription, methods=["GET", "POST"])
bp.add_url_rule("/agenda/<int:year>/<int:month>", view_func=views.agenda, methods=["GET"])
bp.add_url_rule("/agenda", view_func=views.agenda, methods=["GET"])
