"""The report per period matches the hand-computed figures of the season fixture, in the
figures, on the page, in the CSV and in the XLSX."""

from __future__ import annotations

from datetime import date

import pytest

from lms.common.timeutil import MONTH_NAMES
from lms.reports.common import Period
from lms.reports.per_period import period_report
from tests.reports.conftest import EXPECTED_PERIOD, period_args
from tests.reports.helpers import read_csv, read_xlsx, shown, tables, text

E = EXPECTED_PERIOD


@pytest.fixture
def coordinator(create_user):
    return create_user(name="Hilde Coördinator", roles=("coordinator",))


def on_page(rows: list[tuple]) -> list[tuple]:
    """Expected rows with their last column (hours) as a page shows it."""
    return [(*row[:-1], shown(row[-1])) for row in rows]


def _months(year: int) -> list[tuple[str, int, str]]:
    return [(f"{MONTH_NAMES[m - 1]} {year}", *E["months"].get(m, (0, "0"))) for m in range(1, 13)]


def test_the_figures_match_the_hand_computed_ones(season):
    report = period_report(Period(date(season.year, 1, 1), date(season.year, 12, 31)))
    assert report.participants == E["participants"]
    assert report.enrolled == E["enrolled"]
    assert report.activities_held == E["activities"]
    assert report.sessions_held == E["sessions"]
    assert report.minutes == 2010 and report.hours_text == shown(E["hours"])
    assert [(g.label, g.activities, g.hours_text) for g in report.themes] == on_page(E["themes"])
    kinds = [(g.label, g.activities, g.sessions, g.hours_text) for g in report.kinds]
    assert kinds == on_page(E["kinds"])
    assert [(g.label, g.participants, g.hours_text) for g in report.organisations] == on_page(
        E["organisations"]
    )
    assert [(g.label, g.sessions, g.hours_text) for g in report.timeline] == on_page(
        _months(season.year)
    )
    # Every minute is someone's: the organisations add up to the total.
    assert sum(g.minutes for g in report.organisations) == report.minutes


def test_a_part_of_the_year(season):
    """Only April: the lecture."""
    report = period_report(Period(date(season.year, 4, 1), date(season.year, 4, 30)))
    assert (report.participants, report.sessions_held, report.hours_text) == (2, 1, "4 u")
    assert [(g.label, g.sessions) for g in report.timeline] == [(f"april {season.year}", 1)]
    # A long period is shown per year.
    report = period_report(Period(date(season.year - 2, 1, 1), date(season.year, 12, 31)))
    assert report.by_year
    assert [(g.label, g.sessions, g.hours_text) for g in report.timeline] == [
        (str(season.year - 2), 0, "0 u"),
        (str(season.year - 1), 1, "2 u"),  # last year's activity G
        (str(season.year), 6, "33 u 30 min"),
    ]


