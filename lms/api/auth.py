"""API authentication and errors.

The API authenticates only by ``Authorization: Bearer <token>`` (and HTTP Basic to create
a token); a browser's session cookie is ignored, which is what makes exempting the API
from CSRF safe.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar

from flask import abort, g, jsonify, make_response, request
from flask_babel import gettext as _

from lms.accounts.tokens import find_api_token, user_for_api_token
from lms.common.errors import RuleError
from lms.extensions import db
from lms.models import ApiToken, Role, User

F = TypeVar("F", bound=Callable[..., Any])


def api_error(status: int, message: str, **extra: Any) -> NoReturn:
    """Stop with ``{"error": message}`` and ``status``."""
    response = make_response(jsonify(error=message, **extra), status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="SAM Leerplatform"'
    abort(response)


def refuse(error: RuleError, status: int | None = None, **extra: Any) -> NoReturn:
    """Stop with a rule's refusal: ``{"error": message, **extra}`` and the error's status
    (or ``status``), with ``Retry-After`` when trying again later helps (a lock timeout).
    Every API module answers a :class:`~lms.common.errors.RuleError` through this."""
    db.session.rollback()
    response = make_response(jsonify(error=error.message, **extra), status or error.status)
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    abort(response)


def bearer_token() -> str | None:
    scheme, _sp, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def current_api_user() -> User | None:
    """The user of the Bearer token of this request (cached on ``g``), or None."""
    if "api_user" not in g:
        token = bearer_token()
        g.api_user = user_for_api_token(token) if token else None
    return g.api_user


def current_api_token() -> ApiToken | None:
    token = bearer_token()
    return find_api_token(token) if token else None


def token_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_api_user() is None:
            api_error(401, _("Geldige API-sleutel vereist (Authorization: Bearer …)."))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def role_required(*roles: Role) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        @token_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_api_user().has_role(*roles):  # type: ignore[union-attr]
                api_error(403, _("Je hebt geen toegang tot deze actie."))
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400/422 error that says what is wrong."""
    if not request.is_json:
        api_error(415, _("Stuur JSON (Content-Type: application/json)."))
    data = request.get_json(silent=True)
    if data is None:
        api_error(400, _("De JSON in de aanvraag is ongeldig."))
    if not isinstance(data, dict):
        api_error(422, _("Verwacht een JSON-object."))
    return data
