"""Bulk work that asks first, in a real browser: the user import's preview and result, and
the confirmation step before archiving (axe checks each page)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.extensions import db
from lms.models import Activity, ActivityStatus, Role, User, utcnow
from tests.e2e.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser


def test_import_preview_keeps_a_busy_trainer_then_archive_with_confirmation(
    browsing, log_in, create_user, create_activity, tmp_path
):
    coordinator = create_user(name="Hilde Coördinator", roles=(Role.COORDINATOR,))
    trainer = create_user(email="tine@example.org", name="Tine Lesgever", roles=(Role.TRAINER,))
    create_activity(title="Wonen", trainers=[trainer], sessions=2)
    past = utcnow() - timedelta(days=40)
    old = create_activity(title="Oude cursus", sessions=[(past, past + timedelta(hours=2))])
    csv_file = tmp_path / "leden.csv"
    csv_file.write_text(
        "email,name,role,organisation\n"
        "tine@example.org,Tine Lesgever,participant,\n"
        "nieuw@example.org,Nora Nieuw,participant,\n",
        encoding="utf-8",
    )

    page = browsing.open("coördinator")
    log_in(page, coordinator)
    page.goto("/admin/users/import")
    page.get_by_label("CSV-bestand").set_input_files(str(csv_file))
    with page.expect_navigation():
        page.get_by_role("button", name="Voorbeeld tonen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Voorbeeld van de import")
    expect(page.locator("#imp-role-warning")).to_contain_text("Tine Lesgever")
    browsing.check(page, "import-voorbeeld")
    page.screenshot(path=str(SCREENSHOTS / "import-voorbeeld-1280.png"), full_page=True)
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.email == "nieuw@example.org")) is None
    with page.expect_navigation():
        page.get_by_role("button", name="Import bevestigen").click()
    expect(page.locator("#imp-summary")).to_contain_text("1 aangemaakt, 1 bijgewerkt")
    browsing.check(page, "import-resultaat")
    db.session.expire_all()
    tine = db.session.scalar(select(User).where(User.email == "tine@example.org"))
    assert tine.roles == {Role.TRAINER, Role.PARTICIPANT}

    # Archiving asks first, on a page of its own.
    page.goto(f"/admin/activities/{old.id}")
    with page.expect_navigation():
        page.get_by_role("button", name="Archiveren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("„Oude cursus” archiveren?")
    browsing.check(page, "bevestigen-archiveren")
    db.session.expire_all()
    assert db.session.get(Activity, old.id).status == ActivityStatus.PUBLISHED
    with page.expect_navigation():
        page.get_by_role("button", name="Ja, archiveren").click()
    db.session.expire_all()
    assert db.session.get(Activity, old.id).status == ActivityStatus.ARCHIVED
