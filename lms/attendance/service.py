"""The rules of attendance: who may be marked, when, and keeping every change.

Plain functions on ``db.session``: they validate, write, leave an :class:`AttendanceChange`
per change and an audit entry, and never commit. A refusal raises :class:`AttendanceError`
with a Dutch message.

- Attendance is taken for confirmed participants only, from the session's start on (not
  for a session that has not begun, nor for a cancelled one), and can be corrected later.
  One exception: ``excused`` may be recorded in advance ("ik kan niet komen" arrives days
  before), by staff or by the participant (:func:`report_absence`), until the session starts.
- A record may carry a remark; a correction may carry a reason, kept in the history. When
  the change touches a valid certificate (of the activity, or of its programme), the reason
  is required and the certificate goes on the coordinators' to-do list
  (``Certificate.review_since``) to be kept or revoked and reissued.
- Every change keeps the old value, the new one, who and when, and where it came from
  (``trainer``, ``checkin``, ``api``); a correction also leaves ``attendance.corrected``
  in the audit log.
- Self check-in marks a participant present when they show the session's current code
  during the check-in window; it never overrides what a trainer recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from lms.attendance import checkin, queries
from lms.attendance.queries import is_confirmed_participant
from lms.audit import record
from lms.common.errors import RuleError
from lms.common.timeutil import format_date, format_period, format_time
from lms.enrolment.queries import confirmed_participants
from lms.extensions import db
from lms.models import (
    ActivitySession,
    Attendance,
    AttendanceChange,
    AttendanceStatus,
    Certificate,
    SessionStatus,
    User,
    utcnow,
)

SOURCES = ("trainer", "checkin", "api", "participant")
#: The longest remark or reason kept.
TEXT_LIMIT = 500


class AttendanceError(RuleError):
    """A rule refused the change; ``message`` is Dutch and meant for the person.

    ``code``: ``not_started``, ``cancelled``, ``not_enrolled``, ``invalid``,
    ``checkin_not_open``, ``checkin_closed``, ``bad_code``, ``reason_required`` (a change
    behind an issued certificate without a reason), ``started`` (an absence reported after
    the start). ``field`` names the form field.
    """

    def __init__(self, message: str, code: str = "invalid", field: str | None = None) -> None:
        super().__init__(message, code=code, field=field)


@dataclass(frozen=True)
class Mark:
    """One person's attendance as someone wants it recorded."""

    user_id: int
    status: AttendanceStatus
    minutes: int | None = None
    #: A remark for this record; None keeps the record's remark (or the call's ``remark``).
    remark: str | None = None


@dataclass
class RecordResult:
    created: int = 0
    corrected: int = 0
    unchanged: int = 0
    records: list[Attendance] = field(default_factory=list)
    #: Valid certificates this change contradicted; now on the coordinators' to-do list.
    certificates_flagged: list = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.corrected


# --- When -------------------------------------------------------------------------------


def ensure_can_take(
    session: ActivitySession,
    now: datetime | None = None,
    *,
    statuses: Iterable[AttendanceStatus] = (),
) -> None:
    """Refuse a cancelled session and one that has not started yet.

    Before the start only ``excused`` may be recorded: pass the ``statuses`` that are
    about to be recorded; when every one is excused, a future session is accepted.
    """
    now = now or utcnow()
    wanted = {AttendanceStatus(s) for s in statuses}
    if wanted and wanted <= {AttendanceStatus.EXCUSED} and not session.is_cancelled:
        return
    if session.is_cancelled:
        raise AttendanceError(
            _("Deze sessie is geannuleerd; er worden geen aanwezigheden voor geregistreerd."),
            code="cancelled",
        )
    if now < session.starts_at:
        raise AttendanceError(
            _(
                "Deze sessie is nog niet begonnen. Je kunt aanwezigheden registreren vanaf de "
                "start: %(date)s om %(time)s.",
                date=format_date(session.starts_at),
                time=format_time(session.starts_at),
            ),
            code="not_started",
        )


