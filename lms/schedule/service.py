"""The rules for an activity's sessions: add, edit, reschedule, cancel, reinstate.

Plain functions on ``db.session`` (no request): they validate, write, leave an audit entry
and queue the mails in the same transaction, and never commit. A refusal raises
:class:`ScheduleError` with a Dutch message.

Every change of an existing session calls :meth:`ActivitySession.touch` (a new SEQUENCE
and updated time), so calendar clients pick it up. Confirmed participants get one mail per
person when a session that is still to come is added, moved, moved elsewhere or cancelled;
so do the activity's trainers when someone else made the change, and the coordinators when
a trainer made it (:func:`_notify`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, func, select

from lms.audit import record
from lms.calendar.ics import invitation_facts
from lms.common import locking
from lms.common.errors import RuleError
from lms.common.timeutil import format_date, format_period
from lms.common.urls import absolute_url
from lms.enrolment.queries import confirmed_participants
from lms.extensions import db
from lms.mail.outbox import queue_mail
from lms.models import (
    Activity,
    ActivitySession,
    Attendance,
    Role,
    SessionStatus,
    User,
    UserRole,
    utcnow,
)

#: A session longer than this is almost certainly a typing error.
MAX_SESSION_HOURS = 24


class ScheduleError(RuleError):
    """A rule refused the change. ``message`` is Dutch and meant for the person.

    ``code`` says what kind of refusal it is (``invalid``, ``overlap``, ``cancelled``,
    ``has_attendance``); ``field`` names the form field to show it next to, if any.
    """

    def __init__(self, message: str, code: str = "invalid", field: str | None = None) -> None:
        super().__init__(message, code=code, field=field)


@dataclass(frozen=True)
class SessionData:
    """What a person can set on a session."""

    starts_at: datetime
    ends_at: datetime
    location: str = ""
    online_url: str = ""
    title: str = ""

    def cleaned(self) -> SessionData:
        return SessionData(
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            location=" ".join((self.location or "").split()),
            online_url=(self.online_url or "").strip(),
            title=" ".join((self.title or "").split()),
        )


@dataclass
class ChangeResult:
    """What :func:`update_session` did: the changed fields and how many were mailed."""

    session: ActivitySession
    changed: list[str] = field(default_factory=list)
    mailed: int = 0

    @property
    def rescheduled(self) -> bool:
        return "starts_at" in self.changed or "ends_at" in self.changed


# --- Reading -----------------------------------------------------------------------------


def sessions_of(activity: Activity) -> list[ActivitySession]:
    """All sessions of the activity, cancelled ones too, by start."""
    return list(
        db.session.scalars(
            select(ActivitySession)
            .where(ActivitySession.activity_id == activity.id)
            .order_by(ActivitySession.starts_at, ActivitySession.id)
        )
    )


def has_attendance(session: ActivitySession) -> bool:
    return bool(db.session.scalar(select(exists().where(Attendance.session_id == session.id))))


def attendance_counts(session_ids: list[int]) -> dict[int, int]:
    """Number of attendance records per session id, in one query."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(Attendance.session_id, func.count(Attendance.id))
        .where(Attendance.session_id.in_(session_ids))
        .group_by(Attendance.session_id)
    ).all()
    return {session_id: int(count) for session_id, count in rows}


# --- Rules -------------------------------------------------------------------------------


def _lock_activity(activity: Activity) -> None:
    """Serialise schedule changes of one activity (see :mod:`lms.common.locking`)."""
    locking.lock_activities([activity.id])


