"""WCAG 2.1 AA in a real browser: the keyboard alone, visible focus, form errors tied to
their fields, the font-size switch, and layouts that hold at the largest size and 320 px.

axe-core itself runs on every main page inside the journeys (test_journeys.py) and here on
the pages at the largest font size.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, NARROW, SCREENSHOTS, flash_text
from tests.e2e.scenes import build_scene
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.markup]

#: What document.activeElement is, and whether its focus can be seen.
FOCUS_PROBE = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) { return null; }
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    const shadow = style.boxShadow && style.boxShadow !== 'none';
    let label = el.closest('label');
    let labelOutline = false;
    if (label) {
        const ls = getComputedStyle(label);
        labelOutline = ls.outlineStyle !== 'none' && parseFloat(ls.outlineWidth) >= 2;
    }
    const box = el.getBoundingClientRect();
    return {
        tag: el.tagName.toLowerCase(),
        type: el.getAttribute('type') || '',
        id: el.id,
        text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 80),
        href: el.getAttribute('href') || '',
        focusVisible: el.matches(':focus-visible'),
        indicator: outline || shadow || labelOutline,
        onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0,
    };
}"""


class Keyboard:
    """Moves through a page with Tab only, checking every stop's focus is visible."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.stops: list[dict[str, Any]] = []

    def focused(self) -> dict[str, Any] | None:
        return self.page.evaluate(FOCUS_PROBE)

    def tab_to(self, matches: Any, *, limit: int = 80, describe: str = "") -> dict[str, Any]:
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            stop = self.focused()
            if stop is None:
                continue
            self.stops.append(stop)
            assert stop["focusVisible"] and stop["indicator"], (
                f"No visible focus on {stop} ({self.page.url})"
            )
            if matches(stop):
                return stop
        raise AssertionError(f"Tab never reached {describe or matches} on {self.page.url}")


def test_skip_link_comes_first_and_is_visible_when_focused(browsing):
    page = browsing.open("toetsenbord")
    page.goto("/activities")
    keys = Keyboard(page)
    first = keys.tab_to(lambda s: True)
    assert first["text"] == "Naar de inhoud" and first["href"] == "#inhoud"
    box = page.get_by_role("link", name="Naar de inhoud").bounding_box()
    assert box is not None and box["y"] >= 0 and box["height"] > 0
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "inhoud"


def test_enrol_with_the_keyboard_alone(browsing, create_user, create_activity, create_theme):
    """Log in, find the course, enrol: Tab, Enter, Space and typing only, no mouse."""
    scene = build_scene(create_user, create_activity, create_theme)
    course = scene.full_course  # fresh for this person: no enrolment yet
    person = create_user(name="Kobe De Smet")
    page = browsing.open("toetsenbord")
    keys = Keyboard(page)

    page.goto("/account/login")
    keys.tab_to(lambda s: s["id"] == "email", describe="the e-mail field")
    page.keyboard.type(person.email)
    keys.tab_to(lambda s: s["id"] == "password", describe="the password field")
    page.keyboard.type(TEST_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Welkom" in flash_text(page)

    keys.tab_to(lambda s: s["text"] == "Aanbod" and s["tag"] == "a", describe="Aanbod")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanbod")

    keys.tab_to(lambda s: s["text"] == course.title, describe="the course's card")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(course.title)

    keys.tab_to(
        lambda s: s["tag"] == "button" and s["text"] == "Zet me op de wachtlijst",
        describe="the enrol button",
    )
    with page.expect_navigation():
        page.keyboard.press("Space")
    assert "je staat op de wachtlijst, op plaats 2" in flash_text(page)
    expect(page.locator("#actie")).to_contain_text("Je staat op de wachtlijst, op plaats 2")
    assert len(keys.stops) > 5


def test_enrol_with_enter_on_an_open_course(browsing, create_user, create_activity):
    from datetime import timedelta

    from lms.models import utcnow

    start = utcnow().replace(microsecond=0, second=0) + timedelta(days=9)
    course = create_activity(
        title="Sociale bescherming", sessions=[(start, start + timedelta(hours=2))]
    )
    person = create_user(name="Noor Aerts")
    page = browsing.open("toetsenbord")
    keys = Keyboard(page)
    page.goto("/account/login")
    keys.tab_to(lambda s: s["id"] == "email")
    page.keyboard.type(person.email)
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"/activities/{course.id}")
    keys.tab_to(lambda s: s["tag"] == "button" and s["text"] == "Inschrijven")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Je bent ingeschreven voor „Sociale bescherming”" in flash_text(page)


def test_form_errors_are_tied_to_their_fields(browsing):
    page = browsing.open("formulier")
    page.goto("/account/register")
    page.get_by_label("E-mailadres").fill("geen-adres")
    page.get_by_label("Wachtwoord", exact=True).fill("kort")
    with page.expect_navigation():
        page.get_by_role("button", name="Account aanmaken").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Controleer het formulier")
    invalid = page.locator("[aria-invalid=true]")
    assert invalid.count() >= 3  # name missing, e-mail wrong, passwords
    for index in range(invalid.count()):
        field = invalid.nth(index)
        field_id = field.get_attribute("id")
        described = (field.get_attribute("aria-describedby") or "").split()
        assert f"{field_id}-error" in described, field_id
        error = page.locator(f"#{field_id}-error")
        assert error.inner_text().strip(), field_id
        # The field's accessible description carries the error message.
        description = field.evaluate(
            "el => el.getAttribute('aria-describedby').split(' ')"
            ".map(id => document.getElementById(id).innerText).join(' ')"
        )
        assert error.inner_text().strip() in description
        # The summary links to the field, and following the link puts focus in it.
        link = summary.locator(f"a[href='#{field_id}']")
        expect(link).to_have_count(1)
    summary.locator("a[href='#email']").click()
    assert page.evaluate("() => document.activeElement.id") == "email"
    assert "Dit is geen geldig e-mailadres." in page.locator("#email-error").inner_text()
    browsing.check(page, "account-maken-fouten")


def test_font_size_switch_and_layout_at_largest_and_320px(
    browsing, live_server, create_user, create_activity, create_theme, log_in
):
    scene = build_scene(create_user, create_activity, create_theme)
    page = browsing.open("grote letters")
    log_in(page, scene.participant)
    page.goto("/activities")
    normal = page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")

    # The switch in the footer: a plain form, so it works without JavaScript too.
    largest = page.get_by_role("group", name="Tekstgrootte").get_by_role("button", name="Grootst")
    expect(largest).to_have_attribute("aria-pressed", "false")
    with page.expect_navigation():
        largest.click()
    assert page.url.endswith("/activities")
    expect(page.locator("html")).to_have_class(re.compile(r"\bfs-largest\b"))
    big = page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert big >= normal * 1.3
    expect(
        page.get_by_role("group", name="Tekstgrootte").get_by_role("button", name="Grootst")
    ).to_have_attribute("aria-pressed", "true")

    pages = {
        "catalogus": "/activities",
        "activiteit": f"/activities/{scene.course.id}",
        "activiteit-wachtlijst": f"/activities/{scene.full_course.id}",
        "mijn-inschrijvingen": "/my/enrolments",
        "agenda-abonnement": "/calendar/subscribe",
        "mijn-agenda": "/agenda",
        "mijn-leertraject": "/my/learning-record",
        "attest-controleren": "/certificates/verify",
        "attest-geldig": f"/certificates/verify/{scene.certificate.code}",
        "account-maken": None,  # logged out below
    }
    trainer = browsing.open("lesgever grote letters")
    trainer.context.add_cookies([{"name": "fs", "value": "largest", "url": live_server.url}])
    log_in(trainer, scene.trainer)
    trainer_pages = {
        "mijn-sessies": "/my/sessions",
        "aanwezigheden": f"/sessions/{scene.today.id}/attendance",
    }
    coordinator = browsing.open("coördinator grote letters")
    coordinator.context.add_cookies([{"name": "fs", "value": "largest", "url": live_server.url}])
    log_in(coordinator, scene.coordinator)
    coordinator_pages = {"attesten-uitreiken": "/certificates/"}
    anonymous = browsing.open("bezoeker grote letters")
    anonymous.context.add_cookies([{"name": "fs", "value": "largest", "url": live_server.url}])
    pages["account-maken"] = "/account/register"

    problems = []
    for who, visits in (
        (page, {k: v for k, v in pages.items() if k != "account-maken"}),
        (trainer, trainer_pages),
        (coordinator, coordinator_pages),
        (anonymous, {"account-maken": pages["account-maken"]}),
    ):
        for name, path in visits.items():
            for viewport in (DESKTOP, NARROW):
                who.set_viewport_size(viewport)
                who.goto(path)
                expect(who.locator("html")).to_have_class(re.compile(r"\bfs-largest\b"))
                widths = who.evaluate(
                    "() => [document.documentElement.scrollWidth, window.innerWidth]"
                )
                if widths[0] > widths[1]:
                    problems.append(
                        f"{name} at {viewport['width']} px: page is {widths[0]} px wide "
                        f"({who_overflows(who)})"
                    )
                if viewport is NARROW:
                    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                    who.screenshot(
                        path=str(SCREENSHOTS / f"grootst-320-{name}.png"), full_page=True
                    )
                    browsing.axe(who, f"grootst-320-{name}")
    assert not problems, "Horizontal scrolling at the largest font size:\n" + "\n".join(problems)


def who_overflows(page: Any) -> str:
    """The deepest elements that stick out to the right, to say what to fix."""
    return page.evaluate(
        """() => {
            const width = window.innerWidth;
            const out = [];
            for (const el of document.querySelectorAll('body *')) {
                const box = el.getBoundingClientRect();
                if (box.right > width + 1 && box.width > 0) {
                    const inside = [...el.children].some(
                        c => c.getBoundingClientRect().right > width + 1);
                    if (!inside) {
                        out.push(el.tagName.toLowerCase() + (el.className ? '.' +
                            String(el.className).split(' ').join('.') : '') +
                            ' → ' + Math.round(box.right) + 'px');
                    }
                }
                if (out.length >= 5) { break; }
            }
            return out.join(', ');
        }"""
    )
