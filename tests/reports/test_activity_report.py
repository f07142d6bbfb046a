"""The report per activity matches the hand-computed figures of the season fixture, in the
figures, on the page, in the CSV and in the XLSX; filters, order, detail page, charts."""

from __future__ import annotations

from datetime import date

import pytest

from lms.common.timeutil import to_local
from lms.reports.common import Period, hours_text, percent_text
from lms.reports.per_activity import ActivityFilters, activity_report
from tests.reports.conftest import EXPECTED_ACTIVITIES, period_args
from tests.reports.helpers import read_csv, read_xlsx, shown, tables, text


@pytest.fixture
def coordinator(create_user):
    return create_user(name="Hilde Coördinator", roles=("coordinator",))


def _pct(value: str | None) -> str:
    return "–" if value is None else f"{value} %"


def test_the_figures_match_the_hand_computed_ones(season):
    report = activity_report(
        ActivityFilters(Period(date(season.year, 1, 1), date(season.year, 12, 31)))
    )
    rows = report.all_rows
    assert [r.title for r in rows] == [e[0] for e in EXPECTED_ACTIVITIES]
    for row, expected in zip(rows, EXPECTED_ACTIVITIES, strict=True):
        (_t, capacity, confirmed, fill, waiting, pending, planned, held, cancelled,
         attended, expected_hours, rate, valid, revoked) = expected  # fmt: skip
        assert (row.capacity, row.confirmed, row.waitlisted, row.pending) == (
            capacity,
            confirmed,
            waiting,
            pending,
        ), row.title
        assert (row.sessions_planned, row.sessions_held, row.sessions_cancelled) == (
            planned,
            held,
            cancelled,
        ), row.title
        assert percent_text(row.fill_rate) == _pct(fill), row.title
        assert hours_text(row.attended_minutes) == shown(attended), row.title
        assert hours_text(row.expected_minutes) == shown(expected_hours), row.title
        assert percent_text(row.attendance_rate) == _pct(rate), row.title
        assert (row.certificates_valid, row.certificates_revoked) == (valid, revoked), row.title
    # Exact fractions, not rounded ones: 990 / 1620 and 600 / 720.
    a = rows[0]
    assert (a.attended_minutes, a.expected_minutes) == (990, 1620)
    assert (rows[2].attended_minutes, rows[2].expected_minutes) == (600, 720)

    totals = report.totals
    assert totals.activities == 4 and report.modules == 2  # the draft and last year's are out
    assert (totals.confirmed_limited, totals.capacity) == (5, 23)
    assert percent_text(totals.fill_rate) == "21,7 %"
    assert (totals.attended_minutes, totals.expected_minutes) == (1830, 2580)
    assert percent_text(totals.attendance_rate) == "70,9 %"
    assert (report.waitlisted, report.pending) == (1, 1)
    assert (report.certificates_valid, report.certificates_revoked) == (2, 1)
    per_kind = {
        k.kind.value: (percent_text(k.fill_rate), percent_text(k.attendance_rate))
        for k in report.per_kind
    }
    assert per_kind == {
        "programme": ("20 %", "83,3 %"),
        "course": ("23,1 %", "61,1 %"),  # A and C: 3 of 13 seats; only A was held
        "lecture": ("–", "100 %"),
    }