def can_take(session: ActivitySession, now: datetime | None = None) -> bool:
    try:
        ensure_can_take(session, now)
    except AttendanceError:
        return False
    return True


# --- Validation ---------------------------------------------------------------------------


def validate_mark(session: ActivitySession, mark: Mark, name: str = "") -> Mark:
    """The mark with its minutes checked (partial: 1..duration; other statuses: none)."""
    status = AttendanceStatus(mark.status)
    if status != AttendanceStatus.PARTIAL:
        return Mark(mark.user_id, status, None, mark.remark)
    duration = session.duration_minutes
    if mark.minutes is None:
        raise AttendanceError(
            _(
                "Vul voor %(name)s in hoeveel minuten de persoon aanwezig was (1 tot %(max)s).",
                name=name,
                max=duration,
            )
            if name
            else _("Vul in hoeveel minuten de persoon aanwezig was (1 tot %(max)s).", max=duration),
            field=f"minutes_{mark.user_id}",
        )
    if not 1 <= int(mark.minutes) <= duration:
        raise AttendanceError(
            _(
                "Het aantal minuten voor %(name)s moet tussen 1 en %(max)s liggen "
                "(de duur van de sessie).",
                name=name,
                max=duration,
            )
            if name
            else _(
                "Het aantal minuten moet tussen 1 en %(max)s liggen (de duur van de sessie).",
                max=duration,
            ),
            field=f"minutes_{mark.user_id}",
        )
    return Mark(mark.user_id, status, int(mark.minutes), mark.remark)


# --- Recording -----------------------------------------------------------------------------


