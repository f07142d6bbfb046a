"""Which sessions each calendar holds, and the cheap fingerprint that says when it changed.

A feed is described by two clauses over ``activity_sessions JOIN activities``: which
activities (:class:`FeedScope.activities`) and which of their sessions
(:class:`FeedScope.sessions`). The same scope gives

* the **fingerprint** (count, sum of ids, sum of SEQUENCEs, latest change of sessions and
  activities): one aggregate query, no rows fetched, no feed built; and
* the **rows** to build from: one query (plus the activities' themes), numbered
  "2/4" by a window function over all of an activity's scheduled sessions, so a
  session keeps its number even when older ones fall out of the feed's window.

Rules (issue 5): a personal feed covers 90 days back and everything ahead; a cancelled
session (or every session of a cancelled activity) stays in a feed as STATUS:CANCELLED for
30 days after the cancellation, then disappears; drafts never appear.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import aliased, contains_eager, lazyload

from lms.extensions import db
from lms.models import (
    Activity,
    ActivitySession,
    ActivityStatus,
    Enrolment,
    EnrolmentStatus,
    FeedCache,
    SessionStatus,
    User,
    activity_trainers,
)

PERSONAL_DAYS_BACK = 90
CATALOGUE_DAYS_BACK = 90
CANCELLED_KEPT_DAYS = 30

S = ActivitySession
A = Activity

#: Activity statuses whose sessions a public feed shows.
PUBLIC_STATUSES = (ActivityStatus.PUBLISHED, ActivityStatus.CANCELLED)
#: An activity feed answers for these (drafts are 404).
ACTIVITY_FEED_STATUSES = (
    ActivityStatus.PUBLISHED,
    ActivityStatus.CANCELLED,
    ActivityStatus.ARCHIVED,
)


@dataclass(frozen=True, eq=False)  # compared (and cached) by identity
class FeedScope:
    """The sessions of one feed: a clause on the activity and one on its sessions."""

    activities: ColumnElement[bool]
    sessions: ColumnElement[bool]


@dataclass(frozen=True)
class Fingerprint:
    """What changes whenever a feed's content changes (see module docstring)."""

    count: int
    id_sum: int
    sequence_sum: int
    sessions_changed: datetime | None
    activities_changed: datetime | None
    #: For personal feeds: the user's enrolments (count, latest change).
    enrolments: int = 0
    enrolments_changed: datetime | None = None

    @property
    def last_modified(self) -> datetime | None:
        moments = [
            m
            for m in (self.sessions_changed, self.activities_changed, self.enrolments_changed)
            if m
        ]
        return max(moments) if moments else None

    def key(self) -> str:
        def iso(moment: datetime | None) -> str:
            return moment.isoformat() if moment else "-"

        return "|".join(
            [
                str(self.count),
                str(self.id_sum),
                str(self.sequence_sum),
                iso(self.sessions_changed),
                iso(self.activities_changed),
                str(self.enrolments),
                iso(self.enrolments_changed),
            ]
        )


# --- Scopes -----------------------------------------------------------------------------------
#
# Feeds are polled all day long, so their statements are built once per process (with bind
# parameters for the person, the activity and the moments that bound the window) and only
# executed per request: constructing and compiling them would cost more than running them.

#: Bind parameters: the start of the window, and the moment before which a cancellation
#: no longer shows.
WINDOW_START = bindparam("window_start")
CANCELLED_SINCE = bindparam("cancelled_since")


def window_params(now: datetime, *, days_back: int | None) -> dict[str, datetime]:
    params = {"cancelled_since": now - timedelta(days=CANCELLED_KEPT_DAYS)}
    if days_back is not None:
        params["window_start"] = now - timedelta(days=days_back)
    return params


def visible_sessions(*, windowed: bool) -> ColumnElement[bool]:
    """Sessions that take place, and cancelled ones for 30 days after the cancellation
    (``cancelled_since``); with ``windowed``, only those ending after ``window_start``."""
    clause = or_(
        and_(S.status == SessionStatus.SCHEDULED, A.status != ActivityStatus.CANCELLED),
        and_(
            S.status == SessionStatus.CANCELLED,
            func.coalesce(S.cancelled_at, S.updated_at) >= CANCELLED_SINCE,
        ),
        and_(A.status == ActivityStatus.CANCELLED, A.updated_at >= CANCELLED_SINCE),
    )
    if windowed:
        clause = and_(S.ends_at >= WINDOW_START, clause)
    return clause


