"""Who may see what: checks on a user given as an argument (the web floor passes the
logged-in user; the view decorators are in :mod:`lms.web.access`).

Object-level checks (is this trainer one of this activity's trainers?) live next to the
feature, but always end in :func:`forbid_unless`, so a refusal looks the same everywhere.
"""

from __future__ import annotations

from typing import Any

from flask import abort

from lms.models import Role


def has_role(user: Any, *roles: Role) -> bool:
    """The user is logged in and holds at least one of ``roles``."""
    return bool(getattr(user, "is_authenticated", False) and user.has_role(*roles))


def forbid_unless(allowed: bool) -> None:
    """Abort with 403 when ``allowed`` is false."""
    if not allowed:
        abort(403)


def is_trainer_of(user: Any, activity: Any) -> bool:
    """The user runs this activity (or, for a module, its programme)."""
    if not getattr(user, "is_authenticated", False):
        return False
    trainer_ids = {t.id for t in activity.trainers}
    if activity.parent is not None:
        trainer_ids |= {t.id for t in activity.parent.trainers}
    return user.id in trainer_ids


def can_manage_activity(user: Any, activity: Any) -> bool:
    """Coordinators manage every activity; trainers the ones they run."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.has_role(Role.COORDINATOR) or is_trainer_of(user, activity)
