"""Employer tools in a real browser: a contact cancels a colleague's seat from the
colleague's page; axe and screenshots at 360 and 1280 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lms.enrolment import service
from lms.extensions import db
from lms.models import Role
from tests.e2e.conftest import SCREENSHOTS, flash_text

pytestmark = pytest.mark.browser


def test_a_contact_cancels_a_colleagues_seat(
    browsing, log_in, create_user, create_organisation, create_activity
):
    gent = create_organisation("Opbouw Gent")
    contact = create_user(
        name="Marc Contact",
        roles=(Role.ORGANISATION_CONTACT, Role.PARTICIPANT),
        organisation=gent,
    )
    bart = create_user(name="Bart Bos", organisation=gent)
    anna = create_user(name="Anna Aerts", organisation=gent)
    small = create_activity(title="Kleine cursus over wonen en armoede", capacity=1)
    service.enrol(small, bart)
    service.enrol(small, anna)
    db.session.commit()

    page = browsing.open("contactpersoon")
    log_in(page, contact)
    page.goto(f"/organisations/staff/{bart.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bart Bos")
    browsing.check(page, "collega-inschrijvingen")
    page.set_viewport_size({"width": 360, "height": 800})
    page.screenshot(path=str(SCREENSHOTS / "collega-inschrijvingen-360.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    with page.expect_navigation():
        page.get_by_role("button", name="Annuleren Kleine cursus over wonen en armoede").click()
    assert (
        "De inschrijving van Bart Bos voor „Kleine cursus over wonen en armoede” is "
        "geannuleerd." in flash_text(page)
    )
    browsing.check(page, "collega-geannuleerd")
