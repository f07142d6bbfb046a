"""What every page shares: login, error pages, navigation, template helpers, request log."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import (
    Flask,
    Response,
    g,
    has_app_context,
    has_request_context,
    jsonify,
    make_response,
    render_template,
    request,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_babel import get_domain, get_locale, get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import RateLimitExceeded
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError
from jinja2 import pass_eval_context
from markupsafe import Markup, escape
from sqlalchemy import bindparam, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from lms.common import display, locking, timeutil, vocabulary
from lms.common.errors import RuleError
from lms.common.urls import absolute_url
from lms.extensions import db
from lms.models import MAX_ID, Role, User, utcnow

request_log = logging.getLogger("lms.request")

FONT_SIZE_COOKIE = "fs"
FONT_SIZES = {"normal": _l("Normaal"), "large": _l("Groter"), "largest": _l("Grootst")}


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


def navigation_for(user: Any) -> list[NavItem]:
    authenticated = getattr(user, "is_authenticated", False)
    return [
        item for roles, item in NAVIGATION if not roles or (authenticated and user.has_role(*roles))
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


#: Title and sentence of each error page, translated when shown.
ERROR_TEXTS = {
    400: (_l("Ongeldige aanvraag"), _l("We konden deze aanvraag niet verwerken.")),
    401: (_l("Aanmelden vereist"), _l("Meld je aan om verder te gaan.")),
    403: (_l("Geen toegang"), _l("Je hebt geen toegang tot deze pagina.")),
    404: (_l("Niet gevonden"), _l("Deze pagina bestaat niet (meer).")),
    405: (_l("Niet toegestaan"), _l("Deze actie is hier niet mogelijk.")),
    409: (_l("Conflict"), _l("Dit kan niet in de huidige toestand.")),
    413: (_l("Te groot"), _l("Het bestand is te groot.")),
    422: (_l("Niet verwerkbaar"), _l("De gegevens zijn niet geldig.")),
    429: (
        _l("Even geduld"),
        _l("Te veel pogingen in korte tijd. Wacht een minuut en probeer opnieuw."),
    ),
    503: (
        _l("Even niet bereikbaar"),
        _l("Het leerplatform is even niet bereikbaar. Probeer het over enkele minuten opnieuw."),
    ),
    500: (
        _l("Er ging iets mis"),
        _l(
            "Er ging iets mis aan onze kant. Probeer het later opnieuw; blijft het "
            "misgaan, laat het ons weten."
        ),
    ),
}


def error_response(status: int, message: str | None = None) -> Response:
    """A Dutch error page, or ``{"error": …}`` for the API and JSON clients."""
    title, text = (str(part) for part in ERROR_TEXTS.get(status, ERROR_TEXTS[500]))
    text = str(message) if message else text
    if wants_json():
        response = jsonify(error=text)
    else:
        response = make_response(
            render_template("errors/error.html", status=status, title=title, text=text)
        )
    response.status_code = status
    return response


def refusal_response(error: RuleError) -> Response:
    """A refusal as an error page or ``{"error": …}`` with its status (and ``Retry-After``
    when trying again later helps)."""
    response = error_response(error.status, error.message)
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


#: Where :class:`SessionInterface` leaves the request's session for the hooks below.
_SESSION_KEY = "lms.session"


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, which also keeps the session it opened with the
    request, so the after-request hooks below can look at it: reading ``flask.session``
    would itself mark the session as used (and add ``Vary: Cookie``)."""

    def open_session(self, app: Flask, request: Any) -> SessionMixin | None:
        session = super().open_session(app, request)
        request.environ[_SESSION_KEY] = session
        return session

    def make_null_session(self, app: Flask) -> Any:
        session = super().make_null_session(app)
        if has_request_context():
            request.environ[_SESSION_KEY] = session
        return session


def _unmarked_session() -> SessionMixin | None:
    """The request's session, read without marking it as used."""
    return request.environ.get(_SESSION_KEY)


def _note_session_use(response: Response) -> Response:
    """Remember whether the view used the session, before Flask-Login's own hook reads it."""
    session = _unmarked_session()
    g.session_used_by_view = bool(session is not None and session.accessed)
    return response


def _keep_public_responses_shareable(response: Response) -> Response:
    """Undo the ``Vary: Cookie`` that Flask-Login's remember-cookie hook causes on every
    response, when neither the view nor that hook needed the session. Public responses
    (feeds, verification, health) then stay cacheable by shared caches.
    """
    session = _unmarked_session()
    if session is not None and not session.modified and "session_used_by_view" in g:
        session.accessed = g.session_used_by_view
    return response


