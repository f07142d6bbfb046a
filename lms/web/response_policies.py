"""Two answers every response shares, whatever view made it.

* **No copies of personal or secret pages.** A page shown to a logged-in person, every
  API answer to a token, and the pages reached by a secret link (password reset, seat
  offer) carry ``Cache-Control: no-store``: no browser history, shared computer or proxy
  keeps them. Feeds and public pages keep the caching their views chose.
* **A Dutch page while the database is down.** A lost or refused database connection
  (SQLAlchemy's OperationalError, or any DBAPI error that invalidated the connection)
  becomes the application's own 503 — HTML for people, ``{"error": …}`` for the API —
  instead of a bare server page in English. The person is treated as anonymous for that
  answer, so rendering the page does not ask the database again.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from lms.extensions import db, login_manager
from lms.web import error_response, loggable_path

log = logging.getLogger(__name__)

#: Pages reached through a secret in their path: never stored anywhere.
SECRET_LINK_PREFIXES = ("/account/reset/", "/enrolments/offer/")
NO_STORE = "private, no-store"


def _holds_personal_data(response: Response) -> bool:
    if request.path.startswith(SECRET_LINK_PREFIXES):
        return True
    if request.path.startswith("/api/"):
        return request.authorization is not None or "Authorization" in request.headers
    # Only a person already loaded by the view: asking here would load the session of
    # public responses (feeds) and make them vary by cookie.
    user = g.get("_login_user")
    return bool(user is not None and user.is_authenticated)


def _no_store_for_personal_data(response: Response) -> Response:
    if not _holds_personal_data(response):
        return response
    if response.mimetype == "text/calendar" and request.path.startswith("/calendar/"):
        return response  # a personal feed: private, revalidated by ETag (lms.calendar)
    if "no-store" not in response.headers.get("Cache-Control", ""):
        response.headers["Cache-Control"] = NO_STORE
    response.headers.pop("Expires", None)
    return response


def is_database_outage(error: BaseException) -> bool:
    """The database cannot be reached (as opposed to a query that is wrong)."""
    if isinstance(error, (OperationalError, InterfaceError)):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def _database_down(error: DBAPIError) -> Any:
    if not is_database_outage(error):  # a wrong query: the 500 of lms.web, logged
        db.session.rollback()
        current_app.logger.exception(
            "Unhandled error on %s %s", request.method, loggable_path(request.path)
        )
        return error_response(500)
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; nothing to undo
        log.debug("rollback after a database outage failed", exc_info=True)
    log.error(
        "Database unreachable on %s %s: %s",
        request.method,
        loggable_path(request.path),
        type(error.orig).__name__ if error.orig is not None else type(error).__name__,
    )
    g._login_user = login_manager.anonymous_user()
    response = error_response(
        503,
        _(
            "Het leerplatform is even niet bereikbaar door een storing bij ons. Je gegevens "
            "zijn veilig. Probeer het over enkele minuten opnieuw."
        ),
    )
    response.headers["Retry-After"] = "60"
    response.headers["Cache-Control"] = "no-store"
    return response


def init_response_policies(app: Flask) -> None:
    app.after_request(_no_store_for_personal_data)
    app.register_error_handler(DBAPIError, _database_down)
