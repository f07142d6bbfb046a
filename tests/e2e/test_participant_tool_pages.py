"""The pages of the employer tools and of the paid step with intake questions, in a real
browser at 1280 and 360 px: no serious axe violation, no page wider than the screen,
screenshots in test-artifacts/screenshots."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lms.enrolment import service as enrolment_service
from lms.extensions import db
from lms.intake import service as intake_service
from lms.models import Role
from tests.e2e.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.markup, pytest.mark.slow]

SMALL = {"width": 360, "height": 740}


def _at_both_sizes(browsing: Any, page: Any, name: str) -> None:
    """axe and screenshots at 1280 px (and the suite's phone), then at 360 px: the page
    fits the screen (no sideways scrolling) and axe finds nothing serious there either."""
    browsing.check(page, name)
    page.set_viewport_size(SMALL)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} is {overflow}px wider than a 360 px screen"
    browsing.axe(page, f"{name}-360")
    page.screenshot(path=str(SCREENSHOTS / f"{name}-360.png"), full_page=True)


def test_employer_tool_pages(browsing, log_in, create_user, create_activity, create_organisation):
    organisation = create_organisation("Samenlevingsopbouw Gent – Buurtwerk Noord")
    contact = create_user(
        email="karin@buurtwerk.be",
        name="Karin Contactpersoon",
        roles=(Role.PARTICIPANT, Role.ORGANISATION_CONTACT),
        organisation=organisation,
    )
    ann = create_user(name="Ann Aerts-Vandenbroucke", organisation=organisation)
    create_user(name="Bart Bos", organisation=organisation)
    activity = create_activity(
        title="Wonen op maat: huurrecht en woonnood in de wijk", capacity=12, sessions=3
    )
    seat = enrolment_service.enrol(activity, ann).enrolment
    db.session.commit()

    page = browsing.open("contact")
    log_in(page, contact)
    page.goto(f"/organisations/staff/{ann.id}")
    browsing.check(page, "contact-colleague-with-substitute")
    page.goto(f"/organisations/enrolments/{seat.id}/substitute")
    _at_both_sizes(browsing, page, "contact-substitute")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/account/colleagues/invite")
    _at_both_sizes(browsing, page, "contact-invite-colleague")


def test_paid_step_with_intake_questions(browsing, log_in, create_user, create_activity):
    coordinator = create_user(roles=(Role.COORDINATOR,))
    person = create_user(email="an@example.org", name="An Peeters")
    activity = create_activity(
        title="Wonen en recht: wat beïnvloedt de huurprijs?",
        price_member=Decimal("60"),
        price_non_member=Decimal("120"),
    )
    intake_service.add_question(
        activity, actor=coordinator, label="Waarom wil je deelnemen?", kind="text", required=True
    )
    intake_service.add_question(
        activity,
        actor=coordinator,
        label="Wanneer ben je beschikbaar?",
        kind="choice",
        options="voormiddag\nnamiddag",
    )
    db.session.commit()
    page = browsing.open("deelnemer")
    log_in(page, person)
    page.goto(f"/activities/{activity.id}/enrol/confirm")
    _at_both_sizes(browsing, page, "paid-step-with-questions")
    page.set_viewport_size({"width": 1280, "height": 900})
    with page.expect_navigation():
        page.get_by_role("button", name="Bevestigen en inschrijven voor").click()
    assert page.locator("#intake-errors").count() == 1
    _at_both_sizes(browsing, page, "paid-step-with-questions-refused")
