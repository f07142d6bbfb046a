"""The URL table of ``lms.accounts``: its blueprint and the view each URL runs.

Imported only by :func:`lms.create_app`; the views themselves never import it.
"""

from __future__ import annotations

from flask import Blueprint

from lms.accounts import views
from lms.accounts.views import colleagues

bp = Blueprint("accounts", __name__, url_prefix="/account")

bp.add_url_rule("/login", view_func=views.login, methods=["GET", "POST"])
bp.add_url_rule("/logout", view_func=views.logout, methods=["POST"])
bp.add_url_rule("/register", view_func=views.register, methods=["GET", "POST"])
bp.add_url_rule("/check-mail", view_func=views.check_mail, methods=["GET"])
bp.add_url_rule("/verify/<token>", view_func=views.verify_email, methods=["GET", "POST"])
bp.add_url_rule("/verify/<token>/not-me", view_func=views.withdraw_registration, methods=["POST"])
bp.add_url_rule("/verify", view_func=views.resend_verification, methods=["GET", "POST"])
bp.add_url_rule("/welcome/<token>", view_func=views.accept_invitation, methods=["GET", "POST"])
bp.add_url_rule("/email", view_func=views.change_email, methods=["GET", "POST"])
bp.add_url_rule("/forgot", view_func=views.forgot_password, methods=["GET", "POST"])
bp.add_url_rule("/reset/<token>", view_func=views.reset_password, methods=["GET", "POST"])
bp.add_url_rule("/", view_func=views.profile, methods=["GET", "POST"])
bp.add_url_rule("/password", view_func=views.change_password, methods=["GET", "POST"])
bp.add_url_rule("/tokens", view_func=views.create_token, methods=["POST"])
bp.add_url_rule("/tokens/<int:token_id>/revoke", view_func=views.revoke_token, methods=["POST"])
bp.add_url_rule(
    "/colleagues/invite", view_func=colleagues.invite_colleague, methods=["GET", "POST"]
)