def _translations() -> Any:
    """Flask-Babel's translations for the current locale, looked up once per request.

    Every ``_()`` in a template asks Flask-Babel, which resolves the context, the domain
    and the locale again on each call (about 10 µs; a catalogue page makes some 150 such
    calls). The answer only changes with the locale and the domain, so it is kept on
    ``g`` and reused while Flask-Babel answers with the same locale and domain objects
    (``force_locale`` and ``refresh`` replace them).
    """
    if not has_app_context():
        return get_translations()
    locale, domain = get_locale(), get_domain()
    cached = g.get("lms_translations")
    if cached is not None and cached[0] is locale and cached[1] is domain:
        return cached[2]
    translations = get_translations()
    if locale is not None:
        g.lms_translations = (locale, domain, translations)
    return translations


@pass_eval_context
def _template_gettext(eval_ctx: Any, __string: str, **variables: Any) -> str:
    """``_()``/``gettext()`` in templates: Jinja's "newstyle" gettext, in one call.

    Same result as Jinja's own wrapper around Flask-Babel (translated, marked safe when
    autoescaping, then ``%``-formatted with escaped variables), without its three nested
    context calls per string; formatting is skipped only where it cannot change anything
    (no variables and no ``%``).
    """
    rv = _translations().ugettext(__string)
    if eval_ctx.autoescape:
        rv = Markup(rv)  # noqa: S704 (a message id of ours, as Jinja's newstyle gettext)
    return rv % variables if variables or "%" in rv else rv


@pass_eval_context
def _template_ngettext(
    eval_ctx: Any, __singular: str, __plural: str, __num: int, **variables: Any
) -> str:
    """``ngettext()`` in templates, as :func:`_template_gettext` (``num`` is the count)."""
    variables.setdefault("num", __num)
    rv = _translations().ungettext(__singular, __plural, __num)
    if eval_ctx.autoescape:
        rv = Markup(rv)  # noqa: S704 (a message id of ours, as Jinja's newstyle gettext)
    return rv % variables


