"""The catalogue page answered in front of Flask: whole for visitors, framed for members.

**Visitors** (no session cookie) get the same page as every other visitor with the same
language, text size and URL. Once :func:`lms.catalog.views.index` has rendered it, it
marks the response as shareable (``environ[SHAREABLE]``: the cache key and the
:class:`lms.catalog.cache.Entry` with the fingerprint and expiry it was rendered under),
and this WSGI middleware keeps the complete response — status, every header the
application added (security headers included), body. The next such request is answered
here after one query, the offer's version (:data:`lms.catalog.cache.FINGERPRINT_SQL`):
not a line of Flask, its extensions or Jinja runs for it.

**Signed-in people** get a page in three parts: the content block (the cards, the same
for everyone with that language and URL, kept by the view in
:func:`lms.catalog.cache.render_cache` under the offer's version), their own statuses
on the cards ("Jij: ingeschreven") and the frame around it (header with their name and
menu, footer with the preference forms: the same for that person, language, text size
and URL, whatever the offer). Here, the session cookie is read as Flask reads it
(signature, age, Flask-Login's session protection), then **one query** answers the
offer's version, the person (session version, active, name, language), their roles and
their active enrolments (:data:`IDENTITY_SQL`). When the content block is kept under
that version and the frame under that person, the page is put together here with a
fresh CSRF token (Flask-WTF's own signing) and sent ``private, no-store``. Anything
unusual — a session that fails to load or carries other keys (a flashed message, a
remember-me request), a person no longer active, a missing part — and Flask answers as
usual (and the view hands back the parts it rendered: ``environ[FRAME]``).

Why here and not in the view: on a page that never changes between two commits, Flask's
own request handling (context, session, login, rate limits, security headers) costs more
than the rest, and it would add up to the same bytes every time.

Any other path, a method other than GET/HEAD, an ``Authorization`` header: Flask.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from flask import Flask
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.engine import Engine
from werkzeug.http import parse_cookie

from lms.catalog.cache import (
    FINGERPRINT_SQL,
    MAX_AGE,
    Entry,
    Fingerprint,
    RenderCache,
    triggers_present,
)
from lms.models import utcnow
from lms.models.enrolment import ACTIVE_STATUSES

log = logging.getLogger(__name__)
request_log = logging.getLogger("lms.request")

#: The environ key through which the view hands over a shareable page.
SHAREABLE = "lms.catalogue.shareable"
#: The environ key of the page's cache key, computed here, for the view.
PAGE_KEY = "lms.catalogue.page_key"
#: The environ key of the version read here, for the view.
VERSION = "lms.catalogue.version"
#: The environ key of a signed-in person's frame key, computed here, for the view.
FRAME_KEY = "lms.catalogue.frame_key"
#: The environ key through which the view hands over a signed-in person's frame.
FRAME = "lms.catalogue.frame"
PATH = "/activities"
#: An activity's page (``enrolment.activity``): kept whole for visitors, like the catalogue.
ACTIVITY_PATH = re.compile(r"/activities/[1-9][0-9]{0,9}")
#: Where the content block goes in a frame (never in any text a person writes: ASCII
#: only, and the page escapes whatever people write).
CONTENT_MARKER = "<!--lms-catalogue-content-->"
#: Where a frame gets this request's CSRF token.
CSRF_MARKER = "lms-csrf-token-placeholder"
#: Where a card shows the person's own status (templates/catalog/_card.html).
MINE_MARKER = re.compile(r"<!--lms-mine-(\d+)-->")
#: Session keys a plain signed-in session has (Flask-Login's and Flask-WTF's). Anything
#: else (a flashed message, ``_remember``, ``_permanent``…) makes Flask answer.
PLAIN_SESSION_KEYS = frozenset({"_user_id", "_fresh", "_id", "csrf_token"})
#: Headers never replayed from a stored response.
_NOT_REPLAYED = frozenset({"set-cookie", "date", "content-length"})
#: Headers a 304 repeats (RFC 9110 §15.4.5).
_IN_304 = frozenset({"etag", "cache-control", "vary", "expires", "content-location"})
#: Frames are rendered again after this long whatever happens (the offer's version does
#: not concern them: nothing in the header or footer comes from the offer).
FRAME_MAX_AGE = MAX_AGE
_NO_FINGERPRINT: Fingerprint = (0, 0, 0)
#: A CSRF token is reused for this long within a session (see ``_csrf_token``).
TOKEN_REUSE_SECONDS = 60
#: Bound of the verified-session and token memories (emptied when reached).
_REMEMBERED = 10_000

#: The offer's version, the person, their roles and their active enrolments in one round
#: trip (one statement, so one snapshot). ``{p}`` is the driver's placeholder, the user id.
#: Columns: kind, three numbers, one text; the same types in every branch (PostgreSQL).
IDENTITY_SQL = (  # constants only: the statuses are our own enum's values
    "SELECT 'v', CAST(count(slot) AS BIGINT), CAST(coalesce(sum(version), 0) AS BIGINT), "  # noqa: S608
    "CAST(coalesce(sum(epoch), 0) AS BIGINT), CAST(NULL AS VARCHAR(200)) "
    "FROM catalogue_version "
    "UNION ALL SELECT 'u', CAST(session_version AS BIGINT), "
    "CAST(CASE WHEN active AND erased_at IS NULL THEN 1 ELSE 0 END AS BIGINT), "
    "CAST(0 AS BIGINT), name FROM users WHERE id = {p} "
    "UNION ALL SELECT 'l', 0, 0, 0, locale FROM users WHERE id = {p} "
    "UNION ALL SELECT 'r', 0, 0, 0, role FROM user_roles WHERE user_id = {p} "
    "UNION ALL SELECT 'e', CAST(activity_id AS BIGINT), 0, 0, status FROM enrolments "
    "WHERE user_id = {p} AND status IN ("
    + ", ".join(f"'{status.value}'" for status in ACTIVE_STATUSES)
    + ")"
)
_IDENTITY_PARAMETERS = IDENTITY_SQL.count("{p}")
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
#: Called with each statement this module sends itself (on the DBAPI connection, so
#: SQLAlchemy's events do not see it): the tests count queries through it.
QUERY_LISTENERS: list[Callable[[str], None]] = []


@dataclass(frozen=True)
class StoredPage:
    """A complete response, valid under ``entry``'s fingerprint and until its expiry."""

    entry: Entry
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def fingerprint(self) -> Fingerprint:
        return self.entry.fingerprint

    @property
    def expires_at(self) -> Any:
        return self.entry.expires_at


