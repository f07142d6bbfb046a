"""Security headers on every response (Flask-Talisman).

The Content-Security-Policy allows scripts and styles from our own origin only: no inline
script, no inline style attribute, nothing from a CDN (the app must work offline, too).
"""

from __future__ import annotations

import os

from flask import Flask
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

talisman = Talisman()


def trusted_proxies(app: Flask) -> int:
    """How many reverse proxies stand in front of the app (their X-Forwarded-* headers are
    believed): ``TRUSTED_PROXIES`` in the config, else ``$LMS_TRUSTED_PROXIES``, else one in
    production (the documented set-up: gunicorn on 127.0.0.1 behind nginx or Caddy) and
    none elsewhere."""
    production = app.config.get("NAME") == "production"
    value = app.config.get("TRUSTED_PROXIES")
    if value is None:
        value = os.environ.get("LMS_TRUSTED_PROXIES", "1" if production else "0")
    return max(int(value), 0)


def init_security_headers(app: Flask) -> None:
    production = app.config.get("NAME") == "production"
    proxies = trusted_proxies(app)
    if proxies:
        # The scheme (HTTPS redirect, secure cookies) and the client address (rate limits)
        # as the proxy saw them; without this a TLS-terminating proxy causes a redirect loop.
        # (Not the host: links in mail and feeds come from LMS_BASE_URL, never from it.)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    talisman.init_app(
        app,
        content_security_policy=CSP,
        force_https=bool(app.config.get("FORCE_HTTPS")),
        strict_transport_security=production,
        strict_transport_security_max_age=31536000,
        session_cookie_secure=production,
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy={"geolocation": "()", "microphone": "()", "camera": "()"},
    )