def _validate(activity: Activity, data: SessionData, *, ignore: ActivitySession | None) -> None:
    if data.starts_at.tzinfo is None or data.ends_at.tzinfo is None:
        raise ValueError("session times must be aware datetimes")
    if data.ends_at <= data.starts_at:
        raise ScheduleError(_("Het einde moet na het begin liggen."), field="end_time")
    if (data.ends_at - data.starts_at).total_seconds() > MAX_SESSION_HOURS * 3600:
        raise ScheduleError(
            _(
                "Een sessie duurt hoogstens %(hours)s uur. Controleer datum en uren.",
                hours=MAX_SESSION_HOURS,
            ),
            field="end_time",
        )
    if len(data.location) > 300:
        raise ScheduleError(_("De locatie is te lang (hoogstens 300 tekens)."), field="location")
    if len(data.title) > 200:
        raise ScheduleError(_("De titel is te lang (hoogstens 200 tekens)."), field="title")
    if data.online_url:
        if len(data.online_url) > 500:
            raise ScheduleError(_("De link is te lang (hoogstens 500 tekens)."), field="online_url")
        if not data.online_url.startswith(("https://", "http://")):
            raise ScheduleError(
                _("De onlinelink moet beginnen met https:// (of http://)."), field="online_url"
            )
    query = select(ActivitySession).where(
        ActivitySession.activity_id == activity.id,
        ActivitySession.status == SessionStatus.SCHEDULED,
        ActivitySession.starts_at < data.ends_at,
        ActivitySession.ends_at > data.starts_at,
    )
    if ignore is not None and ignore.id is not None:
        query = query.where(ActivitySession.id != ignore.id)
    clash = db.session.scalars(query.order_by(ActivitySession.starts_at).limit(1)).first()
    if clash is not None:
        raise ScheduleError(
            _(
                "Deze sessie overlapt met een andere sessie van deze activiteit "
                "(%(period)s). Kies een ander tijdstip.",
                period=format_period(clash.starts_at, clash.ends_at),
            ),
            code="overlap",
            field="start_time",
        )


def _still_to_come(*ends: datetime, now: datetime) -> bool:
    return any(end > now for end in ends)


def add_session(
    activity: Activity, data: SessionData, *, actor: User | None, now: datetime | None = None
) -> ActivitySession:
    """Add a session; participants hear of it when it is still to come."""
    now = now or utcnow()
    data = data.cleaned()
    _lock_activity(activity)
    _validate(activity, data, ignore=None)
    session = ActivitySession(
        activity=activity,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        location=data.location,
        online_url=data.online_url,
        title=data.title,
        updated_at=now,
    )
    db.session.add(session)
    db.session.flush()
    record(
        "session.added",
        actor=actor,
        activity=activity,
        summary=f"Sessie toegevoegd aan ‘{activity.title}’: "
        f"{format_period(data.starts_at, data.ends_at)}.",
        session_id=session.id,
        starts_at=data.starts_at.isoformat(),
        ends_at=data.ends_at.isoformat(),
        location=data.location,
    )
    if _still_to_come(session.ends_at, now=now):
        _notify(session, "session_added", actor=actor, subject=f"Nieuwe sessie: {activity.title}")
    return session


