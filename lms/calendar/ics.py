"""RFC 5545 for sessions: feeds (METHOD:PUBLISH), single-event downloads and mail
invitations (METHOD:REQUEST / METHOD:CANCEL), made with the ``icalendar`` package.

The core is pure: :class:`SessionEvent` values (plain data) in, bytes out — no database,
no request. :func:`session_events` and :func:`invitation_facts` are the bridge from
:class:`~lms.models.ActivitySession` rows (they need an app context for absolute links).

Every VEVENT of a session carries the session's ``uid`` (made once, never changed) and its
``sequence`` (raised on every change), so a feed, a download and a mail invitation all
describe the same event and a calendar app recognises updates and cancellations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import parseaddr
from typing import Any

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress

from lms.common.timeutil import BRUSSELS

TZID = "Europe/Brussels"
PRODID = "-//SAM vzw//SAM Leerplatform//NL"
REFRESH = timedelta(hours=1)
METHODS = frozenset({"PUBLISH", "REQUEST", "CANCEL"})


@dataclass(frozen=True)
class SessionEvent:
    """What a calendar needs to know about one session (all times aware)."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str
    description: str
    url: str
    sequence: int
    last_modified: datetime
    cancelled: bool
    categories: tuple[str, ...] = ()


# --- Text of an event ----------------------------------------------------------------------


def summary_text(
    title: str,
    position: int | None,
    total: int | None,
    *,
    session_title: str = "",
    cancelled: bool = False,
) -> str:
    """``Wonen op maat (2/4)``; one-session activities carry no count; a cancelled session
    says so first (clients that keep showing it then show why)."""
    text = title
    if not cancelled and position and total and total > 1:
        text = f"{title} ({position}/{total})"
    if session_title:
        text = f"{text} – {session_title}"
    if cancelled:
        text = f"Geannuleerd: {text}"
    return text


def description_text(
    *,
    summary: str,
    location: str,
    online_url: str,
    activity_url: str,
    cancelled: bool,
) -> str:
    """Plain text (RFC 5545 DESCRIPTION): the activity's summary and its links."""
    lines: list[str] = []
    if cancelled:
        lines += ["Deze sessie is geannuleerd.", ""]
    if summary.strip():
        lines += [summary.strip(), ""]
    if location:
        lines.append(f"Waar: {location}")
    if online_url:
        lines.append(f"Online deelnemen: {online_url}")
    lines.append(f"Meer informatie: {activity_url}")
    return "\n".join(lines)


# --- VTIMEZONE ---------------------------------------------------------------------------


def brussels_timezone() -> Timezone:
    """VTIMEZONE for Europe/Brussels with yearly RRULEs (EU rule since 1996).

    Outlook mis-reads zones described only by RDATE lists (what icalendar generates from
    zoneinfo), so the two transitions are written as rules: summer time from the last
    Sunday of March 02:00 (CET) to the last Sunday of October 03:00 (CEST).
    """
    zone = Timezone()
    zone.add("tzid", TZID)
    zone.add("x-lic-location", TZID)

    daylight = TimezoneDaylight()
    daylight.add("tzname", "CEST")
    daylight.add("tzoffsetfrom", timedelta(hours=1))
    daylight.add("tzoffsetto", timedelta(hours=2))
    daylight.add("dtstart", datetime(1970, 3, 29, 2, 0, 0))
    daylight.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})

    standard = TimezoneStandard()
    standard.add("tzname", "CET")
    standard.add("tzoffsetfrom", timedelta(hours=2))
    standard.add("tzoffsetto", timedelta(hours=1))
    standard.add("dtstart", datetime(1970, 10, 25, 3, 0, 0))
    standard.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})

    zone.add_component(daylight)
    zone.add_component(standard)
    return zone


# --- Building ------------------------------------------------------------------------------


def _calendar(method: str, *, name: str | None, description: str | None = None) -> Calendar:
    if method not in METHODS:
        raise ValueError(f"unknown iTIP method {method!r}")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if name:
        calendar.add("name", name)
        calendar.add("x-wr-calname", name)
    if description:
        calendar.add("x-wr-caldesc", description)
    calendar.add("x-wr-timezone", TZID)
    if method == "PUBLISH":
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
    calendar.add_component(brussels_timezone())
    return calendar


def _vevent(item: SessionEvent, now: datetime) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", now)
    event.add("dtstart", item.starts_at.astimezone(BRUSSELS))
    event.add("dtend", item.ends_at.astimezone(BRUSSELS))
    event.add("summary", item.summary)
    if item.location:
        event.add("location", item.location)
    event.add("description", item.description)
    event.add("url", item.url)
    event.add("sequence", item.sequence)
    event.add("last-modified", item.last_modified)
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if item.cancelled else "OPAQUE")
    if item.categories:
        event.add("categories", list(item.categories))
    return event


