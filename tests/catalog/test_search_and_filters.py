"""Search over places and themes, months that have something, every kind in the filter.

The same searches run on SQLite and PostgreSQL (the suite runs every test on both): case
and accents never matter, for Dutch text alike on both databases.
"""

from __future__ import annotations

from datetime import date, timedelta
from html.parser import HTMLParser

import pytest

from lms.catalog.queries import today_in_brussels
from lms.common.timeutil import brussels
from lms.models import utcnow
from tests.catalog.helpers import card_titles, span


class _Select(HTMLParser):
    """The options (value, label) of one ``<select name=…>``."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.options: list[tuple[str, str]] = []
        self._inside = False
        self._value: str | None = None
        self._label = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "select":
            self._inside = values.get("name") == self.name
        elif tag == "option" and self._inside:
            self._value, self._label = values.get("value") or "", ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._value is not None:
            self.options.append((self._value, self._label.strip()))
            self._value = None
        elif tag == "select":
            self._inside = False

    def handle_data(self, data: str) -> None:
        if self._value is not None:
            self._label += data


def options(html: str, name: str) -> list[tuple[str, str]]:
    parser = _Select(name)
    parser.feed(html)
    return parser.options


def get_html(client, query: str = "") -> str:
    response = client.get(f"/activities{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def found(client, words: str) -> list[str]:
    return sorted(card_titles(get_html(client, f"?q={words}")))


# --- Search ------------------------------------------------------------------------------


@pytest.fixture
def offer(create_activity, create_theme):
    rights = create_theme("Jeugd- en kinderrechten")
    housing = create_theme("Wonen")
    create_activity(
        title="Participatie met jongeren",
        summary="Hoe betrek je jongeren bij beleid?",
        location="De Studio, Maarschalk Gérardstraat 4, Antwerpen",
        themes=[rights],
    )
    create_activity(title="Woonbeleid lokaal", location="Zaal De Kring, Gent", themes=[housing])
    programme = create_activity(title="Beroepsopleiding", kind="programme", sessions=0)
    create_activity(
        title="Module Brussel",
        parent=programme,
        location="Pianofabriek, Fortstraat 35, Sint-Gillis (Brussel)",
        sessions=[span(12)],
        themes=[rights],
    )
    create_activity(
        title="Zomerschool",
        summary="Drie dagen",
        description="We verblijven in Oostende, aan zee, met kinderen uit de buurt.",
        location="",
        online_url="https://meet.example/z",
    )


def test_search_finds_a_course_by_the_city_it_is_held_in(client, offer):
    assert found(client, "Antwerpen") == ["Participatie met jongeren"]
    assert found(client, "gent") == ["Woonbeleid lokaal"]
    # A programme is found through the place of one of its modules.
    assert found(client, "Sint-Gillis") == ["Beroepsopleiding"]


def test_search_finds_the_activities_of_a_theme(client, offer):
    assert found(client, "kinderrechten") == ["Beroepsopleiding", "Participatie met jongeren"]
    assert found(client, "wonen") == ["Woonbeleid lokaal"]


def test_search_reads_the_description_too(client, offer):
    assert found(client, "Oostende") == ["Zomerschool"]


@pytest.mark.parametrize(
    "words",
    ["ANTWERPEN", "antwerpen", "AntWerpen", "gerardstraat", "GÉRARDSTRAAT", "gérard antwerpen"],
)
def test_case_and_accents_do_not_matter_on_either_database(client, offer, words):
    assert found(client, words) == ["Participatie met jongeren"]


def test_every_word_must_be_found_somewhere(client, offer):
    # "antwerpen" is a place, "kinderrechten" a theme: both of one activity.
    assert found(client, "antwerpen kinderrechten") == ["Participatie met jongeren"]
    assert found(client, "antwerpen wonen") == []


# --- Months -------------------------------------------------------------------------------


def _month_after(today: date, months: int) -> date:
    index = today.month - 1 + months
    return date(today.year + index // 12, index % 12 + 1, 1)


def test_the_month_list_offers_only_months_with_activities(client, create_activity):
    today = today_in_brussels(utcnow())
    in_two, in_five = _month_after(today, 2), _month_after(today, 5)
    start = brussels(in_two.year, in_two.month, 10, 10)
    create_activity(title="Over twee maanden", sessions=[(start, start + timedelta(hours=2))])
    programme = create_activity(title="Opleiding", kind="programme", sessions=0)
    start = brussels(in_five.year, in_five.month, 3, 10)
    create_activity(
        title="Module", parent=programme, sessions=[(start, start + timedelta(hours=2))]
    )
    # Neither a draft, nor a custom activity, nor a cancelled session gives a month.
    in_three, in_four = _month_after(today, 3), _month_after(today, 4)
    start = brussels(in_three.year, in_three.month, 10, 10)
    create_activity(title="Ontwerp", status="draft", sessions=[(start, start + timedelta(hours=1))])
    create_activity(title="Op maat", kind="custom", sessions=[(start, start + timedelta(hours=1))])
    start = brussels(in_four.year, in_four.month, 10, 10)
    cancelled = create_activity(title="Afgelast", sessions=[(start, start + timedelta(hours=1))])
    from lms.extensions import db
    from lms.models import SessionStatus

    cancelled.sessions[0].status = SessionStatus.CANCELLED
    db.session.commit()

    months = [value for value, _label in options(get_html(client), "maand")]
    assert months == ["", f"{in_two:%Y-%m}", f"{in_five:%Y-%m}"]
    assert card_titles(get_html(client, f"?maand={in_five:%Y-%m}")) == ["Opleiding"]


def test_an_empty_offer_offers_no_month(client):
    assert options(get_html(client), "maand") == [("", "Alle maanden")]


# --- Kinds --------------------------------------------------------------------------------


def test_the_kind_filter_offers_every_kind_including_on_request(client, create_activity):
    kinds = options(get_html(client), "soort")
    assert kinds == [
        ("", "Alle soorten"),
        ("programme", "Beroepsopleiding"),
        ("course", "Cursus"),
        ("lecture", "Lezing"),
        ("intervision", "Intervisie"),
        ("practice_group", "Praktijkgroep"),
        ("custom", "Op aanvraag / maatwerk"),
    ]


def test_on_request_explains_how_to_ask_sam_and_shows_no_closed_activity(client, create_activity):
    create_activity(title="Op maat voor één organisatie", kind="custom")
    create_activity(title="Open cursus")
    html = get_html(client, "?soort=custom")
    assert card_titles(html) == []
    assert "Deze soort kennen we niet" not in html
    parser = _Links()
    parser.feed(html)
    assert ("/contact", "Vraag een leeractiviteit op maat aan: neem contact op met SAM") in (
        parser.links
    )
    assert ("custom", "Op aanvraag / maatwerk") in options(html, "soort")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href, self._text = dict(attrs).get("href") or "", ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join(self._text.split())))
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text += data
