"""A hypothesis state machine drives the enrolment rules with random sequences of enrol,
cancel, approve, reject, capacity change, activity cancellation and seat offers (accept,
decline, expire by a controllable clock) over a few people and activities, and checks
after every step:

* confirmed seats (plus seats held by an open offer) never exceed the capacity;
* waiting-list positions are 1..n without gaps (and the one-row and all-rows counts agree);
* one enrolment per person and activity;
* every change a person must hear about queued a mail to them, of the right kind;
* nobody jumps the queue: a seat from the waiting list goes to the first in line, and
  nobody from outside the list gets a seat while people wait without an offer.

Bounded and derandomised: the same sequences every run, well under a minute per backend.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select, text

from lms.activities.service import ActivityError, update_activity
from lms.enrolment import queries
from lms.enrolment import service as enrolment
from lms.extensions import db
from lms.models import (
    Activity,
    ActivitySession,
    ActivityStatus,
    Enrolment,
    EnrolmentStatus,
    OutboxMail,
    Role,
    SeatRelease,
    User,
    utcnow,
)

PEOPLE = 5
C, W, P, X, R = (
    EnrolmentStatus.CONFIRMED,
    EnrolmentStatus.WAITLISTED,
    EnrolmentStatus.PENDING,
    EnrolmentStatus.CANCELLED,
    EnrolmentStatus.REJECTED,
)

#: (capacity, waiting list, approval, seat release) of the activities every run starts with.
ACTIVITIES = (
    (2, True, False, SeatRelease.AUTOMATIC),
    (1, True, False, SeatRelease.OFFER),
    (2, False, True, SeatRelease.AUTOMATIC),
    (1, True, True, SeatRelease.OFFER),
)

#: Which mails tell a person about a change to this state.
MAILS_FOR = {
    C: {"enrolment_confirmed", "enrolment_promoted", "enrolment_approved"},
    W: {"enrolment_waitlisted", "enrolment_approved"},
    P: {"enrolment_pending"},
    X: {"enrolment_cancelled", "enrolment_offer_expired", "enrolment_activity_cancelled"},
    R: {"enrolment_rejected"},
    "offered": {"enrolment_offered"},
}


@dataclass(frozen=True)
class Row:
    id: int
    user_id: int
    activity_id: int
    status: EnrolmentStatus
    offered: bool
    position: int | None


class Clock:
    def __init__(self) -> None:
        self.now = utcnow().replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now


def _reset_database() -> None:
    # DELETE, not TRUNCATE: much faster on PostgreSQL for a handful of rows.
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(text(f"DELETE FROM {table.name}"))  # noqa: S608 (our table names)
    db.session.commit()


class EnrolmentMachine(RuleBasedStateMachine):
    clock: Clock  # set by the test (the service's utcnow is patched to it)

    def __init__(self) -> None:
        super().__init__()
        _reset_database()
        clock = type(self).clock
        clock.now = utcnow().replace(microsecond=0)
        self.coordinator = User(email="coord@example.org", name="Coördinator")
        self.coordinator.set_roles({Role.COORDINATOR})
        self.people = []
        for n in range(PEOPLE):
            person = User(
                email=f"p{n}@example.org", name=f"Persoon {n}", email_verified_at=clock.now
            )
            person.set_roles({Role.PARTICIPANT})
            self.people.append(person)
        self.activities = []
        start = clock.now + timedelta(days=30)
        for n, (capacity, waitlist, approval, release) in enumerate(ACTIVITIES):
            activity = Activity(
                kind="course",
                title=f"Activiteit {n}",
                slug=f"activiteit-{n}",
                capacity=capacity,
                waitlist_enabled=waitlist,
                requires_approval=approval,
                seat_release=release,
                offer_hours=3,
                status=ActivityStatus.PUBLISHED,
            )
            activity.sessions.append(
                ActivitySession(starts_at=start, ends_at=start + timedelta(hours=3))
            )
            self.activities.append(activity)
        db.session.add_all([self.coordinator, *self.people, *self.activities])
        db.session.commit()
        self.last_mail_id = 0
        #: The state after the last step (nothing changes the database between steps).
        self.last_rows: dict[tuple[int, int], Row] | None = None

    # --- Helpers ---------------------------------------------------------------------------

    def rows(self) -> dict[tuple[int, int], Row]:
        positions = queries.waitlist_positions(a.id for a in self.activities)
        result = {}
        for e in db.session.scalars(select(Enrolment).execution_options(populate_existing=True)):
            result[(e.user_id, e.activity_id)] = Row(
                e.id,
                e.user_id,
                e.activity_id,
                e.status,
                e.offer_expires_at is not None,
                positions.get(e.id),
            )
        return result

    def step(self, action) -> None:
        """Run one action in its own transaction and check what it changed."""
        before = self.last_rows if self.last_rows is not None else self.rows()
        try:
            action()
        except (enrolment.EnrolmentError, ActivityError):
            db.session.rollback()
        else:
            db.session.commit()
        db.session.expire_all()
        after = self.last_rows = self.rows()
        mails = db.session.execute(
            select(OutboxMail.id, OutboxMail.user_id, OutboxMail.kind).where(
                OutboxMail.id > self.last_mail_id
            )
        ).all()
        self.last_mail_id = max([self.last_mail_id, *(m.id for m in mails)])
        new_kinds: dict[int, set[str]] = {}
        for mail in mails:
            new_kinds.setdefault(mail.user_id, set()).add(mail.kind)
        self.check_mails(before, after, new_kinds)
        self.check_queue(before, after)

    def check_mails(self, before, after, new_kinds) -> None:
        for key, row in after.items():
            old = before.get(key)
            if old is not None and (old.status, old.offered) == (row.status, row.offered):
                continue
            if old is not None and old.status == row.status:
                expected = MAILS_FOR["offered"] if row.offered else set()
                if not expected:  # an offer that ended without a change of status: none
                    continue
            else:
                expected = MAILS_FOR[row.status]
            assert expected & new_kinds.get(row.user_id, set()), (
                f"{old} → {row}: no mail of {sorted(expected)} queued "
                f"(got {sorted(new_kinds.get(row.user_id, set()))})"
            )

    def check_queue(self, before, after) -> None:
        for activity in self.activities:
            waiting_before = {
                r.user_id: r
                for r in before.values()
                if r.activity_id == activity.id and r.status == W and not r.offered
            }
            still_waiting = [
                waiting_before[r.user_id]
                for r in after.values()
                if r.activity_id == activity.id
                and r.user_id in waiting_before
                and r.status == W
                and not r.offered
            ]
            if not still_waiting:
                continue
            first_left_behind = min(r.position for r in still_waiting)
            for key, row in after.items():
                if row.activity_id != activity.id:
                    continue
                old = before.get(key)
                got_seat = row.status == C and (old is None or old.status != C)
                got_offer = row.status == W and row.offered and not (old and old.offered)
                if not (got_seat or got_offer):
                    continue
                if old is not None and old.status == W and old.offered:
                    continue  # accepting an offer made earlier (to the then first in line)
                assert old is not None and old.status == W, (
                    f"{row} got a seat from outside the waiting list while "
                    f"{len(still_waiting)} wait without an offer"
                )
                assert old.position < first_left_behind, (
                    f"{row} (place {old.position}) jumped ahead of place {first_left_behind}"
                )

    def person(self, n: int) -> User:
        return db.session.get(User, self.people[n].id)

    def activity(self, n: int) -> Activity:
        return db.session.get(Activity, self.activities[n].id)

    # --- Rules -------------------------------------------------------------------------------

    @initialize(order=st.permutations(range(PEOPLE)), how_many=st.integers(2, PEOPLE))
    def crowd(self, order, how_many):
        """Start busy: people enrol in every activity, in some order (queues, requests)."""
        for activity in range(len(ACTIVITIES)):
            for person in order[:how_many]:
                self.enrol(person=person, activity=activity)

    people_ = st.integers(0, PEOPLE - 1)
    activities_ = st.integers(0, len(ACTIVITIES) - 1)

    @rule(person=people_, activity=activities_)
    def enrol(self, person, activity):
        self.step(
            lambda: enrolment.enrol(self.activity(activity), self.person(person), now=self.clock())
        )

    def pick(self, data, statuses, *, offered=None) -> Enrolment | None:
        """One of the current enrolments in ``statuses`` (None when there is none)."""
        rows = [
            row
            for row in db.session.scalars(
                select(Enrolment).where(Enrolment.status.in_(statuses)).order_by(Enrolment.id)
            )
            if offered is None or (row.offer_expires_at is not None) == offered
        ]
        return data.draw(st.sampled_from(rows)) if rows else None

    @rule(data=st.data())
    def cancel(self, data):
        row = self.pick(data, [P, C, W])
        if row is not None:
            user, activity = row.user, row.activity
            self.step(lambda: enrolment.cancel(activity, user, now=self.clock()))

    @rule(data=st.data())
    def approve(self, data):
        row = self.pick(data, [P])
        if row is not None:
            self.step(lambda: enrolment.approve(row, actor=self.coordinator, now=self.clock()))

    @rule(data=st.data())
    def reject(self, data):
        row = self.pick(data, [P])
        if row is not None:
            self.step(
                lambda: enrolment.reject(
                    row, actor=self.coordinator, reason="Volzet voor dit profiel.", now=self.clock()
                )
            )

    @rule(activity=activities_, capacity=st.integers(0, 4))
    def change_capacity(self, activity, capacity):
        self.step(
            lambda: update_activity(
                self.activity(activity), actor=self.coordinator, capacity=capacity
            )
        )

    @rule(activity=activities_, really=st.integers(0, 3))
    def cancel_activity(self, activity, really):
        if really:  # rarer than the rest: a cancelled activity takes no more steps
            return
        self.step(
            lambda: enrolment.cancel_activity(
                self.activity(activity),
                actor=self.coordinator,
                reason="Te weinig",
                now=self.clock(),
            )
        )

    @rule(data=st.data())
    def accept_offer(self, data):
        row = self.pick(data, [W], offered=True)
        if row is not None:
            user = row.user
            self.step(lambda: enrolment.accept_offer(row, actor=user, now=self.clock()))

    @rule(data=st.data())
    def decline_offer(self, data):
        row = self.pick(data, [W], offered=True)
        if row is not None:
            user = row.user
            self.step(lambda: enrolment.decline_offer(row, actor=user, now=self.clock()))

    @rule(hours=st.integers(1, 4))
    def time_passes(self, hours):
        """The clock moves; the worker's round passes on offers that ran out."""
        self.clock.now += timedelta(hours=hours)
        self.step(lambda: enrolment.expire_offers(self.clock()))

    # --- Invariants (after every step) --------------------------------------------------------

    @invariant()
    def rules_hold(self):
        activities = db.session.scalars(
            select(Activity).where(Activity.id.in_([a.id for a in self.activities]))
        ).all()
        summaries = queries.seat_summaries(activities)
        # No overbooking: confirmed seats, and seats held by an open offer, fit.
        for summary in summaries.values():
            if summary.capacity is not None:
                assert summary.confirmed <= summary.capacity, summary
                assert summary.taken <= summary.capacity, summary
        # A cancelled activity holds nobody.
        for activity in activities:
            if activity.status == ActivityStatus.CANCELLED:
                summary = summaries[activity.id]
                assert summary.confirmed == summary.waitlisted == summary.pending == 0
        # Waiting-list positions are 1..n without gaps, whichever way they are computed.
        positions = queries.waitlist_positions(a.id for a in activities)
        waiting = db.session.scalars(select(Enrolment).where(Enrolment.status == W)).all()
        per_activity = Counter(r.activity_id for r in waiting)
        for activity in activities:
            mine = sorted(positions[r.id] for r in waiting if r.activity_id == activity.id)
            assert mine == list(range(1, per_activity[activity.id] + 1)), mine
        for row in waiting:
            assert queries.waitlist_position(row) == positions[row.id]
        # One enrolment per person and activity.
        duplicates = db.session.execute(
            select(Enrolment.user_id, Enrolment.activity_id, func.count())
            .group_by(Enrolment.user_id, Enrolment.activity_id)
            .having(func.count() > 1)
        ).all()
        assert duplicates == []


