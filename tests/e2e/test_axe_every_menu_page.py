"""axe on every page a role's menu links to, and on the pages beyond the menu, at 360 and
1280 px, for each demo role (participant, trainer, coordinator, organisation contact) and
for a visitor.

Besides the menu pages and their sub-navigation, each role visits the pages one reaches
from there: the report pages per activity, per period and the billing list; the intake
questions of an activity, the paid enrolment's confirmation step and the interest lists;
a module's page, the contact page and the "op aanvraag" catalogue; an organisation's
staff, a colleague's page and learning record. A scrollable table at 360 px must take
keyboard focus (static/js/scroll_regions.js gives it tabindex, role and a name); this walk
finds such gaps on pages nobody visits in the journeys. Screenshots land beside the other
e2e screenshots to be looked at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest

from lms.extensions import db
from lms.intake import service as intake_service
from tests.e2e.scenes import build_scene

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIZES = {"360": {"width": 360, "height": 740}, "1280": {"width": 1280, "height": 900}}
ROLES = ("deelnemer", "lesgever", "coordinator", "contactpersoon")


def _menu_paths(page: Any, selector: str = "header a[href]") -> list[str]:
    """The same-site GET links under ``selector`` (default: the header menus)."""
    hrefs = page.eval_on_selector_all(selector, "links => links.map(a => a.getAttribute('href'))")
    paths: list[str] = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.netloc or not parts.path.startswith("/") or parts.path in paths:
            continue
        if parts.path.endswith((".ics", ".csv", ".xlsx", ".pdf", ".json")):
            continue
        paths.append(parts.path)
    return paths


@dataclass
class _World:
    """The scene of the journeys plus what the newer pages need, and who sees what."""

    users: dict[str, Any]
    extra: dict[str, list[str]] = field(default_factory=dict)
    public: list[str] = field(default_factory=list)


def _world(create_user: Any, create_activity: Any, create_theme: Any) -> _World:
    scene = build_scene(create_user, create_activity, create_theme)
    organisation = scene.participant.organisation
    contact = create_user(
        name="Marc Contactpersoon",
        roles=("organisation_contact", "participant"),
        organisation=organisation,
    )
    programme = create_activity(title="Beroepsopleiding opbouwwerk", kind="programme", sessions=0)
    module = create_activity(title="Module 1 – Visie", parent=programme, sessions=2)
    paid = create_activity(
        title="Betaalde cursus", price_member=Decimal("40"), price_non_member=Decimal("65")
    )
    intake = create_activity(title="Intervisie buurtwerk", kind="intervision", capacity=8)
    intake_service.add_question(
        intake,
        actor=scene.coordinator,
        label="Waarom wil je deelnemen?",
        kind="text",
        required=True,
    )
    db.session.commit()
    theme_id = scene.course.themes[0].id
    common = ["/contact", "/op-de-hoogte", f"/activities/{module.id}", "/activities?soort=custom"]
    as_participant = [
        f"/activities/{intake.id}/intake",
        f"/activities/{paid.id}/enrol/confirm",
        f"/op-de-hoogte/themes/{theme_id}",
    ]
    return _World(
        users={
            "deelnemer": scene.participant,
            "lesgever": scene.trainer,
            "coordinator": scene.coordinator,
            "contactpersoon": contact,
        },
        extra={
            "deelnemer": [*common, *as_participant],
            "lesgever": common,
            "coordinator": [
                *common,
                "/reports/",
                "/reports/activities",
                f"/reports/activities/{scene.course.id}",
                f"/reports/activities/{scene.finished.id}",
                "/reports/period",
                "/reports/billing",
                f"/admin/activities/{intake.id}/questions",
                "/organisations/requests",
            ],
            "contactpersoon": [
                *common,
                *as_participant,
                "/organisations/staff",
                f"/organisations/staff/{scene.participant.id}",
                f"/organisations/staff/{scene.participant.id}/learning-record",
                "/organisations/enrol",
            ],
        },
        public=["/", "/activities", *common],
    )


def _walk(browsing: Any, page: Any, label: str, paths: list[str]) -> None:
    for path in paths:
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            response = page.goto(path)
            assert response is not None and response.status < 400, (path, response)
            page.wait_for_load_state("load")
            slug = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-")
            name = f"menu-{label}-{slug or 'start'}-{size}"
            browsing.axe(page, name)
            browsing.screenshot(page, name, phone=False)
    browsing.assert_no_console_errors(page)


@pytest.mark.parametrize("role", ROLES)
def test_axe_finds_nothing_serious_on_any_page_of_a_role(
    role, browsing, log_in, create_user, create_activity, create_theme, backend
):
    if backend != "sqlite":
        pytest.skip("the markup is the same on PostgreSQL; axe runs on SQLite")
    world = _world(create_user, create_activity, create_theme)
    page = browsing.open(role, viewport=SIZES["1280"])
    log_in(page, world.users[role])
    paths = _menu_paths(page)
    assert paths, role
    for path in list(paths):
        # One click further: the sub-navigation of each menu page (admin, reports, …).
        page.goto(path)
        for further in _menu_paths(page, "main nav a[href]"):
            if further not in paths:
                paths.append(further)
    paths += [path for path in world.extra[role] if path not in paths]
    _walk(browsing, page, role, paths)


def test_axe_finds_nothing_serious_on_the_public_pages(
    browsing, create_user, create_activity, create_theme, backend
):
    if backend != "sqlite":
        pytest.skip("the markup is the same on PostgreSQL; axe runs on SQLite")
    world = _world(create_user, create_activity, create_theme)
    page = browsing.open("bezoeker", viewport=SIZES["1280"])
    _walk(browsing, page, "bezoeker", world.public)
