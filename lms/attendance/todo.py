"""What staff still has to do so that attendance and certificates add up (the to-do layer).

Three questions, each answered in a fixed number of queries whatever the number of
sessions, activities or people (judging the activities that are over costs its own fixed
few, only when there are such activities):

- sessions that ended without complete attendance (some confirmed participant has no
  record), from the last :data:`LOOKBACK` days;
- activities that are over with people whose result is not decided (``incomplete``: the
  result waits for the sessions nobody recorded);
- valid certificates whose attendance changed after they were issued
  (``Certificate.review_since``): a coordinator keeps or revokes and reissues them.

The coordinator's dashboard asks for everything, a trainer's "Mijn sessies" for the
activities they run (certificates are the coordinators' business). :func:`queue_trainer_reminders`
mails each trainer, once per session, the day after a session ended without complete
attendance (``lms remind``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from lms.attendance.queries import trained_activity_ids
from lms.common.timeutil import local_day_bounds, to_local
from lms.extensions import db
from lms.models import (
    Activity,
    ActivitySession,
    ActivityStatus,
    Attendance,
    Certificate,
    Enrolment,
    EnrolmentStatus,
    SessionStatus,
    User,
    utcnow,
)

#: Sessions and activities that ended longer ago than this are left out of the lists.
LOOKBACK = timedelta(days=180)
#: The reminder mail goes out for sessions that ended at most this long before "today".
REMIND_WITHIN = timedelta(days=7)


@dataclass(frozen=True)
class UnrecordedSession:
    """A session that ended with confirmed participants still without a record."""

    session: ActivitySession
    missing: int
    total: int

    @property
    def activity(self) -> Activity:
        return self.session.activity


@dataclass(frozen=True)
class UndecidedActivity:
    """An activity that is over, with people whose result waits for attendance."""

    activity: Activity
    people: tuple[User, ...]


@dataclass
class TodoList:
    sessions: list[UnrecordedSession] = field(default_factory=list)
    undecided: list[UndecidedActivity] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.sessions or self.undecided or self.certificates)

    @property
    def count(self) -> int:
        return len(self.sessions) + len(self.undecided) + len(self.certificates)


# --- Sessions without complete attendance -------------------------------------------------------


def unrecorded_sessions(
    now: datetime,
    *,
    trainer_id: int | None = None,
    ended_before: datetime | None = None,
    since: datetime | None = None,
    with_trainers: bool = False,
) -> list[UnrecordedSession]:
    """Sessions (not cancelled, of published or archived activities) that ended before
    ``ended_before`` (default ``now``) and after ``since`` (default ``now - LOOKBACK``),
    where a confirmed participant has no record. Oldest first.

    Always two queries, whatever there is (three ``with_trainers``, for the reminder):
    the counts per session in one grouped query, then those sessions with their activity.
    """
    ended_before = ended_before or now
    since = since or now - LOOKBACK
    missing = func.sum(case((Attendance.id.is_(None), 1), else_=0))
    counts = (
        select(ActivitySession.id, func.count(Enrolment.id), missing)
        .join(Activity, Activity.id == ActivitySession.activity_id)
        .join(
            Enrolment,
            and_(
                Enrolment.activity_id == ActivitySession.activity_id,
                Enrolment.status == EnrolmentStatus.CONFIRMED,
            ),
        )
        .outerjoin(
            Attendance,
            and_(
                Attendance.session_id == ActivitySession.id,
                Attendance.user_id == Enrolment.user_id,
            ),
        )
        .where(
            ActivitySession.status == SessionStatus.SCHEDULED,
            Activity.status.in_([ActivityStatus.PUBLISHED, ActivityStatus.ARCHIVED]),
            ActivitySession.ends_at <= ended_before,
            ActivitySession.ends_at > since,
        )
        .group_by(ActivitySession.id)
        .having(missing > 0)
    )
    if trainer_id is not None:
        counts = counts.where(ActivitySession.activity_id.in_(trained_activity_ids(trainer_id)))
    found = {
        session_id: (int(total), int(gap)) for session_id, total, gap in db.session.execute(counts)
    }
    # Themes are not shown here: keep them from being loaded (they load "selectin").
    options = [
        joinedload(ActivitySession.activity).lazyload(Activity.themes),
        joinedload(ActivitySession.activity).joinedload(Activity.parent).lazyload(Activity.themes),
    ]
    if with_trainers:
        options += [
            joinedload(ActivitySession.activity).selectinload(Activity.trainers),
            joinedload(ActivitySession.activity)
            .joinedload(Activity.parent)
            .selectinload(Activity.trainers),
        ]
    sessions = db.session.scalars(
        select(ActivitySession)
        .where(ActivitySession.id.in_(list(found)))
        .options(*options)
        .order_by(ActivitySession.ends_at, ActivitySession.id)
    ).unique()
    return [
        UnrecordedSession(session, found[session.id][1], found[session.id][0])
        for session in sessions
    ]


# --- Activities over with undecided results -----------------------------------------------------


def undecided_activities(
    now: datetime, unrecorded: list[UnrecordedSession]
) -> list[UndecidedActivity]:
    """Activities that are over with people whose result waits for attendance.

    Only an activity with a session nobody fully recorded can have such people, so the
    candidates are those of ``unrecorded`` (and their programmes): one query finds which
    of them are over, and only those are judged (a fixed number of queries more).
    """
    from lms.policy.evaluation import State
    from lms.policy.progress import activities_progress

    ids = {item.session.activity_id for item in unrecorded}
    parents = {
        item.activity.parent_id for item in unrecorded if item.activity.parent_id is not None
    }
    ends: dict[int, datetime] = {}
    for activity_id, parent_id, end in db.session.execute(
        select(ActivitySession.activity_id, Activity.parent_id, func.max(ActivitySession.ends_at))
        .join(Activity, Activity.id == ActivitySession.activity_id)
        .where(
            ActivitySession.status == SessionStatus.SCHEDULED,
            or_(
                ActivitySession.activity_id.in_(sorted(ids | parents)),
                Activity.parent_id.in_(sorted(parents)),
            ),
        )
        .group_by(ActivitySession.activity_id, Activity.parent_id)
    ):
        end = _aware(end)
        for key in (activity_id, parent_id):
            if key is not None and (key not in ends or ends[key] < end):
                ends[key] = end
    over = sorted(key for key in ids | parents if key in ends and ends[key] <= now)
    if not over:
        return []
    result = []
    for items in activities_progress(over, now=now).values():
        if not items:
            continue
        waiting = tuple(i.user for i in items if i.state == State.INCOMPLETE)
        if waiting:
            result.append(UndecidedActivity(items[0].activity, waiting))
    result.sort(key=lambda u: (ends[u.activity.id], u.activity.id))
    return result


def _aware(value: datetime) -> datetime:
    """An aggregate comes back naive on SQLite: it is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# --- Certificates behind changed attendance ----------------------------------------------------


