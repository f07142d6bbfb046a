"""Role checks as view decorators: they read the logged-in user of the request.

The checks themselves take the user as an argument (:mod:`lms.access`), so services and
the API can ask them too; these decorators pass them ``current_user``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask_login import current_user, login_required

from lms.access import forbid_unless, has_role
from lms.models import Role

F = TypeVar("F", bound=Callable[..., Any])


def role_required(*roles: Role) -> Callable[[F], F]:
    """The view needs a logged-in user holding at least one of ``roles`` (else 403)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            forbid_unless(has_role(current_user, *roles))
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


coordinator_required = role_required(Role.COORDINATOR)
