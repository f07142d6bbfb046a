"""Who may see what: role checks for views, used by every blueprint.

Object-level checks (is this trainer one of this activity's trainers?) live next to the
feature, but always end in :func:`forbid_unless`, so a refusal looks the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from lms.models import Role

F = TypeVar("F", bound=Callable[..., Any])


def role_required(*roles: Role) -> Callable[[F], F]:
    """The view needs a logged-in user holding at least one of ``roles`` (else 403)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


coordinator_required = role_required(Role.COORDINATOR)


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