def certificates_to_review() -> list[Certificate]:
    """Valid certificates whose attendance changed after issuing, oldest change first."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.review_since.is_not(None), Certificate.revoked_at.is_(None))
            .options(joinedload(Certificate.user), joinedload(Certificate.activity))
            .order_by(Certificate.review_since, Certificate.id)
        )
    )


# --- The lists ----------------------------------------------------------------------------------


def coordinator_todo(now: datetime | None = None) -> TodoList:
    """Everything, for the coordinator's dashboard."""
    now = now or utcnow()
    sessions = unrecorded_sessions(now)
    return TodoList(
        sessions=sessions,
        undecided=undecided_activities(now, sessions),
        certificates=certificates_to_review(),
    )


def trainer_todo(user: User, now: datetime | None = None) -> TodoList:
    """The activities ``user`` runs, for their "Mijn sessies"."""
    now = now or utcnow()
    sessions = unrecorded_sessions(now, trainer_id=user.id)
    return TodoList(sessions=sessions, undecided=undecided_activities(now, sessions))


# --- The reminder mail (``lms remind``) ---------------------------------------------------------


def trainer_reminder_key(session_id: int, trainer_id: int) -> str:
    return f"attendance-missing:{session_id}:{trainer_id}"


def _trainers(activity: Activity) -> list[User]:
    found = {t.id: t for t in activity.trainers}
    if activity.parent is not None:
        for trainer in activity.parent.trainers:
            found.setdefault(trainer.id, trainer)
    return sorted(found.values(), key=lambda u: (u.name, u.id))


def queue_trainer_reminders(now: datetime | None = None) -> list[tuple[UnrecordedSession, int]]:
    """Mail the trainers of each session that ended before today (Brussels) without
    complete attendance: once per session and trainer, ever (outbox ``dedup_key``).

    Only sessions that ended in the :data:`REMIND_WITHIN` before today: the day after, not
    for sessions of long ago. Returns each session concerned with the number of mails newly
    queued. The caller commits.
    """
    from lms.common.timeutil import format_period
    from lms.common.urls import absolute_url
    from lms.mail.outbox import queue_mail

    now = now or utcnow()
    today_start, _end = local_day_bounds(to_local(now).date())
    report = []
    for item in unrecorded_sessions(
        now, ended_before=today_start, since=today_start - REMIND_WITHIN, with_trainers=True
    ):
        session, activity = item.session, item.activity
        queued = 0
        for trainer in _trainers(activity):
            mail = queue_mail(
                kind="attendance_missing",
                to=trainer,
                subject=f"Aanwezigheden ontbreken: {activity.title}, "
                f"{format_period(session.starts_at, session.ends_at)}",
                context={
                    "trainer_name": trainer.first_name or trainer.name,
                    "activity_title": activity.title,
                    "session_period": format_period(session.starts_at, session.ends_at),
                    "missing": item.missing,
                    "total": item.total,
                    "take_url": absolute_url("attendance.take", session_id=session.id),
                },
                dedup_key=trainer_reminder_key(session.id, trainer.id),
            )
            if mail is not None:
                queued += 1
        report.append((item, queued))
    return report