def update_session(
    session: ActivitySession,
    data: SessionData,
    *,
    actor: User | None,
    now: datetime | None = None,
) -> ChangeResult:
    """Edit a session; moving it in time is rescheduling.

    A session whose attendance was taken keeps its time (its hours count for
    certificates); its place and title can still be corrected.
    """
    now = now or utcnow()
    data = data.cleaned()
    if session.is_cancelled:
        raise ScheduleError(
            _("Deze sessie is geannuleerd. Zet ze eerst terug voor je ze wijzigt."),
            code="cancelled",
        )
    activity = session.activity
    _lock_activity(activity)
    result = ChangeResult(session=session)
    old = {
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "location": session.location,
        "online_url": session.online_url,
        "title": session.title,
    }
    new = {
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "location": data.location,
        "online_url": data.online_url,
        "title": data.title,
    }
    result.changed = [name for name in old if old[name] != new[name]]
    if not result.changed:
        return result
    if result.rescheduled and has_attendance(session):
        raise ScheduleError(
            _(
                "Voor deze sessie zijn al aanwezigheden geregistreerd; het tijdstip kan niet "
                "meer wijzigen. Plaats en titel kun je nog aanpassen."
            ),
            code="has_attendance",
            field="start_time",
        )
    _validate(activity, data, ignore=session)
    for name, value in new.items():
        setattr(session, name, value)
    session.touch()
    db.session.flush()

    if result.rescheduled:
        action, kind = "session.rescheduled", "session_rescheduled"
        summary = (
            f"Sessie van ‘{activity.title}’ verplaatst van "
            f"{format_period(old['starts_at'], old['ends_at'])} naar "
            f"{format_period(data.starts_at, data.ends_at)}."
        )
        subject = f"Gewijzigd tijdstip: {activity.title} – {format_date(data.starts_at)}"
    elif {"location", "online_url"} & set(result.changed):
        action, kind = "session.changed", "session_changed"
        summary = (
            f"Plaats van de sessie van ‘{activity.title}’ op "
            f"{format_period(data.starts_at, data.ends_at)} gewijzigd."
        )
        subject = f"Andere plaats: {activity.title} – {format_date(data.starts_at)}"
    else:
        action, kind = "session.changed", None
        summary = f"Titel van een sessie van ‘{activity.title}’ gewijzigd."
        subject = ""
    record(
        action,
        actor=actor,
        activity=activity,
        summary=summary,
        session_id=session.id,
        changed=result.changed,
        old={k: _plain(v) for k, v in old.items() if k in result.changed},
        new={k: _plain(v) for k, v in new.items() if k in result.changed},
        sequence=session.sequence,
    )
    if kind and _still_to_come(old["ends_at"], data.ends_at, now=now):
        result.mailed = _notify(
            session,
            kind,
            actor=actor,
            subject=subject,
            extra={
                "old_starts_at": old["starts_at"],
                "old_ends_at": old["ends_at"],
                "old_location": old["location"],
                "old_online_url": old["online_url"],
                "changed": result.changed,
            },
        )
    return result


def reschedule_session(
    session: ActivitySession,
    starts_at: datetime,
    ends_at: datetime,
    *,
    actor: User | None,
    location: str | None = None,
    now: datetime | None = None,
) -> ChangeResult:
    """Move a session to another time (and optionally place)."""
    return update_session(
        session,
        SessionData(
            starts_at=starts_at,
            ends_at=ends_at,
            location=session.location if location is None else location,
            online_url=session.online_url,
            title=session.title,
        ),
        actor=actor,
        now=now,
    )


def cancel_session(
    session: ActivitySession,
    *,
    actor: User | None,
    reason: str = "",
    now: datetime | None = None,
) -> int:
    """Cancel a session; returns how many participants were mailed.

    The row stays (STATUS:CANCELLED in the feeds); attendance can no longer be taken.
    """
    now = now or utcnow()
    reason = " ".join((reason or "").split())[:500]
    if session.is_cancelled:
        raise ScheduleError(_("Deze sessie is al geannuleerd."), code="cancelled")
    if has_attendance(session):
        raise ScheduleError(
            _(
                "Voor deze sessie zijn al aanwezigheden geregistreerd; ze kan niet meer "
                "geannuleerd worden."
            ),
            code="has_attendance",
        )
    activity = session.activity
    _lock_activity(activity)
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = now
    session.touch()
    db.session.flush()
    record(
        "session.cancelled",
        actor=actor,
        activity=activity,
        summary=f"Sessie van ‘{activity.title}’ op "
        f"{format_period(session.starts_at, session.ends_at)} geannuleerd.",
        session_id=session.id,
        reason=reason,
        sequence=session.sequence,
    )
    if not _still_to_come(session.ends_at, now=now):
        return 0
    return _notify(
        session,
        "session_cancelled",
        actor=actor,
        subject=f"Geannuleerd: {activity.title} – {format_date(session.starts_at)}",
        extra={"reason": reason},
    )


