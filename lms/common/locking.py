"""Activity locks: the one way a service serialises work on an activity.

Enrolments (seats counted, then written), certificates (judged, then issued) and schedule
changes each hold the activity's lock for the rest of their transaction, so two requests on
the same activity run one after the other. The lock is taken the same way everywhere:

* as the first write of the transaction (callers lock before they read what they count);
* several activities in ascending id order, so two transactions never wait for each other
  in a circle (a programme's callers lock the programme, then its modules in id order);
* bounded: a transaction that waits longer than ``LOCK_TIMEOUT_SECONDS`` (configuration,
  default 5) gives up with :class:`LockTimeoutError`, a polite "try again" with status 503,
  instead of queueing every enrolment behind one stuck transaction.

PostgreSQL: ``SET LOCAL lock_timeout`` and ``SELECT … FOR NO KEY UPDATE`` (it serialises
lockers, yet lets other transactions insert rows that merely refer to the activity, such as
audit entries or attendance, without waiting). SQLite has one writer at a time: the lock is
a write (``UPDATE activities SET id = id``) that takes the database's write lock at once, so
the transaction's later reads see the state after the lock; the wait is bounded by the
connection's busy timeout (``lms._configure_database``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import lazyload

from lms.common.errors import RuleError
from lms.extensions import db
from lms.models import Activity

#: Seconds a transaction waits for an activity lock when the configuration says nothing.
DEFAULT_LOCK_TIMEOUT_SECONDS = 5.0

#: Seconds a client is told to wait before trying again (``Retry-After``).
RETRY_AFTER_SECONDS = 5

#: PostgreSQL's SQLSTATE for "lock_not_available" (what ``lock_timeout`` raises).
_PG_LOCK_NOT_AVAILABLE = "55P03"


class LockTimeoutError(RuleError):
    """The activity stayed locked by another transaction for longer than the timeout.

    Nothing was changed (the caller's transaction must be rolled back); trying again a few
    seconds later normally succeeds. Pages and the API answer 503 with ``Retry-After``.
    """

    code = "busy"
    status = 503
    retry_after = RETRY_AFTER_SECONDS

    def __init__(self) -> None:
        super().__init__(_("Het is even druk; probeer het zo opnieuw."))


def lock_timeout_seconds() -> float:
    """The configured wait for a lock (``LOCK_TIMEOUT_SECONDS``), in seconds."""
    if has_app_context():
        value = current_app.config.get("LOCK_TIMEOUT_SECONDS")
        if value is not None:
            return float(value)
    return DEFAULT_LOCK_TIMEOUT_SECONDS


def lock_activities(activity_ids: Iterable[int]) -> list[Activity]:
    """Hold the row locks of these activities until the transaction ends; return them fresh.

    The ids are locked in ascending order. The returned activities are reloaded after the
    lock (``populate_existing``), in id order, without their themes (not needed by any rule,
    and not loading them keeps the lock short); an id without a row is left out.
    Raises :class:`LockTimeoutError` when a lock is not granted within the timeout.
    """
    ids = sorted(set(activity_ids))
    if not ids:
        return []
    query = (
        select(Activity)
        .where(Activity.id.in_(ids))
        .order_by(Activity.id)
        .options(lazyload(Activity.themes))
        .execution_options(populate_existing=True)
    )
    try:
        if db.session.get_bind().dialect.name == "postgresql":
            milliseconds = max(1, int(lock_timeout_seconds() * 1000))
            # SET cannot take a bound parameter; the value is an int we formatted ourselves.
            db.session.execute(text(f"SET LOCAL lock_timeout = {milliseconds}"))
            # One row at a time, so the order of the locks is ours; each statement locks
            # and loads (one round trip per activity, as before there was this module).
            locked = (
                db.session.scalar(
                    query.where(Activity.id == activity_id).with_for_update(key_share=True)
                )
                for activity_id in ids
            )
            return [activity for activity in locked if activity is not None]
        for activity_id in ids:
            db.session.execute(
                text("UPDATE activities SET id = id WHERE id = :id"), {"id": activity_id}
            )
        return list(db.session.scalars(query))
    except OperationalError as error:
        if is_lock_timeout(error):
            raise LockTimeoutError() from error
        raise


def queue_lock(cursor: Any, activity_id: int) -> None:
    """Queue on ``cursor`` (psycopg 3, in pipeline mode, PostgreSQL) the statements that
    take one activity's lock as :func:`lock_activities` does: for a caller that sends the
    lock, its work and the commit as one batch (``lms/enrolment/fast.py``). A lock not
    granted in time raises ``psycopg.errors.LockNotAvailable`` when the batch is synced."""
    milliseconds = max(1, int(lock_timeout_seconds() * 1000))
    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{milliseconds}ms"])
    cursor.execute("SELECT id FROM activities WHERE id = %s FOR NO KEY UPDATE", [activity_id])


def lock_activity(activity_id: int) -> Activity | None:
    """Lock one activity (see :func:`lock_activities`); None when it does not exist."""
    found = lock_activities([activity_id])
    return found[0] if found else None


def is_lock_timeout(error: BaseException) -> bool:
    """Whether a database error means "a lock was not granted in time"."""
    original = getattr(error, "orig", error)
    if getattr(original, "sqlstate", None) == _PG_LOCK_NOT_AVAILABLE:  # psycopg 3
        return True
    if getattr(original, "pgcode", None) == _PG_LOCK_NOT_AVAILABLE:  # psycopg 2
        return True
    # SQLite's busy timeout ran out while another connection held the write lock.
    return "database is locked" in str(original)
