"""Gathering the facts and judging many participants at once, in a constant number of queries.

:func:`activity_progress` judges every confirmed participant of an activity (the trainer's
and coordinator's overview, the API, issuing certificates); :func:`user_progress` judges one
person in several activities (Mijn leertraject). Both load the activities with their
sessions (and a programme's modules), the attendance records, the policy versions and the
certificates in a handful of queries whatever the number of people or sessions, then call
the pure :mod:`lms.policy.evaluation` per person.

:func:`notify_if_out_of_reach` is called after attendance is recorded: it mails the
participant and the trainers once when the certificate can no longer be reached.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.extensions import db
from lms.models import (
    Activity,
    ActivitySession,
    Attendance,
    Certificate,
    Enrolment,
    EnrolmentStatus,
    LearningPolicy,
    SessionStatus,
    User,
    utcnow,
)
from lms.policy.evaluation import (
    AttendanceFact,
    Decision,
    SessionFact,
    State,
    evaluate,
    evaluate_programme,
)
from lms.policy.service import EffectiveRule, all_policies, effective_rule


@dataclass(frozen=True)
class Progress:
    """One person's standing in one activity."""

    user: User
    activity: Activity
    rule: EffectiveRule
    decision: Decision
    #: The valid certificate, if one was issued.
    certificate: Certificate | None = None
    #: Whether a certificate was issued and later revoked (and none valid since).
    revoked: Certificate | None = None
    #: For a programme: the rule of each module, in the order of ``decision.modules``.
    module_rules: tuple[EffectiveRule, ...] = ()

    @property
    def state(self) -> State:
        return self.decision.state


# --- Loading ---------------------------------------------------------------------------------


def _activity_options():
    return (
        selectinload(Activity.sessions),
        selectinload(Activity.trainers),
        selectinload(Activity.modules).selectinload(Activity.sessions),
        selectinload(Activity.modules).selectinload(Activity.trainers),
        joinedload(Activity.parent).selectinload(Activity.modules).selectinload(Activity.sessions),
        joinedload(Activity.parent).selectinload(Activity.trainers),
    )


def load_activities(ids: Iterable[int]) -> dict[int, Activity]:
    """Activities with sessions, trainers, modules (and theirs) and parent: a fixed few queries."""
    ids = list(set(ids))
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Activity).where(Activity.id.in_(ids)).options(*_activity_options())
    )
    return {a.id: a for a in rows.unique()}


def _judged_sessions(activity: Activity) -> list[ActivitySession]:
    sessions = list(activity.sessions)
    for module in activity.modules:
        sessions.extend(module.sessions)
    return sessions


def _attendance(session_ids: Sequence[int], user_ids: Sequence[int] | None) -> dict:
    """``{user_id: {session_id: AttendanceFact}}`` in one query."""
    by_user: dict[int, dict[int, AttendanceFact]] = defaultdict(dict)
    if not session_ids or user_ids == []:
        return by_user
    query = select(Attendance.user_id, Attendance.session_id, Attendance.status, Attendance.minutes)
    query = query.where(Attendance.session_id.in_(list(session_ids)))
    if user_ids is not None:
        query = query.where(Attendance.user_id.in_(list(user_ids)))
    for user_id, session_id, status, minutes in db.session.execute(query):
        by_user[user_id][session_id] = AttendanceFact(session_id, status, minutes)
    return by_user


def _certificates(activity_ids: Sequence[int], user_ids: Sequence[int] | None) -> dict:
    """``{(user_id, activity_id): (valid or None, latest revoked or None)}`` in one query."""
    found: dict[tuple[int, int], list[Certificate | None]] = {}
    if not activity_ids:
        return found
    query = select(Certificate).where(Certificate.activity_id.in_(list(activity_ids)))
    if user_ids is not None:
        query = query.where(Certificate.user_id.in_(list(user_ids)))
    for cert in db.session.scalars(query.order_by(Certificate.issued_at, Certificate.id)):
        slot = found.setdefault((cert.user_id, cert.activity_id), [None, None])
        if cert.revoked_at is None:
            slot[0] = cert
        else:
            slot[1] = cert
    return found


def session_facts(activity: Activity) -> list[SessionFact]:
    return [
        SessionFact(
            id=s.id,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            cancelled=s.status == SessionStatus.CANCELLED,
            title=s.title,
        )
        for s in activity.sessions
    ]


