"""The whole catalogue page for visitors who are not signed in, answered before Flask.

A visitor without a session gets the same page as every other such visitor with the same
language, text size and URL. Once :func:`lms.catalog.routes.index` has rendered it, it
marks the response as shareable (``environ[SHAREABLE]``: the cache key and the
:class:`lms.catalog.cache.Entry` with the fingerprint and expiry it was rendered under),
and this WSGI middleware keeps the complete response — status, every header the
application added (security headers included), body. The next such request is answered
here after one query, the offer's version (:func:`lms.catalog.cache.fingerprint`): not a
line of Flask, its extensions or Jinja runs for it. A different version, a passed expiry,
a session cookie, a method other than GET/HEAD, any other path: Flask answers as usual.

Why here and not in the view: on a page that never changes between two commits, Flask's
own request handling (context, session, login, rate limits, security headers) costs more
than the rest, and it would add up to the same bytes every time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

from flask import Flask
from sqlalchemy.engine import Engine

from lms.catalog.cache import (
    FINGERPRINT_SQL,
    Entry,
    Fingerprint,
    RenderCache,
    triggers_present,
)
from lms.models import utcnow

log = logging.getLogger(__name__)
request_log = logging.getLogger("lms.request")

#: The environ key through which the view hands over a shareable page.
SHAREABLE = "lms.catalogue.shareable"
#: The environ key of the page's cache key, computed here, for the view.
PAGE_KEY = "lms.catalogue.page_key"
#: The environ key of the version read here, for the view.
VERSION = "lms.catalogue.version"
PATH = "/activities"
#: Headers never replayed from a stored response.
_NOT_REPLAYED = frozenset({"set-cookie", "date", "content-length"})
#: Headers a 304 repeats (RFC 9110 §15.4.5).
_IN_304 = frozenset({"etag", "cache-control", "vary", "expires", "content-location"})


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


def page_key(environ: dict[str, Any], languages: Iterable[str], default_language: str) -> tuple:
    """What the page of a visitor without a session varies by (see the module docstring)."""
    from lms.web import FONT_SIZE_COOKIE, FONT_SIZES

    cookies = _cookies(environ)
    language = cookies.get("lang")
    if language not in languages:
        language = default_language
    size = cookies.get(FONT_SIZE_COOKIE)
    if size not in FONT_SIZES:
        size = "normal"
    return (
        "page",
        environ.get("wsgi.url_scheme"),
        environ.get("HTTP_X_FORWARDED_PROTO", ""),
        environ.get("HTTP_HOST", ""),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        language,
        size,
    )


def _cookies(environ: dict[str, Any]) -> dict[str, str]:
    header = environ.get("HTTP_COOKIE")
    if not header:
        return {}
    parsed = SimpleCookie()
    try:
        parsed.load(header)
    except Exception:  # a malformed cookie header: let Flask deal with it
        return {"": ""}
    return {name: morsel.value for name, morsel in parsed.items()}


class CataloguePageCache:
    """WSGI middleware: see the module docstring."""

    def __init__(self, wsgi_app: Callable[..., Any], app: Flask, pages: RenderCache) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self.pages = pages  # of StoredPage
        self._engine: Engine | None = None
        self._local = threading.local()

    # --- WSGI -------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not self._candidate(environ):
            return self.wsgi_app(environ, start_response)
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

    def _candidate(self, environ: dict[str, Any]) -> bool:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return False
        cookie = environ.get("HTTP_COOKIE", "")
        name = self.app.config["SESSION_COOKIE_NAME"]
        remember = self.app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        return (
            f"{name}=" not in cookie
            and f"{remember}=" not in cookie
            and ("HTTP_AUTHORIZATION" not in environ)
        )

    def _through_flask(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        chunks = self.wsgi_app(environ, capture)
        shareable = environ.get(SHAREABLE)
        status = str(captured.get("status", ""))
        if shareable is None or environ.get("REQUEST_METHOD") != "GET" or status[:3] != "200":
            return chunks
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        headers = tuple(captured["headers"])
        if not any(name.lower() == "set-cookie" for name, _value in headers):
            key, entry = shareable
            self.pages.put(key, StoredPage(entry, status, headers, body))  # type: ignore[arg-type]
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

    def _fingerprint(self) -> Fingerprint | None:
        """The offer's version, read on this thread's own connection in autocommit: one
        round trip, where a pooled connection would add the pool's ping and the rollback
        that returns it. Any failure (the database away, the connection broken) drops the
        connection and lets Flask answer; the next request connects afresh."""
        try:
            if self._engine is None:
                with self.app.app_context():
                    from lms.extensions import db

                    self._engine = db.engine
            if not triggers_present(self._engine):
                return None
            connection = getattr(self._local, "connection", None)
            if connection is None:
                connection = self._connect()
                self._local.connection = connection
            row = connection.exec_driver_sql(FINGERPRINT_SQL).one()
            return (int(row[0]), int(row[1]), int(row[2]))
        except Exception:  # the database away: Flask answers (and says so)
            log.debug("No catalogue version; answering through the app.", exc_info=True)
            self._drop_connection()
            return None

    def _connect(self) -> Any:
        """A connection of this thread's own, held open, in autocommit: no ping at each
        checkout, no rollback at each return, each read sees the latest commit."""
        assert self._engine is not None
        return self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def _drop_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            try:
                connection.invalidate()
                connection.close()
            except Exception:  # already broken
                log.debug("Closing a broken connection failed.", exc_info=True)

    def _log(self, environ: dict[str, Any], status: int, started: float) -> None:
        request_log.info(
            "method=%s path=%s status=%s duration_ms=%.1f user=%s",
            environ.get("REQUEST_METHOD"),
            environ.get("PATH_INFO"),
            status,
            (time.perf_counter() - started) * 1000,
            "-",
        )
