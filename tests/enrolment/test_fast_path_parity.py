"""The enrolment fast path (``lms/enrolment/fast.py``) against the service, over random states.

For every random activity state (capacity, seats taken, people waiting, offers open or run
out, waiting list on or off, approval, price, window, status, kind) and person (new,
already enrolled, cancelled, rejected, unverified, not a participant, inactive):

* when the fast path decides, the rows it wrote — the enrolment, its event, the audit
  entry, every queued mail with its facts — and the answer (status, position) are the ones
  the service writes and answers for the same state: the fast path's rows are taken out
  again, the service enrols the same person at the same moment, and both are compared;
* when it refuses (full, no waiting list), the service refuses with the same sentence;
* when it hands the case back (None), it wrote nothing.

On SQLite the fast path always hands back (it needs PostgreSQL's pipelined batch), so
there the test shows only that falling back writes nothing and leaves the service's
result; on PostgreSQL it also counts that the fast path decided cases of every kind.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from lms.enrolment import fast, queries, service
from lms.extensions import db
from lms.models import (
    ActivityKind,
    ActivityStatus,
    AuditEntry,
    Enrolment,
    EnrolmentEvent,
    EnrolmentStatus,
    OutboxMail,
    Role,
    SeatRelease,
    utcnow,
)

CASES = 60


def _state(rng: random.Random, create_activity, others, now) -> Any:
    """A random activity with others' enrolments in it."""
    capacity = rng.choice([None, 0, 1, 2, 3, 5, 8])
    activity = create_activity(
        title="Parity",
        kind=ActivityKind.CUSTOM if rng.random() < 0.08 else ActivityKind.COURSE,
        capacity=capacity,
        sessions=rng.randint(1, 3),
        status=rng.choice([ActivityStatus.PUBLISHED] * 8 + [ActivityStatus.DRAFT]),
        waitlist_enabled=rng.random() < 0.7,
        seat_release=rng.choice(list(SeatRelease)),
        requires_approval=rng.random() < 0.12,
        price_non_member=rng.choice([Decimal("0")] * 6 + [Decimal("25")]),
        enrolment_opens_at=rng.choice([None] * 8 + [now + timedelta(days=1)]),
        enrolment_closes_at=rng.choice(
            [None] * 6 + [now - timedelta(hours=1), now + timedelta(days=2)]
        ),
    )
    people = list(others)
    rng.shuffle(people)
    confirmed, waitlisted = rng.randint(0, 4), rng.choice([0, 0, 0, 1, 2, 3])
    for n, person in enumerate(people[: confirmed + waitlisted]):
        row = Enrolment(
            user=person, activity=activity, created_at=now - timedelta(days=3), reason=""
        )
        if n < confirmed:
            row.status = EnrolmentStatus.CONFIRMED
        else:
            row.status = EnrolmentStatus.WAITLISTED
            row.waitlisted_at = now - timedelta(hours=10 - n)
            if rng.random() < 0.3:
                row.offer_expires_at = now + rng.choice([timedelta(hours=5), -timedelta(hours=1)])
                row.offer_token_hash = f"{rng.getrandbits(128):032x}"
        db.session.add(row)
    db.session.commit()
    return activity


def _person(rng: random.Random, participant, create_user, activity, now) -> Any:
    kind = rng.choice(["new"] * 10 + ["unverified", "not participant", "inactive"])
    if kind == "unverified":
        person = participant(verified=False)
    elif kind == "not participant":
        person = create_user(roles=(Role.TRAINER,))
    elif kind == "inactive":
        person = participant(active=False)
    else:
        person = participant()
    existing = rng.choice([None] * 8 + list(EnrolmentStatus))
    if existing is not None:
        row = Enrolment(user=person, activity=activity, status=existing, created_at=now, reason="")
        if existing == EnrolmentStatus.WAITLISTED:
            row.waitlisted_at = now - timedelta(minutes=1)
        db.session.add(row)
        db.session.commit()
    return person


