"""A phone and a keyboard: a compact signed-in menu, tables that become cards, a header
that stays on one line for a contact at 1280 px, focus on the result of an action, and a
skip link to the enrol box. Screenshots at 360 and 1280 px land with the other e2e ones."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import menu
from tests.e2e.scenes import build_scene

pytestmark = [pytest.mark.browser]

NARROW = {"width": 360, "height": 740}
WIDE = {"width": 1280, "height": 900}


def _box(page: Any, selector: str) -> dict[str, float]:
    return page.locator(selector).first.bounding_box()


def test_on_a_phone_the_menu_folds_and_past_enrolments_are_cards(
    browsing, log_in, create_user, create_activity, create_theme
):
    scene = build_scene(create_user, create_activity, create_theme)
    page = browsing.open("deelnemer", viewport=NARROW, phone=True)
    log_in(page, scene.participant)

    # The header is one line: brand and a "Menu" button (not a quarter of the screen).
    toggle = page.get_by_role("button", name="Menu")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    nav = page.get_by_role("navigation", name="Hoofdmenu")
    expect(nav).to_be_hidden()
    assert _box(page, ".site-header")["height"] <= NARROW["height"] / 8
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Mijn inschrijvingen")).to_be_visible()
    nav.get_by_role("link", name="Aanbod").focus()
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    browsing.screenshot(page, "telefoon-menu-dicht")

    menu(page, "Mijn inschrijvingen")
    past = page.get_by_role("region", name="Afgelopen en geannuleerd").or_(
        page.locator("section[aria-labelledby=eerder]")
    )
    row = past.locator("tbody tr").filter(has_text=scene.finished.title)
    expect(row).to_have_count(1)
    # A card: every cell, the actions included, inside the screen; nothing to scroll.
    for cell in (row.locator("th"), *[row.locator("td").nth(i) for i in range(3)]):
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"], box
    result = row.get_by_role("link", name="Resultaat")
    expect(result).to_be_visible()
    box = result.bounding_box()
    assert box["x"] + box["width"] <= NARROW["width"], box
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    label = row.locator("td").first.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"Wanneer: "', label
    browsing.check(page, "telefoon-mijn-inschrijvingen")


def test_the_desktop_header_of_a_contact_stays_on_one_line(
    browsing, log_in, create_user, create_organisation
):
    organisation = create_organisation("Samenlevingsopbouw Antwerpen provincie")
    contact = create_user(
        name="Marc Contactpersoon",
        roles=("organisation_contact", "participant"),
        organisation=organisation,
    )
    page = browsing.open("contactpersoon", viewport=WIDE)
    log_in(page, contact)
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    tops = page.eval_on_selector_all(
        ".main-nav a, .main-nav button",
        "items => items.map(i => Math.round(i.getBoundingClientRect().top))",
    )
    assert len(tops) >= 7 and len(set(tops)) == 1, tops
    assert _box(page, ".header-bar")["height"] <= 80
    browsing.check(page, "contactpersoon-startpagina-1280", phone_shot=False)
    page.set_viewport_size(NARROW)
    browsing.screenshot(page, "contactpersoon-startpagina-360")


def test_focus_lands_on_the_result_and_the_skip_link_reaches_the_enrol_button(
    browsing, log_in, create_user, create_activity
):
    person = create_user(name="Sofie Deelnemer")
    activity = create_activity(title="Buurtgericht werken", capacity=5, sessions=3)
    page = browsing.open("deelnemer", viewport=WIDE)
    log_in(page, person)
    page.goto(f"/activities/{activity.id}")

    # From the top of the page: Tab to the skip links, follow "Naar inschrijven", and the
    # next Tab is the enrol button.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Naar de inhoud")).to_be_focused()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Naar inschrijven")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    button = page.locator("#inschrijven").get_by_role("button", name="Inschrijven")
    expect(button).to_be_focused()
    browsing.screenshot(page, "toetsenbord-inschrijven")

    with page.expect_navigation():
        page.keyboard.press("Enter")
    result = page.locator("#resultaat")
    expect(result).to_be_focused()
    expect(result).to_contain_text("Je bent ingeschreven")
    browsing.check(page, "toetsenbord-ingeschreven")
