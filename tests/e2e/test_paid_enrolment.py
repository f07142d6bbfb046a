"""Enrolling in a paid course in a real browser: "Jouw prijs", the one confirmation step
(amount, cancellation terms, invoice details), the confirmation mail as the worker renders
it, and the coordinator's billing list and its CSV and XLSX (axe at 360 and 1280 px)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lms.extensions import db
from lms.mail.rendering import render_outbox_mail
from lms.models import EnrolmentCharge, OutboxMail, Role, utcnow
from tests.e2e.conftest import DESKTOP, SCREENSHOTS, normalise_space

pytestmark = pytest.mark.browser

NARROWEST = {"width": 360, "height": 740}


def _check_both_widths(browsing, page, name: str) -> None:
    """axe and a screenshot at 1280 px and at 360 px (on SQLite; behaviour on both)."""
    page.wait_for_load_state("load")
    if browsing.backend == "sqlite":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for size, label in ((DESKTOP, "1280"), (NARROWEST, "360")):
            page.set_viewport_size(size)
            browsing.axe(page, f"{name}-{label}")
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
        page.set_viewport_size(DESKTOP)
    browsing.assert_no_console_errors(page)


def test_non_member_enrols_in_a_paid_course_and_is_billed_once(
    browsing, log_in, create_user, create_activity
):
    coordinator = create_user(name="Hilde Coördinator", roles=(Role.COORDINATOR,))
    person = create_user(email="sara@example.org", name="Sara Janssens")
    deadline = utcnow() + timedelta(days=3)
    course = create_activity(
        title="Politiserend sociaal werk",
        sessions=2,
        price_member=Decimal("60"),
        price_non_member=Decimal("120"),
        cancellation_deadline=deadline,
    )

    page = browsing.open("deelnemer")
    log_in(page, person)
    page.goto(f"/activities/{course.id}")
    assert normalise_space(page.locator("#your-price").inner_text()) == "Jouw prijs: € 120,00"
    with page.expect_navigation():
        page.locator("#actie").get_by_role("button", name="Inschrijven").click()
    assert page.url.endswith(f"/activities/{course.id}/enrol/confirm")
    assert normalise_space(page.locator("#amount").inner_text()) == "€ 120,00"
    assert "Annuleren kan kosteloos tot" in page.locator("#terms").inner_text()
    _check_both_widths(browsing, page, "betalend-inschrijven-bevestigen")

    # A wrong address is refused on the page (no JavaScript needed), the rest is kept.
    page.get_by_label("Mijn organisatie").check()
    page.get_by_label("Naam van de organisatie").fill("Buurtwerk Noord vzw")
    page.get_by_label("Referentie, bestelbon of kostenplaats (niet verplicht)").fill("PO-4711")
    page.get_by_label("E-mailadres voor de factuur").fill("geen-adres")
    with page.expect_navigation():
        page.get_by_role("button", name="Bevestigen en inschrijven voor € 120,00").click()
    assert "Vul een geldig e-mailadres in." in page.locator(".error-summary").inner_text()
    _check_both_widths(browsing, page, "betalend-inschrijven-fout")
    page.get_by_label("E-mailadres voor de factuur").fill("facturen@buurtwerk.be")
    with page.expect_navigation():
        page.get_by_role("button", name="Bevestigen en inschrijven voor € 120,00").click()
    assert "Je bent ingeschreven" in page.locator(".flashes").inner_text()

    # The mail, as the worker renders it.
    db.session.expire_all()
    row = db.session.scalars(
        select(OutboxMail).where(
            OutboxMail.kind == "enrolment_confirmed", OutboxMail.to_email == "sara@example.org"
        )
    ).one()
    mail = render_outbox_mail(row)
    text = mail.text.replace("\xa0", " ")
    assert "Kostprijs: € 120,00" in text
    assert "Factuur naar: Buurtwerk Noord vzw" in text
    assert "Referentie: PO-4711" in text
    assert "Factuur per mail naar: facturen@buurtwerk.be" in text
    assert "Annuleringsvoorwaarden: Annuleren kan kosteloos tot" in text
    assert "facturen@buurtwerk.be" in mail.html

    # The coordinator's billing list, page and downloads.
    staff = browsing.open("coördinator")
    log_in(staff, coordinator)
    today = date.today()
    query = f"van={today.year - 1}-01-01&tot={today.year + 1}-12-31"
    staff.goto(f"/reports/billing?{query}")
    rows = staff.locator("table.billing-table tbody tr")
    assert rows.count() == 1
    cells = [normalise_space(c) for c in rows.first.locator("th, td").all_inner_texts()]
    assert cells[0] == "Sara Janssens" and cells[1] == "Politiserend sociaal werk"
    assert "€ 120,00" in cells and "PO-4711" in cells
    assert "Buurtwerk Noord vzw" in staff.locator(".billing-group h3").inner_text()
    _check_both_widths(browsing, staff, "facturatie")

    with staff.expect_download() as info:
        staff.get_by_role("link", name="Download als CSV").click()
    data = info.value.path().read_bytes()
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:2] == ["Organisatie", "Ingeschreven op"]
    assert len(lines) == 2
    assert lines[1][0] == "Buurtwerk Noord vzw" and lines[1][5] == "Sara Janssens"
    assert lines[1][10] == "120"

    with staff.expect_download() as info:
        staff.get_by_role("link", name="Download als Excel (XLSX)").click()
    sheet = load_workbook(io.BytesIO(info.value.path().read_bytes()))["Facturatie"]
    body = list(sheet.iter_rows(min_row=2))
    assert len(body) == 1
    amount, enrolled_on = body[0][10], body[0][1]
    assert amount.value == 120 and amount.data_type == "n" and "€" in amount.number_format
    assert isinstance(enrolled_on.value, datetime) and enrolled_on.is_date
    assert db.session.scalars(select(EnrolmentCharge)).one().amount == Decimal("120.00")
