"""The activity page is kept whole for visitors and is never stale.

A visitor without a session gets the same page as every other visitor (per language, text
size and URL), kept by lms.catalog.page_cache and answered after one query, the offer's
version. Each test lets the page be rendered and kept, checks the next request is
answered from the cache, then changes what the page shows through the service that owns
it (or lets the clock pass a moment the page shows) and reads the page again, parsed.
"""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest

from lms.extensions import db
from lms.models import Activity, Role, User
from tests.catalog.helpers import in_days, span

# The page cache reads the offer's version on a connection of its own, which sees only
# committed rows: these tests commit (truncated after, not rolled back).
pytestmark = pytest.mark.commits


class _Page(HTMLParser):
    """The page's title (h1), its facts (dt → dd text) and its trainers' names."""

    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.facts: dict[str, str] = {}
        self.trainers: list[str] = []
        self._where: str | None = None
        self._term = ""
        self._text = ""
        self._in_trainers = False

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "ul" and "act-trainers" in classes:
            self._in_trainers = True
        if tag in ("h1", "dt", "dd") or (tag == "li" and self._in_trainers):
            self._where, self._text = tag, ""
        elif tag == "br" and self._where == "dd":
            self._text += " "

    def handle_endtag(self, tag):
        if tag == "ul":
            self._in_trainers = False
        if tag != self._where:
            return
        text = " ".join(self._text.split())
        if tag == "h1":
            self.title = text
        elif tag == "dt":
            self._term = text
        elif tag == "dd":
            self.facts[self._term] = text
        elif tag == "li":
            self.trainers.append(text)
        self._where = None

    def handle_data(self, data):
        if self._where is not None:
            self._text += data


def page(html: str) -> _Page:
    parsed = _Page()
    parsed.feed(html)
    return parsed


@pytest.fixture
def visit(client, count_queries):
    """``visit(activity)``: the activity page a visitor gets, parsed; ``cached=True`` also
    checks it came from the page cache (one query: the offer's version)."""

    def do(activity: Activity, *, cached: bool = False) -> _Page:
        url = f"/activities/{activity.id}"  # (may load the activity again: not counted)
        with count_queries() as queries:
            response = client.get(url)
        assert response.status_code == 200
        if cached:
            assert queries.count == 1, queries
        return page(response.get_data(as_text=True))

    return do


def _fresh(activity: Activity) -> Activity:
    return db.session.get(Activity, activity.id)


def test_a_visitor_gets_a_shared_page_with_an_etag(client, create_activity):
    activity = create_activity(title="Outreachend werken")
    response = client.get(f"/activities/{activity.id}")

    assert response.headers["Cache-Control"] == "public, no-cache"
    assert "Cookie" in response.headers["Vary"]
    assert "Set-Cookie" not in response.headers
    etag = response.headers["ETag"]
    assert page(response.get_data(as_text=True)).title == "Outreachend werken"

    again = client.get(f"/activities/{activity.id}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    other = create_activity(title="Een andere")
    assert page(client.get(f"/activities/{other.id}").get_data(as_text=True)).title == "Een andere"


def test_a_signed_in_person_gets_their_own_page(client, create_activity, create_user, login):
    activity = create_activity(title="Sociale kaart")
    client.get(f"/activities/{activity.id}")  # a visitor's page, kept
    login(create_user(name="Eva Jacobs"))

    response = client.get(f"/activities/{activity.id}")
    html = response.get_data(as_text=True)
    assert "ETag" not in response.headers
    assert "public" not in response.headers.get("Cache-Control", "")
    assert ">Eva <span" in html and "Afmelden" in html


def test_a_seat_taken_shows(visit, create_activity, create_user):
    from lms.enrolment import service

    activity = create_activity(title="Wijkgezondheid", capacity=5)
    assert visit(activity).facts["Plaatsen"] == "5 van 5 vrij"
    visit(activity, cached=True)

    service.enrol(_fresh(activity), create_user())
    db.session.commit()

    assert visit(activity).facts["Plaatsen"] == "4 van 5 vrij"


def test_a_title_edited_and_a_session_moved_show(visit, create_activity):
    from lms.activities import service as activities
    from lms.schedule import service as schedule

    activity = create_activity(title="Oude titel", sessions=[span(10), span(17)])
    before = visit(activity).facts["Wanneer"]
    visit(activity, cached=True)

    activities.update_activity(_fresh(activity), actor=None, title="Nieuwe titel")
    db.session.commit()
    assert visit(activity).title == "Nieuwe titel"
    visit(activity, cached=True)

    session = _fresh(activity).sessions[1]
    schedule.reschedule_session(session, *span(40), actor=None)
    db.session.commit()
    assert visit(activity).facts["Wanneer"] != before


def test_a_trainer_added_or_renamed_shows(visit, create_activity, create_user):
    from lms.activities import service

    activity = create_activity(title="Intervisie")
    assert visit(activity).trainers == []
    visit(activity, cached=True)

    trainer = create_user(name="Nora Peeters", roles=(Role.TRAINER,))
    service.set_trainers(_fresh(activity), [trainer], actor=None)
    db.session.commit()
    assert visit(activity).trainers == ["Nora Peeters"]
    visit(activity, cached=True)

    db.session.get(User, trainer.id).name = "Nora Peeters-Claes"
    db.session.commit()
    assert visit(activity).trainers == ["Nora Peeters-Claes"]


def test_a_login_does_not_empty_the_cache(visit, create_activity, create_user):
    """Only a name raises the version among the writes to users (a login writes too)."""
    from lms.models import utcnow

    activity = create_activity(title="Samenlevingsopbouw")
    person = create_user()
    visit(activity)
    person.last_login_at = utcnow()
    db.session.commit()
    visit(activity, cached=True)


@pytest.mark.parametrize("moment", ["enrolment_closes_at", "cancellation_deadline"])
def test_the_clock_passing_a_moment_the_page_shows(visit, create_activity, monkeypatch, moment):
    at = in_days(3)
    activity = create_activity(title="Jeugdhulp", sessions=[span(10)], **{moment: at})
    label = {"enrolment_closes_at": "Inschrijven tot", "cancellation_deadline": "Annuleren kan tot"}
    assert label[moment] in visit(activity).facts
    visit(activity, cached=True)

    later = at + timedelta(minutes=1)
    monkeypatch.setattr("lms.enrolment.views.utcnow", lambda: later)
    monkeypatch.setattr("lms.catalog.page_cache.utcnow", lambda: later)

    assert label[moment] not in visit(activity).facts