@dataclass(frozen=True)
class Frame:
    """A signed-in person's page around the content block, rendered by the view.

    ``badges`` holds the "Jij: …" label per enrolment status in the page's language, so
    that the statuses can be filled in without Flask-Babel."""

    before: str
    after: str
    badges: Mapping[str, str]
    page_number: int


@dataclass(frozen=True)
class StoredFrame:
    """A frame with the status and headers Flask sent it with (security headers…)."""

    frame: Frame
    status: str
    headers: tuple[tuple[str, str], ...]
    expires_at: datetime
    fingerprint: Fingerprint = _NO_FINGERPRINT
    body: str = field(default="", repr=False)  # for the cache's byte count only


@dataclass(frozen=True)
class Identity:
    """What the one query of a signed-in request tells (see :data:`IDENTITY_SQL`)."""

    version: Fingerprint
    found: bool
    session_version: int
    active: bool
    name: str
    locale: str | None
    roles: tuple[str, ...]
    statuses: dict[int, str]


def compose(frame: Frame, content: str, statuses: Mapping[int, str], token: str) -> str:
    """The signed-in page: the frame with this request's CSRF token around the content
    block with the person's own statuses (the same bytes whichever side composes it)."""
    texts, ids, plain = _segments(content)
    if statuses:
        parts = [texts[0]]
        for activity_id, text in zip(ids, texts[1:], strict=True):
            status = statuses.get(activity_id)
            parts.append(frame.badges.get(status, "") if status is not None else "")
            parts.append(text)
        body = "".join(parts)
    else:
        body = plain
    return "".join(
        (frame.before.replace(CSRF_MARKER, token), body, frame.after.replace(CSRF_MARKER, token))
    )


