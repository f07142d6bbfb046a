"""Read-only questions about sessions and attendance, each in a fixed number of queries.

Pages, the PDF sheet, the CSV export and the API read through here; writing is
:mod:`lms.attendance.service`'s job.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from lms.common.display import duration, pct_number
from lms.common.timeutil import local_day_bounds, to_local
from lms.extensions import db
from lms.models import (
    Activity,
    ActivitySession,
    ActivityStatus,
    Attendance,
    AttendanceChange,
    AttendanceStatus,
    Certificate,
    Enrolment,
    EnrolmentStatus,
    SessionStatus,
    User,
    activity_trainers,
)

#: Mijn sessies shows sessions this far back and ahead.
RECENT_DAYS = 42
UPCOMING_DAYS = 60
UPCOMING_LIMIT = 40


# --- Hours -------------------------------------------------------------------------------


def attended_minutes(session: ActivitySession, attendance: Attendance | None) -> int:
    """Minutes a record counts for: present the whole session, partial its minutes,
    absent and excused nothing (CONTRACT.md, the default learning policy)."""
    if attendance is None or session.is_cancelled:
        return 0
    if attendance.status == AttendanceStatus.PRESENT:
        return session.duration_minutes
    if attendance.status == AttendanceStatus.PARTIAL:
        return max(0, min(attendance.minutes or 0, session.duration_minutes))
    return 0


#: ``3 u``, ``2 u 30 min``, ``45 min``: the one way hours read
#: (:func:`lms.common.display.duration`).
format_hours = duration


def status_label(status: AttendanceStatus | None, minutes: int | None = None) -> str:
    """``aanwezig``, ``deels aanwezig (90 min)``, … or ``niet geregistreerd``, in the
    reader's language (an audit line renders it under ``force_locale("nl")``)."""
    if status is None:
        return _("niet geregistreerd")
    if status == AttendanceStatus.PARTIAL:
        return _("deels aanwezig (%(minutes)d min)", minutes=minutes or 0)
    return _(status.label)


def status_text(attendance: Attendance | None) -> str:
    """:func:`status_label` of a record (or of none)."""
    if attendance is None:
        return status_label(None)
    return status_label(attendance.status, attendance.minutes)


# --- Participants -------------------------------------------------------------------------


def confirmed_by_activity(activity_ids: Iterable[int]) -> dict[int, list[User]]:
    """Confirmed participants (organisation loaded) per activity id, in one query."""
    ids = sorted(set(activity_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.activity_id, User)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.activity_id.in_(ids), Enrolment.status == EnrolmentStatus.CONFIRMED)
        .options(joinedload(User.organisation))
        .order_by(User.name, User.id)
    ).all()
    result: dict[int, list[User]] = {activity_id: [] for activity_id in ids}
    for activity_id, user in rows:
        result[activity_id].append(user)
    return result


def is_confirmed_participant(user_id: int, activity_id: int) -> bool:
    return (
        db.session.scalar(
            select(Enrolment.id).where(
                Enrolment.user_id == user_id,
                Enrolment.activity_id == activity_id,
                Enrolment.status == EnrolmentStatus.CONFIRMED,
            )
        )
        is not None
    )


def records_for_sessions(session_ids: Iterable[int]) -> dict[tuple[int, int], Attendance]:
    """Attendance records keyed by (session id, user id), in one query."""
    ids = sorted(set(session_ids))
    if not ids:
        return {}
    return {
        (a.session_id, a.user_id): a
        for a in db.session.scalars(select(Attendance).where(Attendance.session_id.in_(ids)))
    }


# --- Certificates behind attendance -----------------------------------------------------------


def issued_certificates_affected(
    session_id: int | ActivitySession, user_ids: Iterable[int] | None = None
) -> list[Certificate]:
    """Valid certificates that a change of this session's attendance would contradict.

    A session counts for its own activity and, for a programme module, for the programme's
    diploma; so the valid certificates of both, of the people concerned (everyone when
    ``user_ids`` is None), with their holder. The attendance page warns with this before
    saving, and :func:`lms.attendance.service.record_attendance` asks for a reason of
    correction when it is not empty. Two queries. ``session_id`` may be the session itself.
    """
    if isinstance(session_id, ActivitySession):
        session_id = session_id.id
    row = db.session.execute(
        select(ActivitySession.activity_id, Activity.parent_id)
        .join(Activity, Activity.id == ActivitySession.activity_id)
        .where(ActivitySession.id == session_id)
    ).first()
    if row is None:
        return []
    activity_ids = [row[0]] + ([row[1]] if row[1] is not None else [])
    query = (
        select(Certificate)
        .where(Certificate.activity_id.in_(activity_ids), Certificate.revoked_at.is_(None))
        .options(joinedload(Certificate.user))
        .order_by(Certificate.id)
    )
    if user_ids is not None:
        wanted = sorted(set(user_ids))
        if not wanted:
            return []
        query = query.where(Certificate.user_id.in_(wanted))
    return list(db.session.scalars(query))