def feed(
    events: Iterable[SessionEvent],
    *,
    name: str,
    now: datetime,
    description: str | None = None,
) -> bytes:
    """A subscribable calendar (METHOD:PUBLISH): CRLF, folded at 75 octets."""
    calendar = _calendar("PUBLISH", name=name, description=description)
    for item in events:
        calendar.add_component(_vevent(item, now))
    return calendar.to_ical()


def single(item: SessionEvent, *, now: datetime) -> bytes:
    """One event to download and add ("Toevoegen aan agenda")."""
    calendar = _calendar("PUBLISH", name=None)
    calendar.add_component(_vevent(item, now))
    return calendar.to_ical()


def scheduling_message(
    event: SessionEvent,
    *,
    method: str,
    organizer: tuple[str, str],
    attendee: tuple[str, str],
    now: datetime,
) -> str:
    """An iTIP message (RFC 5546) for mail: REQUEST adds or updates, CANCEL removes.

    One event, so one UID: RFC 6638 §3.1 allows a single UID per scheduling object, and
    Outlook takes in only the first event of a message that holds several. An activity
    with several sessions therefore arrives as one message per session.
    ``organizer`` and ``attendee`` are ``(name, email)``.
    """
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"an invitation is REQUEST or CANCEL, not {method!r}")
    calendar = _calendar(method, name=None)
    if method == "CANCEL" and not event.cancelled:
        event = _as_cancelled(event)
    vevent = _vevent(event, now)
    vevent.add("organizer", _address(*organizer))
    person = _address(*attendee)
    person.params.update(
        {
            "CUTYPE": "INDIVIDUAL",
            "ROLE": "REQ-PARTICIPANT",
            "PARTSTAT": "NEEDS-ACTION",
            "RSVP": "FALSE",
        }
    )
    vevent.add("attendee", person)
    calendar.add_component(vevent)
    return calendar.to_ical().decode("utf-8")


def _as_cancelled(item: SessionEvent) -> SessionEvent:
    from dataclasses import replace

    return replace(item, cancelled=True)


