"""The catalogue's order and its session filters, where programmes and modules meet.

The page query looks at sessions that are not over yet (all of them only with
``afgelopen``), and the month/online/theme filters look at the activity and at its
published modules separately; these tests pin what a visitor sees in those cases.
"""

from __future__ import annotations

from datetime import timedelta

from lms.common.timeutil import brussels
from tests.catalog.helpers import card_of, card_titles, span, text_of


def get_html(client, query: str = "") -> str:
    response = client.get(f"/activities{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_same_next_session_the_longer_run_first_then_by_title(client, create_activity):
    create_activity(title="B kort", sessions=[span(5)])
    create_activity(title="Lang", sessions=[span(5), span(40)])
    create_activity(title="A kort", sessions=[span(5)])

    assert card_titles(get_html(client)) == ["Lang", "A kort", "B kort"]


def test_a_programme_is_dated_and_ordered_by_its_published_modules(client, create_activity):
    create_activity(title="Cursus", sessions=[span(10)])
    programme = create_activity(title="Opleiding", kind="programme", sessions=0)
    create_activity(title="Module 1", parent=programme, sessions=[span(-20)])
    create_activity(title="Module 2", parent=programme, sessions=[span(4), span(60)])
    create_activity(title="Ontwerpmodule", parent=programme, status="draft", sessions=[span(1)])

    html = get_html(client)

    assert card_titles(html) == ["Opleiding", "Cursus"]  # by module 2's session in 4 days
    card = text_of(card_of(html, "Opleiding"))
    assert "Loopt al; volgende sessie" in card  # module 1 was held 20 days ago
    assert "2 modules, 3 sessies" in card  # the draft module does not count


def test_a_programme_whose_modules_are_over_is_past(client, create_activity):
    programme = create_activity(title="Voorbije opleiding", kind="programme", sessions=0)
    create_activity(title="Module", parent=programme, sessions=[span(-30), span(-3)])
    undated = create_activity(title="Nieuwe opleiding", kind="programme", sessions=0)
    create_activity(title="Ontwerp", parent=undated, status="draft", sessions=[span(-3)])

    assert card_titles(get_html(client)) == ["Nieuwe opleiding"]
    html = get_html(client, "?afgelopen=1")
    assert card_titles(html) == ["Nieuwe opleiding", "Voorbije opleiding"]
    assert "Afgelopen" in text_of(card_of(html, "Voorbije opleiding"))
    assert "Data volgen" in text_of(card_of(html, "Nieuwe opleiding"))


def test_month_and_online_filters_look_at_published_modules(client, create_activity):
    march = brussels(2031, 3, 10, 9)
    in_march = [(march, march + timedelta(hours=3))]
    create_activity(title="Cursus in maart", sessions=in_march)
    programme = create_activity(title="Opleiding", kind="programme", sessions=0)
    create_activity(
        title="Online module", parent=programme, sessions=in_march, online_url="https://x.example"
    )
    hidden = create_activity(title="Verborgen opleiding", kind="programme", sessions=0)
    create_activity(
        title="Ontwerp",
        parent=hidden,
        status="draft",
        sessions=in_march,
        online_url="https://x.example",
    )

    assert sorted(card_titles(get_html(client, "?maand=2031-03"))) == [
        "Cursus in maart",
        "Opleiding",
    ]
    assert card_titles(get_html(client, "?vorm=online")) == ["Opleiding"]
    assert card_titles(get_html(client, "?maand=2031-04")) == []


def test_theme_filter_ignores_draft_modules(client, create_activity, create_theme):
    wonen = create_theme("Wonen")
    programme = create_activity(title="Opleiding", kind="programme", sessions=0)
    create_activity(title="Ontwerp", parent=programme, status="draft", themes=[wonen])

    assert card_titles(get_html(client, "?thema=wonen")) == []
