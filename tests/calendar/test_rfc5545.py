"""Every feed is valid RFC 5545 (two independent parsers agree) and carries each field."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from ical.timezone import IcsTimezoneInfo

from lms.common.timeutil import BRUSSELS, brussels
from lms.extensions import db
from lms.models import ActivityKind, SessionStatus
from tests.calendar.helpers import last_sunday


@pytest.fixture
def course(create_activity, create_theme, create_user):
    trainer = create_user(name="Karim Lesgever", roles=("trainer",))
    return create_activity(
        kind=ActivityKind.COURSE,
        title="Wonen op maat",
        sessions=4,
        themes=[create_theme("Wonen"), create_theme("Politiserend sociaal werk")],
        trainers=[trainer],
        location="Huis van de Sociale Economie, Brugsesteenweg 1, Gent",
        online_url="https://meet.jit.si/sam-wonen",
    )


def check_lines(raw: bytes) -> None:
    """CRLF everywhere and no line longer than 75 octets (RFC 5545 §3.1)."""
    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert lines, "empty calendar"
    for line in lines:
        assert b"\n" not in line and b"\r" not in line
        assert len(line) <= 75, line


def test_personal_feed_has_every_calendar_and_event_field(
    client, create_user, course, create_enrolment, feed_path, parse
):
    participant = create_user()
    create_enrolment(course, participant)
    response = client.get(feed_path(participant))
    assert response.status_code == 200
    assert response.content_type == "text/calendar; charset=utf-8"
    check_lines(response.data)
    feed = parse(response.data)

    # VCALENDAR
    calendar = feed.calendar
    assert str(calendar["PRODID"]) == "-//SAM vzw//SAM Leerplatform//NL"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["NAME"]) == "SAM Leerplatform – mijn agenda"
    assert str(calendar["X-WR-CALNAME"]) == "SAM Leerplatform – mijn agenda"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Brussels"
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in feed.text
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT1H"
    assert feed.strict.method == "PUBLISH"
    assert feed.strict.refresh_interval == timedelta(hours=1)
    assert feed.strict.name == ["SAM Leerplatform – mijn agenda"]

    # VTIMEZONE with rules (not RDATE lists)
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Brussels"
    for part, month in (("DAYLIGHT", 3), ("STANDARD", 10)):
        (observance,) = zone.walk(part)
        assert "RDATE" not in observance
        rule = observance["RRULE"]
        assert rule["FREQ"] == ["YEARLY"]
        assert rule["BYMONTH"] == [month]
        assert rule["BYDAY"] == ["-1SU"]
    assert "RDATE" not in feed.text

    # VEVENT
    sessions = sorted(course.sessions, key=lambda s: s.starts_at)
    assert len(feed.events) == 4
    second = sessions[1]
    event = feed.event(second.uid)
    assert str(event["SUMMARY"]) == "Wonen op maat (2/4)"
    assert "DTSTAMP" in event
    assert event["DTSTART"].params["TZID"] == "Europe/Brussels"
    assert event["DTEND"].params["TZID"] == "Europe/Brussels"
    assert event.decoded("DTSTART") == second.starts_at
    assert event.decoded("DTEND") == second.ends_at
    assert event.decoded("DTSTART").tzinfo.key == "Europe/Brussels"
    assert str(event["LOCATION"]) == "Huis van de Sociale Economie, Brugsesteenweg 1, Gent"
    description = str(event["DESCRIPTION"])
    assert f"https://leerplatform.test.example/activities/{course.id}" in description
    assert "https://meet.jit.si/sam-wonen" in description
    assert "<" not in description  # plain text, no HTML
    assert str(event["URL"]) == f"https://leerplatform.test.example/activities/{course.id}"
    assert event["SEQUENCE"] == second.sequence == 0
    assert event.decoded("LAST-MODIFIED") == second.updated_at.replace(microsecond=0)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert set(event["CATEGORIES"].cats) == {"cursus", "Wonen", "Politiserend sociaal werk"}

    strict = feed.strict_event(second.uid)
    assert strict.summary == "Wonen op maat (2/4)"
    assert strict.dtstart == second.starts_at
    assert strict.dtstart.utcoffset() == second.starts_at.astimezone(BRUSSELS).utcoffset()
    assert strict.sequence == 0
    assert strict.status.value == "CONFIRMED"
    assert set(strict.categories) == {"cursus", "Wonen", "Politiserend sociaal werk"}
    assert str(strict.url) == f"https://leerplatform.test.example/activities/{course.id}"
    assert strict.location == "Huis van de Sociale Economie, Brugsesteenweg 1, Gent"
    assert strict.last_modified == second.updated_at.replace(microsecond=0)


def test_activity_and_catalogue_feeds_parse_with_both_parsers(client, course, parse):
    for path, name in (
        (f"/activities/{course.id}/calendar.ics", "Wonen op maat – SAM Leerplatform"),
        ("/calendar/catalogue.ics", "SAM Leerplatform – volledig aanbod"),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.content_type == "text/calendar; charset=utf-8"
        check_lines(response.data)
        feed = parse(response.data)
        assert str(feed.calendar["X-WR-CALNAME"]) == name
        assert str(feed.calendar["METHOD"]) == "PUBLISH"
        assert feed.uids == {s.uid for s in course.sessions}
        assert len(feed.strict.events) == 4


def test_long_and_non_ascii_text_is_folded_at_75_octets(
    client, create_activity, create_user, create_enrolment, feed_path, parse
):
    title = "Zoë en Łukasz over ‘wonen’ – " + "een heel lange titel met é, ü en ğ " * 4
    activity = create_activity(title=title, sessions=2, location="Café ‘t Hoekske, Gent")
    participant = create_user()
    create_enrolment(activity, participant)
    response = client.get(feed_path(participant))
    check_lines(response.data)
    feed = parse(response.data)
    first = min(activity.sessions, key=lambda s: s.starts_at)
    assert str(feed.event(first.uid)["SUMMARY"]) == f"{title} (1/2)"
    assert feed.strict_event(first.uid).summary == f"{title} (1/2)"
    assert feed.strict_event(first.uid).location == "Café ‘t Hoekske, Gent"


def test_single_session_lecture_has_no_count_and_online_location(
    client, create_activity, create_user, create_enrolment, feed_path, parse
):
    lecture = create_activity(
        kind="lecture",
        title="Lezing: sociale bescherming",
        sessions=1,
        location="",
        online_url="https://meet.jit.si/sam-lezing",
    )
    feed = parse(client.get(f"/activities/{lecture.id}/calendar.ics").data)
    (event,) = feed.events
    assert str(event["SUMMARY"]) == "Lezing: sociale bescherming"
    assert str(event["LOCATION"]) == "Online"  # the public feed: no meeting link
    assert "lezing" in event["CATEGORIES"].cats
    participant = create_user()
    create_enrolment(lecture, participant)
    (mine,) = parse(client.get(feed_path(participant)).data).events
    assert str(mine["LOCATION"]) == "https://meet.jit.si/sam-lezing"


def test_dst_sessions_at_ten_in_brussels_are_eight_and_nine_utc(
    client, create_activity, create_user, create_enrolment, feed_path, parse
):
    """10:00 Brussels on the last Sunday of March (CEST, UTC+2) and October (CET, UTC+1)."""
    year = date.today().year + 1
    march, october = last_sunday(year, 3), last_sunday(year, 10)
    activity = create_activity(
        title="Zondagsessie",
        sessions=[
            (brussels(year, 3, march.day, 10), brussels(year, 3, march.day, 12)),
            (brussels(year, 10, october.day, 10), brussels(year, 10, october.day, 12)),
        ],
    )
    participant = create_user()
    create_enrolment(activity, participant)
    spring, autumn = sorted(activity.sessions, key=lambda s: s.starts_at)
    assert spring.starts_at == datetime(year, 3, march.day, 8, tzinfo=UTC)
    assert autumn.starts_at == datetime(year, 10, october.day, 9, tzinfo=UTC)

    paths = [
        feed_path(participant),
        f"/activities/{activity.id}/calendar.ics",
        "/calendar/catalogue.ics",
        f"/sessions/{spring.id}.ics",
    ]
    for path in paths:
        feed = parse(client.get(path).data)
        for session, day, utc_hour in ((spring, march, 8), (autumn, october, 9)):
            if session.uid not in feed.uids:  # the single download holds one session
                continue
            stamp = f"DTSTART;TZID=Europe/Brussels:{day:%Y%m%d}T100000"
            assert stamp in feed.text, path
            local = feed.event(session.uid).decoded("DTSTART")
            assert (local.hour, local.minute) == (10, 0)
            assert local.astimezone(UTC).hour == utc_hour
            strict = feed.strict_event(session.uid).dtstart
            assert (strict.hour, strict.minute) == (10, 0)
            assert strict.astimezone(UTC).hour == utc_hour

            # The feed's own VTIMEZONE rules (not only the TZID name) give the same answer,
            # read by each parser from the rules alone.
            naive = datetime(year, day.month, day.day, 10)
            (zone,) = feed.calendar.walk("VTIMEZONE")
            by_rules = naive.replace(tzinfo=zone.to_tz(lookup_tzid=False))
            assert by_rules.astimezone(UTC).hour == utc_hour
            (strict_zone,) = feed.strict.timezones
            strict_rules = naive.replace(tzinfo=IcsTimezoneInfo.from_timezone(strict_zone))
            assert strict_rules.astimezone(UTC).hour == utc_hour


def test_cancelled_session_is_status_cancelled_in_every_feed(
    client, create_activity, create_user, create_enrolment, feed_path, parse
):
    activity = create_activity(title="Praktijkgroep wonen", sessions=3)
    participant = create_user()
    create_enrolment(activity, participant)
    first, second, third = sorted(activity.sessions, key=lambda s: s.starts_at)
    second.status = SessionStatus.CANCELLED
    second.cancelled_at = second.updated_at
    second.touch()
    db.session.commit()

    for path in (
        feed_path(participant),
        f"/activities/{activity.id}/calendar.ics",
        "/calendar/catalogue.ics",
    ):
        feed = parse(client.get(path).data)
        assert feed.status(second.uid) == "CANCELLED", path
        assert feed.strict_event(second.uid).status.value == "CANCELLED"
        assert feed.event(second.uid)["SEQUENCE"] == 1
        assert str(feed.event(second.uid)["SUMMARY"]).startswith("Geannuleerd: ")
        # The others are renumbered among the sessions that still take place.
        assert str(feed.event(third.uid)["SUMMARY"]) == "Praktijkgroep wonen (2/2)"
        assert feed.status(first.uid) == "CONFIRMED"