def personal_activities(user_id: Any) -> ColumnElement[bool]:
    """Activities in a person's calendar (``user_id``: a value or a SQL expression).

    A participant's confirmed enrolments — for a programme also its modules, unless they
    hold a row of their own for a module that is not confirmed (cancelled, waiting, …) —
    and the activities they train, for a programme with its modules. Never drafts.
    """
    confirmed = select(Enrolment.activity_id).where(
        Enrolment.user_id == user_id, Enrolment.status == EnrolmentStatus.CONFIRMED
    )
    trained = select(activity_trainers.c.activity_id).where(activity_trainers.c.user_id == user_id)
    own_row = aliased(Enrolment)
    module_left = exists().where(
        own_row.user_id == user_id,
        own_row.activity_id == A.id,
        own_row.status != EnrolmentStatus.CONFIRMED,
    )
    return and_(
        A.status != ActivityStatus.DRAFT,
        or_(
            A.id.in_(confirmed),
            A.id.in_(trained),
            and_(A.parent_id.in_(confirmed), ~module_left),
            A.parent_id.in_(trained),
        ),
    )


@cache
def personal_scope() -> FeedScope:
    """Bind parameters: ``user_id``, ``window_start``, ``cancelled_since``."""
    return FeedScope(personal_activities(bindparam("user_id")), visible_sessions(windowed=True))


@cache
def activity_scope() -> FeedScope:
    """Bind parameters: ``activity_id``, ``cancelled_since`` (no window: the whole run)."""
    return FeedScope(
        and_(A.id == bindparam("activity_id"), A.status.in_(ACTIVITY_FEED_STATUSES)),
        visible_sessions(windowed=False),
    )


@cache
def catalogue_scope() -> FeedScope:
    """Bind parameters: ``window_start``, ``cancelled_since``."""
    return FeedScope(A.status.in_(PUBLIC_STATUSES), visible_sessions(windowed=True))


def personal_params(user_id: int, now: datetime) -> dict[str, Any]:
    return {"user_id": user_id, **window_params(now, days_back=PERSONAL_DAYS_BACK)}


def activity_params(activity_id: int, now: datetime) -> dict[str, Any]:
    return {"activity_id": activity_id, **window_params(now, days_back=None)}


def catalogue_params(now: datetime) -> dict[str, Any]:
    return window_params(now, days_back=CATALOGUE_DAYS_BACK)


# --- Fingerprints (one query each) ------------------------------------------------------------


def _fingerprint_subquery(scope: FeedScope) -> Any:
    return (
        select(
            func.count(S.id).label("count"),
            func.coalesce(func.sum(S.id), 0).label("id_sum"),
            func.coalesce(func.sum(S.sequence), 0).label("sequence_sum"),
            func.max(S.updated_at).label("sessions_changed"),
            func.max(A.updated_at).label("activities_changed"),
        )
        .select_from(S)
        .join(A, A.id == S.activity_id)
        .where(scope.activities, scope.sessions)
        .subquery("fp")
    )


def _fingerprint(row: Any, *, enrolments: bool = False) -> Fingerprint:
    return Fingerprint(
        count=int(row.count or 0),
        id_sum=int(row.id_sum or 0),
        sequence_sum=int(row.sequence_sum or 0),
        sessions_changed=_aware(row.sessions_changed),
        activities_changed=_aware(row.activities_changed),
        enrolments=int(row.enrolment_count or 0) if enrolments else 0,
        enrolments_changed=_aware(row.enrolments_changed) if enrolments else None,
    )


