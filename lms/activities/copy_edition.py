"""“Volgende editie”: copy an activity (and a programme's modules) to new dates, as a draft.

The coordinator picks the date of the new first session; every session moves by the same
number of days and keeps its Brussels wall-clock time (a session at 09:30 in winter is at
09:30 in summer too, whatever the change of clocks in between). The enrolment window and
the cancellation deadline move along. The copy gets fresh session UIDs (it is another
event for calendars), no enrolments, and the current trainers that still hold the trainer
role. Everything is created through :mod:`lms.activities.service`, so its rules apply.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _

from lms.activities import service as activities
from lms.activities.service import ActivityError
from lms.audit import record
from lms.common.timeutil import format_date, local_to_utc, to_local
from lms.extensions import db
from lms.intake import service as intake
from lms.interest import service as interest
from lms.models import (
    Activity,
    ActivitySession,
    ActivityStatus,
    Organisation,
    Role,
    SessionStatus,
    User,
    utcnow,
)
from lms.schedule.service import SessionData


def _copied_sessions(activity: Activity, *, everything: bool) -> list[ActivitySession]:
    """The sessions a copy takes over: the scheduled ones, or all of them when the whole
    activity was cancelled (its sessions were cancelled with it)."""
    return [s for s in activity.sessions if everything or s.status == SessionStatus.SCHEDULED]


def _copied_modules(programme: Activity, *, everything: bool) -> list[Activity]:
    return [m for m in programme.modules if everything or m.status != ActivityStatus.CANCELLED]


def source_first_start(activity: Activity) -> datetime | None:
    """The start of the first session the copy would take over."""
    everything = activity.status == ActivityStatus.CANCELLED
    starts = [s.starts_at for s in _copied_sessions(activity, everything=everything)]
    if activity.is_programme:
        for module in _copied_modules(activity, everything=everything):
            starts += [s.starts_at for s in _copied_sessions(module, everything=everything)]
    return min(starts, default=None)


def shift(value: datetime | None, days: int) -> datetime | None:
    """``value`` moved by ``days`` calendar days, same Brussels wall-clock time."""
    if value is None:
        return None
    local = to_local(value).replace(tzinfo=None)
    return local_to_utc(local + timedelta(days=days))


def copy_activity(
    source: Activity,
    *,
    first_day: date,
    actor: User | None,
    title: str | None = None,
    now: datetime | None = None,
) -> Activity:
    """A draft copy of ``source`` whose first session falls on ``first_day``."""
    now = now or utcnow()
    if source.parent_id is not None:
        parent = source.parent
        raise ActivityError(
            _(
                "Dit is een module van „%(programme)s”: "
                "maak een volgende editie van de hele opleiding.",
                programme=parent.title if parent else _("een beroepsopleiding"),
            ),
            "first_day",
        )
    first = source_first_start(source)
    if first is None:
        raise ActivityError(
            _(
                "Deze activiteit heeft geen sessies om te verschuiven. Maak een nieuwe activiteit "
                "of voeg eerst sessies toe."
            ),
            "first_day",
        )
    days = (first_day - to_local(first).date()).days
    new_first = shift(first, days)
    if new_first is None or new_first <= now:
        raise ActivityError(
            _("De eerste sessie van de nieuwe editie moet in de toekomst liggen."), "first_day"
        )
    everything = source.status == ActivityStatus.CANCELLED
    copy = _copy_one(
        source, days=days, actor=actor, title=title, parent=None, everything=everything
    )
    if source.is_programme:
        for module in _copied_modules(source, everything=everything):
            _copy_one(
                module, days=days, actor=actor, title=None, parent=copy, everything=everything
            )
    db.session.flush()
    interest.link_edition(copy, source)  # its interest list reaches the new edition
    intake.copy_questions(source, copy)
    record(
        "activity.copied",
        actor=actor,
        activity=copy,
        summary=f"Volgende editie van „{source.title}” aangemaakt als ontwerp; eerste sessie "
        f"op {format_date(new_first)} ({'+' if days >= 0 else ''}{days} dagen).",
        source_id=source.id,
        days=days,
    )
    return copy


def _copy_one(
    source: Activity,
    *,
    days: int,
    actor: User | None,
    title: str | None,
    parent: Activity | None,
    everything: bool,
) -> Activity:
    sessions = [
        SessionData(
            starts_at=shift(s.starts_at, days),  # type: ignore[arg-type]
            ends_at=shift(s.ends_at, days),  # type: ignore[arg-type]
            location=s.location,
            online_url=s.online_url,
            title=s.title,
        )
        for s in _copied_sessions(source, everything=everything)
    ]
    organisation = (
        db.session.get(Organisation, source.organisation_id) if source.organisation_id else None
    )
    return activities.create_activity(
        actor=actor,
        kind=source.kind,
        title=title or source.title,
        capacity=source.capacity,
        waitlist_enabled=source.waitlist_enabled,
        requires_approval=source.requires_approval,
        status=ActivityStatus.DRAFT,
        sessions=sessions,
        trainers=[t for t in source.trainers if t.has_role(Role.TRAINER) and t.is_active],
        themes=list(source.themes),
        summary=source.summary,
        description=source.description,
        audience=source.audience,
        what_to_bring=source.what_to_bring,
        price_member=source.price_member,
        price_non_member=source.price_non_member,
        enrolment_opens_at=shift(source.enrolment_opens_at, days),
        enrolment_closes_at=shift(source.enrolment_closes_at, days),
        cancellation_deadline=shift(source.cancellation_deadline, days),
        seat_release=source.seat_release,
        offer_hours=source.offer_hours,
        parent=parent,
        organisation=organisation,
        nominal_hours=source.nominal_hours,
        rule_min_attendance_pct=source.rule_min_attendance_pct,
        rule_excused_counts=source.rule_excused_counts,
        rule_hours_credit=source.rule_hours_credit,
    )
