"""Configuration, read from the environment (see CONTRACT.md).

Three named configurations: ``development`` (the default, what ``make run`` uses),
``testing`` (the test suite) and ``production``. ``LMS_CONFIG`` picks one for
``wsgi.py``; every setting an operator needs comes from an environment variable so
the same code runs on a laptop and behind gunicorn.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

#: Used only on a developer's machine; production refuses to start with it.
DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"  # noqa: S105


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Let operators write ``postgresql://`` and still get the psycopg 3 driver.

    SQLAlchemy maps a bare ``postgresql://`` to psycopg2, which we do not install.
    """
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings shared by every configuration."""

    NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'lms.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    LMS_BASE_URL = os.environ.get("LMS_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    #: Seconds a request waits for an activity lock before it answers "try again" (503;
    #: PostgreSQL's lock_timeout, see lms.common.locking).
    LOCK_TIMEOUT_SECONDS = float(os.environ.get("LOCK_TIMEOUT_SECONDS", "5"))

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "SAM Leerplatform <leerplatform@samenlevingsopbouw.be>"
    )
    #: Who hears when a trainer changes a session (empty: every active coordinator).
    MAIL_COORDINATOR_ADDRESS = os.environ.get("MAIL_COORDINATOR_ADDRESS", "")
    #: Mail worker: attempts before a mail is marked failed, and the first backoff.
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "6"))
    MAIL_RETRY_BASE_SECONDS = int(os.environ.get("MAIL_RETRY_BASE_SECONDS", "60"))
    #: Mail worker: connect and read timeout of the SMTP server (a whole mail is cut off at
    #: twice this), and the lease of a claimed mail (at least six times the timeout, so a
    #: second worker never sends a mail that is still on its way; lms/mail/worker.py).
    MAIL_TIMEOUT_SECONDS = float(os.environ.get("MAIL_TIMEOUT_SECONDS", "30"))
    MAIL_CLAIM_LEASE_SECONDS = float(os.environ.get("MAIL_CLAIM_LEASE_SECONDS", "600"))
    #: Whether the SMTP server takes addresses with accents before the @ (SMTPUTF8);
    #: without it, registration and the user import refuse such addresses up front.
    MAIL_SMTPUTF8 = _bool("MAIL_SMTPUTF8")
    #: Retention (``lms purge``, privacy page): sent or aborted mail, certificates of erased
    #: people, built feeds, revoked API tokens.
    MAIL_RETENTION_DAYS = int(os.environ.get("MAIL_RETENTION_DAYS", "90"))
    CERTIFICATE_RETENTION_YEARS = int(os.environ.get("CERTIFICATE_RETENTION_YEARS", "10"))
    FEED_CACHE_RETENTION_DAYS = int(os.environ.get("FEED_CACHE_RETENTION_DAYS", "30"))
    REVOKED_TOKEN_RETENTION_DAYS = int(os.environ.get("REVOKED_TOKEN_RETENTION_DAYS", "90"))
    #: Where people send privacy requests (default: the sender address).
    PRIVACY_CONTACT_EMAIL = os.environ.get("PRIVACY_CONTACT_EMAIL")
    #: The contact page (/contact, linked in every footer and from "neem contact op met
    #: SAM"): SAM's postal address (lines separated by "|"), phone number and e-mail. Each
    #: is shown only when set; the e-mail falls back to PRIVACY_CONTACT_EMAIL, then to the
    #: address of MAIL_DEFAULT_SENDER.
    LMS_CONTACT_ADDRESS = os.environ.get("LMS_CONTACT_ADDRESS", "")
    LMS_CONTACT_PHONE = os.environ.get("LMS_CONTACT_PHONE", "")
    LMS_CONTACT_EMAIL = os.environ.get("LMS_CONTACT_EMAIL", "")
    #: Reverse proxies in front of the app whose X-Forwarded-* headers are believed
    #: (default: one in production, none elsewhere; see lms.web.security_headers).
    TRUSTED_PROXIES = (
        int(os.environ["LMS_TRUSTED_PROXIES"]) if os.environ.get("LMS_TRUSTED_PROXIES") else None
    )

    #: The largest request body (uploads included): beyond it a Dutch 413 (lms.web).
    MAX_CONTENT_LENGTH = int(os.environ.get("LMS_MAX_CONTENT_LENGTH", str(16 * 1024 * 1024)))

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = True
    #: Failed logins per account and client address; and per address alone (an office
    #: behind one router shares its address).
    LOGIN_RATE_LIMIT = "10 per minute"
    LOGIN_ADDRESS_RATE_LIMIT = os.environ.get("LOGIN_ADDRESS_RATE_LIMIT", "60 per minute")

    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Brussels"
    LANGUAGES = {"nl": "Nederlands", "en": "English"}

    WTF_CSRF_ENABLED = True
    WTF_I18N_ENABLED = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: Password reset links expire after this many seconds.
    PASSWORD_RESET_MAX_AGE = 2 * 60 * 60
    #: Security headers (CSP, HSTS) are applied by lms.web.security_headers.
    FORCE_HTTPS = False
    DEBUG = False
    TESTING = False


class DevelopmentConfig(Config):
    NAME = "development"
    DEBUG = False  # flask run --debug switches the debugger on explicitly
    #: On a developer's machine mail goes to the local catcher of ``make mail``, never to
    #: whatever answers on port 25.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "1025"))


class TestingConfig(Config):
    NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"  # emptied after every test (conftest)
    LMS_BASE_URL = "https://leerplatform.test.example"
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 1  # nothing listens here: a test that needs SMTP starts its own server
    MAIL_SUPPRESS_SEND = False  # really talk SMTP; tests guard against it (conftest)
    MAIL_RETRY_BASE_SECONDS = 60
    SERVER_NAME = None


class ProductionConfig(Config):
    NAME = "production"
    #: Database errors are logged without their parameters (emails, hashes).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True, "hide_parameters": True}
    FORCE_HTTPS = _bool("LMS_FORCE_HTTPS", True)
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def get_config(name: str | None = None) -> type[Config]:
    """The configuration class called ``name`` (or ``$LMS_CONFIG``, or development)."""
    name = name or os.environ.get("LMS_CONFIG", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise ValueError(f"Unknown configuration {name!r}; choose one of {sorted(CONFIGS)}")
