"""The coordinators' pages (``/admin/…``): dashboard, offer, enrolments, mail, audit, users,
themes.

Every view of this blueprint is for coordinators only: :func:`_coordinators_only` runs
before each of them (anonymous → login, anyone else → 403), so no view can forget it.
The views are thin: forms in, the services of each feature do the rules, one commit per
request. The views themselves live in ``views_*`` modules registered on this blueprint.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from lms.models import Role, utcnow
from lms.redirects import safe_next

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _coordinators_only() -> Any:
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    if not current_user.has_role(Role.COORDINATOR):
        abort(403)
    return None


@bp.after_request
def _private(response: Any) -> Any:
    response.headers.setdefault("Cache-Control", "private, no-store")
    return response


def activity_or_404(activity_id: int) -> Any:
    from lms.activities.queries import activity_with_sessions

    activity = activity_with_sessions(activity_id)
    if activity is None:
        abort(404)
    return activity


def back_to(default: str) -> str:
    """Where to go after an action: the form's ``next`` when it is one of our pages."""
    target = safe_next(request.form.get("next") or request.args.get("next"))
    if target and target.startswith("/admin/"):
        return target
    return default


@bp.get("/")
def dashboard() -> Any:
    from lms.admin.dashboard import attention

    return render_template("admin/dashboard.html", attention=attention(utcnow()))


# The views, registered on ``bp`` (imported last: they import ``bp`` from here).
from lms.admin import (  # noqa: E402
    views_enrolments,  # noqa: F401
    views_import,  # noqa: F401
    views_mail,  # noqa: F401
    views_offer,  # noqa: F401
    views_themes,  # noqa: F401
    views_users,  # noqa: F401
)
