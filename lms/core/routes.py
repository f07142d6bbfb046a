"""Home page, ``/healthz`` and the display preferences (font size, language)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, make_response, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import text

from lms.extensions import db
from lms.i18n import LANGUAGE_COOKIE
from lms.redirects import safe_next
from lms.web import FONT_SIZE_COOKIE, FONT_SIZES

bp = Blueprint("core", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.get("/")
def index() -> Any:
    return render_template("core/index.html")


@bp.get("/healthz")
def healthz() -> Any:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not healthy"
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok")


def _back() -> Any:
    """Back to the page the preference form was on (only ever a page of this site)."""
    target = safe_next(request.form.get("next")) or _local_referrer() or "/"
    return redirect(target)


def _local_referrer() -> str | None:
    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    if parts.netloc != request.host:
        return None
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))


@bp.post("/preferences/font-size")
def font_size() -> Any:
    """Remember the chosen font size in a cookie (works without JavaScript)."""
    size = request.form.get("size", "normal")
    response = make_response(_back())
    if size in FONT_SIZES:
        response.set_cookie(
            FONT_SIZE_COOKIE,
            size,
            max_age=ONE_YEAR,
            samesite="Lax",
            httponly=True,
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response


@bp.post("/preferences/language")
def language() -> Any:
    lang = request.form.get("lang", "nl")
    response = make_response(_back())
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANGUAGE_COOKIE,
            lang,
            max_age=ONE_YEAR,
            samesite="Lax",
            httponly=True,
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return response