@lru_cache(maxsize=256)
def _segments(content: str) -> tuple[tuple[str, ...], tuple[int, ...], str]:
    """A content block cut at its status markers: the texts between them, the activity
    of each marker, and the whole without markers (cut once per kept block: the same
    string object comes back from the cache on every request)."""
    pieces = MINE_MARKER.split(content)
    texts = tuple(pieces[0::2])
    return texts, tuple(int(value) for value in pieces[1::2]), "".join(texts)


def split_frame(html: str) -> tuple[str, str] | None:
    """A page rendered with :data:`CONTENT_MARKER` as content, cut around it."""
    before, marker, after = html.partition(CONTENT_MARKER)
    if not marker or CONTENT_MARKER in after:
        return None
    return before, after


def page_key(environ: dict[str, Any], languages: Iterable[str], default_language: str) -> tuple:
    """What the page of a visitor without a session varies by (see the module docstring)."""
    cookies = parse_cookie(environ)
    language = cookies.get("lang")
    if language not in languages:
        language = default_language
    return ("page", *_url_part(environ), language, _font_size(cookies))


def _url_part(environ: dict[str, Any]) -> tuple[str, ...]:
    return (
        environ.get("wsgi.url_scheme", ""),
        environ.get("HTTP_X_FORWARDED_PROTO", ""),
        environ.get("HTTP_HOST", ""),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
    )


def _font_size(cookies: Mapping[str, str]) -> str:
    from lms.web import FONT_SIZE_COOKIE, FONT_SIZES

    size = cookies.get(FONT_SIZE_COOKIE)
    return size if size in FONT_SIZES else "normal"


def session_identifier(environ: dict[str, Any]) -> str:
    """Flask-Login's identifier of the client (``flask_login.utils._create_identifier``),
    from the environ: the first X-Forwarded-For address or the peer, and the user agent."""
    return _identifier(
        environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR")),
        environ.get("HTTP_USER_AGENT"),
    )


@lru_cache(maxsize=4096)
def _identifier(address: Any, agent: Any) -> str:
    if address is not None:
        address = address.encode("utf-8").split(b",")[0].strip()
    if agent is not None:
        agent = agent.encode("utf-8")
    return hashlib.sha512(f"{address}|{agent}".encode()).hexdigest()