def test_the_page_shows_the_same_figures(season, client, login, coordinator):
    login(coordinator)
    response = client.get(f"/reports/activities?{period_args()}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = tables(html)["tabel-activiteiten"]
    assert len(rows) == len(EXPECTED_ACTIVITIES)
    for cells, expected in zip(rows, EXPECTED_ACTIVITIES, strict=True):
        (title, capacity, confirmed, fill, waiting, pending, planned, held, cancelled,
         _att, _exp, rate, valid, revoked) = expected  # fmt: skip
        assert cells[0].startswith(title)
        seats = f"{confirmed} van {capacity}" if capacity is not None else f"{confirmed} onbeperkt"
        sessions = f"{held} van {planned}" + (f" {cancelled} geannuleerd" if cancelled else "")
        certificates = f"{valid}" + (f" {revoked} ingetrokken" if revoked else "")
        assert cells[1:] == [
            seats,
            _pct(fill),
            str(waiting),
            str(pending),
            sessions,
            _pct(rate),
            certificates,
        ], title
    assert "module" in rows[3][0] and "Cursus" in rows[0][0] and "geannuleerd" in rows[5][0]
    page = text(html)
    assert "21,7 % bezetting 5 ingeschreven op 23 plaatsen" in page
    assert "70,9 % aanwezigheid 30 u 30 min van 43 u" in page
    assert "2 attesten geldig 1 ingetrokken" in page
    assert tables(html)["tabel-soort"] == [
        ["Beroepsopleiding", "1", "20 %", "83,3 %"],
        ["Cursus", "2", "23,1 %", "61,1 %"],
        ["Lezing", "1", "–", "100 %"],
    ]
    # How the figures are counted is on the page.
    assert "Aanwezigheidsgraad = aanwezige minuten van de ingeschreven deelnemers" in page
    assert "Bezettingsgraad = ingeschreven (bevestigd) ÷ capaciteit" in page


def test_the_csv_has_the_same_figures(season, client, login, coordinator):
    login(coordinator)
    response = client.get(f"/reports/activities.csv?{period_args()}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        f'filename="rapport-activiteiten-{season.year}-01-01-{season.year}-12-31.csv"'
        in response.headers["Content-Disposition"]
    )
    rows = read_csv(response.data)
    header = rows[0]
    assert header[:4] == ["ID", "Activiteit", "Module van", "Soort"]
    assert "Bezettingsgraad (%)" in header and "Aanwezigheidsgraad (%)" in header
    col = {name: i for i, name in enumerate(header)}
    body = rows[1:]
    assert [r[col["Activiteit"]] for r in body] == [e[0] for e in EXPECTED_ACTIVITIES]
    for r, expected in zip(body, EXPECTED_ACTIVITIES, strict=True):
        (_t, capacity, confirmed, fill, waiting, pending, planned, held, cancelled,
         attended, expected_hours, rate, valid, revoked) = expected  # fmt: skip
        assert r[col["Capaciteit"]] == ("" if capacity is None else str(capacity))
        assert r[col["Ingeschreven"]] == str(confirmed)
        assert r[col["Bezettingsgraad (%)"]] == (fill or "")
        assert r[col["Wachtlijst"]] == str(waiting)
        assert r[col["Aangevraagd"]] == str(pending)
        assert r[col["Sessies gepland"]] == str(planned)
        assert r[col["Sessies afgelopen"]] == str(held)
        assert r[col["Sessies geannuleerd"]] == str(cancelled)
        assert r[col["Aanwezige uren"]] == attended
        assert r[col["Verwachte uren"]] == expected_hours
        assert r[col["Aanwezigheidsgraad (%)"]] == (rate or "")
        assert r[col["Attesten geldig"]] == str(valid)
        assert r[col["Attesten ingetrokken"]] == str(revoked)
    module = body[3]
    assert module[col["Module van"]] == "Opleiding opbouwwerk"
    assert body[0][col["Eerste sessie"]] == f"03-03-{season.year}"
    assert body[0][col["Laatste sessie"]] == f"24-03-{season.year}"
    assert body[5][col["Status"]] == "geannuleerd"


def test_the_xlsx_has_the_same_figures_as_numbers(season, client, login, coordinator):
    login(coordinator)
    response = client.get(f"/reports/activities.xlsx?{period_args()}")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheets = read_xlsx(response.data)
    assert list(sheets) == ["Per activiteit", "Toelichting"]
    header, *body = sheets["Per activiteit"]
    col = {name: i for i, name in enumerate(header)}
    assert [r[col["Activiteit"]] for r in body] == [e[0] for e in EXPECTED_ACTIVITIES]
    a, b, p, m1, m2, c = body
    assert a[col["Capaciteit"]] == 3 and a[col["Ingeschreven"]] == 3
    assert a[col["Bezettingsgraad"]] == 1.0
    assert a[col["Aanwezige uren"]] == 16.5 and a[col["Verwachte uren"]] == 27.0
    assert a[col["Aanwezigheidsgraad"]] == pytest.approx(0.6111)
    assert (a[col["Attesten geldig"]], a[col["Attesten ingetrokken"]]) == (1, 1)
    assert a[col["Eerste sessie"]].date() == date(season.year, 3, 3)
    assert b[col["Capaciteit"]] is None and b[col["Bezettingsgraad"]] is None
    assert b[col["Aanwezigheidsgraad"]] == 1.0
    assert p[col["Aanwezigheidsgraad"]] == pytest.approx(0.8333)
    assert p[col["Bezettingsgraad"]] == pytest.approx(0.2)
    assert m1[col["Module van"]] == "Opleiding opbouwwerk" and m1[col["Attesten geldig"]] == 1
    assert m2[col["Sessies afgelopen"]] == 0 and m2[col["Aanwezigheidsgraad"]] is None
    assert c[col["Sessies geannuleerd"]] == 1 and c[col["Status"]] == "geannuleerd"
    explanation = {row[0]: row[1] for row in sheets["Toelichting"] if row[0]}
    assert explanation["Periode"] == f"01-01-{season.year} tot en met 31-12-{season.year}"
    assert explanation["Aanwezigheidsgraad"].startswith("Aanwezigheidsgraad =")


def test_filters_and_order(season, client, login, coordinator):
    login(coordinator)

    def titles(query: str) -> list[str]:
        html = client.get(f"/reports/activities?{period_args()}&{query}").get_data(as_text=True)
        return [row[0].split(" ")[0] for row in tables(html).get("tabel-activiteiten", [])]

    assert titles("soort=lecture") == ["Lezing"]
    assert titles("soort=programme") == ["Opleiding", "Module", "Module"]  # modules follow
    assert titles("status=cancelled") == ["Geannuleerde"]
    assert titles("status=draft") == ["Ontwerp"]
    assert titles("volgorde=aanwezigheid") == [
        "Wonen",
        "Opleiding",
        "Module",
        "Module",
        "Lezing",
        "Geannuleerde",
    ]
    assert titles("volgorde=titel")[0] == "Geannuleerde"
    # Last year's activity only with its own period.
    html = client.get(f"/reports/activities?{period_args(season.year - 1)}").get_data(as_text=True)
    assert [row[0].split(" ")[0] for row in tables(html)["tabel-activiteiten"]] == ["Vorig"]
    # The CSV follows the filters too.
    rows = read_csv(client.get(f"/reports/activities.csv?{period_args()}&soort=lecture").data)
    assert [r[1] for r in rows[1:]] == ["Lezing over impact"]


def test_the_default_period_is_this_calendar_year(client, login, coordinator):
    login(coordinator)
    html = client.get("/reports/activities").get_data(as_text=True)
    from lms.common.timeutil import to_local
    from lms.models import utcnow

    year = to_local(utcnow()).year
    assert f'value="{year}-01-01"' in html and f'value="{year}-12-31"' in html
    assert f"Activiteiten met een sessie in {year}" in html


def test_bad_filters_are_explained_and_exports_refused(client, login, coordinator):
    login(coordinator)
    response = client.get("/reports/activities?van=2026-05-01&tot=2026-04-01&soort=zeilen")
    html = response.get_data(as_text=True)
    assert "De einddatum mag niet voor de begindatum liggen." in html
    assert "Kies een soort uit de lijst." in html
    assert 'href="#tot"' in html  # the error summary links to the field
    assert "tabel-activiteiten" not in html
    response = client.get("/reports/activities?van=31-13-2026")
    assert "Vul een geldige datum in (dd-mm-jjjj)." in response.get_data(as_text=True)
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/reports/activities.{fmt}?van=2026-05-01&tot=2026-04-01")
        assert response.status_code == 400
        assert "De einddatum mag niet voor de begindatum liggen." in response.get_data(as_text=True)


def test_the_detail_page_shows_each_session(season, client, login, coordinator):
    login(coordinator)
    a = season.activities["A"]
    html = client.get(f"/reports/activities/{a.id}").get_data(as_text=True)
    rows = tables(html)["tabel-sessies"]
    assert len(rows) == 4
    # (recorded of confirmed, present, hours, rate): A1 270 of 540, A2 360, A3 cancelled, A4 360.
    assert [r[2:] for r in rows] == [
        ["3 van 3", "2", "4 u 30 min", "50 %"],
        ["3 van 3", "2", "6 u", "66,7 %"],
        ["–", "–", "–", "–"],
        ["3 van 3", "2", "6 u", "66,7 %"],
    ]
    assert "geannuleerd" in rows[2][0]
    page = text(html)
    assert "61,1 % aanwezigheid 16 u 30 min van 27 u" in page
    assert "100 % bezetting 3 ingeschreven op 3 plaatsen" in page
    # The programme lists its modules; the future module's session is not held yet.
    p = season.activities["P"]
    html = client.get(f"/reports/activities/{p.id}").get_data(as_text=True)
    assert [r[0] for r in tables(html)["tabel-sessies"]][-1].count("nog niet afgelopen") == 1
    assert "83,3 % aanwezigheid 10 u van 12 u" in text(html)
    assert client.get("/reports/activities/999999").status_code == 404
    # A link to the list with an activity id (as the admin pages build it) lands here too.
    response = client.get(f"/reports/activities?activity_id={a.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/reports/activities/{a.id}")


def test_charts_are_inline_svg_with_a_text_equivalent(season, client, login, coordinator):
    login(coordinator)
    html = client.get(f"/reports/activities?{period_args()}").get_data(as_text=True)
    assert 'style="' not in html and "<script>" not in html
    assert '<svg class="rep-chart rep-chart-bars" id="grafiek-soort"' in html
    assert 'aria-describedby="tabel-soort"' in html and 'role="img"' in html
    assert (
        '<desc id="grafiek-soort-desc">Beroepsopleiding: bezettingsgraad 20 %, '
        "aanwezigheidsgraad 83,3 %; Cursus: bezettingsgraad 23,1 %" in html
    )
    assert '<desc id="grafiek-wachtlijst-desc">Wonen in de stad: 1 wachtende.</desc>' in html


def test_downloads_never_hold_a_formula(client, login, coordinator, create_activity):
    """A title typed like a formula stays text: defused in CSV, a string in XLSX."""
    import io

    from openpyxl import load_workbook

    activity = create_activity(title='=HYPERLINK("http://x";"klik")', sessions=1)
    day = to_local(activity.sessions[0].starts_at).date()
    login(coordinator)
    rows = read_csv(client.get(f"/reports/activities.csv?van={day}&tot={day}").data)
    assert rows[1][1] == '\'=HYPERLINK("http://x";"klik")'
    data = client.get(f"/reports/activities.xlsx?van={day}&tot={day}").data
    cell = load_workbook(io.BytesIO(data))["Per activiteit"]["B2"]
    assert cell.value == '=HYPERLINK("http://x";"klik")' and cell.data_type == "s"