def reinstate_session(
    session: ActivitySession, *, actor: User | None, now: datetime | None = None
) -> int:
    """Undo a cancellation (when it does not overlap another session); returns mails queued."""
    now = now or utcnow()
    if not session.is_cancelled:
        raise ScheduleError(_("Deze sessie is niet geannuleerd."), code="invalid")
    activity = session.activity
    _lock_activity(activity)
    _validate(
        activity,
        SessionData(
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            location=session.location,
            online_url=session.online_url,
            title=session.title,
        ),
        ignore=session,
    )
    session.status = SessionStatus.SCHEDULED
    session.cancelled_at = None
    session.touch()
    db.session.flush()
    record(
        "session.reinstated",
        actor=actor,
        activity=activity,
        summary=f"Geannuleerde sessie van ‘{activity.title}’ op "
        f"{format_period(session.starts_at, session.ends_at)} teruggezet.",
        session_id=session.id,
        sequence=session.sequence,
    )
    if not _still_to_come(session.ends_at, now=now):
        return 0
    return _notify(
        session,
        "session_added",
        actor=actor,
        subject=f"Sessie gaat toch door: {activity.title} – {format_date(session.starts_at)}",
        extra={"reinstated": True},
    )


# --- Mail --------------------------------------------------------------------------------


def _notify(
    session: ActivitySession,
    kind: str,
    *,
    actor: User | None,
    subject: str,
    extra: dict[str, Any] | None = None,
) -> int:
    """Tell everyone who must know; returns how many participants were mailed.

    Each confirmed participant of the session's activity gets one mail with the session as
    a calendar invitation (the feeds' UID and the raised SEQUENCE: METHOD:REQUEST updates
    or adds it, METHOD:CANCEL removes it). So does each trainer of the activity who did not
    make the change. When a trainer (not a coordinator) made it, the coordinators hear of
    it (``MAIL_COORDINATOR_ADDRESS`` when set, else every active coordinator). Only facts
    are queued: the mails are rendered when they are sent.
    """
    activity = session.activity
    participants = confirmed_participants(activity.id)
    facts = {
        "activity": activity,
        "session": session,
        "links": mail_links(activity),
        **(extra or {}),
    }
    method = "CANCEL" if session.is_cancelled else "REQUEST"
    for user in participants:
        queue_mail(
            kind=kind,
            to=user,
            subject=subject,
            facts={"user": user, **facts},
            invitation=invitation_facts(session, user, method),
        )
    trainer_ids = {trainer.id for trainer in activity.trainers}
    for trainer in activity.trainers:
        if not trainer.is_active or (actor is not None and trainer.id == actor.id):
            continue
        queue_mail(
            kind="session_trainer",
            to=trainer,
            subject=subject,
            facts={"user": trainer, "change": kind, "by": actor, **facts},
            invitation=invitation_facts(session, trainer, method),
        )
    if actor is not None and actor.id in trainer_ids and not actor.is_coordinator:
        for address in _coordinator_addresses():
            queue_mail(
                kind="session_changed_by_trainer",
                to=address,
                subject=f"{actor.name} wijzigde een sessie: {subject}",
                facts={
                    "change": kind,
                    "by": actor,
                    "participants": len(participants),
                    "manage_url": absolute_url("schedule.manage", activity_id=activity.id),
                    **facts,
                },
            )
    return len(participants)


def _coordinator_addresses() -> list[User | tuple[str, str]]:
    """Who hears of a trainer's change: the configured address, else the coordinators."""
    configured = (current_app.config.get("MAIL_COORDINATOR_ADDRESS") or "").strip()
    if configured:
        return [(configured, "Coördinatie SAM Leerplatform")]
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                UserRole.role == Role.COORDINATOR,
                User.active.is_(True),
                User.erased_at.is_(None),
            )
            .order_by(User.name, User.id)
        )
    )


def mail_links(activity: Activity) -> dict[str, str]:
    """Absolute links the mails show."""
    return {
        "activity": absolute_url("enrolment.activity", activity_id=activity.id),
        "enrolments": absolute_url("enrolment.mine"),
        "attendance": absolute_url("attendance.my_attendance", activity_id=activity.id),
    }


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