#: Examples per backend: PostgreSQL pays a network round trip per statement, and the rules
#: it adds (row locks, window functions) show in fewer sequences.
EXAMPLES = {"sqlite": 25, "postgresql": 12}


def test_enrolment_rules_hold_under_random_sequences(app, backend, monkeypatch):
    clock = Clock()
    # The controllable clock: the service reads "now" for queue order and offers.
    monkeypatch.setattr("lms.enrolment.service.utcnow", clock)
    monkeypatch.setattr("lms.enrolment.queries.utcnow", clock)
    monkeypatch.setattr("lms.activities.service.utcnow", clock)
    EnrolmentMachine.clock = clock
    run_state_machine_as_test(
        EnrolmentMachine,
        settings=settings(
            max_examples=EXAMPLES[backend],
            stateful_step_count=30,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


@pytest.mark.parametrize("release", [SeatRelease.AUTOMATIC, SeatRelease.OFFER])
def test_the_machine_catches_a_queue_jump(app, monkeypatch, release):
    """The checks are not empty: a service that promotes the *last* in line is caught."""
    clock = Clock()
    monkeypatch.setattr("lms.enrolment.service.utcnow", clock)
    EnrolmentMachine.clock = clock
    original = queries.first_waiting

    def last_waiting(activity_id, *, without_offer=True):
        query = select(Enrolment).where(Enrolment.activity_id == activity_id, Enrolment.status == W)
        if without_offer:
            query = query.where(Enrolment.offer_expires_at.is_(None))
        return db.session.scalar(
            query.order_by(Enrolment.waitlisted_at.desc(), Enrolment.id.desc()).limit(1)
        )

    machine = EnrolmentMachine()
    index = 0 if release == SeatRelease.AUTOMATIC else 1
    for person in range(4):
        machine.enrol(person=person, activity=index)
    monkeypatch.setattr(queries, "first_waiting", last_waiting)
    with pytest.raises(AssertionError, match="jumped ahead"):
        machine.change_capacity(activity=index, capacity=machine.activity(index).capacity + 1)
    monkeypatch.setattr(queries, "first_waiting", original)
    db.session.rollback()