class Judge:
    """Judges people in a set of loaded activities; facts are gathered once, up front."""

    def __init__(
        self,
        activities: Iterable[Activity],
        user_ids: Sequence[int] | None,
        *,
        now: datetime | None = None,
        policies: Sequence[LearningPolicy] | None = None,
        with_certificates: bool = True,
    ) -> None:
        self.activities = list(activities)
        self.now = now or utcnow()
        self.policies = list(policies) if policies is not None else all_policies()
        session_ids = [s.id for a in self.activities for s in _judged_sessions(a)]
        self.attendance = _attendance(session_ids, user_ids)
        self.certificates = (
            _certificates([a.id for a in self.activities], user_ids) if with_certificates else {}
        )
        self._facts: dict[int, list[SessionFact]] = {}
        self._rules: dict[int, EffectiveRule] = {}

    def rule(self, activity: Activity) -> EffectiveRule:
        if activity.id not in self._rules:
            self._rules[activity.id] = effective_rule(activity, self.policies)
        return self._rules[activity.id]

    def _sessions(self, activity: Activity) -> list[SessionFact]:
        if activity.id not in self._facts:
            self._facts[activity.id] = session_facts(activity)
        return self._facts[activity.id]

    def decide(
        self, user_id: int, activity: Activity
    ) -> tuple[Decision, tuple[EffectiveRule, ...]]:
        records = self.attendance.get(user_id, {})
        if activity.is_programme and (activity.modules or not activity.sessions):
            module_rules = tuple(self.rule(m) for m in activity.modules)
            modules = [
                (
                    module.title,
                    evaluate(
                        self._sessions(module),
                        records.values(),
                        rule.facts,
                        now=self.now,
                    ),
                )
                for module, rule in zip(activity.modules, module_rules, strict=True)
            ]
            return evaluate_programme(modules), module_rules
        decision = evaluate(
            self._sessions(activity), records.values(), self.rule(activity).facts, now=self.now
        )
        return decision, ()

    def progress(self, user: User, activity: Activity) -> Progress:
        decision, module_rules = self.decide(user.id, activity)
        valid, revoked = self.certificates.get((user.id, activity.id), (None, None))
        return Progress(
            user=user,
            activity=activity,
            rule=self.rule(activity),
            decision=decision,
            certificate=valid,
            revoked=revoked,
            module_rules=module_rules,
        )


# --- The questions pages ask -------------------------------------------------------------------


def confirmed_users(activity: Activity, user_ids: Iterable[int] | None = None) -> list[User]:
    """People with a confirmed enrolment, by name, with their organisation (one query).

    For a programme module, a confirmed place in the programme counts as well.
    """
    activity_ids = [activity.id]
    if activity.parent_id is not None:
        activity_ids.append(activity.parent_id)
    enrolled = select(Enrolment.user_id).where(
        Enrolment.activity_id.in_(activity_ids), Enrolment.status == EnrolmentStatus.CONFIRMED
    )
    query = (
        select(User)
        .where(User.id.in_(enrolled))
        .options(joinedload(User.organisation))
        .order_by(User.name, User.id)
    )
    if user_ids is not None:
        query = query.where(User.id.in_(list(user_ids)))
    return list(db.session.scalars(query))


def activity_progress(
    activity: Activity | int,
    user_ids: Iterable[int] | None = None,
    *,
    now: datetime | None = None,
) -> list[Progress]:
    """Every confirmed participant's progress (or only ``user_ids``'), by name.

    A constant number of queries, whatever the number of participants and sessions.
    """
    activity_id = activity if isinstance(activity, int) else activity.id
    loaded = load_activities([activity_id]).get(activity_id)
    if loaded is None:
        return []
    users = confirmed_users(loaded, user_ids)
    judge = Judge([loaded], [u.id for u in users], now=now)
    return [judge.progress(user, loaded) for user in users]


def user_progress(
    user: User, activity_ids: Iterable[int], *, now: datetime | None = None
) -> dict[int, Progress]:
    """One person's progress in several activities (a constant number of queries)."""
    activities = load_activities(activity_ids)
    judge = Judge(activities.values(), [user.id], now=now)
    return {activity_id: judge.progress(user, a) for activity_id, a in activities.items()}


def confirmed_activity_ids(user: User) -> list[int]:
    return list(
        db.session.scalars(
            select(Enrolment.activity_id).where(
                Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.CONFIRMED
            )
        )
    )


# --- The out-of-reach warning ------------------------------------------------------------------


