"""The public catalogue ``GET /activities``: cards, filters, search, order, pagination."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import url_for

from lms.common.text_search import fold_text
from lms.common.timeutil import brussels
from lms.extensions import db
from tests.catalog.helpers import card_of, card_titles, in_days, span, text_of


def get_html(client, query: str = "") -> str:
    response = client.get(f"/activities{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


# --- What is shown ------------------------------------------------------------------


def test_only_published_top_level_activities_are_cards(client, create_activity):
    create_activity(title="Gepubliceerde cursus")
    create_activity(title="Ontwerp", status="draft")
    create_activity(title="Geannuleerd", status="cancelled")
    create_activity(title="Gearchiveerd", status="archived")
    create_activity(title="Op maat voor één organisatie", kind="custom")
    programme = create_activity(title="Beroepsopleiding X", kind="programme", sessions=0)
    create_activity(title="Module A", parent=programme, sessions=[span(10)])
    create_activity(title="Module B", parent=programme, sessions=[span(40)])

    html = get_html(client)

    assert sorted(card_titles(html)) == ["Beroepsopleiding X", "Gepubliceerde cursus"]
    assert "2 activiteiten" in html


def test_a_programme_card_shows_its_modules_dates_and_themes(client, create_activity, create_theme):
    wonen, impact = create_theme("Wonen"), create_theme("Impactevaluatie")
    programme = create_activity(
        title="Beroepsopleiding X", kind="programme", sessions=0, themes=[wonen]
    )
    first = brussels(2030, 3, 5, 9, 30)
    last = brussels(2030, 6, 18, 13, 0)
    create_activity(
        title="Module A",
        parent=programme,
        sessions=[(first, first + timedelta(hours=3))],
        themes=[impact],
    )
    create_activity(
        title="Module B",
        parent=programme,
        sessions=[
            (first + timedelta(days=7), first + timedelta(days=7, hours=3)),
            (last, last + timedelta(hours=3)),
        ],
    )
    create_activity(
        title="Module in ontwerp",
        parent=programme,
        status="draft",
        sessions=[(brussels(2031, 1, 1, 9), brussels(2031, 1, 1, 12))],
    )

    card = text_of(card_of(get_html(client), "Beroepsopleiding X"))

    assert "5 mrt 2030 – 18 jun 2030" in card
    assert "2 modules, 3 sessies" in card
    assert "Impactevaluatie" in card and "Wonen" in card
    assert "Beroepsopleiding" in card
    assert "Aanvragen" in card  # programmes need approval by default


def test_card_shows_kind_dates_in_brussels_place_price_and_seats(
    client, create_activity, create_theme, create_enrolments
):
    # 22:30 UTC on 30 June is 00:30 on 1 July in Brussels (summer time).
    start = brussels(2030, 7, 1, 0, 30)
    activity = create_activity(
        title="Nachtcursus",
        capacity=10,
        sessions=[(start, start + timedelta(hours=2))],
        themes=[create_theme("Straathoekwerk")],
        location="Zaal De Kring, Gent",
        price_member=Decimal("60"),
        price_non_member=Decimal("120"),
    )
    create_enrolments(activity, confirmed=3, waitlisted=0, pending=2)

    card = text_of(card_of(get_html(client), "Nachtcursus"))

    assert "Cursus" in card
    assert "maandag 1 juli 2030, 00:30–02:30" in card
    assert "Zaal De Kring, Gent" in card
    assert "€ 60,00 voor leden" in card and "€ 120,00 voor niet-leden" in card
    assert "7 plaatsen vrij" in card
    assert "Straathoekwerk" in card
    assert "Aanvragen" not in card


@pytest.mark.parametrize(
    ("member", "non_member", "expected"),
    [
        ("0", "0", "Prijs Gratis"),
        ("45", "45", "Prijs € 45,00"),
        ("0", "30", "Prijs gratis voor leden € 30,00 voor niet-leden"),
    ],
)
def test_prices(client, create_activity, member, non_member, expected):
    create_activity(
        title="Met prijs", price_member=Decimal(member), price_non_member=Decimal(non_member)
    )
    assert expected in text_of(card_of(get_html(client), "Met prijs"))


def test_online_hybrid_and_several_places(client, create_activity):
    create_activity(title="Online", location="", online_url="https://meet.example/x")
    create_activity(title="Hybride", location="Vooruit, Gent", online_url="https://meet.example/y")
    several = create_activity(title="Rondreis", sessions=[span(5), span(12)], location="Gent")
    several.sessions[1].location = "Antwerpen"
    create_activity(title="Nog geen plaats", location="")
    db.session.commit()

    html = get_html(client)

    assert "Waar Online" in text_of(card_of(html, "Online"))
    hybrid = text_of(card_of(html, "Hybride"))
    assert "Vooruit, Gent" in hybrid and "ook online te volgen" in hybrid
    assert "Antwerpen en 1 andere plaats" in text_of(card_of(html, "Rondreis"))
    assert "Locatie volgt" in text_of(card_of(html, "Nog geen plaats"))


def test_seat_states(client, create_activity, create_enrolments):
    create_enrolments(create_activity(title="Bijna vol", capacity=5), confirmed=4)
    create_enrolments(
        create_activity(title="Vol met wachtlijst", capacity=2), confirmed=2, waitlisted=3
    )
    create_enrolments(
        create_activity(title="Vol zonder lijst", capacity=2, waitlist_enabled=False),
        confirmed=2,
    )
    create_activity(title="Onbeperkt", capacity=None)
    create_activity(title="Intervisie", kind="intervision", capacity=8)

    html = get_html(client)

    assert "Nog 1 plaats vrij" in text_of(card_of(html, "Bijna vol"))
    assert "Volzet – wachtlijst" in text_of(card_of(html, "Vol met wachtlijst"))
    full = text_of(card_of(html, "Vol zonder lijst"))
    assert "Volzet" in full and "wachtlijst" not in full
    assert "Plaatsen vrij" in text_of(card_of(html, "Onbeperkt"))
    intervision = text_of(card_of(html, "Intervisie"))
    assert "Aanvragen" in intervision and "8 plaatsen vrij" in intervision


def test_an_open_offer_holds_a_seat(client, create_activity, create_user, create_enrolment):
    activity = create_activity(title="Aanbod loopt", capacity=1)
    create_enrolment(activity, create_user(), "waitlisted", offered=True)
    assert "Volzet – wachtlijst" in text_of(card_of(get_html(client), "Aanbod loopt"))


def test_enrolment_window_is_mentioned(client, create_activity):
    create_activity(title="Opent later", enrolment_opens_at=brussels(2030, 1, 15, 9))
    create_activity(title="Gesloten", enrolment_closes_at=in_days(-1))
    html = get_html(client)
    assert "Inschrijven vanaf 15 jan 2030" in text_of(card_of(html, "Opent later"))
    assert "Inschrijving gesloten" in text_of(card_of(html, "Gesloten"))


def test_cards_link_to_the_activity_page(app, client, create_activity):
    activity = create_activity(title="Met link")
    card = card_of(get_html(client), "Met link")
    with app.test_request_context():
        assert f'href="{url_for("enrolment.activity", activity_id=activity.id)}"' in card


# --- Order and what is over ------------------------------------------------------------


def test_sorted_by_next_session_then_undated_past_hidden(client, create_activity):
    create_activity(title="Over drie weken", sessions=[span(21)])
    create_activity(title="Morgen", sessions=[span(1)])
    # Started a month ago, next session in a week: sorts by that next session.
    create_activity(title="Loopt al", sessions=[span(-30), span(7)])
    create_activity(title="Zonder data", sessions=0)
    create_activity(title="Voorbij", sessions=[span(-10)])
    create_activity(title="Bezig vandaag", sessions=[(in_days(0, 0), in_days(1, 23))])

    html = get_html(client)

    assert card_titles(html) == [
        "Bezig vandaag",
        "Morgen",
        "Loopt al",
        "Over drie weken",
        "Zonder data",
    ]
    assert "Loopt al; volgende sessie" in text_of(card_of(html, "Loopt al"))
    assert "Data volgen" in text_of(card_of(html, "Zonder data"))


def test_past_activities_with_afgelopen(client, create_activity):
    create_activity(title="Komt nog", sessions=[span(3)])
    create_activity(title="Lang geleden", sessions=[span(-60)])
    create_activity(title="Net voorbij", sessions=[span(-2)])

    html = get_html(client, "?afgelopen=1")

    assert card_titles(html) == ["Komt nog", "Net voorbij", "Lang geleden"]
    assert "Afgelopen" in text_of(card_of(html, "Net voorbij"))
    assert re.search(r'<input[^>]*checked[^>]*name="afgelopen"', html)


def test_cancelled_sessions_do_not_count(client, create_activity):
    from lms.models import SessionStatus

    cancelled, kept = brussels(2030, 3, 5, 9, 30), brussels(2030, 3, 12, 9, 30)
    activity = create_activity(
        title="Deels geannuleerd",
        sessions=[(cancelled, cancelled + timedelta(hours=3)), (kept, kept + timedelta(hours=3))],
    )
    activity.sessions[0].status = SessionStatus.CANCELLED
    db.session.commit()

    card = text_of(card_of(get_html(client), "Deels geannuleerd"))

    assert "dinsdag 12 maart 2030, 09:30–12:30" in card
    assert "5 mrt" not in card and "sessies" not in card


# --- Filters --------------------------------------------------------------------------


def test_filter_on_kind(client, create_activity):
    create_activity(title="Een cursus", kind="course")
    create_activity(title="Een lezing", kind="lecture")
    assert card_titles(get_html(client, "?soort=lecture")) == ["Een lezing"]


def test_filter_on_theme_includes_programme_modules(client, create_activity, create_theme):
    wonen, jeugd = create_theme("Wonen"), create_theme("Jeugd- en kinderrechten")
    create_activity(title="Over wonen", themes=[wonen])
    create_activity(title="Over jeugd", themes=[jeugd])
    programme = create_activity(title="Opleiding", kind="programme", sessions=0)
    create_activity(title="Module wonen", parent=programme, themes=[wonen], sessions=[span(9)])

    html = get_html(client, "?thema=wonen")

    assert sorted(card_titles(html)) == ["Opleiding", "Over wonen"]
    assert "Gefilterd op:" in html and "Wonen" in html


def test_filter_on_month_uses_brussels_time(client, create_activity):
    # 23:30 UTC on 30 November is already 1 December in Brussels.
    december = brussels(2030, 12, 1, 0, 30)
    create_activity(title="Eerste december", sessions=[(december, december + timedelta(hours=2))])
    november = brussels(2030, 11, 30, 22, 0)
    create_activity(title="Eind november", sessions=[(november, november + timedelta(hours=1))])

    assert card_titles(get_html(client, "?maand=2030-12")) == ["Eerste december"]
    assert card_titles(get_html(client, "?maand=2030-11")) == ["Eind november"]
    assert card_titles(get_html(client, "?maand=2030-10")) == []


def test_a_past_month_shows_what_happened_then(client, create_activity):
    start = brussels(2020, 5, 12, 9)
    create_activity(title="In mei 2020", sessions=[(start, start + timedelta(hours=3))])
    html = get_html(client, "?maand=2020-05")
    assert card_titles(html) == ["In mei 2020"]
    assert '<option selected value="2020-05">Mei 2020</option>' in html


def test_filter_online_and_on_site(client, create_activity):
    create_activity(title="Online", location="", online_url="https://meet.example/a")
    create_activity(title="Ter plaatse", location="Gent")
    create_activity(title="Hybride", location="Gent", online_url="https://meet.example/b")

    assert sorted(card_titles(get_html(client, "?vorm=online"))) == ["Hybride", "Online"]
    assert sorted(card_titles(get_html(client, "?vorm=ter-plaatse"))) == [
        "Hybride",
        "Ter plaatse",
    ]


def test_filter_seats_free(client, create_activity, create_enrolments):
    create_enrolments(create_activity(title="Vol", capacity=2), confirmed=2, waitlisted=1)
    create_enrolments(create_activity(title="Plaats", capacity=2), confirmed=1, pending=3)
    create_activity(title="Onbeperkt", capacity=None)
    create_activity(title="Inschrijving dicht", capacity=5, enrolment_closes_at=in_days(-1))

    assert sorted(card_titles(get_html(client, "?vrij=1"))) == ["Onbeperkt", "Plaats"]


def test_filters_combine(client, create_activity, create_theme):
    wonen = create_theme("Wonen")
    create_activity(title="Wonen online", themes=[wonen], location="", online_url="https://x.be")
    create_activity(title="Wonen in Gent", themes=[wonen])
    create_activity(title="Iets anders online", location="", online_url="https://x.be")

    html = get_html(client, "?soort=course&thema=wonen&vorm=online&vrij=1&q=wonen")

    assert card_titles(html) == ["Wonen online"]


# --- Text search --------------------------------------------------------------------------


def test_search_is_case_and_accent_insensitive(client, create_activity):
    create_activity(title="Woonbeleid beïnvloeden", summary="Lokaal werken.")
    create_activity(title="Zoë en de wijk", summary="Over CAFÉ-gesprekken in de buurt")
    create_activity(title="Iets anders", summary="Niets hiervan.")

    assert card_titles(get_html(client, "?q=BEINVLOEDEN")) == ["Woonbeleid beïnvloeden"]
    assert card_titles(get_html(client, "?q=beïnvloeden")) == ["Woonbeleid beïnvloeden"]
    assert card_titles(get_html(client, "?q=zoe")) == ["Zoë en de wijk"]
    assert card_titles(get_html(client, "?q=Café")) == ["Zoë en de wijk"]
    assert card_titles(get_html(client, "?q=cafe+buurt")) == ["Zoë en de wijk"]
    assert card_titles(get_html(client, "?q=cafe+woonbeleid")) == []


def test_search_finds_a_programme_by_a_module_title(client, create_activity):
    programme = create_activity(title="Beroepsopleiding", kind="programme", sessions=0)
    create_activity(title="Politiserend werken", parent=programme, sessions=[span(5)])
    assert card_titles(get_html(client, "?q=politiserend")) == ["Beroepsopleiding"]


def test_search_treats_like_wildcards_literally(client, create_activity):
    create_activity(title="100% inzet", summary="")
    create_activity(title="Honderd procent", summary="")
    create_activity(title="a_b", summary="")
    create_activity(title="axb", summary="")
    assert card_titles(get_html(client, "?q=%25")) == ["100% inzet"]
    assert card_titles(get_html(client, "?q=a_b")) == ["a_b"]


def test_fold_text():
    assert fold_text("Ağaoğlu-Łukasiewicz ÉÈÊË ïñç") == "agaoglu-lukasiewicz eeee inc"


# --- Bad input, empty states ----------------------------------------------------------------


def test_unknown_filter_values_are_explained_and_ignored(client, create_activity):
    create_activity(title="Gewoon")
    html = get_html(client, "?soort=workshop&thema=bestaat-niet&maand=2026-13&vorm=tv")

    assert card_titles(html) == ["Gewoon"]
    assert "Deze soort kennen we niet; we tonen alle soorten." in html
    assert "Dit thema kennen we niet; we tonen alle thema" in html
    assert "Kies een maand als jjjj-mm" in html
    assert "Kies online of ter plaatse" in html
    assert 'href="#thema"' in html  # the error summary links to the field


def test_a_very_long_search_is_cut(client, create_activity):
    create_activity(title="Gewoon")
    html = get_html(client, "?q=" + "a" * 500)
    assert "Gebruik hoogstens 100 tekens." in html


def test_empty_states_in_dutch(client, create_activity):
    html = get_html(client)
    assert "Geen activiteiten gevonden" in html
    assert "Er staat op dit moment geen aanbod online" in html

    create_activity(title="Iets")
    html = get_html(client, "?q=onvindbaar")
    assert "Geen enkele activiteit past bij deze filters." in html
    assert "Zoek ook in afgelopen activiteiten" in html
    assert 'href="/activities?q=onvindbaar&amp;afgelopen=1"' in html
    assert 'href="/activities">Alle filters wissen' in html


# --- Pagination --------------------------------------------------------------------------


def test_pagination_keeps_filters_and_marks_the_current_page(client, create_activity):
    for n in range(30):
        create_activity(title=f"Cursus {n:02d}", sessions=[span(n + 1)])
    create_activity(title="Lezing", kind="lecture")

    first = get_html(client, "?soort=course")
    assert card_titles(first) == [f"Cursus {n:02d}" for n in range(12)]
    assert "30 activiteiten" in first and "1–12 getoond" in first
    assert '<nav class="pagination" aria-label="Paginering">' in first
    assert 'href="/activities?soort=course&amp;pagina=2" rel="next"' in first
    assert 'aria-current="page"' in first

    third = get_html(client, "?soort=course&pagina=3")
    assert card_titles(third) == [f"Cursus {n:02d}" for n in range(24, 30)]
    assert 'rel="prev"' in third and 'rel="next"' not in third
    assert re.search(r'href="/activities\?soort=course&amp;pagina=3" aria-current="page"', third)
    assert "<title>Aanbod – pagina 3 – SAM Leerplatform</title>" in third

    beyond = get_html(client, "?soort=course&pagina=99")
    assert card_titles(beyond) == card_titles(third)
    assert card_titles(get_html(client, "?soort=course&pagina=nul")) == card_titles(first)


def test_the_form_is_a_plain_get_form_with_labels(client, create_activity):
    create_activity()
    html = get_html(client)
    form = re.search(r"<form method=\"get\" action=\"/activities\".*?</form>", html, re.S).group(0)
    for name in ("q", "soort", "thema", "maand", "vorm", "vrij", "afgelopen"):
        assert f'name="{name}"' in form
        assert f'<label for="{name}"' in form
    assert "csrf_token" not in form
    # No inline script or style: the Content-Security-Policy forbids them.
    assert "style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


# --- Query count ---------------------------------------------------------------------------


def make_offer(create_activity, create_theme, create_enrolments, count: int) -> None:
    themes = [create_theme("Wonen"), create_theme("Straathoekwerk")]
    programme = create_activity(title="Opleiding", kind="programme", sessions=0, themes=themes)
    for m in range(2):
        create_activity(title=f"Module {m}", parent=programme, sessions=4, themes=themes[:1])
    for n in range(count):
        activity = create_activity(
            title=f"Activiteit wonen {n}",
            sessions=[span(n + d * 7) for d in range(1, 5)],
            themes=themes if n % 2 else themes[:1],
            capacity=3,
            online_url="https://meet.example/x" if n % 3 == 0 else "",
        )
        if n % 4 == 0:
            create_enrolments(activity, confirmed=3, waitlisted=1)


@pytest.mark.parametrize(
    ("query", "bound"),
    [
        # Rendering: the offer's version, six queries, and when the clock next changes it.
        ("", 8),
        ("?thema=wonen&vrij=1", 8),
        ("?q=wonen&vorm=online&soort=course", 8),
        ("?afgelopen=1", 8),
        # Beyond the last page: one count more and the last page fetched again.
        ("?pagina=99", 10),
    ],
)
def test_the_number_of_queries_does_not_grow(
    client, create_activity, create_theme, create_enrolments, count_queries, query, bound
):
    make_offer(create_activity, create_theme, create_enrolments, 5)
    with count_queries() as few:
        get_html(client, query)

    make_offer(create_activity, create_theme, create_enrolments, 40)
    with count_queries() as many:
        html = get_html(client, query)

    assert card_titles(html)
    assert many.count == few.count, many
    assert few.count <= bound, few

    # Rendered once: the next visitor costs one query (the version) and gets the same page.
    with count_queries() as cached:
        again = get_html(client, query)
    assert cached.count == 1, cached
    assert card_titles(again) == card_titles(html)


def test_a_logged_in_person_sees_their_own_status(
    client, create_activity, create_user, create_enrolment, login, count_queries
):
    person = create_user()
    create_enrolment(create_activity(title="Ingeschreven"), person, "confirmed")
    create_enrolment(create_activity(title="Wachten", capacity=0), person, "waitlisted")
    create_enrolment(create_activity(title="Geannuleerd"), person, "cancelled")
    create_activity(title="Niets")
    login(person)

    with count_queries() as few:
        html = get_html(client)

    assert "Jij: ingeschreven" in text_of(card_of(html, "Ingeschreven"))
    assert "Jij: wachtlijst" in text_of(card_of(html, "Wachten"))
    assert "Jij:" not in card_of(html, "Geannuleerd")
    assert "Jij:" not in card_of(html, "Niets")

    for n in range(20):
        create_enrolment(create_activity(title=f"Nog {n}"), person, "confirmed")
    with count_queries() as many:
        get_html(client)
    assert many.count == few.count, many
