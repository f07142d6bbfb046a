"""The URL table of ``lms.admin``, the coordinators' pages: its blueprint, the checks every
one of its requests passes (coordinators only, never cached) and the view each URL runs.

Imported only by :func:`lms.create_app`; the views themselves never import it.
"""

from __future__ import annotations

from flask import Blueprint

from lms.admin import views
from lms.admin.views import enrolments, imports, mail, offer, themes, users

bp = Blueprint("admin", __name__, url_prefix="/admin")

bp.before_request(views._coordinators_only)
bp.after_request(views._private)
bp.add_url_rule("/", view_func=views.dashboard, methods=["GET"])

bp.add_url_rule(
    "/activities/<int:activity_id>/enrolments", view_func=enrolments.enrolments, methods=["GET"]
)
bp.add_url_rule("/requests", view_func=enrolments.requests, methods=["GET"])
bp.add_url_rule(
    "/enrolments/<int:enrolment_id>/approve", view_func=enrolments.approve, methods=["POST"]
)
bp.add_url_rule(
    "/enrolments/<int:enrolment_id>/promote", view_func=enrolments.promote, methods=["POST"]
)
bp.add_url_rule(
    "/enrolments/<int:enrolment_id>/move-up", view_func=enrolments.move_up, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/enrolments/<int:enrolment_id>/reject", view_func=enrolments.reject, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/enrolments/<int:enrolment_id>/cancel", view_func=enrolments.cancel, methods=["GET", "POST"]
)
bp.add_url_rule("/enrolments/<int:enrolment_id>", view_func=enrolments.enrolment, methods=["GET"])
bp.add_url_rule(
    "/activities/<int:activity_id>/enrol", view_func=enrolments.enrol, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/activities/<int:activity_id>/mail",
    view_func=enrolments.mail_participants,
    methods=["GET", "POST"],
)

bp.add_url_rule("/users/import", view_func=imports.users_import, methods=["GET", "POST"])
bp.add_url_rule("/users/import/<token>", view_func=imports.users_import_job, methods=["GET"])
bp.add_url_rule(
    "/users/import/<token>/confirm", view_func=imports.users_import_confirm, methods=["POST"]
)
bp.add_url_rule(
    "/users/import/<token>/status.json", view_func=imports.users_import_status, methods=["GET"]
)
bp.add_url_rule(
    "/users/import/<token>/report.csv", view_func=imports.users_import_report, methods=["GET"]
)

bp.add_url_rule("/mail", view_func=mail.mail, methods=["GET"])
bp.add_url_rule("/mail/<int:mail_id>", view_func=mail.mail_detail, methods=["GET"])
bp.add_url_rule("/mail/<int:mail_id>/retry", view_func=mail.mail_retry, methods=["POST"])
bp.add_url_rule("/mail/<int:mail_id>/abort", view_func=mail.mail_abort, methods=["POST"])
bp.add_url_rule("/audit", view_func=mail.audit, methods=["GET"])

bp.add_url_rule("/activities", view_func=offer.activities_list, methods=["GET"])
bp.add_url_rule("/activities/new", view_func=offer.activity_new, methods=["GET", "POST"])
bp.add_url_rule(
    "/activities/<int:activity_id>/edit", view_func=offer.activity_edit, methods=["GET", "POST"]
)
bp.add_url_rule("/activities/<int:activity_id>", view_func=offer.activity, methods=["GET"])
bp.add_url_rule(
    "/activities/<int:activity_id>/publish", view_func=offer.activity_publish, methods=["POST"]
)
bp.add_url_rule(
    "/activities/<int:activity_id>/unpublish", view_func=offer.activity_unpublish, methods=["POST"]
)
bp.add_url_rule(
    "/activities/<int:activity_id>/archive", view_func=offer.activity_archive, methods=["POST"]
)
bp.add_url_rule(
    "/activities/<int:activity_id>/cancel", view_func=offer.activity_cancel, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/activities/<int:activity_id>/trainers",
    view_func=offer.activity_trainers,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/activities/<int:activity_id>/copy", view_func=offer.activity_copy, methods=["GET", "POST"]
)

bp.add_url_rule("/themes", view_func=themes.themes, methods=["GET", "POST"])
bp.add_url_rule("/themes/<int:theme_id>", view_func=themes.theme, methods=["GET", "POST"])

bp.add_url_rule("/users", view_func=users.users_list, methods=["GET"])
bp.add_url_rule("/users/new", view_func=users.user_new, methods=["GET", "POST"])
bp.add_url_rule("/users/<int:user_id>", view_func=users.user, methods=["GET", "POST"])
bp.add_url_rule(
    "/users/<int:user_id>/deactivate", view_func=users.user_deactivate, methods=["POST"]
)
bp.add_url_rule(
    "/users/<int:user_id>/reactivate", view_func=users.user_reactivate, methods=["POST"]
)