def record_attendance(
    session: ActivitySession,
    marks: list[Mark],
    *,
    actor: User | None,
    source: str = "trainer",
    now: datetime | None = None,
    remark: str = "",
    correction_reason: str = "",
) -> RecordResult:
    """Record (or correct) the attendance of confirmed participants of the session.

    Everything is checked before anything is written: one bad mark refuses them all.
    ``remark`` is set on every changed record whose mark has no remark of its own;
    ``correction_reason`` is kept with every correction, and is required (code
    ``reason_required``) when a change touches a valid certificate.
    """
    now = now or utcnow()
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    ensure_can_take(session, now, statuses=[m.status for m in marks])
    remark = _clean(remark)
    correction_reason = _clean(correction_reason)
    participants = {u.id: u for u in confirmed_participants(session.activity_id)}
    checked: dict[int, Mark] = {}
    for mark in marks:
        user = participants.get(mark.user_id)
        if user is None:
            raise AttendanceError(
                _(
                    "Alleen bevestigde deelnemers van deze activiteit kunnen als aanwezig of "
                    "afwezig geregistreerd worden."
                ),
                code="not_enrolled",
                field=f"status_{mark.user_id}",
            )
        if mark.user_id in checked:
            raise AttendanceError(
                _("%(name)s staat twee keer in de lijst.", name=user.name), code="invalid"
            )
        checked[mark.user_id] = validate_mark(session, mark, user.name)

    existing = {
        a.user_id: a
        for a in db.session.scalars(
            select(Attendance)
            .where(Attendance.session_id == session.id)
            .options(_no_eager_changes())
        )
    }

    def wanted_remark(mark: Mark, attendance: Attendance | None) -> str:
        if mark.remark is not None:
            return _clean(mark.remark)
        if remark:
            return remark
        return attendance.remark if attendance is not None else ""

    changing = [
        user_id
        for user_id, mark in checked.items()
        if (a := existing.get(user_id)) is None
        or (a.status, a.minutes, a.remark) != (mark.status, mark.minutes, wanted_remark(mark, a))
    ]
    affected = [
        c
        for c in queries.issued_certificates_affected(session.id, changing)
        if _changes_value(existing.get(c.user_id), checked[c.user_id])
    ]
    if affected and not correction_reason:
        names = ", ".join(sorted({c.user.name for c in affected if c.user is not None}))
        raise AttendanceError(
            _(
                "Voor %(names)s is al een attest uitgereikt. Geef een reden voor deze "
                "correctie; het attest komt dan op de takenlijst van de coördinatoren.",
                names=names,
            ),
            code="reason_required",
            field="correction_reason",
        )

    result = RecordResult()
    corrections = []
    for user_id, mark in checked.items():
        attendance = existing.get(user_id)
        new_remark = wanted_remark(mark, attendance)
        if attendance is None:
            attendance = Attendance(
                session_id=session.id,
                user_id=user_id,
                status=mark.status,
                minutes=mark.minutes,
                recorded_by_id=actor.id if actor else None,
                recorded_at=now,
                source=source,
                remark=new_remark,
            )
            db.session.add(attendance)
            _log_change(
                attendance, None, None, mark, actor, source, now, remark=new_remark, reason=""
            )
            result.created += 1
        elif (attendance.status, attendance.minutes, attendance.remark) == (
            mark.status,
            mark.minutes,
            new_remark,
        ):
            result.unchanged += 1
        else:
            old_status, old_minutes = attendance.status, attendance.minutes
            attendance.status = mark.status
            attendance.minutes = mark.minutes
            attendance.recorded_by_id = actor.id if actor else None
            attendance.recorded_at = now
            attendance.source = source
            attendance.remark = new_remark
            _log_change(
                attendance,
                old_status,
                old_minutes,
                mark,
                actor,
                source,
                now,
                remark=new_remark,
                reason=correction_reason,
            )
            if (old_status, old_minutes) != (mark.status, mark.minutes):
                corrections.append((participants[user_id], old_status, old_minutes, mark))
            result.corrected += 1
        result.records.append(attendance)
    for certificate in affected:
        _flag_certificate(certificate, correction_reason, actor=actor, now=now)
    result.certificates_flagged = affected
    db.session.flush()

    activity = session.activity
    when = format_period(session.starts_at, session.ends_at)
    if result.created:
        record(
            "attendance.recorded",
            actor=actor,
            activity=activity,
            summary=f"Aanwezigheden geregistreerd voor ‘{activity.title}’ ({when}): "
            f"{result.created} {'persoon' if result.created == 1 else 'personen'}.",
            session_id=session.id,
            source=source,
            count=result.created,
        )
    for user, old_status, old_minutes, mark in corrections:
        record(
            "attendance.corrected",
            actor=actor,
            subject_user=user,
            activity=activity,
            summary=f"Aanwezigheid van {user.name} voor ‘{activity.title}’ ({when}) "
            f"gewijzigd van {_label(old_status, old_minutes)} naar "
            f"{_label(mark.status, mark.minutes)}.",
            session_id=session.id,
            source=source,
            old_status=old_status.value if old_status else None,
            old_minutes=old_minutes,
            new_status=mark.status.value,
            new_minutes=mark.minutes,
            reason=correction_reason,
        )
    if result.changed:
        # Learning policy (issue 6): warn, once, whoever can no longer reach the certificate.
        from lms.policy.progress import notify_if_out_of_reach

        notify_if_out_of_reach(activity, [r.user_id for r in result.records])
    return result


def _no_eager_changes():  # a loader option that keeps AttendanceChange lazy
    from sqlalchemy.orm import lazyload

    return lazyload(Attendance.changes)


def _log_change(
    attendance: Attendance,
    old_status: AttendanceStatus | None,
    old_minutes: int | None,
    mark: Mark,
    actor: User | None,
    source: str,
    now: datetime,
    *,
    remark: str = "",
    reason: str = "",
) -> None:
    db.session.add(
        AttendanceChange(
            attendance=attendance,
            old_status=old_status,
            old_minutes=old_minutes,
            new_status=mark.status,
            new_minutes=mark.minutes,
            changed_by_id=actor.id if actor else None,
            changed_at=now,
            source=source,
            remark=remark,
            reason=reason,
        )
    )


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())[:TEXT_LIMIT]


