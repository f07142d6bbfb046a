"""Online meeting links reach only those who may join: confirmed participants, the
activity's trainers and coordinators. Every page and feed anyone can fetch says "Online"
at most; a public feed's shared cache never holds a link."""

from __future__ import annotations

import re

import icalendar

from lms.calendar.ics import invitation
from lms.models import Role

LINK = "https://meet.jit.si/sam-geheim-overleg-4711"
_PART = re.compile(r"<(?:(?P<conv>[a-z_]+):)?(?P<name>[a-z_]+)>")


def _public_get_paths(app, activity, session) -> list[str]:
    """Every GET route, its id parts set to this activity or session (anonymous fetch)."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or rule.endpoint == "static":
            continue

        def value(match: re.Match[str]) -> str:
            name = match.group("name")
            if match.group("conv") == "int":
                return str(session.id if "session" in name else activity.id)
            return "x"

        paths.append(_PART.sub(value, rule.rule))
    return paths


def _locations_and_descriptions(body: bytes) -> str:
    calendar = icalendar.Calendar.from_ical(body)
    return " ".join(
        f"{event.get('LOCATION', '')} {event.get('DESCRIPTION', '')}"
        for event in calendar.walk("VEVENT")
    )


def test_no_public_page_or_feed_carries_the_link(app, client, create_activity):
    activity = create_activity(title="Online overleg", location="", online_url=LINK, sessions=2)
    session = activity.sessions[0]
    checked = 0
    for path in _public_get_paths(app, activity, session):
        response = client.get(path)
        assert response.status_code != 500, path
        assert LINK not in response.get_data(as_text=True), path
        checked += 1
    assert checked > 30
    # The feeds and the download still say where: online.
    for path in (
        "/calendar/catalogue.ics",
        f"/activities/{activity.id}/calendar.ics",
        f"/sessions/{session.id}.ics",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        text = _locations_and_descriptions(response.data)
        assert "Online" in text and LINK not in text, path
    assert "public" in client.get("/calendar/catalogue.ics").headers["Cache-Control"]


def test_a_stranger_gets_no_link_in_a_download(
    client, login, create_user, create_activity, create_enrolment
):
    activity = create_activity(location="", online_url=LINK)
    waiting = create_user()
    create_enrolment(activity, waiting, "waitlisted")
    body = login(waiting).get(f"/sessions/{activity.sessions[0].id}.ics").data
    assert LINK not in _locations_and_descriptions(body)


def test_those_who_may_join_get_the_link(
    client, login, create_user, create_activity, create_enrolment, feed_path
):
    trainer = create_user(roles=(Role.TRAINER,))
    coordinator = create_user(roles=(Role.COORDINATOR,))
    participant = create_user()
    activity = create_activity(location="", online_url=LINK, trainers=[trainer])
    create_enrolment(activity, participant)
    session = activity.sessions[0]

    # The public feed is built (and cached) first: the personal one must not reuse it.
    assert LINK not in client.get(f"/activities/{activity.id}/calendar.ics").get_data(as_text=True)
    for person in (participant, trainer):
        feed = client.get(feed_path(person))
        assert feed.status_code == 200
        assert LINK in _locations_and_descriptions(feed.data)
    for person in (participant, trainer, coordinator):
        download = login(person).get(f"/sessions/{session.id}.ics")
        assert LINK in _locations_and_descriptions(download.data)
        assert "no-store" in download.headers["Cache-Control"]
        client.post("/account/logout")
    # After logging out the same download is the public one again.
    assert LINK not in client.get(f"/sessions/{session.id}.ics").get_data(as_text=True)
    # The participant's invitation carries the link.
    text = invitation(activity.sessions[0], participant, "REQUEST")
    assert LINK in _locations_and_descriptions(text.encode())
