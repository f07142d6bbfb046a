"""Mail invitations: METHOD:REQUEST / METHOD:CANCEL with the feeds' UIDs and SEQUENCEs."""

from __future__ import annotations

from datetime import timedelta

import icalendar
from ical.calendar_stream import IcsCalendarStream

from lms.calendar.ics import invitation, invitation_facts
from lms.common.timeutil import format_date
from lms.extensions import db
from lms.mail.outbox import queue_mail
from lms.mail.worker import send_due
from lms.models import SessionStatus


def parse_both(text: str):
    return icalendar.Calendar.from_ical(text), IcsCalendarStream.calendar_from_ics(text)


def test_request_has_organizer_attendee_and_the_feed_uids(
    client, create_user, create_activity, create_enrolment, feed_path
):
    participant = create_user(email="sara@example.org", name="Sara Janssens")
    activity = create_activity(title="Wonen op maat", sessions=3)
    create_enrolment(activity, participant)
    events = []
    for session in activity.sessions:  # one iTIP object per session: one UID each
        calendar, strict = parse_both(invitation(session, participant, "REQUEST"))
        assert str(calendar["METHOD"]) == "REQUEST"
        assert strict.method == "REQUEST"
        (event,) = calendar.walk("VEVENT")
        assert str(event["UID"]) == session.uid
        assert len(list(calendar.walk("VTIMEZONE"))) == 1
        events.append(event)
    for event in events:
        assert str(event["ORGANIZER"]) == "mailto:leerplatform@samenlevingsopbouw.be"
        assert event["ORGANIZER"].params["CN"] == "SAM Leerplatform"
        assert str(event["ATTENDEE"]) == "mailto:sara@example.org"
        assert event["ATTENDEE"].params["CN"] == "Sara Janssens"
        assert str(event["STATUS"]) == "CONFIRMED"
        assert event["DTSTART"].params["TZID"] == "Europe/Brussels"
    for event in strict.events:
        assert event.organizer.uri == "mailto:leerplatform@samenlevingsopbouw.be"
        assert [a.uri for a in event.attendees] == ["mailto:sara@example.org"]

    # Same UIDs and SEQUENCEs as every feed and the single download.
    feed_text = client.get(feed_path(participant)).data
    feed = icalendar.Calendar.from_ical(feed_text)
    feed_seq = {str(e["UID"]): e["SEQUENCE"] for e in feed.walk("VEVENT")}
    assert feed_seq == {str(e["UID"]): e["SEQUENCE"] for e in events}
    one = activity.sessions[1]
    download = icalendar.Calendar.from_ical(client.get(f"/sessions/{one.id}.ics").data)
    assert [str(e["UID"]) for e in download.walk("VEVENT")] == [one.uid]
    for path in (f"/activities/{activity.id}/calendar.ics", "/calendar/catalogue.ics"):
        other = icalendar.Calendar.from_ical(client.get(path).data)
        assert {str(e["UID"]) for e in other.walk("VEVENT")} == set(feed_seq)


def test_rescheduled_session_request_has_higher_sequence_same_uid(create_user, create_activity):
    participant = create_user()
    activity = create_activity(sessions=2)
    session = activity.sessions[0]
    before = icalendar.Calendar.from_ical(invitation(session, participant, "REQUEST"))
    session.starts_at += timedelta(days=2)
    session.ends_at += timedelta(days=2)
    session.touch()
    db.session.commit()
    after_text = invitation(session, participant, "REQUEST")
    after, strict = parse_both(after_text)
    (old,), (new,) = before.walk("VEVENT"), after.walk("VEVENT")
    assert str(old["UID"]) == str(new["UID"]) == session.uid
    assert new["SEQUENCE"] == old["SEQUENCE"] + 1
    assert new.decoded("DTSTART") == old.decoded("DTSTART") + timedelta(days=2)
    assert strict.events[0].sequence == 1


def test_cancel_message_is_method_cancel_with_status_cancelled(create_user, create_activity):
    participant = create_user()
    activity = create_activity(sessions=2)
    session = activity.sessions[0]
    session.status = SessionStatus.CANCELLED
    session.touch()
    db.session.commit()
    text = invitation(session, participant, "CANCEL")
    calendar, strict = parse_both(text)
    assert str(calendar["METHOD"]) == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == session.uid
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert strict.events[0].status.value == "CANCELLED"
    # A REQUEST leaves out what no longer takes place; nothing left gives None.
    assert invitation(session, participant, "REQUEST") is None


def test_invitation_travels_as_text_calendar_part(smtp_server, create_user, create_activity):
    participant = create_user(email="an@example.org")
    activity = create_activity(title="Wonen op maat", sessions=2)
    session = activity.sessions[0]
    queue_mail(
        kind="password_reset",  # any existing template: this test is about the calendar part
        to=participant,
        subject="Uitnodiging",
        facts={"link": "https://example.org", "hours": 2, "user": participant},
        invitation=invitation_facts(session, participant, "REQUEST"),
    )
    db.session.commit()
    assert send_due().sent == 1
    (mail,) = smtp_server.messages
    part = mail.part("text/calendar")
    assert part.get_param("method") == "REQUEST"
    calendar = icalendar.Calendar.from_ical(part.get_content())
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [session.uid]