def _changes_value(attendance: Attendance | None, mark: Mark) -> bool:
    """Whether recording ``mark`` changes what counts (a remark alone does not)."""
    if attendance is None:
        return True
    return (attendance.status, attendance.minutes) != (mark.status, mark.minutes)


def _flag_certificate(
    certificate: Certificate, reason: str, *, actor: User | None, now: datetime
) -> None:
    """Put a certificate whose attendance changed on the coordinators' to-do list."""
    certificate.review_since = now
    certificate.review_reason = reason
    snapshot = certificate.snapshot or {}
    record(
        "certificate.review_needed",
        actor=actor,
        subject_user=certificate.user,
        activity=certificate.activity,
        summary=f"Aanwezigheid gewijzigd na het uitreiken van attest {certificate.code} "
        f"({snapshot.get('holder_name')}, {snapshot.get('activity_title')}): {reason}",
        code=certificate.code,
        reason=reason,
    )


def _label(status: AttendanceStatus | None, minutes: int | None) -> str:
    """The status for the audit log, which is kept in Dutch."""
    with force_locale("nl"):
        return queries.status_label(status, minutes)


# --- Absence reported in advance --------------------------------------------------------------


def report_absence(
    session: ActivitySession, user: User, reason: str, *, now: datetime | None = None
) -> Attendance:
    """A participant reports they cannot come: ``excused`` with their reason as remark.

    Possible until the session starts, for a confirmed participant of a session that was
    not cancelled. The record is an ordinary one (source ``participant``): trainers see it
    on their list and may change it once the session runs. The caller commits.
    """
    now = now or utcnow()
    reason = _clean(reason)
    if not reason:
        raise AttendanceError(
            _("Laat weten waarom je niet kunt komen."), code="invalid", field="reason"
        )
    if session.is_cancelled:
        raise AttendanceError(
            _("Deze sessie is geannuleerd; je hoeft je niet af te melden."), code="cancelled"
        )
    if now >= session.starts_at:
        raise AttendanceError(
            _("Deze sessie is al begonnen; afmelden kan alleen vooraf. Spreek de lesgever aan."),
            code="started",
        )
    if not is_confirmed_participant(user.id, session.activity_id):
        raise AttendanceError(
            _("Je bent niet ingeschreven voor deze activiteit."), code="not_enrolled"
        )
    attendance = db.session.scalar(
        select(Attendance).where(Attendance.session_id == session.id, Attendance.user_id == user.id)
    )
    mark = Mark(user.id, AttendanceStatus.EXCUSED, None, reason)
    if attendance is None:
        attendance = Attendance(
            session_id=session.id,
            user_id=user.id,
            status=AttendanceStatus.EXCUSED,
            minutes=None,
            recorded_by_id=user.id,
            recorded_at=now,
            source="participant",
            remark=reason,
        )
        db.session.add(attendance)
        _log_change(attendance, None, None, mark, user, "participant", now, remark=reason)
    else:
        _log_change(
            attendance,
            attendance.status,
            attendance.minutes,
            mark,
            user,
            "participant",
            now,
            remark=reason,
        )
        attendance.status = AttendanceStatus.EXCUSED
        attendance.minutes = None
        attendance.recorded_by_id = user.id
        attendance.recorded_at = now
        attendance.source = "participant"
        attendance.remark = reason
    db.session.flush()
    activity = session.activity
    record(
        "attendance.absence_reported",
        actor=user,
        subject_user=user,
        activity=activity,
        summary=f"{user.name} meldde zich af voor ‘{activity.title}’ "
        f"({format_period(session.starts_at, session.ends_at)}): {reason}",
        session_id=session.id,
        reason=reason,
    )
    return attendance


# --- Self check-in --------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckinResult:
    attendance: Attendance
    #: ``recorded`` (just now), ``already`` (was present), ``kept`` (a trainer recorded
    #: something else; check-in does not override it).
    outcome: str