class CataloguePageCache:
    """WSGI middleware: see the module docstring."""

    def __init__(
        self,
        wsgi_app: Callable[..., Any],
        app: Flask,
        pages: RenderCache,
        contents: RenderCache | None = None,
        frames: RenderCache | None = None,
    ) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self.pages = pages  # of StoredPage
        self.contents = contents  # of Entry (the view's content blocks)
        self.frames = frames  # of StoredFrame
        self._engine: Engine | None = None
        self._identity_sql: str | None = None
        self._local = threading.local()
        self._serializers: tuple[Any, URLSafeTimedSerializer, int] | None = None
        #: Session cookies already verified: value → (contents, valid until, epoch s).
        self._sessions: dict[str, tuple[dict[str, Any], float]] = {}
        #: CSRF tokens signed lately: the session's secret → (token, signed at).
        self._tokens: dict[str, tuple[str, float]] = {}

    # --- WSGI -------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO") or ""
        catalogue = path == PATH
        if (
            not (catalogue or ACTIVITY_PATH.fullmatch(path))
            or environ.get("REQUEST_METHOD") not in ("GET", "HEAD")
            or "HTTP_AUTHORIZATION" in environ
        ):
            return self.wsgi_app(environ, start_response)
        config = self.app.config
        header = environ.get("HTTP_COOKIE", "")
        session_name = config["SESSION_COOKIE_NAME"]
        remember_name = config.get("REMEMBER_COOKIE_NAME", "remember_token")
        if f"{session_name}=" in header:
            if not catalogue:  # a signed-in person's activity page: Flask
                return self.wsgi_app(environ, start_response)
            return self._signed_in(environ, start_response, session_name)
        if f"{remember_name}=" in header:
            return self.wsgi_app(environ, start_response)  # Flask-Login signs them in
        return self._visitor(environ, start_response)

    def _visitor(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.perf_counter()
        key = page_key(
            environ, self.app.config["LANGUAGES"], self.app.config["BABEL_DEFAULT_LOCALE"]
        )
        # For the view, which files the page under it: computed here, before ProxyFix
        # rewrites the scheme, so that the next request finds it under the same key.
        environ[PAGE_KEY] = key
        if key in self.pages:
            version = self._fingerprint()
            stored = self.pages.get(key, version, utcnow()) if version is not None else None
            if stored is not None:
                return self._replay(stored, environ, start_response, started)  # type: ignore[arg-type]
            # Read before anything is rendered: the view may use it instead of reading again.
            environ[VERSION] = version
        return self._through_flask(environ, start_response)

    def _signed_in(
        self, environ: dict[str, Any], start_response: Callable[..., Any], session_name: str
    ) -> Any:
        started = time.perf_counter()
        if self.contents is None or self.frames is None:
            return self.wsgi_app(environ, start_response)
        cookies = parse_cookie(environ)
        data = self._session(cookies.get(session_name))
        if data is None or data.get("_id") != session_identifier(environ):
            return self.wsgi_app(environ, start_response)
        user_id, _dot, session_version = str(data["_user_id"]).partition(".")
        if not user_id.isdigit():
            return self.wsgi_app(environ, start_response)
        identity = self._identity(int(user_id))
        if (
            identity is None
            or not identity.found
            or not identity.active
            or str(identity.session_version) != session_version
        ):
            return self.wsgi_app(environ, start_response)
        config = self.app.config
        languages = config["LANGUAGES"]
        if identity.locale in languages:
            locale = identity.locale
        else:
            chosen = cookies.get("lang")
            locale = chosen if chosen in languages else config["BABEL_DEFAULT_LOCALE"]
        frame_key = (
            "frame",
            int(user_id),
            identity.session_version,
            identity.name,
            identity.roles,
            locale,
            _font_size(cookies),
            *_url_part(environ),
        )
        # Read before anything is rendered (as for visitors), and the key for the view.
        environ[VERSION] = identity.version
        environ[FRAME_KEY] = frame_key
        now = utcnow()
        query = environ.get("QUERY_STRING", "").encode("latin-1")
        content = self.contents.get(("content", locale, query), identity.version, now)
        stored = self.frames.get(frame_key, _NO_FINGERPRINT, now) if content else None
        if content is None or stored is None:
            return self._through_flask(environ, start_response)
        frame: Frame = stored.frame  # type: ignore[attr-defined]
        if frame.page_number != content.page_number:
            return self._through_flask(environ, start_response)
        token = self._csrf_token(data["csrf_token"])
        body = compose(frame, content.body, identity.statuses, token).encode()
        headers = [(n, v) for n, v in stored.headers if n.lower() not in _NOT_REPLAYED]  # type: ignore[attr-defined]
        headers.append(("Content-Length", str(len(body))))
        start_response(stored.status, headers)  # type: ignore[attr-defined]
        self._log(environ, 200, started, user_id)
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]

    def _through_flask(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        chunks = self.wsgi_app(environ, capture)
        shareable = environ.get(SHAREABLE)
        framed = environ.get(FRAME)
        status = str(captured.get("status", ""))
        if (
            (shareable is None and framed is None)
            or environ.get("REQUEST_METHOD") != "GET"
            or status[:3] != "200"
        ):
            return chunks
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        headers = tuple(captured["headers"])
        if not any(name.lower() == "set-cookie" for name, _value in headers):
            if shareable is not None:
                key, entry = shareable
                self.pages.put(key, StoredPage(entry, status, headers, body))  # type: ignore[arg-type]
            elif framed is not None and self.frames is not None:
                key, frame = framed
                expires_at = utcnow() + FRAME_MAX_AGE
                stored = StoredFrame(
                    frame, status, headers, expires_at, body=frame.before + frame.after
                )
                self.frames.put(key, stored)  # type: ignore[arg-type]
        return [body]

    def _replay(
        self,
        stored: StoredPage,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
        started: float,
    ) -> Any:
        if stored.entry.etag in environ.get("HTTP_IF_NONE_MATCH", ""):
            headers = [(n, v) for n, v in stored.headers if n.lower() in _IN_304]
            start_response("304 NOT MODIFIED", headers)
            self._log(environ, 304, started)
            return []
        headers = [(n, v) for n, v in stored.headers if n.lower() not in _NOT_REPLAYED]
        headers.append(("Content-Length", str(len(stored.body))))
        start_response(stored.status, headers)
        self._log(environ, 200, started)
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [stored.body]

    # --- The session, as Flask, Flask-Login and Flask-WTF read it ------------------------

    def _session(self, value: str | None) -> dict[str, Any] | None:
        """The session's contents if it is a plain signed-in one (see
        :data:`PLAIN_SESSION_KEYS`), else None: Flask then reads it itself."""
        if not value:
            return None
        known = self._sessions.get(value)
        if known is not None and time.time() < known[1]:
            data = known[0]
        else:
            session_serializer, _csrf, max_age = self._signing()
            try:
                data, signed_at = session_serializer.loads(
                    value, max_age=max_age, return_timestamp=True
                )
            except BadSignature:
                return None
            if len(self._sessions) >= _REMEMBERED:
                self._sessions.clear()
            # The same cookie verifies the same way until it is too old.
            self._sessions[value] = (data, signed_at.timestamp() + max_age)
        if (
            not isinstance(data, dict)
            or not data.keys() <= PLAIN_SESSION_KEYS
            or "_user_id" not in data
            or not isinstance(data.get("csrf_token"), str)
        ):
            return None
        return data

    def _csrf_token(self, raw: str) -> str:
        """Flask-WTF's token for the session's secret (``flask_wtf.csrf.generate_csrf``),
        signed afresh at most once a minute per session (a token is valid for an hour,
        ``WTF_CSRF_TIME_LIMIT``; signing costs more than the rest of the answer)."""
        now = time.monotonic()
        known = self._tokens.get(raw)
        if known is not None and now - known[1] < TOKEN_REUSE_SECONDS:
            return known[0]
        token = self._signing()[1].dumps(raw)
        if len(self._tokens) >= _REMEMBERED:
            self._tokens.clear()
        self._tokens[raw] = (token, now)
        return token

    def _signing(self) -> tuple[Any, URLSafeTimedSerializer, int]:
        if self._serializers is None:
            app = self.app
            session_serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
            secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
            csrf_serializer = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")  # type: ignore[arg-type]
            max_age = int(app.permanent_session_lifetime.total_seconds())
            self._serializers = (session_serializer, csrf_serializer, max_age)
        return self._serializers

    # --- The database: one round trip per request -----------------------------------------

    def _fingerprint(self) -> Fingerprint | None:
        """The offer's version (one round trip), or None: Flask then answers."""
        rows = self._query(FINGERPRINT_SQL, ())
        if not rows:
            return None
        row = rows[0]
        return (int(row[0]), int(row[1]), int(row[2]))

    def _identity(self, user_id: int) -> Identity | None:
        """The offer's version and the person (:data:`IDENTITY_SQL`), or None."""
        sql = self._identity_sql
        if sql is None:
            return None if self._engine_or_none() is None else self._identity(user_id)
        rows = self._query(sql, (user_id,) * _IDENTITY_PARAMETERS)
        if rows is None:
            return None
        version: Fingerprint | None = None
        found, session_version, active, name, locale = False, 0, False, "", None
        roles: list[str] = []
        statuses: dict[int, str] = {}
        for kind, first, second, third, text in rows:
            if kind == "v":
                version = (int(first), int(second), int(third))
            elif kind == "u":
                found, session_version, active, name = True, int(first), bool(second), text
            elif kind == "l":
                locale = text
            elif kind == "r":
                roles.append(text)
            elif kind == "e":
                statuses[int(first)] = text
        if version is None:
            return None
        return Identity(
            version,
            found,
            session_version,
            active,
            name or "",
            locale,
            tuple(sorted(roles)),
            statuses,
        )

    def _engine_or_none(self) -> Engine | None:
        """The application's engine, and the statements for its driver; None when the
        cache must stay off (no triggers, a driver we do not know)."""
        if self._engine is None:
            with self.app.app_context():
                from lms.extensions import db

                engine = db.engine
            placeholder = _PLACEHOLDERS.get(engine.dialect.paramstyle)
            if placeholder is None:
                return None
            self._identity_sql = IDENTITY_SQL.format(p=placeholder)
            self._engine = engine
        return self._engine if triggers_present(self._engine) else None

    def _query(self, sql: str, parameters: tuple[Any, ...]) -> list[tuple[Any, ...]] | None:
        """Rows of ``sql`` on this thread's own DBAPI connection, in autocommit: one round
        trip, where a pooled connection would add the pool's ping and the rollback that
        returns it, and SQLAlchemy's result machinery would cost more than the query. Any
        failure (the database away, the connection broken) drops the connection and lets
        Flask answer; the next request connects afresh (with the pool's pre-ping)."""
        try:
            engine = self._engine_or_none()
            if engine is None:
                return None
            cursor = getattr(self._local, "cursor", None)
            if cursor is None:
                cursor = self._connect(engine)
            for listener in QUERY_LISTENERS:
                listener(sql)
            cursor.execute(sql, parameters)
            return cursor.fetchall()
        except Exception:  # the database away: Flask answers (and says so)
            log.debug("No catalogue version; answering through the app.", exc_info=True)
            self._drop_connection()
            return None

    def _connect(self, engine: Engine) -> Any:
        """A connection of this thread's own, held open, reading in autocommit (SQLite's
        driver begins a transaction only before a write; PostgreSQL's is told so).

        It is detached from the engine's pool: when its thread ends (a server that starts a
        thread per request) it is closed, never handed back to the pool still in
        autocommit, where the application's next transaction would run without one.
        """
        connection = engine.raw_connection()
        driver = connection.driver_connection  # (None once detached)
        connection.detach()
        self._local.connection = connection
        if engine.dialect.name == "postgresql":
            driver.autocommit = True  # type: ignore[union-attr]
        cursor = connection.cursor()
        self._local.cursor = cursor
        return cursor

    def _drop_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        self._local.cursor = None
        if connection is not None:
            try:
                connection.invalidate()
            except Exception:  # already broken
                log.debug("Closing a broken connection failed.", exc_info=True)

    def _log(self, environ: dict[str, Any], status: int, started: float, user: str = "-") -> None:
        request_log.info(
            "method=%s path=%s status=%s duration_ms=%.1f user=%s",
            environ.get("REQUEST_METHOD"),
            environ.get("PATH_INFO"),
            status,
            (time.perf_counter() - started) * 1000,
            user,
        )


# --- For the views -----------------------------------------------------------------------


def visitor_version() -> Fingerprint | None:
    """The offer's version when this request may get a page shared by every visitor (it
    came through :meth:`CataloguePageCache._visitor`: no session, no remember-me cookie),
    read before the view reads anything else; None for everyone else."""
    from flask import request

    from lms.catalog.cache import fingerprint

    environ = request.environ
    if VERSION in environ:
        return environ[VERSION]
    if PAGE_KEY not in environ:
        return None
    return fingerprint()


def shared_response(html: str, version: Fingerprint | None, now: datetime) -> Any:
    """A visitor's page, handed to the page cache (which answers the next visitors) and
    sent with an ETag; anyone else's page as it is."""
    from flask import make_response, request

    from lms.catalog.cache import make_entry, next_change

    if version is None or PAGE_KEY not in request.environ:
        return make_response(html)
    entry = make_entry(html, version, next_change(now))
    request.environ[SHAREABLE] = (request.environ[PAGE_KEY], entry)
    return public_response(entry)


def public_response(entry: Entry) -> Any:
    """The page for visitors who are not signed in: the same for all of them (per language,
    text size and URL), so a shared cache may keep it, revalidating each time (ETag)."""
    from flask import Response, make_response, request

    if request.if_none_match.contains(entry.etag):
        response = Response(status=304)
    else:
        response = make_response(entry.body)
    response.set_etag(entry.etag)
    response.headers["Cache-Control"] = "public, no-cache"
    # Signed-in visitors (session cookie), text size and language (cookies) vary the page.
    response.vary.add("Cookie")
    return response