def _aware(value: Any) -> datetime | None:
    """Aggregates (MAX) may come back naive or as text on SQLite: make them aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@dataclass(frozen=True)
class PersonalFeedState:
    user_id: int
    secret: str | None
    usable: bool
    fingerprint: Fingerprint


@cache
def _personal_state_statement() -> Any:
    by_selector = aliased(User)
    owner = (
        select(by_selector.id)
        .where(by_selector.feed_selector == bindparam("selector"))
        .scalar_subquery()
    )
    scope = FeedScope(personal_activities(owner), visible_sessions(windowed=True))
    fp = _fingerprint_subquery(scope)
    enrolments = (
        select(
            func.count(Enrolment.id).label("enrolment_count"),
            func.max(Enrolment.updated_at).label("enrolments_changed"),
        )
        .where(Enrolment.user_id == owner)
        .subquery("en")
    )
    return (
        select(User.id, User.feed_secret, User.active, User.erased_at, fp, enrolments)
        .select_from(User)
        .join(fp, true())
        .join(enrolments, true())
        .where(User.feed_selector == bindparam("selector"))
    )


def personal_feed_state(selector: str, now: datetime) -> PersonalFeedState | None:
    """The owner of ``selector`` and their feed's fingerprint, in **one** query.

    None when no user has this selector. The caller still checks the secret and
    ``usable`` (active, not erased) before answering anything but 404.
    """
    params = {"selector": selector, **window_params(now, days_back=PERSONAL_DAYS_BACK)}
    row = db.session.execute(_personal_state_statement(), params).first()
    if row is None:
        return None
    return PersonalFeedState(
        user_id=row.id,
        secret=row.feed_secret,
        usable=bool(row.active) and row.erased_at is None,
        fingerprint=_fingerprint(row, enrolments=True),
    )


@dataclass(frozen=True)
class ActivityFeedState:
    title: str
    status: ActivityStatus
    fingerprint: Fingerprint


@cache
def _activity_state_statement() -> Any:
    fp = _fingerprint_subquery(activity_scope())
    return (
        select(A.title, A.status, fp)
        .select_from(A)
        .join(fp, true())
        .where(A.id == bindparam("activity_id"), A.status.in_(ACTIVITY_FEED_STATUSES))
    )


def activity_feed_state(activity_id: int, now: datetime) -> ActivityFeedState | None:
    """Title, status and fingerprint of an activity's feed in one query (None: no feed)."""
    row = db.session.execute(_activity_state_statement(), activity_params(activity_id, now)).first()
    if row is None:
        return None
    return ActivityFeedState(title=row.title, status=row.status, fingerprint=_fingerprint(row))


@cache
def _catalogue_fingerprint_statement() -> Any:
    return select(_fingerprint_subquery(catalogue_scope()))


def catalogue_fingerprint(now: datetime) -> Fingerprint:
    row = db.session.execute(_catalogue_fingerprint_statement(), catalogue_params(now)).one()
    return _fingerprint(row)


# --- Rows ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NumberedSession:
    session: ActivitySession
    position: int | None
    total: int | None


@cache
def _rows_statement(scope: FeedScope) -> Any:
    numbered = (
        select(
            S.id.label("sid"),
            func.row_number()
            .over(partition_by=S.activity_id, order_by=(S.starts_at, S.id))
            .label("position"),
            func.count(S.id).over(partition_by=S.activity_id).label("total"),
        )
        .join(A, A.id == S.activity_id)
        .where(scope.activities, S.status == SessionStatus.SCHEDULED)
        .subquery("numbered")
    )
    return (
        select(S, numbered.c.position, numbered.c.total)
        .join(S.activity)
        .outerjoin(numbered, numbered.c.sid == S.id)
        .where(scope.activities, scope.sessions)
        .options(contains_eager(S.activity))
        .order_by(S.starts_at, S.id)
    )


def feed_sessions(scope: FeedScope, params: dict[str, Any]) -> list[NumberedSession]:
    """The sessions of a feed with their activity (and its themes), in start order.

    Each carries its place among the activity's scheduled sessions ("2/4"), counted over
    all of them, not only those inside the feed's window.
    """
    rows = db.session.execute(_rows_statement(scope), params).all()
    return [NumberedSession(row[0], row[1], row[2]) for row in rows]


