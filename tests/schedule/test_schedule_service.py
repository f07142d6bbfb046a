"""The rules of sessions: validation, overlap, SEQUENCE, mails to confirmed participants."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.attendance.service import Mark, record_attendance
from lms.common.timeutil import BRUSSELS, brussels
from lms.extensions import db
from lms.models import AttendanceStatus, AuditEntry, SessionStatus, utcnow
from lms.schedule import service
from lms.schedule.service import ScheduleError, SessionData


def future(days=7, hours=3):
    """A session ``days`` from today at 10:00 Brussels: never across midnight."""
    day = (utcnow() + timedelta(days=days)).astimezone(BRUSSELS).date()
    start = brussels(day.year, day.month, day.day, 10)
    return start, start + timedelta(hours=hours)


def data_for(session, **changes):
    values = {
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "location": session.location,
        "online_url": session.online_url,
        "title": session.title,
    }
    values.update(changes)
    return SessionData(**values)


def audit(action):
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_rescheduling_mails_each_confirmed_participant_once_and_raises_sequence(
    course, queued_mails
):
    c = course(sessions=[future(7)], participants=3)
    session = c.session
    before_sequence, before_updated = session.sequence, session.updated_at
    old_start = session.starts_at
    new_start, new_end = future(9)

    result = service.reschedule_session(session, new_start, new_end, actor=c.trainer)
    db.session.commit()

    assert result.rescheduled and result.mailed == 3
    assert session.sequence == before_sequence + 1
    assert session.updated_at > before_updated
    mails = queued_mails("session_rescheduled")
    assert sorted(m.to_email for m in mails) == sorted(p.email for p in c.participants)
    assert c.waitlisted.email not in {m.to_email for m in mails}
    body = mails[0].body_text
    assert "is verplaatst" in body
    from lms.common.timeutil import format_period

    assert format_period(new_start, new_end) in body
    assert format_period(old_start, old_start + timedelta(hours=3)) in body
    # The calendar invitation updates the event in the participant's calendar.
    assert mails[0].ics_method == "REQUEST"
    ics = mails[0].ics.replace("\r\n ", "")  # unfold RFC 5545 lines
    assert f"UID:{session.uid}" in ics and f"SEQUENCE:{session.sequence}" in ics
    entry = audit("session.rescheduled")[0]
    assert entry.actor_id == c.trainer.id and entry.activity_id == c.activity.id
    assert "verplaatst" in entry.summary


def test_end_must_be_after_start(course):
    c = course(sessions=[future(7)])
    start, _end = future(10)
    with pytest.raises(ScheduleError) as info:
        service.add_session(
            c.activity, SessionData(starts_at=start, ends_at=start), actor=c.trainer
        )
    assert info.value.message == "Het einde moet na het begin liggen."
    assert info.value.field == "end_time"


def test_sessions_of_one_activity_may_not_overlap(course, create_activity):
    c = course(sessions=[future(7)])
    existing = c.session
    with pytest.raises(ScheduleError) as info:
        service.add_session(
            c.activity,
            SessionData(
                starts_at=existing.starts_at + timedelta(hours=1),
                ends_at=existing.ends_at + timedelta(hours=1),
            ),
            actor=c.trainer,
        )
    assert info.value.code == "overlap"
    assert "overlapt met een andere sessie" in info.value.message
    db.session.rollback()

    # Back to back is fine; another activity at the same time is fine too.
    added = service.add_session(
        c.activity,
        SessionData(starts_at=existing.ends_at, ends_at=existing.ends_at + timedelta(hours=2)),
        actor=c.trainer,
    )
    other = create_activity(sessions=[(existing.starts_at, existing.ends_at)])
    service.reschedule_session(
        other.sessions[0], existing.starts_at, existing.ends_at + timedelta(minutes=30), actor=None
    )
    db.session.commit()
    assert added.id is not None and added.sequence == 0


def test_rescheduling_onto_another_session_is_refused(course):
    first, second = future(7), future(14)
    c = course(sessions=[first, second])
    with pytest.raises(ScheduleError) as info:
        service.reschedule_session(c.sessions[1], *first, actor=c.trainer)
    assert info.value.code == "overlap"


def test_a_cancelled_session_does_not_block_its_slot(course):
    c = course(sessions=[future(7)])
    service.cancel_session(c.session, actor=c.trainer)
    db.session.commit()
    added = service.add_session(
        c.activity,
        SessionData(starts_at=c.session.starts_at, ends_at=c.session.ends_at),
        actor=c.trainer,
    )
    db.session.commit()
    assert added.status == SessionStatus.SCHEDULED
    with pytest.raises(ScheduleError):  # reinstating would now overlap
        service.reinstate_session(c.sessions[0], actor=c.trainer)


def test_cancelling_mails_participants_with_the_reason_and_keeps_the_row(course, queued_mails):
    c = course(sessions=[future(7)], participants=2)
    session = c.session
    mailed = service.cancel_session(session, actor=c.coordinator, reason="De lesgever is ziek.")
    db.session.commit()
    assert mailed == 2
    assert session.status == SessionStatus.CANCELLED and session.cancelled_at is not None
    assert session.sequence == 1
    mails = queued_mails("session_cancelled")
    assert len(mails) == 2
    assert "gaat niet door" in mails[0].body_text
    assert "De lesgever is ziek." in mails[0].body_text
    assert mails[0].subject.startswith("Geannuleerd: ")
    assert mails[0].ics_method == "CANCEL"
    assert f"UID:{session.uid}" in mails[0].ics.replace("\r\n ", "")
    assert audit("session.cancelled")[0].details["reason"] == "De lesgever is ziek."
    with pytest.raises(ScheduleError) as info:
        service.cancel_session(session, actor=c.coordinator)
    assert info.value.message == "Deze sessie is al geannuleerd."


def test_reinstating_a_cancelled_session(course, queued_mails):
    c = course(sessions=[future(7)], participants=1)
    service.cancel_session(c.session, actor=c.trainer)
    db.session.commit()
    mailed = service.reinstate_session(c.session, actor=c.trainer)
    db.session.commit()
    assert mailed == 1
    assert c.session.status == SessionStatus.SCHEDULED and c.session.cancelled_at is None
    assert c.session.sequence == 2
    assert "gaat toch door" in queued_mails("session_added")[0].body_text


def test_a_new_place_mails_participants_a_title_change_does_not(course, queued_mails):
    c = course(sessions=[future(7)], participants=2)
    session = c.session
    result = service.update_session(
        session, data_for(session, location="Zaal Nieuw, Brussel"), actor=c.trainer
    )
    db.session.commit()
    assert result.changed == ["location"] and result.mailed == 2
    mail = queued_mails("session_changed")[0]
    assert "Zaal Nieuw, Brussel" in mail.body_text and "Zaal De Kring, Gent" in mail.body_text

    result = service.update_session(session, data_for(session, title="Dag 1"), actor=c.trainer)
    db.session.commit()
    assert result.changed == ["title"] and result.mailed == 0
    assert session.sequence == 2  # every change still raises SEQUENCE
    # The two participants, and the coordinators (the trainer made the change); nothing new.
    assert [m.kind for m in queued_mails()] == ["session_changed"] * 2 + [
        "session_changed_by_trainer"
    ]

    result = service.update_session(session, data_for(session), actor=c.trainer)
    assert result.changed == [] and session.sequence == 2


def test_adding_a_future_session_tells_participants(course, queued_mails):
    c = course(sessions=[future(7)], participants=2)
    start, end = future(21)
    session = service.add_session(
        c.activity,
        SessionData(starts_at=start, ends_at=end, location="  Zaal   Twee  ", title="Extra"),
        actor=c.coordinator,
    )
    db.session.commit()
    assert session.location == "Zaal Twee"
    mails = queued_mails("session_added")
    assert len(mails) == 2 and "Er is een sessie bijgekomen" in mails[0].body_text
    assert audit("session.added")[0].details["session_id"] == session.id


def test_changing_a_past_session_mails_nobody(course, queued_mails):
    start = utcnow().replace(second=0, microsecond=0) - timedelta(days=10)
    c = course(sessions=[(start, start + timedelta(hours=2))], participants=2)
    service.reschedule_session(
        c.session, start + timedelta(hours=1), start + timedelta(hours=3), actor=c.coordinator
    )
    db.session.commit()
    assert queued_mails() == []
    assert c.session.sequence == 1


def test_a_session_with_attendance_keeps_its_time_and_cannot_be_cancelled(course):
    c = course(participants=1)  # started an hour ago
    session = c.session
    record_attendance(
        session, [Mark(c.participants[0].id, AttendanceStatus.PRESENT)], actor=c.trainer
    )
    db.session.commit()
    with pytest.raises(ScheduleError) as info:
        service.reschedule_session(
            session,
            session.starts_at + timedelta(days=1),
            session.ends_at + timedelta(days=1),
            actor=c.trainer,
        )
    assert info.value.code == "has_attendance"
    db.session.rollback()
    with pytest.raises(ScheduleError) as info:
        service.cancel_session(session, actor=c.trainer)
    assert "aanwezigheden geregistreerd" in info.value.message
    db.session.rollback()
    result = service.update_session(session, data_for(session, location="Zaal B"), actor=None)
    assert result.changed == ["location"]


def test_online_link_must_be_a_web_address(course):
    c = course(sessions=[future(7)])
    start, end = future(20)
    with pytest.raises(ScheduleError) as info:
        service.add_session(
            c.activity,
            SessionData(starts_at=start, ends_at=end, online_url="javascript:alert(1)"),
            actor=c.trainer,
        )
    assert info.value.field == "online_url"


def test_trainers_get_the_invitation_when_a_coordinator_changes_their_session(course, queued_mails):
    c = course(sessions=[future(7)], participants=2)
    session = c.session
    new_start, new_end = future(9)
    service.reschedule_session(session, new_start, new_end, actor=c.coordinator)
    db.session.commit()
    (told,) = queued_mails("session_trainer")
    assert told.to_email == c.trainer.email
    assert "Cora Coördinator verplaatste een sessie" in told.body_text
    assert told.ics_method == "REQUEST"
    assert f"UID:{session.uid}" in told.ics.replace("\r\n ", "")
    assert queued_mails("session_changed_by_trainer") == []  # a coordinator made it

    service.cancel_session(session, actor=c.coordinator, reason="Zaal onbeschikbaar")
    db.session.commit()
    cancelled = [m for m in queued_mails("session_trainer") if m.ics_method == "CANCEL"]
    assert [m.to_email for m in cancelled] == [c.trainer.email]
    assert "annuleerde een sessie" in cancelled[0].body_text
    assert "Reden: Zaal onbeschikbaar" in cancelled[0].body_text


def test_coordinators_hear_when_a_trainer_changes_a_session(course, queued_mails, app):
    c = course(sessions=[future(7)], participants=1)
    session = c.session
    service.update_session(
        session, data_for(session, location="Zaal Nieuw, Brussel"), actor=c.trainer
    )
    db.session.commit()
    assert queued_mails("session_trainer") == []  # the trainer made it themselves
    (told,) = queued_mails("session_changed_by_trainer")
    assert told.to_email == c.coordinator.email
    assert told.subject.startswith("Karel Lesgever wijzigde een sessie: Andere plaats: ")
    assert "Karel Lesgever wijzigde de plaats van een sessie" in told.body_text
    assert "Waar: Zaal Nieuw, Brussel" in told.body_text
    assert "1 deelnemer kreeg hierover een mail." in told.body_text
    assert told.ics is None

    # A configured address replaces the list of coordinators.
    app.config["MAIL_COORDINATOR_ADDRESS"] = "leeraanbod@example.org"
    try:
        service.cancel_session(session, actor=c.trainer, reason="Ziek")
        db.session.commit()
    finally:
        app.config.pop("MAIL_COORDINATOR_ADDRESS")
    assert [m.to_email for m in queued_mails("session_changed_by_trainer")] == [
        c.coordinator.email,
        "leeraanbod@example.org",
    ]