def _install_template_gettext(app: Flask) -> None:
    """The template gettext functions of Flask-Babel, cheaper: a template calls ``_()``
    some hundred times per page, and each call used to cost more than a card's HTML."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    # "_" is Jinja's alias that looks "gettext" up again on every call; both are the same
    # function here.
    app.jinja_env.globals.update(
        _=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext
    )


class IdConverter(IntegerConverter):
    """``<int:…>`` in URLs, kept within what an id column can hold (INTEGER: 32-bit signed
    on PostgreSQL). A larger number would overflow in the database driver (a 500); it
    becomes 0 instead, an id no row has, so each view answers its own 404. (Not werkzeug's
    ``max``: a value above it makes the rule not match, and the path then answers 405
    through a sibling rule.)"""

    def to_python(self, value: str) -> Any:
        number = super().to_python(value)
        return 0 if isinstance(number, int) and number > MAX_ID else number


#: The only non-API endpoints a Bearer API token authenticates (the PDF of a certificate,
#: whose link the API hands out).
BEARER_PAGE_ENDPOINTS = frozenset({"certificates.pdf"})


@cache
def _user_statement() -> Any:
    return select(User).where(User.id == bindparam("user_id")).options(joinedload(User.role_rows))


def init_web(app: Flask, login_manager: LoginManager) -> None:
    init_logging(app)
    # Before any blueprint is registered: every <int:…> rule uses the bounded converter.
    app.url_map.converters["int"] = IdConverter
    app.session_interface = SessionInterface()
    # After-request hooks run in reverse order of registration: this one runs last,
    # after Flask-Login's; _note_session_use (registered just after) runs right before it.
    app.after_request(_keep_public_responses_shareable)
    login_manager.init_app(app)
    app.after_request(_note_session_use)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Meld je aan om deze pagina te zien.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        user_id, _dot, version = session_id.partition(".")
        if not user_id.isdigit():
            return None
        # The person and their roles in one query (the menu and most views need both).
        user = (
            db.session.execute(_user_statement(), {"user_id": int(user_id)})
            .unique()
            .scalar_one_or_none()
        )
        if user is None or str(user.session_version) != version or not user.is_active:
            return None
        return user

    @login_manager.request_loader
    def load_user_from_token(req: Any) -> User | None:
        # An API token opens the API (which reads it itself, lms.api.auth) and the
        # certificate PDF it links to, nothing else: a leaked token must not open the
        # pages of a person's account.
        if req.endpoint not in BEARER_PAGE_ENDPOINTS:
            return None
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
            return jsonify(error=_("Authenticatie vereist.")), 401
        flash(str(login_manager.login_message), "info")
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

    @app.errorhandler(RuleError)
    def rule_error(error: RuleError) -> Any:
        """A refusal no view caught (an activity lock that timed out, for one): its own
        message and status, as a page or as JSON; nothing of the transaction is kept."""
        db.session.rollback()
        return refusal_response(error)

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> Any:
        db.session.rollback()
        if locking.is_lock_timeout(error):  # a lock waited for after the activity lock
            return refusal_response(locking.LockTimeoutError())
        app.logger.exception(
            "Unhandled error on %s %s", request.method, loggable_path(request.path)
        )
        return error_response(500)

    @app.context_processor
    def template_globals() -> dict[str, Any]:
        if not has_request_context():  # mail rendered by the worker or the CLI
            return {}
        size = request.cookies.get(FONT_SIZE_COOKIE, "normal")
        return {
            "nav_items": navigation_for(current_user),
            "font_size": size if size in FONT_SIZES else "normal",
            "font_sizes": FONT_SIZES,
            "Role": Role,
            "locale": str(get_locale() or "nl"),
        }

    _install_template_gettext(app)
    # Every number, amount, duration and date a template shows: lms/common/display.py.
    app.jinja_env.filters.update(
        date=display.display_date,
        short_date=display.display_short_date,
        time=timeutil.format_time,
        datetime=display.display_datetime,
        period=display.display_period,
        local=timeutil.to_local,
        money=display.money,
        number=display.number,
        pct=display.pct,
        percent=display.percent,
        rate=display.rate,
        duration=display.duration,
        hours=display.hours,
        iso_date=display.snapshot_date,
        link_contact=link_contact,
    )
    app.jinja_env.globals["contact_url"] = contact_url
    # The one vocabulary of statuses (lms/common/vocabulary.py), for templates/_status.html.
    app.jinja_env.globals["enrolment_label"] = vocabulary.enrolment_label
    app.jinja_env.globals["state_label"] = vocabulary.state_label

    @app.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _write_token_usage(response: Any) -> Any:
        """API token usage, written by this worker at most once a minute, after the
        response has gone out (never a write or commit inside the request)."""
        from lms.accounts.tokens import flush_token_usage, token_usage_due

        now = utcnow()
        if token_usage_due(now):
            engine = db.engine
            this_app = app
            response.call_on_close(lambda: flush_token_usage(engine, now, this_app))
        return response

    @app.after_request
    def _log_request(response: Any) -> Any:
        started = g.get("request_started")
        duration_ms = (time.perf_counter() - started) * 1000 if started else 0.0
        # Only a user already loaded by the view: reading current_user here would load the
        # session and add "Vary: Cookie" to public responses such as feeds. Its id comes
        # from the identity map: after the view's commit the object is expired, and any
        # attribute would load the row again.
        user = g.get("_login_user") or g.get("api_user")
        identity = sa_inspect(user).identity if isinstance(user, User) else None
        user_id = identity[0] if identity else "-"
        request_log.info(
            "method=%s path=%s status=%s duration_ms=%.1f user=%s",
            request.method,
            loggable_path(request.path),
            response.status_code,
            duration_ms,
            str(user_id).partition(".")[0],
        )
        return response


def loggable_path(path: str) -> str:
    """The path with any secret segment replaced, so logs never hold a token (the same
    rules as every other log text: :func:`redact_secrets`)."""
    return redact_secrets(path)


#: Secrets as they may appear inside any log text (a request line of the development
#: server or of a proxy, a URL in an error message): replaced by ``[redacted]``.
_SECRETS_IN_TEXT = (
    # API tokens (lms.accounts.tokens.TOKEN_PREFIX and its urlsafe body)
    (re.compile(r"sam_[A-Za-z0-9_-]{16,}"), "sam_[redacted]"),
    # a secret path segment (feed, password reset, seat offer, check-in)
    (
        re.compile(
            r"(/calendar/)(?!catalogue\.ics|subscribe\b)[^\s\"'?&/]+"
            r"|(/account/reset/|/enrolments/offer/|/checkin/)[^\s\"'?&]+"
        ),
        lambda m: (m.group(1) or m.group(2)) + "[redacted]",
    ),
    # certificate codes: in their public paths and wherever else they appear
    (
        re.compile(r"(/certificates/verify/)[^\s\"'?&/]+|(/certificates/)[^\s\"'?&/]+(?=\.pdf)"),
        lambda m: (m.group(1) or m.group(2)) + "[redacted]",
    ),
    (re.compile(r"\b[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3}\b"), "[redacted]"),
    # feed tokens (lms.calendar.tokens: 64 hex characters) wherever they stand, e.g. in
    # an exception's message
    (re.compile(r"(?<![0-9A-Fa-f])[0-9a-f]{64}(?![0-9A-Fa-f])"), "[redacted]"),
    # signed tokens (itsdangerous: password reset, address confirmation, invitations)
    (re.compile(r"\beyJ[A-Za-z0-9_-]{6,}(?:\.[A-Za-z0-9_-]+)*"), "[redacted]"),
    # secret query parameters, also URL-encoded inside ``next=…``
    (
        re.compile(r"((?:code|token|key|secret|password)(?:=|%3[dD]))[^&\s\"']+"),
        r"\1[redacted]",
    ),
)


def redact_secrets(text: str) -> str:
    """``text`` with every token, secret URL segment and secret parameter replaced."""
    for pattern, replacement in _SECRETS_IN_TEXT:
        text = pattern.sub(replacement, text)
    return text


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """``record`` with its message and traceback text passed through
    :func:`redact_secrets` (the message is formatted now, with its arguments)."""
    if getattr(record, "lms_redacted", False):
        return record
    record.lms_redacted = True
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it to logging's own error report
        return record
    cleaned = redact_secrets(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact_secrets(
            logging.Formatter().formatException(record.exc_info)  # type: ignore[arg-type]
        )
    return record


def install_redacting_record_factory() -> None:
    """Every log record of the process — our own lines, the unhandled-error traceback,
    the servers' request lines, any library's message — is redacted when it is made,
    whatever logger or handler writes it (once per process)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "lms_redacting", False):
        return

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(factory(*args, **kwargs))

    redacting_factory.lms_redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting_factory)