def _written(activity_id: int, user_id: int, since: dict[str, int]) -> dict[str, Any]:
    """The rows an enrolment of ``user_id`` wrote (everything newer than ``since``),
    normalised: the new enrolment's id becomes "NEW"."""
    db.session.expire_all()
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.activity_id == activity_id)
    )
    new_id = enrolment.id if enrolment is not None else None

    def norm(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: ("NEW" if k in ("id", "enrolment_id") and v == new_id and new_id else norm(v))
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [norm(v) for v in value]
        return value

    events = db.session.scalars(
        select(EnrolmentEvent)
        .where(EnrolmentEvent.id > since["events"])
        .order_by(EnrolmentEvent.id)
    ).all()
    audits = db.session.scalars(
        select(AuditEntry).where(AuditEntry.id > since["audit"]).order_by(AuditEntry.id)
    ).all()
    mails = db.session.scalars(
        select(OutboxMail).where(OutboxMail.id > since["mail"]).order_by(OutboxMail.id)
    ).all()
    positions = queries.waitlist_positions([activity_id])
    return {
        "enrolment": None
        if enrolment is None
        else (
            enrolment.status.value,
            enrolment.waitlisted_at is not None,
            enrolment.offer_expires_at,
            enrolment.reason,
            enrolment.enrolled_by_id,
            enrolment.programme_enrolment_id,
            positions.get(enrolment.id),
        ),
        "events": [
            (
                "NEW" if e.enrolment_id == new_id else e.enrolment_id,
                e.from_status,
                e.to_status,
                e.actor_id,
                e.at,
                e.note,
            )
            for e in events
        ],
        "audit": [
            (a.action, a.actor_id, a.subject_user_id, a.activity_id, a.summary, norm(a.details))
            for a in audits
        ],
        "mails": [
            (
                m.kind,
                m.to_email,
                m.to_name,
                m.user_id,
                m.subject,
                norm(m.facts),
                m.ics,
                m.ics_method,
                m.status,
                m.attempts,
                m.last_error,
                m.dedup_key,
                m.body_text,
                m.body_html,
            )
            for m in mails
        ],
        "others": sorted(
            (e.user_id, e.status.value, e.offer_expires_at)
            for e in db.session.scalars(
                select(Enrolment).where(
                    Enrolment.activity_id == activity_id, Enrolment.user_id != user_id
                )
            )
        ),
    }


def _marks() -> dict[str, int]:
    return {
        "events": db.session.scalar(select(func.coalesce(func.max(EnrolmentEvent.id), 0))),
        "audit": db.session.scalar(select(func.coalesce(func.max(AuditEntry.id), 0))),
        "mail": db.session.scalar(select(func.coalesce(func.max(OutboxMail.id), 0))),
    }


def _undo(activity_id: int, user_id: int, since: dict[str, int]) -> None:
    """Take out what the fast path wrote, so the service starts from the same state."""
    db.session.execute(delete(OutboxMail).where(OutboxMail.id > since["mail"]))
    db.session.execute(delete(AuditEntry).where(AuditEntry.id > since["audit"]))
    db.session.execute(delete(EnrolmentEvent).where(EnrolmentEvent.id > since["events"]))
    db.session.execute(
        delete(Enrolment).where(Enrolment.activity_id == activity_id, Enrolment.user_id == user_id)
    )
    db.session.commit()


def _service(activity, person, now) -> tuple[Any, ...]:
    try:
        enrolment, changed = service.enrol(activity, person, now=now)
    except service.EnrolmentError as error:
        db.session.rollback()
        return ("refused", error.code, error.message)
    db.session.commit()
    return ("enrolled", enrolment.status.value, queries.waitlist_position(enrolment), changed)


@pytest.mark.commits  # the fast path commits its own transaction (lms/enrolment/fast.py)
def test_fast_path_decides_as_the_service_does(
    app, backend, create_activity, create_user, participant
):
    rng = random.Random(20261203)
    now = utcnow().replace(microsecond=0)
    others = [participant() for _ in range(7)]
    decided: dict[str, int] = {}
    with app.test_request_context("/api/v1/activities/1/enrolment"):
        for case in range(CASES):
            activity = _state(rng, create_activity, others, now)
            person = _person(rng, participant, create_user, activity, now)
            activity_id, person_id = activity.id, person.id
            since = _marks()
            before = _written(activity_id, person_id, since)
            try:
                result = fast.enrol(fast.load(activity_id), person, now=now)
                fast_answer: tuple[Any, ...] | None = (
                    None
                    if result is None
                    else ("enrolled", result.status.value, result.position, True)
                )
            except service.EnrolmentError as error:
                db.session.rollback()
                fast_answer = ("refused", error.code, error.message)
            after_fast = _written(activity_id, person_id, since)
            outcome = "fallback" if fast_answer is None else fast_answer[1]
            decided[outcome] = decided.get(outcome, 0) + 1
            if fast_answer is None or fast_answer[0] == "refused":
                assert after_fast == before, f"case {case}: the fast path wrote rows"
            else:
                _undo(activity_id, person_id, since)
                assert _written(activity_id, person_id, since) == before
            answer = _service(activity, person, now)
            after_service = _written(activity_id, person_id, since)
            if fast_answer is not None:
                assert fast_answer == answer, f"case {case}"
                assert after_fast == after_service, f"case {case}"
    if backend == "postgresql":
        assert set(decided) >= {"fallback", "confirmed", "waitlisted", "full"}, decided
    else:
        assert decided == {"fallback": CASES}
