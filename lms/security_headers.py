"""Security headers on every response (Flask-Talisman).

The Content-Security-Policy allows scripts and styles from our own origin only: no inline
script, no inline style attribute, nothing from a CDN (the app must work offline, too).
"""

from __future__ import annotations

from flask import Flask
from flask_talisman import Talisman

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


def init_security_headers(app: Flask) -> None:
    production = app.config.get("NAME") == "production"
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
