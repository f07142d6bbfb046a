"""Reminders: one mail per confirmed participant for each session starting soon.

Idempotent through the outbox's unique ``dedup_key`` (``reminder:<session>:<user>``): run
it as often as you like (cron), every reminder is queued once, ever. Two runs at the same
moment cannot queue one twice either: the unique index refuses the second row, and the
caller retries (see :mod:`lms.cli.remind`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.attendance.queries import confirmed_by_activity
from lms.common.timeutil import format_date, format_time, to_local
from lms.extensions import db
from lms.mail.outbox import queue_mail
from lms.models import (
    Activity,
    ActivitySession,
    ActivityStatus,
    OutboxMail,
    SessionStatus,
    utcnow,
)
from lms.schedule.service import mail_links

DEFAULT_WITHIN = timedelta(days=1)


def reminder_key(session_id: int, user_id: int) -> str:
    return f"reminder:{session_id}:{user_id}"


@dataclass
class SessionReminders:
    session: ActivitySession
    queued: int = 0
    skipped: int = 0


@dataclass
class ReminderReport:
    sessions: list[SessionReminders] = field(default_factory=list)

    @property
    def queued(self) -> int:
        return sum(s.queued for s in self.sessions)

    @property
    def skipped(self) -> int:
        return sum(s.skipped for s in self.sessions)


def due_sessions(now: datetime, within: timedelta) -> list[ActivitySession]:
    """Sessions that take place, of published activities, starting in (now, now + within]."""
    return list(
        db.session.scalars(
            select(ActivitySession)
            .join(Activity, Activity.id == ActivitySession.activity_id)
            .where(
                ActivitySession.status == SessionStatus.SCHEDULED,
                Activity.status == ActivityStatus.PUBLISHED,
                ActivitySession.starts_at > now,
                ActivitySession.starts_at <= now + within,
            )
            .options(joinedload(ActivitySession.activity))
            .order_by(ActivitySession.starts_at, ActivitySession.id)
        )
    )


def when_words(starts_at: datetime, now: datetime) -> str:
    """``vandaag``, ``morgen`` or ``op dinsdag 3 maart`` (Brussels dates)."""
    days = (to_local(starts_at).date() - to_local(now).date()).days
    if days == 0:
        return "vandaag"
    if days == 1:
        return "morgen"
    return "op " + format_date(starts_at, year=False)


def queue_reminders(
    now: datetime | None = None, within: timedelta = DEFAULT_WITHIN
) -> ReminderReport:
    """Queue the reminders that were never queued; the caller commits."""
    now = now or utcnow()
    sessions = due_sessions(now, within)
    participants = confirmed_by_activity(s.activity_id for s in sessions)
    keys = [reminder_key(s.id, u.id) for s in sessions for u in participants[s.activity_id]]
    done: set[str] = set()
    for start in range(0, len(keys), 500):
        done |= set(
            db.session.scalars(
                select(OutboxMail.dedup_key).where(
                    OutboxMail.dedup_key.in_(keys[start : start + 500])
                )
            )
        )
    report = ReminderReport()
    for session in sessions:
        line = SessionReminders(session)
        activity = session.activity
        context = {
            "activity": activity,
            "session": session,
            "when_words": when_words(session.starts_at, now),
            "links": mail_links(activity),
        }
        subject = (
            f"Herinnering: {activity.title}, {when_words(session.starts_at, now)} "
            f"om {format_time(session.starts_at)}"
        )
        for user in participants[session.activity_id]:
            key = reminder_key(session.id, user.id)
            if key in done:
                line.skipped += 1
                continue
            mail = queue_mail(
                kind="reminder",
                to=user,
                subject=subject,
                facts={"user": user, **context},
                dedup_key=key,
            )
            if mail is None:
                line.skipped += 1
            else:
                line.queued += 1
        report.sessions.append(line)
    return report
