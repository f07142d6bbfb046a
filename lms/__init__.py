"""SAM Leerplatform: the application factory.

``create_app`` binds the extensions, the blueprints of every feature, the CLI and the
error pages. Everything that varies between a laptop, the test suite and production
comes from :mod:`config`.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import BASE_DIR, DEV_SECRET_KEY, INSTANCE_DIR, get_config
from lms.extensions import babel, csrf, db, limiter, login_manager, migrate
from lms.extensions import mail as mail_extension  # the name `mail` is the lms.mail package

log = logging.getLogger(__name__)

#: Every feature is a package with the same inner shape; its ``blueprint.bp`` (the feature's URL
#: table, imported nowhere else) is registered here; ``module:name`` names a second one.
BLUEPRINTS = (
    "lms.core.blueprint",
    "lms.accounts.blueprint",
    "lms.catalog.blueprint",
    "lms.enrolment.blueprint",
    "lms.schedule.blueprint",
    "lms.attendance.blueprint",
    "lms.calendar.blueprint",
    "lms.policy.blueprint",
    "lms.certificates.blueprint",
    "lms.admin.blueprint",
    "lms.reports.blueprint",
    "lms.organisations.blueprint",
    "lms.privacy.blueprint",
    "lms.contact.blueprint",
    "lms.intake.blueprint",
    "lms.enrolment.blueprint:intake_bp",
    "lms.interest.blueprint",
    "lms.api.blueprint",
)


class ConfigurationError(RuntimeError):
    """The application refuses to start with this configuration."""


def create_app(config: str | None = None, **overrides: Any) -> Flask:
    """Build the application for configuration ``config`` (see :func:`config.get_config`)."""
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(INSTANCE_DIR),
        instance_relative_config=True,
    )
    app.config.from_object(get_config(config))
    app.config.update(overrides)
    _check_configuration(app)
    _configure_database(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    mail_extension.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    from lms.i18n import init_i18n
    from lms.web import init_web
    from lms.web.input_guard import init_input_guard
    from lms.web.response_policies import init_response_policies
    from lms.web.security_headers import init_security_headers

    init_i18n(app, babel)
    init_web(app, login_manager)
    init_security_headers(app)
    init_input_guard(app)
    init_response_policies(app)

    import importlib

    for entry in BLUEPRINTS:
        module_name, _colon, attribute = entry.partition(":")
        module = importlib.import_module(module_name)
        app.register_blueprint(getattr(module, attribute or "bp"))

    from lms.cli import register_cli

    register_cli(app)
    return app


def _check_configuration(app: Flask) -> None:
    if app.config.get("NAME") == "production":
        from lms.common.secret_key_check import HOW_TO_MAKE_ONE, weak_key_reason

        reason = weak_key_reason(
            app.config.get("SECRET_KEY"),
            also_known=frozenset({DEV_SECRET_KEY, get_config("testing").SECRET_KEY}),
        )
        if reason:
            raise ConfigurationError(
                f"Production needs its own strong SECRET_KEY; refusing to start. {reason} "
                f"{HOW_TO_MAKE_ONE}"
            )
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") and not app.config.get(
            "ALLOW_SQLITE_IN_PRODUCTION"
        ):
            log.warning("Production on SQLite: use PostgreSQL (DATABASE_URL) for several workers.")


def _configure_database(app: Flask) -> None:
    """SQLite: a file under instance/, a generous busy timeout, foreign keys and WAL."""
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite"):
        return
    INSTANCE_DIR.mkdir(exist_ok=True)
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("timeout", 30)
    connect_args.setdefault("check_same_thread", False)
    options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on; WAL so readers never wait for the writer.

    pysqlite keeps its default transaction handling on purpose: reads run outside a
    transaction and the first write begins one. The enrolment lock relies on that: its
    write is the first statement of the transaction, so it waits for SQLite's write lock
    instead of failing on a stale read snapshot.
    """
    if not type(dbapi_connection).__module__.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
