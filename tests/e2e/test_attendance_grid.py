"""Attendance on a phone in seconds: a trainer logs in, lands on today's session and
records a group of 20 with a handful of taps; the grid fits in two phone screens.

Every tap on the page is counted (``tap``): the budget is 25 for 20 people.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.common.timeutil import local_day_bounds, to_local
from lms.enrolment import service as enrolment_service
from lms.extensions import db
from lms.models import Attendance, AttendanceStatus, utcnow
from tests.e2e.conftest import SCREENSHOTS, flash_text

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 360, "height": 740}
FIRST = [
    "An", "Bram", "Chloë", "Dirk", "Els", "Fien", "Geert", "Hanne", "Ilse", "Jonas",
    "Katrien", "Lotte", "Mehdi", "Nora", "Omar", "Pieter", "Quinten", "Ruth", "Sofie", "Tom",
]  # fmt: skip
LAST = [
    "Peeters", "Janssens", "Maes", "Willems", "Claes", "Goossens", "Wouters", "De Smet",
    "Dubois", "Mertens", "Jacobs", "Vermeulen", "El Amrani", "Lambrechts", "Aydin",
    "Van Damme", "Hermans", "Michiels", "Verstraete", "Declercq",
]  # fmt: skip


def test_twenty_people_in_two_screens_and_few_taps(
    browsing, log_in, create_user, create_activity, create_organisation
):
    now = utcnow().replace(second=0, microsecond=0)
    day_start, _day_end = local_day_bounds(to_local(now).date())
    start = max(now - timedelta(minutes=5), day_start)
    trainer = create_user(name="Tine Lesgever", roles=("trainer",))
    course = create_activity(
        title="Gebiedsgericht sociaal werk",
        trainers=[trainer],
        sessions=[(start, start + timedelta(hours=3))],
        capacity=25,
    )
    organisation = create_organisation(name="Samenlevingsopbouw Antwerpen")
    people = [
        create_user(name=f"{first} {last}", organisation=organisation)
        for first, last in zip(FIRST, LAST, strict=True)
    ]
    for person in people:
        enrolment_service.enrol(course, person)
    db.session.commit()
    session_id = course.sessions[0].id

    page = browsing.open("lesgever", viewport=SMALL_PHONE, phone=True)
    log_in(page, trainer)
    # The trainer lands on today's session, ready to take attendance.
    assert page.url.endswith(f"/sessions/{session_id}/attendance"), page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanwezigheden")

    # From the top of the page to the save button (header, grid and all): at most two
    # screens. (The site's footer follows the work, below the save button.)
    height = page.evaluate(
        """() => {
            const button = document.querySelector('.att-savebar');
            button.style.position = 'static';  // measured where it sits in the flow
            const bottom = button.getBoundingClientRect().bottom + window.scrollY;
            button.style.position = '';
            return bottom;
        }"""
    )
    assert height <= 2 * SMALL_PHONE["height"], height
    rows = page.locator(".att-row")
    expect(rows).to_have_count(20)
    row_height = rows.first.bounding_box()["height"]
    assert row_height <= 56, row_height

    taps = 0

    def tap(locator) -> None:
        nonlocal taps
        taps += 1
        locator.click()

    def group(person):
        return page.get_by_role("group", name=re.compile(re.escape(person.name)))

    tap(page.get_by_role("button", name="Iedereen aanwezig"))
    expect(page.locator("#att-live")).to_contain_text("20 personen zonder keuze")
    # Searching by name narrows the list (typing is not a tap; focusing the box is).
    search = page.get_by_placeholder("Zoek op naam")
    tap(search)
    search.fill("mehdi")
    expect(page.locator(".att-row:visible")).to_have_count(1)
    tap(group(people[12]).get_by_label("afwezig", exact=True))
    search.fill("")
    expect(page.locator(".att-row:visible")).to_have_count(20)
    tap(group(people[3]).get_by_label("verontschuldigd", exact=True))
    group(people[3]).get_by_label(re.compile("^Opmerking")).fill("ziek gemeld")
    # Partial: arrived an hour late; the helper fills in the minutes.
    tap(group(people[7]).get_by_label("deels aanwezig", exact=True))
    arrived = to_local(start + timedelta(hours=1)).strftime("%H:%M")
    group(people[7]).get_by_label(re.compile("^Aangekomen")).fill(arrived)
    expect(group(people[7]).get_by_label(re.compile("^Minuten aanwezig"))).to_have_value("120")
    browsing.check(page, "aanwezigheden-raster")
    page.screenshot(path=str(SCREENSHOTS / "aanwezigheden-raster-360.png"), full_page=True)
    with page.expect_navigation():
        tap(page.get_by_role("button", name="Aanwezigheden opslaan"))
    assert taps <= 25, taps
    assert "Aanwezigheden opgeslagen: 20 geregistreerd." in flash_text(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SCREENSHOTS / "aanwezigheden-raster-1280.png"), full_page=True)

    db.session.expire_all()
    recorded = {
        a.user_id: (a.status, a.minutes)
        for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session_id))
    }
    expected = {p.id: (AttendanceStatus.PRESENT, None) for p in people}
    expected[people[12].id] = (AttendanceStatus.ABSENT, None)
    expected[people[3].id] = (AttendanceStatus.EXCUSED, None)
    expected[people[7].id] = (AttendanceStatus.PARTIAL, 120)
    assert recorded == expected


def test_the_checkin_display_has_no_navigation_and_updates_itself(
    browsing, log_in, create_user, create_activity
):
    from lms.attendance import service as attendance_service

    now = utcnow().replace(second=0, microsecond=0)
    trainer = create_user(name="Tine Lesgever", roles=("trainer",))
    course = create_activity(
        title="Sociale bescherming",
        trainers=[trainer],
        sessions=[(now - timedelta(minutes=5), now + timedelta(hours=2))],
        capacity=10,
    )
    an, bram = create_user(name="An Peeters"), create_user(name="Bram Janssens")
    for person in (an, bram):
        enrolment_service.enrol(course, person)
    db.session.commit()
    session = course.sessions[0]

    page = browsing.open("lesgever")
    log_in(page, trainer)
    page.goto(f"/sessions/{session.id}/checkin")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inchecken")
    # A projector shows no menu, no name and no Afmelden.
    expect(page.get_by_role("navigation", name="Hoofdmenu")).to_have_count(0)
    expect(page.get_by_text("Afmelden")).to_have_count(0)
    expect(page.get_by_text(trainer.name)).to_have_count(0)
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    expect(page.locator("[data-checkin-code]")).to_have_text(re.compile(r"^\w{3} \w{3}$"))
    expect(page.locator(".att-arrived-list")).to_have_text("Nog niemand.")
    browsing.check(page, "checkin-scherm")

    # Someone checks in: the display shows "An P." without a reload.
    attendance_service.check_in(session, an)
    db.session.commit()
    expect(page.locator(".att-arrived-list li")).to_have_text(["An P."], timeout=15_000)
    expect(page.locator("[data-checkin-present]")).to_have_text("1")
    page.screenshot(path=str(SCREENSHOTS / "checkin-scherm-1280.png"), full_page=True)
    browsing.assert_no_console_errors(page)
