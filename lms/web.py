"""What every page shares: login, error pages, navigation, template helpers, request log."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from flask import (
    Flask,
    Response,
    g,
    has_request_context,
    jsonify,
    make_response,
    render_template,
    request,
)
from flask.globals import request_ctx
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from lms import timeutil
from lms.extensions import db
from lms.models import Role, User

request_log = logging.getLogger("lms.request")

FONT_SIZE_COOKIE = "fs"
FONT_SIZES = {"normal": "Normaal", "large": "Groter", "largest": "Grootst"}


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    values: tuple[tuple[str, Any], ...] = ()


#: The menu: an entry appears once its endpoint exists, for anyone (no roles) or for
#: users holding one of its roles.
NAVIGATION: tuple[tuple[tuple[Role, ...], NavItem], ...] = (
    ((), NavItem("catalog.index", "Aanbod")),
    ((Role.PARTICIPANT,), NavItem("enrolment.mine", "Mijn inschrijvingen")),
    ((Role.PARTICIPANT, Role.TRAINER), NavItem("calendar.agenda", "Mijn agenda")),
    ((Role.PARTICIPANT,), NavItem("certificates.learning_record", "Mijn leertraject")),
    ((Role.TRAINER,), NavItem("attendance.my_sessions", "Mijn sessies")),
    ((Role.ORGANISATION_CONTACT,), NavItem("organisations.staff", "Mijn organisatie")),
    ((Role.COORDINATOR,), NavItem("admin.dashboard", "Beheer")),
)


def navigation_for(app: Flask, user: Any) -> list[NavItem]:
    authenticated = getattr(user, "is_authenticated", False)
    return [
        item
        for roles, item in NAVIGATION
        if item.endpoint in app.view_functions
        and (not roles or (authenticated and user.has_role(*roles)))
    ]


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def wants_json() -> bool:
    if is_api_request():
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


ERROR_TEXTS = {
    400: ("Ongeldige aanvraag", "We konden deze aanvraag niet verwerken."),
    401: ("Aanmelden vereist", "Meld je aan om verder te gaan."),
    403: ("Geen toegang", "Je hebt geen toegang tot deze pagina."),
    404: ("Niet gevonden", "Deze pagina bestaat niet (meer)."),
    405: ("Niet toegestaan", "Deze actie is hier niet mogelijk."),
    409: ("Conflict", "Dit kan niet in de huidige toestand."),
    413: ("Te groot", "Het bestand is te groot."),
    422: ("Niet verwerkbaar", "De gegevens zijn niet geldig."),
    429: (
        "Even geduld",
        "Te veel pogingen in korte tijd. Wacht een minuut en probeer opnieuw.",
    ),
    500: (
        "Er ging iets mis",
        "Er ging iets mis aan onze kant. Probeer het later opnieuw; blijft het "
        "misgaan, laat het ons weten.",
    ),
}


def error_response(status: int, message: str | None = None) -> Response:
    """A Dutch error page, or ``{"error": …}`` for the API and JSON clients."""
    title, text = ERROR_TEXTS.get(status, ERROR_TEXTS[500])
    if wants_json():
        response = jsonify(error=message or text)
    else:
        response = make_response(
            render_template("errors/error.html", status=status, title=title, text=message or text)
        )
    response.status_code = status
    return response


def _note_session_use(response: Response) -> Response:
    """Remember whether the view used the session, before Flask-Login's own hook reads it."""
    session = request_ctx._session
    g.session_used_by_view = bool(session is not None and session.accessed)
    return response


def _keep_public_responses_shareable(response: Response) -> Response:
    """Undo the ``Vary: Cookie`` that Flask-Login's remember-cookie hook causes on every
    response, when neither the view nor that hook needed the session. Public responses
    (feeds, verification, health) then stay cacheable by shared caches.
    """
    session = request_ctx._session
    if session is not None and not session.modified and "session_used_by_view" in g:
        session.accessed = g.session_used_by_view
    return response