class RedactSecretsFilter(logging.Filter):
    """Rewrites a log record's message without secrets (for loggers whose messages we do
    not write ourselves: the development server's request lines, gunicorn's access log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


#: Loggers that write request lines with the full URL.
URL_LOGGERS = ("werkzeug", "gunicorn.access")


def init_logging(app: Flask) -> None:
    """Make the per-request line (INFO) reach the log, and keep secrets out of the
    request lines other components write."""
    lms_logger = logging.getLogger("lms")
    if lms_logger.level == logging.NOTSET:
        lms_logger.setLevel(logging.DEBUG if app.debug else logging.INFO)
    # Flask gives its logger (named like the app: "lms") a stderr handler when nothing
    # else would show its records; creating it now covers "lms.request" too.
    app.logger  # noqa: B018
    install_redacting_record_factory()
    for name in URL_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecretsFilter) for f in logger.filters):
            logger.addFilter(RedactSecretsFilter())


# --- "Neem contact op met SAM" -----------------------------------------------------------
# Refusals and errors are plain sentences written by the rules (for instance
# lms.enrolment.rules.cancel_refusal: "… neem dan contact op met SAM."), shown on pages,
# flashed and returned by the API. On a page the phrase becomes a link to the contact page
# (the template filter ``link_contact``); a mail gives the page's address (``contact_url()``).

#: The phrase that becomes a link: Dutch (the rules' message ids) and, per request, its
#: translation.
CONTACT_PHRASE = "contact op met SAM"


def contact_url() -> str:
    """The contact page's absolute address (for mail; works without a request)."""
    return absolute_url("contact.page")


def link_contact(text: Any) -> Markup:
    """``text`` (escaped unless it is already markup) with its first "contact op met SAM"
    (or the translation, e.g. "contact SAM") linked to the contact page."""
    html = str(escape(text))
    phrases = sorted({CONTACT_PHRASE, _("contact op met SAM")}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(str(escape(p))) for p in phrases), re.IGNORECASE)
    href = escape(url_for("contact.page"))
    linked = pattern.sub(lambda m: f'<a href="{href}">{m.group(0)}</a>', html, count=1)
    return Markup(linked)  # noqa: S704 (escaped above; only our own link is added)