def ensure_checkin_open(session: ActivitySession, now: datetime) -> None:
    if session.is_cancelled:
        raise AttendanceError(
            _("Deze sessie is geannuleerd; inchecken kan niet."), code="cancelled"
        )
    state = checkin.window_state(session, now)
    if state == checkin.WindowState.NOT_OPEN:
        opens = checkin.opens_at(session)
        raise AttendanceError(
            _(
                "Inchecken voor deze sessie kan nog niet. Het kan vanaf "
                "%(time)s op %(date)s (een halfuur voor de start).",
                time=format_time(opens),
                date=format_date(opens),
            ),
            code="checkin_not_open",
        )
    if state == checkin.WindowState.CLOSED:
        raise AttendanceError(
            _(
                "Inchecken voor deze sessie kan niet meer: de sessie is afgelopen. Was je er "
                "wel? Vraag de lesgever om je aanwezigheid te registreren."
            ),
            code="checkin_closed",
        )


def verify_code(session: ActivitySession, code: str | None, now: datetime) -> None:
    """The code is the session's current (or previous minute's) code, within the window."""
    ensure_checkin_open(session, now)
    if not checkin.code_matches(session.id, code, now):
        raise AttendanceError(
            _(
                "Deze code klopt niet of is verlopen. De code verandert elke minuut: typ de "
                "code die nu op het scherm staat, of scan de QR-code opnieuw."
            ),
            code="bad_code",
            field="code",
        )


def find_session_for_code(code: str | None, now: datetime) -> ActivitySession | None:
    """The session (with its check-in open now) whose current code this is, if any."""
    typed = checkin.normalise(code)
    if len(typed) != checkin.CODE_LENGTH:
        return None
    candidates = db.session.scalars(
        select(ActivitySession).where(
            ActivitySession.status != SessionStatus.CANCELLED,
            ActivitySession.starts_at <= now + checkin.OPENS_BEFORE,
            ActivitySession.ends_at >= now,
        )
    ).all()
    for session in candidates:
        if checkin.code_matches(session.id, typed, now):
            return session
    return None


def check_in(session: ActivitySession, user: User, *, now: datetime | None = None) -> CheckinResult:
    """Mark ``user`` present through self check-in (the code was verified by the caller,
    or a check-in grant made right after a verified code bridges a login)."""
    now = now or utcnow()
    ensure_checkin_open(session, now)
    activity = session.activity
    if not is_confirmed_participant(user.id, session.activity_id):
        raise AttendanceError(
            _(
                "Je bent niet ingeschreven voor ‘%(title)s’, dus je kunt voor deze "
                "sessie niet inchecken. Denk je dat dit niet klopt? Spreek de lesgever aan.",
                title=activity.title,
            ),
            code="not_enrolled",
        )
    attendance = db.session.scalar(
        select(Attendance).where(Attendance.session_id == session.id, Attendance.user_id == user.id)
    )
    if attendance is not None:
        if attendance.status == AttendanceStatus.PRESENT:
            return CheckinResult(attendance, "already")
        if attendance.source != "checkin":
            return CheckinResult(attendance, "kept")
    mark = Mark(user.id, AttendanceStatus.PRESENT)
    if attendance is None:
        attendance = Attendance(
            session_id=session.id,
            user_id=user.id,
            status=AttendanceStatus.PRESENT,
            minutes=None,
            recorded_by_id=user.id,
            recorded_at=now,
            source="checkin",
        )
        db.session.add(attendance)
        _log_change(attendance, None, None, mark, user, "checkin", now)
    else:
        _log_change(attendance, attendance.status, attendance.minutes, mark, user, "checkin", now)
        attendance.status = AttendanceStatus.PRESENT
        attendance.minutes = None
        attendance.recorded_at = now
    db.session.flush()
    record(
        "attendance.checkin",
        actor=user,
        subject_user=user,
        activity=activity,
        summary=f"{user.name} checkte in voor ‘{activity.title}’ "
        f"({format_period(session.starts_at, session.ends_at)}).",
        session_id=session.id,
    )
    return CheckinResult(attendance, "recorded")
