"""The URL table of ``lms.certificates``: its blueprint and the view each URL runs.

Imported only by :func:`lms.create_app`; the views themselves never import it.
"""

from __future__ import annotations

from flask import Blueprint

from lms.certificates import views

bp = Blueprint("certificates", __name__)

bp.add_url_rule("/certificates/verify", view_func=views.verify_form, methods=["GET"])
bp.add_url_rule("/certificates/verify/<code>", view_func=views.verify, methods=["GET"])
bp.add_url_rule("/certificates/<code>.pdf", view_func=views.pdf, methods=["GET"])
bp.add_url_rule("/my/learning-record", view_func=views.learning_record, methods=["GET"])
bp.add_url_rule(
    "/organisations/staff/<int:user_id>/learning-record",
    view_func=views.staff_learning_record,
    methods=["GET"],
)
bp.add_url_rule("/certificates/", view_func=views.index, methods=["GET"])
bp.add_url_rule(
    "/activities/<int:activity_id>/certificates", view_func=views.issue, methods=["POST"]
)
bp.add_url_rule("/certificates/<int:certificate_id>/keep", view_func=views.keep, methods=["POST"])
bp.add_url_rule("/certificates/<int:certificate_id>", view_func=views.detail, methods=["GET"])
bp.add_url_rule(
    "/certificates/<int:certificate_id>/revoke", view_func=views.revoke, methods=["POST"]
)
bp.add_url_rule(
    "/certificates/<int:certificate_id>/reissue", view_func=views.reissue, methods=["POST"]
)
