"""The coordinators' pages (``/admin/…``): dashboard, offer, enrolments, mail, audit, users,
themes.

Every view of this blueprint is for coordinators only: :func:`_coordinators_only` runs
before each of them (anonymous → login, anyone else → 403), so no view can forget it.
The views are thin: forms in, the services of each feature do the rules, one commit per
request. This module holds what every admin view shares (the checks
:mod:`lms.admin.blueprint` runs before and after each request, the helpers) and the dashboard;
the other views live in the modules of this package, one per page group.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, request
from flask_login import current_user

from lms.models import Role, utcnow
from lms.web.redirects import safe_next


def _coordinators_only() -> Any:
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    if not current_user.has_role(Role.COORDINATOR):
        abort(403)
    return None


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


def dashboard() -> Any:
    from lms.admin.dashboard import attention

    return render_template("admin/dashboard.html", attention=attention(utcnow()))
