"""The cached catalogue is never stale: every change the page shows reaches the next visitor.

Each test first lets the catalogue be rendered and kept (lms.catalog.cache), checks that
the next request is answered from the cache, then changes the offer through the service
that owns it (or lets the clock pass a moment the page depends on) and reads the cards
again, parsed from the HTML.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from lms.catalog.page_cache import CONTENT_MARKER, CSRF_MARKER
from lms.extensions import db
from lms.models import Theme
from tests.catalog.helpers import in_days, span

# The page cache reads the catalogue's version on a connection of its own.
pytestmark = pytest.mark.commits


class _Cards(HTMLParser):
    """Each catalogue card as {title, status, when, themes}: the text of its parts."""

    PARTS = {"cat-status": "status", "cat-themes": "themes"}

    def __init__(self) -> None:
        super().__init__()
        self.cards: list[dict[str, str]] = []
        self._card: dict[str, str] | None = None
        self._part: str | None = None
        self._depth = 0
        self._dd = 0

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "article" and "cat-card" in classes:
            self._card = {"title": "", "status": "", "when": "", "themes": ""}
            self.cards.append(self._card)
            return
        if self._card is None:
            return
        if tag == "h3":
            self._part, self._depth = "title", 1
        elif tag == "dd" and self._part is None:
            self._dd += 1
            if self._dd == 1:  # the first fact: "Wanneer"
                self._part, self._depth = "when", 1
        elif self._part is None and any(c in self.PARTS for c in classes):
            self._part = next(self.PARTS[c] for c in classes if c in self.PARTS)
            self._depth = 1
        elif self._part is not None:
            self._depth += 1

    def handle_endtag(self, tag):
        if tag == "article" and self._card is not None:
            self._card, self._part, self._dd = None, None, 0
        elif self._part is not None and tag not in ("br",):
            self._depth -= 1
            if self._depth == 0:
                self._part = None

    def handle_data(self, data):
        if self._card is not None and self._part is not None:
            joined = f"{self._card[self._part]} {data}"
            self._card[self._part] = " ".join(joined.split())


def cards(html: str) -> dict[str, dict[str, str]]:
    parser = _Cards()
    parser.feed(html)
    return {card["title"]: card for card in parser.cards}


#: The user agent of the test clients that sign in (part of Flask-Login's identifier).
AGENT = "lms-test-browser"


def sign_in(app, client, person) -> None:
    """A session as logging in leaves it: the person, Flask-Login's identifier of this
    client (computed by Flask-Login itself) and a CSRF secret."""
    from flask_login.utils import _create_identifier

    client.environ_base["HTTP_USER_AGENT"] = AGENT
    with app.test_request_context(
        "/", headers={"User-Agent": AGENT}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    ):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session["_user_id"] = person.get_id()
        session["_fresh"] = True
        session["_id"] = identifier
        session["csrf_token"] = "a" * 40


@pytest.fixture(params=["visitor", "signed in"])
def visit(request, app, client, count_queries, create_user):
    """``visit()``: the catalogue's cards for an anonymous visitor, or for a signed-in
    person (each test runs for both); ``visit(cached=True)`` also checks the page came
    from the caches (one query: the offer's version, with the person for a signed-in one)."""
    if request.param == "signed in":
        sign_in(app, client, create_user(name="Lena Wouters"))

    def do(*, cached: bool = False) -> dict[str, dict[str, str]]:
        with count_queries() as queries:
            response = client.get("/activities")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        signed_in = "Lena <span" in html
        assert signed_in == (request.param == "signed in")
        if cached:
            assert queries.count == 1, queries
        return cards(html)

    return do


def test_a_seat_taken_shows(visit, create_activity, create_user):
    from lms.enrolment import service

    activity = create_activity(title="Wonen en armoede", capacity=5)
    assert visit()["Wonen en armoede"]["status"] == "5 plaatsen vrij"
    assert visit(cached=True)["Wonen en armoede"]["status"] == "5 plaatsen vrij"

    service.enrol(activity, create_user())
    db.session.commit()

    assert visit()["Wonen en armoede"]["status"] == "4 plaatsen vrij"


def test_a_full_activity_and_its_waiting_list_show(visit, create_activity, create_user):
    from lms.enrolment import service

    activity = create_activity(title="Straathoekwerk", capacity=1, waitlist_enabled=True)
    service.enrol(activity, create_user())
    db.session.commit()
    assert visit()["Straathoekwerk"]["status"] == "Volzet – wachtlijst"
    visit(cached=True)

    from lms.activities import service as activities

    activities.update_activity(db.session.get(type(activity), activity.id), actor=None, capacity=3)
    db.session.commit()

    assert visit()["Straathoekwerk"]["status"] == "Nog 2 plaatsen vrij"


def test_a_session_moved_or_cancelled_shows(visit, create_activity):
    from lms.schedule import service

    activity = create_activity(title="Politiserend werken", sessions=[span(10), span(17)])
    before = visit()["Politiserend werken"]["when"]
    visit(cached=True)

    session = activity.sessions[1]
    starts_at, ends_at = span(40)
    service.reschedule_session(session, starts_at, ends_at, actor=None)
    db.session.commit()
    moved = visit()["Politiserend werken"]["when"]
    assert moved != before
    visit(cached=True)

    service.cancel_session(db.session.get(type(session), session.id), actor=None)
    db.session.commit()
    cancelled = visit()["Politiserend werken"]["when"]
    assert cancelled != moved
    assert "2 sessies" in moved and "sessies" not in cancelled  # one session left


def test_a_title_edited_shows(visit, create_activity):
    from lms.activities import service

    activity = create_activity(title="Oude titel")
    assert "Oude titel" in visit()
    visit(cached=True)

    service.update_activity(activity, actor=None, title="Nieuwe titel")
    db.session.commit()

    titles = visit()
    assert "Nieuwe titel" in titles
    assert "Oude titel" not in titles


def test_a_theme_renamed_shows(visit, create_activity):
    from lms.activities.themes import rename_theme

    theme = Theme(name="Wonen", slug="wonen")
    db.session.add(theme)
    db.session.commit()
    create_activity(title="Huisvesting", themes=[theme])
    assert visit()["Huisvesting"]["themes"] == "Wonen"
    visit(cached=True)

    rename_theme(db.session.get(Theme, theme.id), "Wonen en huisvesting", actor=None)
    db.session.commit()

    assert visit()["Huisvesting"]["themes"] == "Wonen en huisvesting"


def test_the_clock_passing_a_closing_time_shows(visit, create_activity, monkeypatch):
    closes_at = in_days(3)
    create_activity(title="Impactevaluatie", enrolment_closes_at=closes_at, sessions=[span(10)])
    assert visit()["Impactevaluatie"]["status"] == "10 plaatsen vrij"
    visit(cached=True)

    later = closes_at + timedelta(minutes=1)
    monkeypatch.setattr("lms.catalog.views.utcnow", lambda: later)
    monkeypatch.setattr("lms.catalog.page_cache.utcnow", lambda: later)

    assert visit()["Impactevaluatie"]["status"] == "10 plaatsen vrij Inschrijving gesloten"


def test_the_clock_passing_a_session_end_shows(visit, create_activity, monkeypatch):
    first, second = span(2), span(9)
    create_activity(title="Jeugdrechten", sessions=[first, second])
    assert "Loopt al" not in visit()["Jeugdrechten"]["when"]

    later = first[1] + timedelta(minutes=1)
    monkeypatch.setattr("lms.catalog.views.utcnow", lambda: later)
    monkeypatch.setattr("lms.catalog.page_cache.utcnow", lambda: later)

    assert "Loopt al" in visit()["Jeugdrechten"]["when"]


def test_an_activity_published_or_withdrawn_shows(visit, create_activity):
    from lms.activities import service

    draft = create_activity(title="Nog in opbouw", status="draft")
    create_activity(title="Al online")
    assert set(visit()) == {"Al online"}
    visit(cached=True)

    service.update_activity(draft, actor=None, status="published")
    db.session.commit()

    assert set(visit()) == {"Al online", "Nog in opbouw"}


def test_each_language_and_text_size_gets_its_own_page(client, create_activity):
    create_activity(title="Eerstelijnszones")
    dutch = client.get("/activities").get_data(as_text=True)
    client.set_cookie("lang", "en")
    english = client.get("/activities").get_data(as_text=True)
    client.set_cookie("fs", "largest")
    larger = client.get("/activities").get_data(as_text=True)

    assert 'lang="nl-BE"' in dutch and 'lang="en"' in english
    assert 'class="fs-largest"' in larger and 'class="fs-largest"' not in english


# --- What a visitor's browser and a reverse proxy are told ------------------------------


def test_anonymous_visitors_get_a_shared_page_with_an_etag(client, create_activity):
    create_activity(title="Sociale bescherming")
    response = client.get("/activities")

    assert response.headers["Cache-Control"] == "public, no-cache"
    assert "Cookie" in response.headers["Vary"]
    assert "Set-Cookie" not in response.headers  # no session for a visitor
    etag = response.headers["ETag"]
    assert "Sociale bescherming" in cards(response.get_data(as_text=True))

    again = client.get("/activities", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["ETag"] == etag
    assert again.get_data() == b""


def test_a_changed_offer_answers_200_with_a_new_etag(client, create_activity):
    from lms.activities import service

    activity = create_activity(title="Gebiedsgericht werken")
    etag = client.get("/activities").headers["ETag"]
    service.update_activity(activity, actor=None, title="Gebiedsgericht sociaal werk")
    db.session.commit()

    response = client.get("/activities", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] != etag
    assert "Gebiedsgericht sociaal werk" in cards(response.get_data(as_text=True))


def test_a_signed_in_person_gets_a_private_page_with_their_own_status(
    client, create_activity, create_user, login, create_enrolment
):
    mine = create_activity(title="Mijn cursus")
    create_activity(title="Andere cursus")
    client.get("/activities")  # the shared rendering, kept
    person = create_user()
    create_enrolment(mine, person, "confirmed")
    login(person)

    response = client.get("/activities")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers
    found = cards(response.get_data(as_text=True))
    assert found["Mijn cursus"]["status"].startswith("Jij: ingeschreven")
    assert not found["Andere cursus"]["status"].startswith("Jij")


def _count_views(app, monkeypatch) -> list[int]:
    """Calls of the catalogue's view from now on (the page cache answers without it)."""
    calls: list[int] = []
    view = app.view_functions["catalog.index"]
    monkeypatch.setitem(app.view_functions, "catalog.index", lambda: calls.append(1) or view())
    return calls


def _without_token(html: str) -> tuple[str, list[str]]:
    tokens = re.findall(r'name="csrf_token" value="([^"]+)"', html)
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html), tokens


def test_a_signed_in_page_is_put_together_per_person_with_a_fresh_csrf_token(
    app, create_activity, create_user, create_enrolment, count_queries, monkeypatch
):
    from flask_wtf.csrf import validate_csrf

    mine = create_activity(title="Intervisie wonen")
    create_activity(title="Gebiedsgericht werken")
    ann = create_user(name="Ann Peeters")
    bert = create_user(name="Bert Claes")
    create_enrolment(mine, ann, "confirmed")
    as_ann, as_bert = app.test_client(), app.test_client()
    sign_in(app, as_ann, ann)
    sign_in(app, as_bert, bert)
    views = _count_views(app, monkeypatch)

    first = as_ann.get("/activities").get_data(as_text=True)
    assert len(views) == 1  # rendered by Flask: content block and Ann's frame kept
    with count_queries() as queries:
        response = as_ann.get("/activities")
    again = response.get_data(as_text=True)
    other = as_bert.get("/activities").get_data(as_text=True)

    assert len(views) == 2  # Ann's second page never reached Flask; Bert's first did
    assert queries.count == 1, queries  # the offer's version with Ann, her roles, her statuses
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Cookie" in response.headers["Vary"]
    assert "ETag" not in response.headers and "Set-Cookie" not in response.headers
    assert response.headers["Content-Security-Policy"]  # Flask's headers, kept with the frame
    # The same page as Flask put together, but for the CSRF token, which is fresh and valid.
    assert _without_token(again)[0] == _without_token(first)[0]
    tokens = set(_without_token(again)[1])
    assert len(tokens) == 1
    with app.test_request_context():
        from flask import session

        session["csrf_token"] = "a" * 40
        validate_csrf(tokens.pop())
    for html, name, status in ((again, "Ann", "Jij: ingeschreven"), (other, "Bert", "")):
        assert f">{name} <span" in html
        assert cards(html)["Intervisie wonen"]["status"].startswith(status)
        assert CSRF_MARKER not in html and CONTENT_MARKER not in html
        assert 'name="csrf_token" value="' in html
    assert "Ann" not in other.split("</header>")[0]
    assert not cards(again)["Gebiedsgericht werken"]["status"].startswith("Jij")


def test_my_own_enrolment_and_its_cancellation_show(
    app, client, create_activity, create_user, monkeypatch
):
    from lms.enrolment import service

    activity = create_activity(title="Schuldhulpverlening", capacity=4)
    person = create_user(name="Sara Janssens")
    sign_in(app, client, person)
    assert (
        cards(client.get("/activities").get_data(as_text=True))["Schuldhulpverlening"]["status"]
        == "4 plaatsen vrij"
    )

    service.enrol(activity, person)
    db.session.commit()
    status = cards(client.get("/activities").get_data(as_text=True))["Schuldhulpverlening"]
    assert status["status"].startswith("Jij: ingeschreven")
    views = _count_views(app, monkeypatch)
    client.get("/activities")
    assert not views  # kept: answered in front of Flask, still with Sara's status

    service.cancel(db.session.get(type(activity), activity.id), person)
    db.session.commit()
    status = cards(client.get("/activities").get_data(as_text=True))["Schuldhulpverlening"]
    assert status["status"] == "4 plaatsen vrij"


def test_a_session_ended_elsewhere_is_not_served_from_the_cache(
    app, client, create_activity, create_user
):
    """Logging out everywhere (a new session version) or a deactivated account: the
    kept parts are not used; Flask answers, to a visitor."""
    create_activity(title="Armoede en wonen")
    person = create_user(name="Tom Maes")
    sign_in(app, client, person)
    client.get("/activities")
    assert ">Tom <span" in client.get("/activities").get_data(as_text=True)

    person.session_version += 1
    db.session.commit()
    html = client.get("/activities").get_data(as_text=True)
    assert ">Tom <span" not in html and "Armoede en wonen" in cards(html)

    sign_in(app, client, person)
    assert ">Tom <span" in client.get("/activities").get_data(as_text=True)
    person.active = False
    db.session.commit()
    assert ">Tom <span" not in client.get("/activities").get_data(as_text=True)


def test_a_new_name_role_or_language_changes_the_frame(app, client, create_activity, create_user):
    from lms.models import Role

    create_activity(title="Jeugdwerk")
    person = create_user(name="Mira Claes")
    sign_in(app, client, person)
    client.get("/activities")
    html = client.get("/activities").get_data(as_text=True)
    assert ">Mira <span" in html and "Beheer" not in html.split("</header>")[0]

    person.name = "Miranda Claes"
    person.set_roles({Role.PARTICIPANT, Role.COORDINATOR})
    db.session.commit()
    html = client.get("/activities").get_data(as_text=True)
    assert ">Miranda <span" in html and "Beheer" in html.split("</header>")[0]

    person.locale = "en"
    db.session.commit()
    client.get("/activities")
    html = client.get("/activities").get_data(as_text=True)
    assert 'lang="en"' in html and ">Miranda <span" in html


def test_a_flashed_message_is_shown_once(app, client, create_activity, create_user):
    create_activity(title="Buurtwerk")
    person = create_user(name="Jonas Peeters")
    sign_in(app, client, person)
    client.get("/activities")
    client.get("/activities")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Je gegevens zijn bewaard.")]

    shown = client.get("/activities").get_data(as_text=True)
    after = client.get("/activities").get_data(as_text=True)

    assert "Je gegevens zijn bewaard." in shown
    assert "Je gegevens zijn bewaard." not in after and ">Jonas <span" in after


def test_the_migration_installs_the_triggers_that_raise_the_version(tmp_path):
    """A database built by `flask db upgrade` (not create_all) raises the version too."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from lms import create_app
    from lms.catalog.cache import fingerprint, forget_trigger_check

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/migrated.db")
    with app.app_context():
        upgrade()
        forget_trigger_check()
        before = fingerprint()
        db.session.execute(text("INSERT INTO themes (name, slug) VALUES ('Wonen', 'wonen')"))
        db.session.commit()
        after = fingerprint()
        db.session.remove()
        db.engine.dispose()
    assert before is not None and after is not None
    assert after[1] == before[1] + 1


def test_behind_a_proxy_the_second_visitor_is_answered_from_the_kept_page(_app, app):
    """With a trusted proxy (ProxyFix rewrites the scheme), the page is still found again."""
    from lms import create_app

    proxied = create_app(
        "testing", TRUSTED_PROXIES=1, SQLALCHEMY_DATABASE_URI=_app.config["SQLALCHEMY_DATABASE_URI"]
    )
    calls = []
    view = proxied.view_functions["catalog.index"]
    proxied.view_functions["catalog.index"] = lambda: calls.append(1) or view()
    client = proxied.test_client()
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}

    first = client.get("/activities", headers=headers)
    second = client.get("/activities", headers=headers)

    assert first.status_code == second.status_code == 200
    assert second.get_data() == first.get_data()
    assert second.headers["ETag"] == first.headers["ETag"]
    assert len(calls) == 1  # the second never reached Flask's view
    with proxied.app_context():
        db.engine.dispose()
