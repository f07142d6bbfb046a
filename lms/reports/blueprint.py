"""The URL table of ``lms.reports``: its blueprint and the view each URL runs.

Imported only by :func:`lms.create_app`; the views themselves never import it.
"""

from __future__ import annotations

from flask import Blueprint

from lms.reports import views

bp = Blueprint("reports", __name__, url_prefix="/reports")

bp.add_url_rule("/", view_func=views.index, methods=["GET"])
bp.add_url_rule("/activities", view_func=views.activity, methods=["GET"])
bp.add_url_rule("/activities.csv", view_func=views.activity_csv, methods=["GET"])
bp.add_url_rule("/activities.xlsx", view_func=views.activity_xlsx, methods=["GET"])
bp.add_url_rule("/activities/<int:activity_id>", view_func=views.activity_detail, methods=["GET"])
bp.add_url_rule("/period", view_func=views.period, methods=["GET"])
bp.add_url_rule("/period.csv", view_func=views.period_csv, methods=["GET"])
bp.add_url_rule("/period.xlsx", view_func=views.period_xlsx, methods=["GET"])
bp.add_url_rule("/billing", view_func=views.billing_page, methods=["GET"])
bp.add_url_rule("/billing.csv", view_func=views.billing_csv, methods=["GET"])
bp.add_url_rule("/billing.xlsx", view_func=views.billing_xlsx, methods=["GET"])
bp.add_url_rule(
    "/activities/<int:activity_id>/enrolments.csv",
    view_func=views.enrolments_csv,
    methods=["GET"],
)
bp.add_url_rule(
    "/activities/<int:activity_id>/enrolments.xlsx",
    view_func=views.enrolments_xlsx,
    methods=["GET"],
)
