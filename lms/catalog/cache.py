"""Rendered catalogue pages, kept per worker and valid while the offer and the clock allow.

Nothing on the catalogue changes between two requests unless the offer changes (a title,
a session, a theme, a seat, a waiting list) or the clock passes a moment the page depends
on (a session starting or ending, an enrolment window opening or closing, a new day and so
a new month in the filter). So a rendering is kept with

* the **fingerprint** it was rendered under: the sum of the database's catalogue version
  counter (:mod:`lms.models.catalogue_version`), raised by triggers in the very
  transaction of any such change and read with one tiny query per request, *before*
  anything is rendered, so a rendering is never filed under a version older than its
  content; and
* the **moment it expires**: the first session start or end, enrolment opening or closing
  after the moment it was rendered for, or the next midnight in Brussels, whichever comes
  first (:func:`next_change`).

This is the feeds' idea (:mod:`lms.calendar.feeds`: one cheap fingerprint query, then the
build only when it changed), with a fingerprint maintained by the database instead of an
aggregate over every session: the catalogue also shows seats, waiting lists and themes,
and an aggregate of ``updated_at`` misses a transaction that commits after a later one.

Entries live in the worker's memory (a rendered page is 50–100 kB and a hit must cost less
than a query), bounded in number and bytes, least recently used first out. Losing them
costs one rendering; a stale one is never served, because the fingerprint is checked on
every request. Without the triggers (a database other than SQLite or PostgreSQL, or a
table rebuilt without them) the cache stays off and every request renders.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache
from typing import Any

from flask import Flask, current_app
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.engine import Engine

from lms.common.timeutil import BRUSSELS, local_to_utc
from lms.extensions import db
from lms.models import Activity, ActivitySession
from lms.models.base import UTCDateTime
from lms.models.catalogue_version import WATCHED_COLUMNS, WATCHED_TABLES

log = logging.getLogger(__name__)

#: Bump when what is cached changes shape (part of every ETag).
FORMAT_VERSION = "1"
DEFAULT_MAX_ENTRIES = 512
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
#: However the data looks, an entry is rendered again after this long.
MAX_AGE = timedelta(hours=1)

Fingerprint = tuple[int, int, int]


@dataclass(frozen=True)
class Entry:
    """One rendering: its text, the fingerprint and moment it is valid for, its ETag."""

    body: str
    fingerprint: Fingerprint
    expires_at: datetime
    etag: str
    #: The catalogue page number the rendering shows (for the page title).
    page_number: int = 1


class RenderCache:
    """A bounded, thread-safe LRU of :class:`Entry` by key (per worker process)."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Any, Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Any, fingerprint: Fingerprint, now: datetime) -> Entry | None:
        """The entry for ``key`` if it was rendered under ``fingerprint`` and has not expired."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.fingerprint != fingerprint or now >= entry.expires_at:
                self._remove(key)
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: Any, entry: Entry) -> None:
        size = len(entry.body)
        if self.max_entries <= 0 or size > self.max_bytes:
            return
        with self._lock:
            if key in self._entries:
                self._remove(key)
            self._entries[key] = entry
            self._bytes += size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                self._remove(next(iter(self._entries)))

    def __contains__(self, key: Any) -> bool:
        return key in self._entries

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def _remove(self, key: Any) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry.body)


def render_cache(app: Flask | None = None, name: str = "lms_catalogue_cache") -> RenderCache:
    """An application's cache called ``name`` (one per application object, created on
    first use; ``CATALOGUE_CACHE_ENTRIES``/``CATALOGUE_CACHE_BYTES`` bound each one)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    cache_ = app.extensions.get(name)
    if cache_ is None:
        cache_ = app.extensions.setdefault(
            name,
            RenderCache(
                int(app.config.get("CATALOGUE_CACHE_ENTRIES", DEFAULT_MAX_ENTRIES)),
                int(app.config.get("CATALOGUE_CACHE_BYTES", DEFAULT_MAX_BYTES)),
            ),
        )
    return cache_


def make_entry(
    body: str, fingerprint: Fingerprint, expires_at: datetime, *, page_number: int = 1
) -> Entry:
    """An entry with its ETag (a digest of the bytes: the same in every worker)."""
    raw = f"{FORMAT_VERSION}|{body}".encode()
    digest = hashlib.sha256(raw).hexdigest()[:32]
    return Entry(body, fingerprint, expires_at, digest, page_number)


# --- The fingerprint ---------------------------------------------------------------------