# --- One session ---------------------------------------------------------------------------


@dataclass
class RosterEntry:
    user: User
    attendance: Attendance | None = None

    @property
    def status(self) -> AttendanceStatus | None:
        return self.attendance.status if self.attendance else None

    @property
    def text(self) -> str:
        return status_text(self.attendance)


@dataclass
class SessionCard:
    """A session with its confirmed participants and their attendance."""

    session: ActivitySession
    entries: list[RosterEntry] = field(default_factory=list)

    @property
    def activity(self) -> Activity:
        return self.session.activity

    @property
    def total(self) -> int:
        return len(self.entries)

    @property
    def recorded(self) -> int:
        return sum(1 for e in self.entries if e.attendance is not None)

    @property
    def present(self) -> int:
        return sum(
            1
            for e in self.entries
            if e.status in (AttendanceStatus.PRESENT, AttendanceStatus.PARTIAL)
        )

    @property
    def complete(self) -> bool:
        return self.recorded == self.total

    @property
    def state_text(self) -> str:
        return f"{self.recorded}/{self.total} geregistreerd"

    def has_started(self, now: datetime) -> bool:
        return self.session.starts_at <= now


def load_session(session_id: int) -> ActivitySession | None:
    """A session with its activity, the activity's trainers and parent (for access checks)."""
    return db.session.scalar(
        select(ActivitySession)
        .where(ActivitySession.id == session_id)
        .options(
            joinedload(ActivitySession.activity).selectinload(Activity.trainers),
            joinedload(ActivitySession.activity)
            .joinedload(Activity.parent)
            .selectinload(Activity.trainers),
        )
    )


def session_card(session: ActivitySession) -> SessionCard:
    """The session's confirmed participants with their records (two queries)."""
    participants = confirmed_by_activity([session.activity_id])[session.activity_id]
    records = records_for_sessions([session.id])
    return SessionCard(
        session=session,
        entries=[RosterEntry(u, records.get((session.id, u.id))) for u in participants],
    )


def session_history(session: ActivitySession) -> list[AttendanceChange]:
    """Every change to the session's attendance, newest first, in one query."""
    return list(
        db.session.scalars(
            select(AttendanceChange)
            .join(Attendance, Attendance.id == AttendanceChange.attendance_id)
            .where(Attendance.session_id == session.id)
            .options(
                joinedload(AttendanceChange.changed_by),
                joinedload(AttendanceChange.attendance).joinedload(Attendance.user),
            )
            .order_by(AttendanceChange.changed_at.desc(), AttendanceChange.id.desc())
        )
    )


# --- Mijn sessies ---------------------------------------------------------------------------


@dataclass
class MySessions:
    today: list[SessionCard]
    upcoming: list[SessionCard]
    recent: list[SessionCard]

    @property
    def empty(self) -> bool:
        return not (self.today or self.upcoming or self.recent)


def trained_activity_ids(user_id: int):
    """Activities the user runs: directly, or as a module of a programme they run."""
    direct = select(activity_trainers.c.activity_id).where(activity_trainers.c.user_id == user_id)
    return select(Activity.id).where(or_(Activity.id.in_(direct), Activity.parent_id.in_(direct)))


def my_sessions(user: User, now: datetime, *, everything: bool = False) -> MySessions:
    """Today's sessions, then upcoming and recent ones, of the activities ``user`` runs
    (``everything``: of all activities, for coordinators). Four queries, whatever the size.
    """
    today = to_local(now).date()
    day_start, day_end = local_day_bounds(today)
    since = day_start - timedelta(days=RECENT_DAYS)
    until = day_end + timedelta(days=UPCOMING_DAYS)
    query = (
        select(ActivitySession)
        .join(Activity, Activity.id == ActivitySession.activity_id)
        .where(
            ActivitySession.starts_at >= since,
            ActivitySession.starts_at < until,
            Activity.status != ActivityStatus.CANCELLED,
        )
        .options(
            joinedload(ActivitySession.activity).joinedload(Activity.parent),
        )
        .order_by(ActivitySession.starts_at, ActivitySession.id)
    )
    if not everything:
        query = query.where(ActivitySession.activity_id.in_(trained_activity_ids(user.id)))
    sessions = list(db.session.scalars(query))
    cards = _cards(sessions)
    result = MySessions(today=[], upcoming=[], recent=[])
    for card in cards:
        starts = card.session.starts_at
        if day_start <= starts < day_end:
            result.today.append(card)
        elif starts >= day_end:
            if len(result.upcoming) < UPCOMING_LIMIT:
                result.upcoming.append(card)
        else:
            result.recent.append(card)
    result.recent.reverse()  # most recent first
    return result


