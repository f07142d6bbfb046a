"""Fixtures of the browser tests: a live server, Debian's Chromium, and page helpers.

The real application (the suite's ``_app``: SQLite file, and PostgreSQL when
``TEST_DATABASE_URL`` is set) is served by Werkzeug on 127.0.0.1 (a free port) in a
background thread, once per backend. Each test gets the usual ``app`` fixture (empty tables
after it), with CSRF switched on and ``LMS_BASE_URL`` pointing at the live server, so links
in mail and feeds lead back to it. Data is made with the suite's factories and the services;
mail is read from the outbox table.

One Chromium per test session (``/usr/bin/chromium`` through Playwright's
``executable_path``; never a downloaded browser), one context per person in a test.
Screenshots (desktop and phone) and axe reports go to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.factories import TEST_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_REPORTS = ARTIFACTS / "axe"
AXE_SOURCE = Path(__file__).parent / "vendor" / "axe.min.js"

CHROMIUM = Path(os.environ.get("LMS_TEST_CHROMIUM", "/usr/bin/chromium"))
#: Without the background-networking flags Chromium tries to reach Google's services,
#: which a closed network refuses (and which slows every start).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}

#: Milliseconds a step may take before Playwright gives up (a page, a selector).
TIMEOUT_MS = 10_000

#: axe impacts that fail a test.
BLOCKING_IMPACTS = ("serious", "critical")


# --- Which tests run where -------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "markup: checks of the pages' markup (accessibility, HTML validity) that do not "
        "depend on the database; they run once, on SQLite",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Markup checks run on SQLite only: the HTML is the same on PostgreSQL, and the
    journeys (which do run on both databases) already cover the database side.

    The live server answers on threads of its own, with connections of its own: a test
    that uses it commits for real (``commits``, see tests/conftest.py)."""
    for item in items:
        if "live_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.commits)
    deselected = [
        item
        for item in items
        if item.get_closest_marker("markup")
        and getattr(item, "callspec", None) is not None
        and item.callspec.params.get("_app") == "postgresql"
    ]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


# --- The browser --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, once for the whole run."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"Browser tests need Debian's Chromium at {CHROMIUM} "
            "(apt-get install chromium; `make test` installs it when it is missing)."
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
    except Exception as exc:
        playwright.stop()
        pytest.skip(f"Chromium at {CHROMIUM} does not start: {exc}")
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


# --- The live server --------------------------------------------------------------------------


@dataclass
class LiveServer:
    url: str

    def __call__(self, path: str = "/") -> str:
        return self.url + path