#: The offer's version: written out, so that reading it costs no ORM and no compilation.
FINGERPRINT_SQL = (
    "SELECT count(slot), coalesce(sum(version), 0), coalesce(sum(epoch), 0) FROM catalogue_version"
)


def fingerprint() -> Fingerprint | None:
    """The offer's current version (one query), or None when the cache must stay off.

    Written-out SQL on the request's own connection: this runs on every request, and
    compiling an ORM statement would cost more than the query."""
    if not triggers_present(db.engine):
        return None
    row = db.session.connection().exec_driver_sql(FINGERPRINT_SQL).one()
    return (int(row[0]), int(row[1]), int(row[2]))


_TRIGGERS_CHECKED: dict[str, bool] = {}
_TRIGGERS_BY_ENGINE: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()
_TRIGGERS_LOCK = threading.Lock()


def triggers_present(engine: Engine) -> bool:
    """Whether the database raises the version on every change (checked once per worker
    and database). An SQLite table rebuilt by a migration loses its triggers; the cache
    then stays off rather than show a page that no longer is."""
    known = _TRIGGERS_BY_ENGINE.get(engine)  # every request asks: no URL rendering then
    if known is not None:
        return known
    key = str(engine.url)
    known = _TRIGGERS_CHECKED.get(key)
    if known is not None:
        _TRIGGERS_BY_ENGINE[engine] = known
        return known
    dialect = engine.dialect.name
    if dialect == "sqlite":
        query = (
            "SELECT count(*) FROM sqlite_master "
            "WHERE type = 'trigger' AND name LIKE 'lms_catalogue_%'"
        )
        expected = len(WATCHED_TABLES) * 3 + len(WATCHED_COLUMNS)
    elif dialect == "postgresql":
        query = (
            "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE 'lms_catalogue_changed_%' AND c.relnamespace = "
            "to_regnamespace(current_schema())::oid"
        )
        expected = len(WATCHED_TABLES) + len(WATCHED_COLUMNS)
    else:
        query, expected = None, -1
    present = False
    if query is not None:
        with engine.connect() as connection:
            present = int(connection.execute(text(query)).scalar() or 0) >= expected
    if not present:
        log.warning(
            "Catalogue cache off: the catalogue_version triggers are missing (%s).", dialect
        )
    with _TRIGGERS_LOCK:
        _TRIGGERS_CHECKED[key] = present
        _TRIGGERS_BY_ENGINE[engine] = present
    return present


def forget_trigger_check() -> None:
    """Check the triggers again on next use (after a schema is rebuilt, e.g. in tests)."""
    with _TRIGGERS_LOCK:
        _TRIGGERS_CHECKED.clear()
        _TRIGGERS_BY_ENGINE.clear()


# --- The clock ---------------------------------------------------------------------------

_NOW = bindparam("now", type_=UTCDateTime())


@cache
def _next_change_statement() -> Any:
    session = ActivitySession
    moments = [
        select(func.min(session.starts_at)).where(session.starts_at > _NOW),
        select(func.min(session.ends_at)).where(session.ends_at > _NOW),
        select(func.min(Activity.enrolment_opens_at)).where(Activity.enrolment_opens_at > _NOW),
        select(func.min(Activity.enrolment_closes_at)).where(Activity.enrolment_closes_at > _NOW),
        # The activity page says until when a person can still cancel.
        select(func.min(Activity.cancellation_deadline)).where(
            Activity.cancellation_deadline > _NOW
        ),
    ]
    return select(*(moment.scalar_subquery() for moment in moments))


def next_change(now: datetime) -> datetime:
    """The first moment after ``now`` at which the clock alone may change a page of the
    offer: a session starts or ends, an enrolment window opens or closes, the cancellation
    deadline the activity page shows passes, a new day starts
    in Brussels (dates, the months of the filter) — at most :data:`MAX_AGE` away."""
    row = db.session.execute(_next_change_statement(), {"now": now}).one()
    local = now.astimezone(BRUSSELS)
    midnight = local_to_utc(datetime.combine(local.date() + timedelta(days=1), time()))
    candidates = [now + MAX_AGE, midnight]
    candidates.extend(moment for moment in (_aware(value) for value in row) if moment)
    return min(candidates)


def _aware(value: Any) -> datetime | None:
    """MIN() may come back naive or as text on SQLite: aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


__all__ = [
    "Entry",
    "RenderCache",
    "fingerprint",
    "forget_trigger_check",
    "make_entry",
    "next_change",
    "render_cache",
]