def _address(name: str, email: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = name
    return address


# --- From rows (app context needed for links) ----------------------------------------------


def activity_url(activity_id: int) -> str:
    """The absolute link to an activity's page (catalogue), for DESCRIPTION and URL."""
    from lms.common.urls import absolute_url

    return absolute_url("enrolment.activity", activity_id=activity_id)


def session_event(
    session: Any,
    *,
    activity: Any,
    position: int | None,
    total: int | None,
    url: str | None = None,
    theme_names: Sequence[str] | None = None,
    with_links: bool = False,
) -> SessionEvent:
    """The :class:`SessionEvent` of an :class:`~lms.models.ActivitySession` row.

    ``with_links``: the online meeting link is written in (LOCATION of an online-only
    session, DESCRIPTION). Only for people who may join — confirmed participants, the
    activity's trainers, coordinators (personal feeds, their downloads, invitations);
    public feeds and anonymous downloads say "Online" instead, so a link never leaks
    through a feed anyone can fetch.
    """
    from lms.models import ActivityStatus, SessionStatus

    cancelled = (
        session.status == SessionStatus.CANCELLED or activity.status == ActivityStatus.CANCELLED
    )
    url = url or activity_url(activity.id)
    if theme_names is None:
        theme_names = [theme.name for theme in activity.themes]
    return SessionEvent(
        uid=session.uid,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        summary=summary_text(
            activity.title,
            position,
            total,
            session_title=session.title or "",
            cancelled=cancelled,
        ),
        location=session.location or _online_place(session.online_url or "", with_links),
        description=description_text(
            summary=activity.summary or "",
            location=session.location or "",
            online_url=(session.online_url or "") if with_links else "",
            activity_url=url,
            cancelled=cancelled,
        ),
        url=url,
        sequence=session.sequence or 0,
        last_modified=session.updated_at,
        cancelled=cancelled,
        categories=(activity.kind.label, *theme_names),
    )


def _online_place(online_url: str, with_links: bool) -> str:
    """LOCATION of a session without a place: its link for those who may join, else
    just "Online" (so the event still says where it happens)."""
    if not online_url:
        return ""
    return online_url if with_links else "Online"


def session_positions(sessions: Iterable[Any]) -> dict[int, tuple[int, int]]:
    """``{session id: (position, total)}`` among the scheduled sessions of each activity,
    for sessions whose activity (with its sessions) is loaded."""
    from lms.models import SessionStatus

    result: dict[int, tuple[int, int]] = {}
    for session in sessions:
        siblings = sorted(
            (s for s in session.activity.sessions if s.status == SessionStatus.SCHEDULED),
            key=lambda s: (s.starts_at, s.id),
        )
        ids = [s.id for s in siblings]
        if session.id in ids:
            result[session.id] = (ids.index(session.id) + 1, len(ids))
    return result


def session_events(sessions: Iterable[Any], *, with_links: bool = False) -> list[SessionEvent]:
    """Events for a few loaded sessions (downloads, mail), numbered like the feeds;
    ``with_links`` as in :func:`session_event`."""
    sessions = list(sessions)
    positions = session_positions(sessions)
    return [
        session_event(
            session,
            activity=session.activity,
            position=positions.get(session.id, (None, None))[0],
            total=positions.get(session.id, (None, None))[1],
            with_links=with_links,
        )
        for session in sessions
    ]


def organizer_address() -> tuple[str, str]:
    """``(name, email)`` of MAIL_DEFAULT_SENDER: the ORGANIZER of our invitations."""
    from flask import current_app

    sender = current_app.config.get("MAIL_DEFAULT_SENDER") or ""
    if isinstance(sender, (tuple, list)):
        return str(sender[0]), str(sender[1])
    name, email = parseaddr(sender)
    return name or "SAM Leerplatform", email or sender


def invitation_facts(
    session: Any, attendee: Any, method: str = "REQUEST", *, event: SessionEvent | None = None
) -> dict[str, Any] | None:
    """What a mail's invitation for one session says, as JSON, taken when the mail is
    queued; :func:`invitation_from_facts` builds the iTIP text when the mail is sent.

    REQUEST is for a session that still takes place (None otherwise: nothing to add);
    CANCEL carries the session as cancelled. The UID and SEQUENCE are the feeds'.
    ``attendee`` is a user or ``(email, name)``; ``event`` a ready :class:`SessionEvent`
    of the session (numbered among the sessions the mail is about), else made here.
    """
    from lms.models import SessionStatus

    method = method.upper()
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"an invitation is REQUEST or CANCEL, not {method!r}")
    if method == "REQUEST" and session.status != SessionStatus.SCHEDULED:
        return None
    if isinstance(attendee, tuple):
        email, name = attendee
    else:
        email, name = attendee.email, attendee.name
    if event is None:
        (event,) = session_events([session], with_links=True)
    return {"method": method, "attendee": [name, email], "event": event_facts(event)}


def event_facts(event: SessionEvent) -> dict[str, Any]:
    """A :class:`SessionEvent` as JSON (datetimes in ISO 8601 with offset)."""
    return {
        "uid": event.uid,
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "summary": event.summary,
        "location": event.location,
        "description": event.description,
        "url": event.url,
        "sequence": event.sequence,
        "last_modified": event.last_modified.isoformat(),
        "cancelled": event.cancelled,
        "categories": list(event.categories),
    }


def invitation_from_facts(facts: dict[str, Any], *, now: datetime | None = None) -> str:
    """The iTIP text of :func:`invitation_facts` (app context: the ORGANIZER is the
    configured sender)."""
    from lms.models import utcnow

    data = facts["event"]
    event = SessionEvent(
        uid=data["uid"],
        starts_at=datetime.fromisoformat(data["starts_at"]),
        ends_at=datetime.fromisoformat(data["ends_at"]),
        summary=data["summary"],
        location=data["location"],
        description=data["description"],
        url=data["url"],
        sequence=int(data["sequence"]),
        last_modified=datetime.fromisoformat(data["last_modified"]),
        cancelled=bool(data["cancelled"]),
        categories=tuple(data.get("categories") or ()),
    )
    name, email = facts["attendee"]
    return scheduling_message(
        event,
        method=facts["method"],
        organizer=organizer_address(),
        attendee=(name, email),
        now=now or utcnow(),
    )


def invitation(session: Any, attendee: Any, method: str = "REQUEST") -> str | None:
    """The iTIP text for one session at once (tests and previews; mail stores the facts)."""
    facts = invitation_facts(session, attendee, method)
    return invitation_from_facts(facts) if facts is not None else None


def download_filename(title: str, when: date | datetime) -> str:
    """``wonen-op-maat-2027-03-28.ics`` (ASCII, for Content-Disposition)."""
    from lms.common.slugs import slugify

    day = when.astimezone(BRUSSELS).date() if isinstance(when, datetime) else when
    return f"{slugify(title)[:60] or 'sessie'}-{day.isoformat()}.ics"
