"""The fast path of a participant's own enrolment on PostgreSQL: one round trip under the lock.

In an enrolment rush every request waits for the activity's lock, so the time the lock is
held is the time the whole rush takes. :mod:`lms.enrolment.service` holds it for a dozen
round trips (lock, fresh activity, sessions, the person's row, seat counts, inserts of the
enrolment, its event, the audit entry and the mail, the position, the commit), each of
which also waits for the worker's turn at the CPU. Here everything that does not depend
on the decision is prepared *before* the lock — the rules that concern the person and
the clock (:mod:`lms.enrolment.rules`), the mails' facts for either outcome (built by the
service's own :func:`~lms.enrolment.service.enrolment_mails`), the audit sentences — and
the lock, one statement that decides and writes every row, and the commit go to the
server as one pipelined batch: the lock is released by the server, without waiting for
this worker again.

**Early lock release.** A commit that waits for its WAL to reach the disk would hold the
lock through an fsync, one enrolment after the other (on a busy disk the fsync is most of
the time under the lock). So the deciding transaction commits with ``synchronous_commit =
off`` — it becomes visible and releases the lock at once — and the same batch then runs a
small transaction that writes a WAL record and commits synchronously, which flushes the
WAL up to and including the enrolment's commit; only then does the person get an answer.
Nothing depends on an enrolment that is not yet on disk: a later enrolment that saw it
commits after it in the WAL (a crash loses both or neither), and the mail worker's claim of
its mail is a synchronous commit of its own (it flushes the enrolment first). Concurrent
requests' flushes are grouped by PostgreSQL, outside the lock.

The statement decides only what the seats decide (confirmed, waiting list, or full) for
the common case, and mirrors :func:`lms.enrolment.service._enrol` and ``_seat_or_queue``
for it. Everything else is handed back (``None``: nothing was written) to the service,
which remains the only place the rules are written in full: another database than
PostgreSQL with psycopg, an activity that is not published, a programme or module, one
that needs approval, a paid one, any refusal of the person or of the window, a person who
already has a row (enrolled, cancelled or rejected), offers that ran out, a free seat
while people wait, and an activity or session changed since it was read here (the
statement compares the rows' versions, ``xmin``, of the activity, its sessions and its
themes under the lock). A parity test
(``tests/enrolment/test_fast_path_parity.py``) compares both over random activity states.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, literal_column, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload

from lms.common import locking
from lms.enrolment import rules, service
from lms.enrolment.pricing import price_for
from lms.extensions import db
from lms.models import (
    Activity,
    ActivityStatus,
    Enrolment,
    EnrolmentStatus,
    IntakeQuestion,
    SeatRelease,
    User,
    utcnow,
)

CONFIRMED = EnrolmentStatus.CONFIRMED
WAITLISTED = EnrolmentStatus.WAITLISTED

#: The versions of what the mails and rules read besides the activity's row: its sessions
#: and its themes (the invitations' categories). The same text is compared under the lock.
_DEPENDENTS_VERSION = (
    "coalesce((SELECT string_agg(s.id::text || '.' || s.xmin::text, ',' ORDER BY s.id) "
    "FROM activity_sessions s WHERE s.activity_id = {a}.id), '') || '/' || "
    "coalesce((SELECT string_agg(t.id::text || '.' || t.xmin::text, ',' ORDER BY t.id) "
    "FROM activity_themes x JOIN themes t ON t.id = x.theme_id "
    "WHERE x.activity_id = {a}.id), '')"
)

#: Decide and write, under the lock (taken by the statement before it in the batch, so
#: this statement's snapshot sees every enrolment committed before the lock was granted).
#: Mirrors ``service._enrol`` for a participant's own enrolment of a published, free
#: activity without approval: ``fallback`` wherever the service would do more.
_DECIDE = """
WITH a AS (
    SELECT a.id, a.capacity, a.waitlist_enabled, clock_timestamp() AS decided_at
    FROM activities a
    WHERE a.id = %(activity_id)s
      AND a.xmin::text = %(activity_version)s
      AND {dependents_version} = %(dependents_version)s
),
counts AS (
    SELECT count(*) FILTER (WHERE e.status = 'confirmed') AS confirmed,
           count(*) FILTER (WHERE e.status = 'waitlisted') AS waitlisted,
           count(*) FILTER (WHERE e.status = 'waitlisted'
                            AND e.offer_expires_at IS NOT NULL) AS offered,
           count(*) FILTER (WHERE e.status = 'waitlisted' AND e.offer_expires_at IS NOT NULL
                            AND e.offer_expires_at <= %(now)s) AS due_offers,
           count(*) FILTER (WHERE e.user_id = %(user_id)s) AS mine
    FROM enrolments e
    WHERE e.activity_id = %(activity_id)s
),
decision AS (
    SELECT a.decided_at,
           CASE
               WHEN c.mine > 0 THEN 'fallback'
               WHEN %(offers_expire)s AND c.due_offers > 0 THEN 'fallback'
               WHEN (a.capacity IS NULL OR a.capacity - (c.confirmed + c.offered) > 0)
                    AND c.waitlisted - c.offered > 0 THEN 'fallback'
               WHEN a.capacity IS NULL OR a.capacity - (c.confirmed + c.offered) > 0
                    THEN 'confirmed'
               WHEN a.waitlist_enabled THEN 'waitlisted'
               ELSE 'full'
           END AS outcome
    FROM a CROSS JOIN counts c
),
new AS (
    INSERT INTO enrolments (user_id, activity_id, status, created_at, updated_at,
                            waitlisted_at, reason)
    SELECT %(user_id)s, %(activity_id)s, d.outcome, %(now)s, %(now)s,
           CASE WHEN d.outcome = 'waitlisted' THEN greatest(%(now)s, clock_timestamp()) END,
           ''
    FROM decision d
    WHERE d.outcome IN ('confirmed', 'waitlisted')
    RETURNING id, status, waitlisted_at
),
placed AS (
    SELECT n.id, n.status,
           CASE WHEN n.status = 'waitlisted' THEN 1 + (
               SELECT count(*) FROM enrolments w
               WHERE w.activity_id = %(activity_id)s AND w.status = 'waitlisted'
                 AND (w.waitlisted_at < n.waitlisted_at
                      OR (w.waitlisted_at = n.waitlisted_at AND w.id < n.id))
           ) END AS position
    FROM new n
),
event AS (
    INSERT INTO enrolment_events (enrolment_id, from_status, to_status, actor_id, at, note)
    SELECT p.id, NULL, p.status, %(user_id)s, %(now)s, '' FROM placed p
),
audit AS (
    INSERT INTO audit_entries (at, actor_id, action, subject_user_id, activity_id, summary,
                               details)
    SELECT clock_timestamp(), %(user_id)s, 'enrolment.' || p.status, %(user_id)s,
           %(activity_id)s, %(summaries)s::jsonb ->> p.status,
           json_build_object('enrolment_id', p.id, 'from_status', NULL,
                             'to_status', p.status, 'note', '')
    FROM placed p
),
mail AS (
    INSERT INTO outbox_mails (kind, to_email, to_name, user_id, subject, facts, status,
                              attempts, last_error, next_attempt_at, created_at)
    SELECT m.value ->> 'kind', m.value ->> 'to_email', m.value ->> 'to_name',
           (m.value ->> 'user_id')::int, m.value ->> 'subject',
           (CASE
                WHEN NOT m.value -> 'facts' ? 'enrolment' THEN m.value -> 'facts'
                WHEN m.value -> 'facts' ? 'position' THEN
                    jsonb_set(jsonb_set(m.value -> 'facts', '{enrolment,id}', to_jsonb(p.id)),
                              '{position}', coalesce(to_jsonb(p.position), 'null'::jsonb))
                ELSE jsonb_set(m.value -> 'facts', '{enrolment,id}', to_jsonb(p.id))
            END)::json,
           'queued', 0, '', clock_timestamp(), clock_timestamp()
    FROM placed p
    CROSS JOIN LATERAL jsonb_array_elements(%(mails)s::jsonb -> p.status)
         WITH ORDINALITY AS m(value, n)
    ORDER BY m.n
)
SELECT d.outcome, p.id, p.position, d.decided_at
FROM decision d LEFT JOIN placed p ON true
""".replace("{dependents_version}", _DEPENDENTS_VERSION.format(a="a"))


@dataclass(frozen=True)
class Result:
    """What the batch decided: ``confirmed``/``waitlisted`` (with the new row's id and
    waiting-list position), ``full``, or ``fallback`` (nothing written)."""

    outcome: str
    enrolment_id: int | None
    position: int | None
    #: The server's clock when the decision began (just after the lock was granted) and
    #: once the commit had released the lock: how long others waited for this enrolment.
    decided_at: datetime | None
    released_at: datetime | None


@dataclass(frozen=True)
class Enrolled:
    """A participant enrolled by the fast path (the API answers with these)."""

    enrolment_id: int
    status: EnrolmentStatus
    position: int | None


@dataclass(frozen=True)
class Prepared:
    """An activity read for the fast path: with its sessions and themes, the versions of
    them all and whether it asks intake questions, in one statement (one snapshot)."""

    activity: Activity
    activity_version: str
    dependents_version: str
    has_questions: bool


def available() -> bool:
    """Whether this database can run the fast path (PostgreSQL through psycopg 3)."""
    bind = db.session.get_bind()
    return bind.dialect.name == "postgresql" and bind.dialect.driver == "psycopg"


def load(activity_id: int) -> Prepared | None:
    """The activity for :func:`enrol`, read in one round trip; None when it does not
    exist or the database has no fast path (then read it as usual)."""
    if not available():
        return None
    row = (
        db.session.execute(
            select(
                Activity,
                literal_column("activities.xmin::text"),
                literal_column(_DEPENDENTS_VERSION.format(a="activities")),
                exists().where(IntakeQuestion.activity_id == Activity.id),
            )
            .where(Activity.id == activity_id)
            .options(joinedload(Activity.sessions), joinedload(Activity.themes))
            .execution_options(populate_existing=True)
        )
        .unique()
        .one_or_none()
    )
    return Prepared(*row) if row is not None else None


def enrol(prepared: Prepared | None, user: User, *, now: datetime | None = None) -> Enrolled | None:
    """``user`` enrols themselves in the activity as :func:`service.enrol` would, and it
    is committed; or None when this path does not handle the case (nothing was written:
    call the service). ``prepared`` comes from :func:`load` (None: no fast path).

    Raises the service's :class:`~lms.enrolment.service.EnrolmentError` when the activity
    is full without a waiting list, and :class:`~lms.common.locking.LockTimeoutError`.
    """
    if prepared is None or prepared.has_questions:
        return None
    if db.session.connection().in_nested_transaction():
        # The statement commits the connection's transaction itself: inside a savepoint
        # that transaction is a caller's (a test's, tests/conftest.py), not this session's.
        return None
    now = now or utcnow()
    activity = prepared.activity
    if not _handles(activity, user, now):
        return None
    result = run_batch(
        activity.id,
        {
            "activity_id": activity.id,
            "user_id": user.id,
            "now": now,
            "activity_version": prepared.activity_version,
            "dependents_version": prepared.dependents_version,
            "offers_expire": activity.seat_release == SeatRelease.OFFER,
            "summaries": _summaries(activity, user),
            "mails": _mails(activity, user),
        },
    )
    if result.outcome == "full":
        raise service.EnrolmentError(rules.full_refusal(), "full")
    if result.outcome not in (CONFIRMED, WAITLISTED) or result.enrolment_id is None:
        return None
    return Enrolled(result.enrolment_id, EnrolmentStatus(result.outcome), result.position)


def _handles(activity: Activity, user: User, now: datetime) -> bool:
    """The cases the statement decides; for any other the service decides (and refuses)."""
    return (
        activity.status == ActivityStatus.PUBLISHED
        and not activity.is_programme
        and activity.parent_id is None
        and not activity.requires_approval
        and user.is_active
        and rules.person_refusal(activity, user) is None
        and rules.window_refusal(activity, now) is None
        and not price_for(activity, user)
    )


def _summaries(activity: Activity, user: User) -> dict[str, str]:
    return {
        status.value: service.audit_summary(status.value, user, activity, status, user)
        for status in (CONFIRMED, WAITLISTED)
    }


def _mails(activity: Activity, user: User) -> dict[str, list[dict[str, Any]]]:
    """The mails of either outcome, as the service queues them; the new row's id and the
    waiting-list position are filled in by the statement. The stand-in enrolment is never
    added to the session (no relationship leads to it from a persistent row)."""
    mails: dict[str, list[dict[str, Any]]] = {}
    for status in (CONFIRMED, WAITLISTED):
        stand_in = Enrolment(user=user, activity=activity, status=status)
        rows: list[dict[str, Any]] = []
        service.enrolment_mails(stand_in, by=None, position=None, into=rows)
        mails[status.value] = [{key: row[key] for key in _MAIL_COLUMNS} for row in rows]
    return mails


#: The columns of a queued mail the statement writes from the prepared values.
_MAIL_COLUMNS = ("kind", "to_email", "to_name", "user_id", "subject", "facts")


def run_batch(activity_id: int, params: dict[str, Any]) -> Result:
    """Lock, decide and write, commit: one pipelined round trip on the session's
    connection (whose transaction this commits)."""
    import psycopg
    from psycopg.types.json import Jsonb

    values = {
        **params,
        "summaries": Jsonb(params["summaries"]),
        "mails": Jsonb(params["mails"]),
    }
    raw = db.session.connection().connection.driver_connection
    try:
        with (
            raw.pipeline() as pipeline,
            raw.cursor() as cursor,
            raw.cursor() as after,
            raw.cursor() as durable,
        ):
            # Commit without waiting for the disk, so the lock is free at once ...
            cursor.execute("SELECT set_config('synchronous_commit', 'off', true)")
            locking.queue_lock(cursor, activity_id)
            cursor.execute(_DECIDE, values)
            after.execute("COMMIT")
            # (the server's clock once the commit has released the lock: the benchmark's
            # time under the lock; it costs no round trip of its own)
            after.execute("SELECT clock_timestamp()")
            # ... and answer only once it is on disk: a transaction of its own that writes
            # a WAL record and commits synchronously flushes the WAL up to there, ours too.
            durable.execute("BEGIN")
            durable.execute("SELECT pg_logical_emit_message(true, 'lms.enrolment', '')")
            durable.execute("COMMIT")
            pipeline.sync()
            decided = cursor.fetchone()
            released = after.fetchone()
    except psycopg.errors.LockNotAvailable as error:
        _roll_back()
        raise locking.LockTimeoutError() from error
    except psycopg.Error as error:  # as SQLAlchemy would raise it: the app's 503 for outages
        _roll_back()
        raise OperationalError("enrolment fast path", None, error) from error
    if decided is None:
        return Result("fallback", None, None, None, None)
    outcome, enrolment_id, position, decided_at = decided
    return Result(outcome, enrolment_id, position, decided_at, released[0] if released else None)


def _roll_back() -> None:
    """End the failed transaction; a connection that is gone is the pool's to replace."""
    try:
        db.session.rollback()
    except Exception:  # the error being raised is the one that matters
        db.session.close()
