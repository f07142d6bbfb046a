"""The URL table of ``lms.attendance``: its blueprint and the view each URL runs.

Imported only by :func:`lms.create_app`; the views themselves never import it.
"""

from __future__ import annotations

from flask import Blueprint

from lms.attendance import views

bp = Blueprint("attendance", __name__)

bp.add_url_rule("/my/sessions", view_func=views.my_sessions, methods=["GET"])
bp.add_url_rule(
    "/sessions/<int:session_id>/attendance", view_func=views.take, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/sessions/<int:session_id>/attendance/history", view_func=views.history, methods=["GET"]
)
bp.add_url_rule("/sessions/<int:session_id>/attendance.pdf", view_func=views.sheet, methods=["GET"])
bp.add_url_rule(
    "/activities/<int:activity_id>/attendance", view_func=views.overview, methods=["GET"]
)
bp.add_url_rule(
    "/activities/<int:activity_id>/attendance.csv", view_func=views.export_csv, methods=["GET"]
)
bp.add_url_rule(
    "/activities/<int:activity_id>/group-mail", view_func=views.group_mail, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/sessions/<int:session_id>/checkin", view_func=views.checkin_display, methods=["GET"]
)
bp.add_url_rule(
    "/sessions/<int:session_id>/checkin/state.json", view_func=views.checkin_state, methods=["GET"]
)
bp.add_url_rule("/checkin", view_func=views.checkin_form, methods=["GET", "POST"])
bp.add_url_rule("/checkin/<int:session_id>", view_func=views.checkin_scan, methods=["GET"])
bp.add_url_rule("/checkin/<int:session_id>/ok", view_func=views.checkin_done, methods=["GET"])
bp.add_url_rule(
    "/my/activities/<int:activity_id>/attendance", view_func=views.my_attendance, methods=["GET"]
)