def test_the_page_shows_the_same_figures(season, client, login, coordinator):
    login(coordinator)
    response = client.get(f"/reports/period?{period_args()}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text(html)
    assert "5 unieke deelnemers" in page
    assert "4 unieke ingeschrevenen" in page
    assert "33 u 30 min aan vorming gegeven" in page
    assert "3 activiteiten met een afgelopen sessie" in page
    assert "6 sessies afgelopen" in page
    found = tables(html)
    assert found["tabel-thema"] == [
        [label, str(n), shown(hours)] for label, n, hours in E["themes"]
    ]
    assert found["tabel-soort"] == [
        [label.capitalize(), str(a), str(s), shown(hours)] for label, a, s, hours in E["kinds"]
    ]
    assert found["tabel-organisatie"] == [
        [label, str(n), shown(hours)] for label, n, hours in E["organisations"]
    ]
    assert found["tabel-tijd"] == [
        [label.capitalize(), str(s), shown(hours)] for label, s, hours in _months(season.year)
    ]
    # Charts: a line over the months and bars per theme, kind and organisation, each with
    # its values in words and a pointer to its table; no inline style or script.
    assert 'style="' not in html and "<script>" not in html
    for chart, table in (
        ("grafiek-tijd", "tabel-tijd"),
        ("grafiek-thema", "tabel-thema"),
        ("grafiek-soort", "tabel-soort"),
        ("grafiek-organisatie", "tabel-organisatie"),
    ):
        assert f'id="{chart}"' in html and f'aria-describedby="{table}"' in html
    assert "<polyline" in html
    assert f"maart {season.year}: 19 u 30 min" in html
    assert (
        '<desc id="grafiek-thema-desc">Wonen: 29 u 30 min; Straathoekwerk: 19 u 30 min; '
        "Zonder thema: 4 u." in html
    )
    assert "Een activiteit met meerdere thema's telt voor elk van die thema's volledig mee" in page


def test_the_csv_has_the_same_figures(season, client, login, coordinator):
    login(coordinator)
    response = client.get(f"/reports/period.csv?{period_args()}")
    assert response.status_code == 200
    assert (
        f'filename="rapport-periode-{season.year}-01-01-{season.year}-12-31.csv"'
        in response.headers["Content-Disposition"]
    )
    rows = read_csv(response.data)
    assert rows[0] == ["Rapport per periode", f"01-01-{season.year}", f"31-12-{season.year}"]

    def section(title: str) -> list[list[str]]:
        start = rows.index([title]) + 2  # title, header
        end = next((i for i in range(start, len(rows)) if rows[i] == []), len(rows))
        return rows[start:end]

    assert section("Kerncijfers") == [
        ["Unieke deelnemers (aanwezig)", "5"],
        ["Unieke ingeschrevenen", "4"],
        ["Activiteiten met afgelopen sessies", "3"],
        ["Afgelopen sessies", "6"],
        ["Gegeven uren", "33,5"],
    ]
    assert section("Uren per thema") == [[lbl, str(n), h] for lbl, n, h in E["themes"]]
    assert section("Uren per soort") == [[lbl, str(a), str(s), h] for lbl, a, s, h in E["kinds"]]
    assert section("Uren per organisatie") == [[lbl, str(n), h] for lbl, n, h in E["organisations"]]
    assert section("Uren per maand") == [[lbl, str(s), h] for lbl, s, h in _months(season.year)]


def test_the_xlsx_has_the_same_figures_as_numbers(season, client, login, coordinator):
    login(coordinator)
    response = client.get(f"/reports/period.xlsx?{period_args()}")
    assert response.status_code == 200
    sheets = read_xlsx(response.data)
    assert list(sheets) == [
        "Kerncijfers",
        "Per thema",
        "Per soort",
        "Per organisatie",
        "Per maand",
        "Toelichting",
    ]
    assert sheets["Kerncijfers"][1:] == [
        ("Unieke deelnemers (aanwezig)", 5),
        ("Unieke ingeschrevenen", 4),
        ("Activiteiten met afgelopen sessies", 3),
        ("Afgelopen sessies", 6),
        ("Gegeven uren", 33.5),
    ]

    def num(value: str) -> float:
        return float(value.replace(",", "."))

    assert sheets["Per thema"][0] == ("Thema", "Activiteiten", "Uren")
    assert sheets["Per thema"][1:] == [(lbl, n, num(h)) for lbl, n, h in E["themes"]]
    assert sheets["Per soort"][1:] == [(lbl, a, s, num(h)) for lbl, a, s, h in E["kinds"]]
    assert sheets["Per organisatie"][1:] == [(lbl, n, num(h)) for lbl, n, h in E["organisations"]]
    assert sheets["Per maand"][1:] == [(lbl, s, num(h)) for lbl, s, h in _months(season.year)]
    assert any(
        "Activiteiten in ontwerp tellen niet mee" in (row[1] or "") for row in sheets["Toelichting"]
    )


def test_bad_periods_are_explained(client, login, coordinator):
    login(coordinator)
    html = client.get("/reports/period?van=2026-05-01&tot=2026-01-01").get_data(as_text=True)
    assert "De einddatum mag niet voor de begindatum liggen." in html
    assert "tabel-thema" not in html
    html = client.get("/reports/period?van=1850-01-01").get_data(as_text=True)
    assert "Kies een datum tussen 2000 en 2100." in html
    assert client.get("/reports/period.xlsx?tot=2026-13-01").status_code == 400
    # Only a start: until the end of that year.
    html = client.get("/reports/period?van=2024-03-01").get_data(as_text=True)
    assert 'value="2024-03-01"' in html and 'value="2024-12-31"' in html


def test_the_overview_page_shows_this_years_figures(client, login, coordinator):
    login(coordinator)
    html = client.get("/reports/").get_data(as_text=True)
    assert "Kerncijfers" in html
    assert 'href="/reports/activities"' in html and 'href="/reports/period"' in html