def test_enrolment_confirmation_mail_carries_the_sessions_as_request(
    client, create_user, create_activity, queued_mails, feed_path
):
    from lms.enrolment import service as enrolment_service

    participant = create_user(email="sara@example.org", name="Sara Janssens")
    activity = create_activity(title="Wonen op maat", sessions=3)
    enrolment_service.enrol(activity, participant)
    db.session.commit()
    # The confirmation brings the first session; each further session has its own message.
    (mail,) = queued_mails("enrolment_confirmed")
    further = queued_mails("session_invitation")
    ordered = sorted(activity.sessions, key=lambda s: s.starts_at)
    assert "de andere 2 volgen elk in een eigen mail" in mail.body_text
    assert [m.subject for m in further] == [
        f"Agenda: Wonen op maat, sessie {n} van 3 ({format_date(ordered[n - 1].starts_at)})"
        for n in (2, 3)
    ]
    assert "Sessie 2 van 3" in further[0].body_text
    events = []
    for message in (mail, *further):
        assert message.ics_method == "REQUEST"
        calendar, strict = parse_both(message.ics)
        assert str(calendar["METHOD"]) == "REQUEST"
        (event,) = calendar.walk("VEVENT")
        assert len(strict.events) == 1
        events.append(event)
    assert [str(e["UID"]) for e in events] == [s.uid for s in ordered]
    assert {str(e["ATTENDEE"]) for e in events} == {"mailto:sara@example.org"}
    feed = icalendar.Calendar.from_ical(client.get(feed_path(participant)).data)
    assert {str(e["UID"]) for e in feed.walk("VEVENT")} == {str(e["UID"]) for e in events}


def test_schedule_mails_carry_request_then_cancel_with_the_same_uid(
    create_user, create_activity, create_enrolment, queued_mails
):
    from lms.schedule import service as schedule_service

    participant = create_user()
    trainer = create_user(roles=("trainer",))
    activity = create_activity(title="Wonen op maat", sessions=2, trainers=[trainer])
    create_enrolment(activity, participant)
    session = min(activity.sessions, key=lambda s: s.starts_at)
    uid, start, end = session.uid, session.starts_at, session.ends_at

    schedule_service.reschedule_session(
        session, start + timedelta(days=1), end + timedelta(days=1), actor=trainer
    )
    db.session.commit()
    (moved,) = queued_mails("session_rescheduled")
    assert moved.ics_method == "REQUEST"
    calendar, strict = parse_both(moved.ics)
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == uid
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == start + timedelta(days=1)

    schedule_service.cancel_session(session, actor=trainer, reason="Ziekte")
    db.session.commit()
    (cancelled,) = queued_mails("session_cancelled")
    assert cancelled.ics_method == "CANCEL"
    calendar, strict = parse_both(cancelled.ics)
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["UID"]) == uid
    assert event["SEQUENCE"] == 2
    assert str(event["STATUS"]) == "CANCELLED"
    assert strict.events[0].status.value == "CANCELLED"


def test_cancelling_a_confirmed_enrolment_mails_a_cancel_for_its_sessions(
    create_user, create_activity, queued_mails
):
    from lms.enrolment import service as enrolment_service

    participant = create_user(email="sara@example.org", name="Sara Janssens")
    activity = create_activity(title="Wonen op maat", sessions=2)
    enrolment_service.enrol(activity, participant)
    db.session.commit()
    enrolment_service.cancel(activity, participant)
    db.session.commit()
    # The CANCEL mirrors the REQUESTs: one message per session, the same UIDs.
    (mail,) = queued_mails("enrolment_cancelled")
    further = [m for m in queued_mails("session_invitation") if m.ics_method == "CANCEL"]
    assert len(further) == 1 and further[0].subject.startswith("Uit je agenda: ")
    events = []
    for message in (mail, *further):
        assert message.ics_method == "CANCEL"
        calendar, strict = parse_both(message.ics)
        assert str(calendar["METHOD"]) == "CANCEL"
        (event,) = calendar.walk("VEVENT")
        assert strict.events[0].status.value == "CANCELLED"
        events.append(event)
    assert {str(e["UID"]) for e in events} == {s.uid for s in activity.sessions}
    assert {str(e["STATUS"]) for e in events} == {"CANCELLED"}
    assert {str(e["ATTENDEE"]) for e in events} == {"mailto:sara@example.org"}


def test_leaving_the_waiting_list_mails_no_calendar_part(
    create_user, create_activity, queued_mails
):
    from lms.enrolment import service as enrolment_service

    first, second = create_user(), create_user()
    activity = create_activity(sessions=1, capacity=1, waitlist_enabled=True)
    enrolment_service.enrol(activity, first)
    enrolment_service.enrol(activity, second)
    db.session.commit()
    enrolment_service.cancel(activity, second)
    db.session.commit()
    (mail,) = queued_mails("enrolment_cancelled")
    assert mail.ics is None and mail.ics_method is None


def test_cancelling_the_activity_mails_a_cancel_to_the_confirmed(
    create_user, create_activity, queued_mails
):
    from lms.enrolment import service as enrolment_service

    participant = create_user(email="sara@example.org")
    activity = create_activity(sessions=2)
    enrolment_service.enrol(activity, participant)
    db.session.commit()
    enrolment_service.cancel_activity(activity, actor=None, reason="Te weinig inschrijvingen")
    db.session.commit()
    (mail,) = queued_mails("enrolment_activity_cancelled")
    further = [m for m in queued_mails("session_invitation") if m.ics_method == "CANCEL"]
    events = []
    for message in (mail, *further):
        assert message.ics_method == "CANCEL"
        calendar, _strict = parse_both(message.ics)
        (event,) = calendar.walk("VEVENT")
        events.append(event)
    assert {str(e["UID"]) for e in events} == {s.uid for s in activity.sessions}
    assert {str(e["STATUS"]) for e in events} == {"CANCELLED"}
