"""axe on every page a role's menu links to, at 360 and 1280 px, for each demo role.

A scrollable table at 360 px must take keyboard focus (static/js/scroll_regions.js gives
it tabindex, role and a name); this walk finds such gaps on pages nobody visits in the
journeys. Screenshots land beside the other e2e screenshots to be looked at.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.scenes import build_scene

pytestmark = [pytest.mark.browser]

SIZES = {"360": {"width": 360, "height": 740}, "1280": {"width": 1280, "height": 900}}


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


def test_axe_finds_nothing_serious_on_any_menu_page(
    browsing, log_in, create_user, create_activity, create_theme, backend
):
    if backend != "sqlite":
        pytest.skip("the markup is the same on PostgreSQL; axe runs on SQLite")
    scene = build_scene(create_user, create_activity, create_theme)
    for role, user in (
        ("deelnemer", scene.participant),
        ("lesgever", scene.trainer),
        ("coordinator", scene.coordinator),
    ):
        page = browsing.open(role, viewport=SIZES["1280"])
        log_in(page, user)
        paths = _menu_paths(page)
        assert paths, role
        for path in list(paths):
            # One click further: the sub-navigation of each menu page (admin, reports, …).
            page.goto(path)
            for further in _menu_paths(page, "main nav a[href]"):
                if further not in paths:
                    paths.append(further)
        for path in paths:
            for size, viewport in SIZES.items():
                page.set_viewport_size(viewport)
                page.goto(path)
                page.wait_for_load_state("load")
                name = f"menu-{role}-{path.strip('/').replace('/', '-') or 'start'}-{size}"
                browsing.axe(page, name)
                browsing.screenshot(page, name, phone=False)
        browsing.assert_no_console_errors(page)