def month_sessions(user_id: int, start: datetime, end: datetime) -> list[ActivitySession]:
    """A person's sessions (taking place or cancelled) starting in [start, end): one query."""
    return list(
        db.session.scalars(
            select(S)
            .join(S.activity)
            .where(personal_activities(user_id), S.starts_at >= start, S.starts_at < end)
            .options(contains_eager(S.activity), lazyload(S.activity, A.themes))
            .order_by(S.starts_at, S.id)
        )
    )


def upcoming_count(user_id: int, now: datetime) -> int:
    """How many sessions still to come the person's feed holds."""
    return int(
        db.session.scalar(
            select(func.count(S.id))
            .join(A, A.id == S.activity_id)
            .where(
                personal_activities(user_id),
                S.status == SessionStatus.SCHEDULED,
                A.status != ActivityStatus.CANCELLED,
                S.ends_at >= now,
            )
        )
        or 0
    )


def session_stamp(session_id: int) -> Any:
    """What a single-session download's ETag depends on, in one query (None: no session)."""
    return db.session.execute(
        select(
            S.uid,
            S.sequence,
            S.updated_at,
            S.status,
            A.id.label("activity_id"),
            A.status.label("activity_status"),
            A.updated_at.label("activity_updated_at"),
        )
        .join(A, A.id == S.activity_id)
        .where(S.id == session_id)
    ).first()


def in_personal_calendar(user_id: int, activity_id: int) -> bool:
    """The activity is in this person's calendar (confirmed, or trained by them): they may
    join its sessions, so their downloads carry its meeting links."""
    return (
        db.session.scalar(
            select(A.id).where(A.id == activity_id, personal_activities(user_id)).limit(1)
        )
        is not None
    )


def session_with_activity(session_id: int) -> ActivitySession | None:
    """One session with its activity, its themes and its siblings (for numbering)."""
    from sqlalchemy.orm import joinedload

    return db.session.scalar(
        select(S)
        .where(S.id == session_id)
        .options(
            joinedload(S.activity).selectinload(A.sessions),
            joinedload(S.activity).selectinload(A.themes),
        )
    )


# --- The shared cache of built feeds ------------------------------------------------------------


@cache
def _cached_body_statement() -> Any:
    return select(FeedCache.body).where(
        FeedCache.key == bindparam("key"), FeedCache.etag == bindparam("etag")
    )


def cached_body(key: str, etag: str) -> bytes | None:
    """The stored build of feed ``key`` if it was built for this very ``etag``."""
    body = db.session.scalar(_cached_body_statement(), {"key": key, "etag": etag})
    return bytes(body) if body is not None else None


def wait_for_builder(key: str) -> bool:
    """On PostgreSQL: take the feed's build lock (held until commit), waiting if another
    transaction holds it; True when we had to wait (its build may now be stored).
    Elsewhere (SQLite: one host, writers serialised anyway) nothing to do: False."""
    if db.engine.dialect.name != "postgresql":
        return False
    digest = hashlib.sha256(f"feed:{key}".encode()).digest()
    lock_id = int.from_bytes(digest[:8], "big", signed=True)
    got_it = db.session.scalar(select(func.pg_try_advisory_xact_lock(lock_id)))
    if got_it:
        return False
    db.session.execute(select(func.pg_advisory_xact_lock(lock_id)))
    return True


def store_body(key: str, etag: str, body: bytes, now: datetime) -> None:
    """Insert or replace the build of ``key`` (one statement; last writer wins)."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover — other databases: delete, then insert
        db.session.execute(FeedCache.__table__.delete().where(FeedCache.key == key))
        db.session.execute(
            FeedCache.__table__.insert().values(key=key, etag=etag, body=body, built_at=now)
        )
        return
    statement = insert(FeedCache).values(key=key, etag=etag, body=body, built_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[FeedCache.key],
        set_={
            "etag": statement.excluded.etag,
            "body": statement.excluded.body,
            "built_at": statement.excluded.built_at,
        },
    )
    db.session.execute(statement)


def forget_body(key: str) -> None:
    db.session.execute(FeedCache.__table__.delete().where(FeedCache.key == key))
