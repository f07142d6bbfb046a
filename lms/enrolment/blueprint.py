"""The URL tables of ``lms.enrolment``: its blueprint and, for the intake step of
enrolling, ``intake_bp`` (endpoints ``intake_answers.…``), with the view each URL runs.

Imported only by :func:`lms.create_app`; the views themselves never import it.
"""

from __future__ import annotations

from flask import Blueprint

from lms.enrolment import views
from lms.enrolment.views import intake

bp = Blueprint("enrolment", __name__)

bp.add_url_rule(
    "/activities/<int:activity_id>/enrol", view_func=views.enrol, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/activities/<int:activity_id>/enrol/confirm",
    view_func=views.confirm_paid,
    methods=["GET", "POST"],
)
bp.add_url_rule("/activities/<int:activity_id>", view_func=views.activity, methods=["GET"])
bp.add_url_rule(
    "/activities/<int:activity_id>/enrol-colleague",
    view_func=views.enrol_colleague,
    methods=["POST"],
)
bp.add_url_rule("/my/enrolments", view_func=views.mine, methods=["GET"])
bp.add_url_rule(
    "/my/enrolments/<int:enrolment_id>/cancel", view_func=views.cancel, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/my/enrolments/<int:enrolment_id>/accept", view_func=views.accept, methods=["POST"]
)
bp.add_url_rule(
    "/my/enrolments/<int:enrolment_id>/decline", view_func=views.decline, methods=["POST"]
)
bp.add_url_rule("/enrolments/offer/<token>", view_func=views.offer, methods=["GET", "POST"])
bp.add_url_rule(
    "/enrolments/offer-done/<int:activity_id>", view_func=views.offer_done, methods=["GET"]
)


intake_bp = Blueprint("intake_answers", __name__)

intake_bp.add_url_rule(
    "/activities/<int:activity_id>/intake", view_func=intake.form, methods=["GET", "POST"]
)
