"""Factories and parsers for the calendar tests."""

from __future__ import annotations

from collections.abc import Callable

import icalendar
import pytest
from ical.calendar import Calendar as StrictCalendar
from ical.calendar_stream import IcsCalendarStream

from lms.calendar.tokens import ensure_feed_token
from lms.extensions import db
from lms.models import User


@pytest.fixture
def feed_path(app) -> Callable[[User], str]:
    """``feed_path(user)`` → ``/calendar/<token>.ics`` (creating the token)."""

    def make(user: User) -> str:
        token = ensure_feed_token(user)
        db.session.commit()
        return f"/calendar/{token}.ics"

    return make


class ParsedFeed:
    """A feed parsed by two independent parsers: icalendar and the strict ``ical``."""

    def __init__(self, body: bytes) -> None:
        self.raw = body
        self.text = body.decode("utf-8")
        self.calendar = icalendar.Calendar.from_ical(body)
        self.strict: StrictCalendar = IcsCalendarStream.calendar_from_ics(self.text)

    @property
    def events(self) -> list[icalendar.Event]:
        return list(self.calendar.walk("VEVENT"))

    def event(self, uid: str) -> icalendar.Event:
        (found,) = [e for e in self.events if str(e["UID"]) == uid]
        return found

    def strict_event(self, uid: str):
        (found,) = [e for e in self.strict.events if e.uid == uid]
        return found

    @property
    def uids(self) -> set[str]:
        return {str(e["UID"]) for e in self.events}

    def status(self, uid: str) -> str:
        return str(self.event(uid)["STATUS"])


@pytest.fixture
def parse() -> Callable[[bytes], ParsedFeed]:
    """``parse(body)``: fails the test unless both parsers accept the feed."""
    return ParsedFeed