def _trainers_of(activity: Activity) -> list[User]:
    trainers = {t.id: t for t in activity.trainers}
    if activity.parent is not None:
        for t in activity.parent.trainers:
            trainers.setdefault(t.id, t)
    return sorted(trainers.values(), key=lambda u: (u.name, u.id))


def notify_if_out_of_reach(activity: Activity | int, user_ids: Iterable[int] | None = None) -> int:
    """Mail each participant whose certificate is no longer reachable, and the trainers.

    Call after recording attendance (in the same transaction). Each participant gets one
    mail and each trainer one mail per participant, ever (outbox ``dedup_key``); a
    participant who already holds a certificate is left alone. Returns the number of
    participants newly warned.
    """

    from lms.common.urls import absolute_url
    from lms.mail.facts import user_facts
    from lms.mail.outbox import queue_mail

    warned = 0
    judged = activity_progress(activity, user_ids)
    for item in judged:
        if item.state != State.IMPOSSIBLE or item.certificate is not None:
            continue
        target = item.activity
        key = f"progress-out-of-reach:{target.id}:{item.user.id}"
        organisation = item.user.organisation
        context = {  # facts, taken now: the worker renders them later
            "activity": target,
            "participant": {
                **user_facts(item.user),
                "organisation": {"name": organisation.name} if organisation else None,
            },
            "decision": {"reasons": _dutch(item.decision.reasons)},
            "rule": {"min_attendance_pct": item.rule.min_attendance_pct},
            "programme": target.parent,
            "progress_url": absolute_url("policy.my_progress", activity_id=target.id),
            "overview_url": absolute_url("policy.activity_progress", activity_id=target.id),
        }
        mail = _queue_once(
            queue_mail,
            kind="progress_out_of_reach",
            to=item.user,
            subject=f"Je attest voor {target.title} is niet meer haalbaar",
            facts=context,
            dedup_key=key,
        )
        if mail is None:
            continue
        warned += 1
        for trainer in _trainers_of(target):
            _queue_once(
                queue_mail,
                kind="progress_out_of_reach_trainer",
                to=trainer,
                subject=f"{item.user.name} haalt het attest voor {target.title} niet meer",
                facts={**context, "trainer": trainer},
                dedup_key=f"{key}:trainer:{trainer.id}",
            )
    return warned


def _dutch(reasons: Iterable[object]) -> list[str]:
    """Reasons rendered in Dutch, for a mail (they are rendered in the reader's language
    wherever they are shown; a mail is always Dutch)."""
    from flask_babel import force_locale

    with force_locale("nl"):
        return [str(reason) for reason in reasons]


def _queue_once(queue, **kwargs):
    """Queue a deduplicated mail; on PostgreSQL inside a savepoint, so a concurrent
    transaction that queued the same key first costs only this mail, not the caller's change.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return queue(**kwargs)
    from sqlalchemy.exc import IntegrityError

    try:
        with db.session.begin_nested():
            mail = queue(**kwargs)
            db.session.flush()
    except IntegrityError:
        return None
    return mail


def activities_progress(
    activity_ids: Iterable[int], *, now: datetime | None = None
) -> dict[int, list[Progress]]:
    """Every confirmed participant's progress in each of several activities.

    A constant number of queries, whatever the number of activities and participants.
    """
    activities = load_activities(activity_ids)
    if not activities:
        return {}
    wanted: dict[int, list[int]] = {}
    for activity in activities.values():
        wanted.setdefault(activity.id, []).append(activity.id)
        if activity.parent_id is not None:
            wanted.setdefault(activity.parent_id, []).append(activity.id)
    rows = db.session.execute(
        select(Enrolment.activity_id, User)
        .join(User, User.id == Enrolment.user_id)
        .where(
            Enrolment.activity_id.in_(list(wanted)),
            Enrolment.status == EnrolmentStatus.CONFIRMED,
        )
        .options(joinedload(User.organisation))
    ).all()
    people: dict[int, dict[int, User]] = defaultdict(dict)
    for enrolled_in, user in rows:
        for activity_id in wanted.get(enrolled_in, []):
            people[activity_id][user.id] = user
    user_ids = sorted({u for by_id in people.values() for u in by_id})
    judge = Judge(activities.values(), user_ids, now=now)
    return {
        activity_id: [
            judge.progress(user, activity)
            for user in sorted(people[activity_id].values(), key=lambda u: (u.name, u.id))
        ]
        for activity_id, activity in activities.items()
    }