def _cards(sessions: list[ActivitySession]) -> list[SessionCard]:
    participants = confirmed_by_activity(s.activity_id for s in sessions)
    records = records_for_sessions(s.id for s in sessions if not s.is_cancelled)
    return [
        SessionCard(
            session=s,
            entries=[
                RosterEntry(u, records.get((s.id, u.id))) for u in participants[s.activity_id]
            ],
        )
        for s in sessions
    ]


# --- One activity ---------------------------------------------------------------------------


def activity_family(activity: Activity) -> list[Activity]:
    """The activity, and for a programme its modules (their sessions belong to it)."""
    return [activity, *activity.modules] if activity.is_programme else [activity]


def sessions_of_activities(
    activity_ids: list[int], *, include_cancelled: bool = False
) -> list[ActivitySession]:
    query = (
        select(ActivitySession)
        .where(ActivitySession.activity_id.in_(activity_ids))
        .options(joinedload(ActivitySession.activity))
        .order_by(ActivitySession.starts_at, ActivitySession.id)
    )
    if not include_cancelled:
        query = query.where(ActivitySession.status == SessionStatus.SCHEDULED)
    return list(db.session.scalars(query))


@dataclass
class ParticipantRow:
    user: User
    records: dict[int, Attendance]
    minutes: int

    @property
    def hours_text(self) -> str:
        return format_hours(self.minutes)


@dataclass
class ActivityMatrix:
    """Confirmed participants × the sessions that take place, with every record."""

    activity: Activity
    sessions: list[ActivitySession]
    rows: list[ParticipantRow]

    @property
    def planned_minutes(self) -> int:
        return sum(s.duration_minutes for s in self.sessions)


def activity_matrix(activity: Activity) -> ActivityMatrix:
    family = activity_family(activity)
    sessions = sessions_of_activities([a.id for a in family])
    participants = confirmed_by_activity([activity.id])[activity.id]
    records = records_for_sessions(s.id for s in sessions)
    rows = []
    for user in participants:
        mine = {s.id: records[(s.id, user.id)] for s in sessions if (s.id, user.id) in records}
        minutes = sum(attended_minutes(s, mine.get(s.id)) for s in sessions)
        rows.append(ParticipantRow(user=user, records=mine, minutes=minutes))
    return ActivityMatrix(activity=activity, sessions=sessions, rows=rows)


# --- A participant's own attendance -----------------------------------------------------------


@dataclass
class OwnSessionRow:
    session: ActivitySession
    attendance: Attendance | None
    minutes: int

    @property
    def text(self) -> str:
        if self.session.is_cancelled:
            return "geannuleerd"
        return status_text(self.attendance)


@dataclass
class OwnAttendance:
    activity: Activity
    rows: list[OwnSessionRow]

    @property
    def attended_minutes(self) -> int:
        return sum(r.minutes for r in self.rows)

    @property
    def planned_minutes(self) -> int:
        return sum(r.session.duration_minutes for r in self.rows if not r.session.is_cancelled)

    @property
    def attended_hours_text(self) -> str:
        return format_hours(self.attended_minutes)

    @property
    def planned_hours_text(self) -> str:
        return format_hours(self.planned_minutes)

    @property
    def percentage(self) -> float:
        """Share of the planned minutes attended, by the one rounding rule of
        :func:`lms.common.display.pct_number` (half-up, one decimal: 2/3 is 66.7)."""
        return pct_number(self.attended_minutes, self.planned_minutes)


def own_attendance(user: User, activity: Activity) -> OwnAttendance:
    family = activity_family(activity)
    sessions = sessions_of_activities([a.id for a in family], include_cancelled=True)
    records = {
        a.session_id: a
        for a in db.session.scalars(
            select(Attendance).where(
                Attendance.user_id == user.id,
                Attendance.session_id.in_([s.id for s in sessions] or [0]),
            )
        )
    }
    rows = [
        OwnSessionRow(s, records.get(s.id), attended_minutes(s, records.get(s.id)))
        for s in sessions
    ]
    return OwnAttendance(activity=activity, rows=rows)


def enrolment_of(user: User, activity: Activity) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.activity_id == activity.id)
    )


def load_activity(activity_id: int) -> Activity | None:
    """An activity with what access checks and attendance pages read."""
    return db.session.scalar(
        select(Activity)
        .where(Activity.id == activity_id)
        .options(
            selectinload(Activity.trainers),
            joinedload(Activity.parent).selectinload(Activity.trainers),
            selectinload(Activity.modules),
        )
    )


def local_date(value: datetime) -> date:
    return to_local(value).date()
