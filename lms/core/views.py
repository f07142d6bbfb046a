"""Home page, ``/healthz`` and the display preferences (font size, language)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, jsonify, make_response, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import text

from lms.extensions import db
from lms.i18n import LANGUAGE_COOKIE
from lms.web import FONT_SIZE_COOKIE, FONT_SIZES
from lms.web.redirects import safe_next

ONE_YEAR = 365 * 24 * 3600


def index() -> Any:
    return render_template("core/index.html")


def healthz() -> Any:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not healthy"
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok")


def _back() -> Any:
    """Back to the page the preference form was on (only ever a page of this site)."""
    target = safe_next(request.values.get("next")) or _local_referrer() or "/"
    return redirect(target)


def _local_referrer() -> str | None:
    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    if parts.netloc != request.host:
        return None
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))


def _preference_cookie(response: Any, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        max_age=ONE_YEAR,
        samesite="Lax",
        httponly=True,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )


def _font_size_response() -> Any:
    size = request.values.get("size", "normal")
    response = make_response(_back())
    if size in FONT_SIZES:
        _preference_cookie(response, FONT_SIZE_COOKIE, size)
    return response


def font_size() -> Any:
    """Remember the chosen font size in a cookie (works without JavaScript)."""
    return _font_size_response()


def font_size_link() -> Any:
    """The same for visitors who are not signed in: the footer's form is a GET for them, so
    pages need no CSRF token and no session. It only sets a cookie of the visitor's own
    display preference, which is harmless to set on someone's behalf."""
    return _font_size_response()


def language() -> Any:
    """The language, in a cookie and, for someone signed in, on their account."""
    lang = request.form.get("lang", "nl")
    response = make_response(_back())
    if lang in current_app.config["LANGUAGES"]:
        _preference_cookie(response, LANGUAGE_COOKIE, lang)
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return response


def language_link() -> Any:
    """The language for visitors who are not signed in (a GET that only sets the cookie,
    as :func:`font_size_link`). It never changes an account: signed-in people use the
    POST form, with its CSRF token."""
    lang = request.args.get("lang", "nl")
    response = make_response(_back())
    if lang in current_app.config["LANGUAGES"]:
        _preference_cookie(response, LANGUAGE_COOKIE, lang)
    return response