class QuietRequestHandler(WSGIRequestHandler):
    """No access log line per request (the test output stays readable)."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@pytest.fixture(scope="session")
def _live_server(_app) -> Iterator[LiveServer]:
    """The suite's application, served on 127.0.0.1 (a free port) in a thread."""
    server = make_server("127.0.0.1", 0, _app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def live_server(app, _live_server) -> Iterator[LiveServer]:
    """The live server for one test: CSRF on (as in production), absolute links to it."""
    keys = ("WTF_CSRF_ENABLED", "LMS_BASE_URL")
    old = {key: app.config.get(key) for key in keys}
    app.config.update(WTF_CSRF_ENABLED=True, LMS_BASE_URL=_live_server.url)
    try:
        yield _live_server
    finally:
        app.config.update(old)


# --- Pages ---------------------------------------------------------------------------------------


@dataclass
class Visit:
    """One person's browser context: pages, the console, and what they saw."""

    context: Any
    page: Any
    label: str
    errors: list[str] = field(default_factory=list)

    def close(self) -> None:
        self.context.close()


class Browsing:
    """Opens contexts for people and checks pages: axe, screenshots, no CSP violations."""

    def __init__(self, browser: Any, server: LiveServer, backend: str) -> None:
        self.backend = backend
        self.browser = browser
        self.server = server
        self.visits: list[Visit] = []
        self.checked: list[str] = []

    def open(
        self,
        label: str = "bezoeker",
        *,
        viewport: dict[str, int] | None = None,
        phone: bool = False,
        permissions: list[str] | None = None,
    ) -> Any:
        """A fresh context (its own cookies) and page, for one person."""
        options: dict[str, Any] = {
            "viewport": viewport or (PHONE if phone else DESKTOP),
            "locale": "nl-BE",
            "timezone_id": "Europe/Brussels",
            "base_url": self.server.url,
        }
        if phone:
            options.update(is_mobile=True, has_touch=True)
        context = self.browser.new_context(**options)
        if permissions:
            context.grant_permissions(permissions, origin=self.server.url)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        page = context.new_page()
        visit = Visit(context=context, page=page, label=label)

        def on_console(message: Any) -> None:
            if message.type == "error":
                visit.errors.append(message.text)

        page.on("console", on_console)
        page.on("pageerror", lambda error: visit.errors.append(f"JavaScript: {error}"))
        self.visits.append(visit)
        page.visit = visit  # type: ignore[attr-defined]
        return page

    # -- checks ------------------------------------------------------------------------------

    def check(self, page: Any, name: str, *, phone_shot: bool = True) -> None:
        """The page as it is now: no serious axe violation, screenshots, nothing refused.

        On PostgreSQL the journeys check behaviour only: the markup is the same as on
        SQLite, where axe and the screenshots already ran.
        """
        page.wait_for_load_state("load")
        if self.backend == "sqlite":
            self.axe(page, name)
            self.screenshot(page, name, phone=phone_shot)
        self.assert_no_console_errors(page)
        self.checked.append(name)

    def axe(self, page: Any, name: str) -> list[dict[str, Any]]:
        """Run axe-core on the page; fail on a serious or critical violation.

        The CSP forbids inline scripts (``add_script_tag`` would inline the file), so the
        vendored source is evaluated through the DevTools protocol, which CSP does not govern.
        """
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(axe_source())
        result = page.evaluate(
            """async () => {
                const r = await axe.run(document, {
                    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                                    'best-practice']},
                    resultTypes: ['violations'],
                });
                return r.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                    nodes: v.nodes.map(n => ({target: n.target, html: n.html,
                                               summary: n.failureSummary})),
                }));
            }"""
        )
        AXE_REPORTS.mkdir(parents=True, exist_ok=True)
        (AXE_REPORTS / f"{name}.json").write_text(
            json.dumps({"url": page.url, "violations": result}, indent=2, ensure_ascii=False),
            encoding="utf-8",
        )
        blocking = [v for v in result if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, f"axe on {name} ({page.url}):\n" + describe_violations(blocking)
        return result

    def screenshot(self, page: Any, name: str, *, phone: bool = True) -> None:
        """``<name>-desktop.png`` and ``<name>-phone.png`` (or the one size the page is in)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        size = page.viewport_size or DESKTOP
        if size["width"] <= PHONE["width"]:
            page.screenshot(path=str(SCREENSHOTS / f"{name}-phone.png"), full_page=True)
            return
        page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"), full_page=True)
        if phone:
            page.set_viewport_size(PHONE)
            try:
                page.screenshot(path=str(SCREENSHOTS / f"{name}-phone.png"), full_page=True)
            finally:
                page.set_viewport_size(size)

    @staticmethod
    def assert_no_console_errors(page: Any) -> None:
        errors = page.visit.errors
        assert not errors, f"The browser reported errors on {page.url}:\n" + "\n".join(errors)


@pytest.fixture
def browsing(browser, live_server, backend) -> Iterator[Browsing]:
    """``browsing.open(label, phone=…)`` → a page of a new context; ``browsing.check(page,
    name)`` runs axe, saves screenshots and checks the console."""
    helper = Browsing(browser, live_server, backend)
    try:
        yield helper
    finally:
        for visit in helper.visits:
            with contextlib.suppress(Exception):  # a context that already went away
                visit.close()


_AXE: dict[str, str] = {}


def axe_source() -> str:
    if "source" not in _AXE:
        _AXE["source"] = AXE_SOURCE.read_text(encoding="utf-8")
    return _AXE["source"]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html'][:200]}")
    return "\n".join(lines)


# --- People ---------------------------------------------------------------------------------


@pytest.fixture
def log_in(live_server) -> Callable[..., None]:
    """``log_in(page, user)``: through the login form, as a person would."""

    def do(page: Any, user: Any, password: str = TEST_PASSWORD) -> None:
        page.goto("/account/login")
        page.get_by_label("E-mailadres").fill(user.email)
        page.get_by_label("Wachtwoord", exact=True).fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="Aanmelden").click()
        assert page.locator(".flash-success").filter(has_text="Welkom").count() == 1, page.url

    return do


def flash_text(page: Any) -> str:
    """The flash messages on the page (empty when there are none)."""
    flashes = page.locator(".flashes")
    return flashes.inner_text() if flashes.count() else ""


def normalise_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def menu(page: Any, name: str) -> None:
    """Follow an entry of the main menu (on a phone: open it with its "Menu" button first,
    as a person would; static/js/menu.js)."""
    toggle = page.locator(".menu-toggle")
    if toggle.count() and toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    with page.expect_navigation():
        page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
            "link", name=name, exact=True
        ).click()