def init_web(app: Flask, login_manager: LoginManager) -> None:
    # After-request hooks run in reverse order of registration: this one runs last,
    # after Flask-Login's; _note_session_use (registered just after) runs right before it.
    app.after_request(_keep_public_responses_shareable)
    login_manager.init_app(app)
    app.after_request(_note_session_use)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Meld je aan om deze pagina te zien."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        user_id, _dot, version = session_id.partition(".")
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or str(user.session_version) != version or not user.is_active:
            return None
        return user

    @login_manager.request_loader
    def load_user_from_token(req: Any) -> User | None:
        header = req.headers.get("Authorization", "")
        scheme, _sp, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        from lms.accounts.tokens import user_for_api_token

        # Shared with lms.api.auth.current_api_user: one token lookup per request.
        if "api_user" not in g:
            g.api_user = user_for_api_token(token.strip())
        return g.api_user

    @login_manager.unauthorized_handler
    def unauthorized() -> Any:
        from flask import flash, redirect, url_for

        if wants_json() or request.authorization is not None:
            return jsonify(error="Authenticatie vereist."), 401
        flash(login_manager.login_message, "info")
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        status = error.code or 500
        # A description given to abort() is ours (Dutch); Werkzeug's defaults are English,
        # and so is a rate limit's unless the limit carries its own message.
        custom = error.description != type(error).description
        if isinstance(error, RateLimitExceeded):
            custom = bool(error.limit.error_message)
        response = error_response(status, error.description if custom else None)
        for name, value in error.get_headers():
            if name.lower() in ("allow", "www-authenticate", "retry-after"):
                response.headers[name] = value
        if status == 429:
            response.headers["Retry-After"] = "60"
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> Any:
        return error_response(
            400,
            _(
                "Het formulier is verlopen of niet van deze site afkomstig. "
                "Laad de pagina opnieuw en probeer nog eens."
            ),
        )

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> Any:
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500)

    @app.context_processor
    def template_globals() -> dict[str, Any]:
        if not has_request_context():  # mail rendered by the worker or the CLI
            return {"has_endpoint": lambda endpoint: endpoint in app.view_functions}
        size = request.cookies.get(FONT_SIZE_COOKIE, "normal")
        return {
            "nav_items": navigation_for(app, current_user),
            "font_size": size if size in FONT_SIZES else "normal",
            "font_sizes": FONT_SIZES,
            "has_endpoint": lambda endpoint: endpoint in app.view_functions,
            "Role": Role,
            "locale": str(get_locale() or "nl"),
        }

    app.jinja_env.filters.update(
        date=timeutil.format_date,
        short_date=timeutil.format_short_date,
        time=timeutil.format_time,
        datetime=timeutil.format_datetime,
        period=timeutil.format_period,
        local=timeutil.to_local,
        money=format_money,
    )

    @app.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response: Any) -> Any:
        started = g.get("request_started")
        duration_ms = (time.perf_counter() - started) * 1000 if started else 0.0
        # Only a user already loaded by the view: reading current_user here would load the
        # session and add "Vary: Cookie" to public responses such as feeds.
        user = g.get("_login_user")
        user_id = user.get_id() if user is not None and user.is_authenticated else "-"
        request_log.info(
            "method=%s path=%s status=%s duration_ms=%.1f user=%s",
            request.method,
            loggable_path(request.path),
            response.status_code,
            duration_ms,
            str(user_id).partition(".")[0],
        )
        return response


#: Path prefixes whose next segment is a secret (feed tokens, reset tokens, offer tokens).
SECRET_PATH_PREFIXES = (
    "/calendar/",
    "/account/reset/",
    "/enrolments/offer/",
    "/checkin/",
)


def loggable_path(path: str) -> str:
    """The path with any secret segment replaced, so logs never hold a token."""
    for prefix in SECRET_PATH_PREFIXES:
        if path.startswith(prefix):
            rest = path[len(prefix) :]
            if rest in ("catalogue.ics", "", "subscribe"):
                return path
            return prefix + "[redacted]"
    return path


def format_money(value: Any) -> str:
    """``€ 45,00`` (Belgian notation); ``gratis`` for zero."""
    if value is None or value == 0:
        return "gratis"
    return "€ " + f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
