"""The main journeys in a real browser (Debian's Chromium), against the live app.

Each journey is what a person does, click by click; on the way every main page is checked
with axe-core (no serious or critical violation), screenshotted (desktop and phone) and
watched for browser errors (a CSP violation shows up there).
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pypdf
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.attendance import service as attendance_service
from lms.attendance.service import Mark
from lms.common.timeutil import local_day_bounds, to_local
from lms.enrolment import service as enrolment_service
from lms.extensions import db
from lms.models import (
    Attendance,
    AttendanceChange,
    AttendanceStatus,
    Certificate,
    Enrolment,
    EnrolmentStatus,
    SeatRelease,
    User,
    utcnow,
)
from tests.e2e.conftest import flash_text, menu
from tests.factories import TEST_PASSWORD, enrol

pytestmark = pytest.mark.browser


def in_days(days: int, hour: int = 9, hours: int = 3):
    """A session ``days`` from today, at ``hour`` (UTC, whole hours), ``hours`` long."""
    start = (utcnow() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return start, start + timedelta(hours=hours)


# --- 1. A new social worker registers, finds a course by theme, enrols, cancels -------------


def test_register_find_by_theme_enrol_subscribe_and_cancel(
    browsing, live_server, create_activity, create_theme, create_organisation, queued_mails
):
    create_organisation("Samenlevingsopbouw Gent")
    wonen = create_theme("Wonen")
    straat = create_theme("Straathoekwerk")
    course = create_activity(
        title="Betaalbaar wonen: samen sterker",
        themes=[wonen],
        capacity=12,
        sessions=[in_days(10), in_days(17)],
        summary="Hoe buurtwerkers samen met huurders werken aan betaalbaar wonen.",
    )
    other = create_activity(title="Straathoekwerk vandaag", themes=[straat], sessions=[in_days(12)])

    page = browsing.open("nieuwe deelnemer", permissions=["clipboard-read", "clipboard-write"])

    # Register.
    page.goto("/")
    page.get_by_role("link", name="Account maken").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Account maken")
    page.get_by_label("Voor- en achternaam").fill("Lotte Vermeersch")
    page.get_by_label("E-mailadres").fill("lotte.vermeersch@example.org")
    page.get_by_label("Organisatie (werkgever)").select_option(label="Samenlevingsopbouw Gent")
    page.get_by_label("Wachtwoord", exact=True).fill(TEST_PASSWORD)
    page.get_by_label("Wachtwoord herhalen").fill(TEST_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Account aanmaken").click()
    assert "/account/check-mail" in page.url
    user = db.session.scalar(select(User).where(User.email == "lotte.vermeersch@example.org"))
    # The membership waits for the organisation's contact; the address for its owner.
    assert user is not None and user.organisation is None
    assert user.pending_organisation.name == "Samenlevingsopbouw Gent"

    # Confirm the address with the mailed link and the account's password.
    (verify_mail,) = queued_mails("email_verify", to=user.email)
    link = re.search(r"https?://[^/\s]+(/account/verify/\S+)", verify_mail.body_text).group(1)
    page.goto(link)
    page.get_by_label("Wachtwoord", exact=True).fill(TEST_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Bevestigen").click()
    db.session.expire_all()
    assert db.session.get(User, user.id).email_verified_at is not None

    # Find the course by its theme.
    menu(page, "Aanbod")
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanbod")
    expect(page.get_by_role("link", name=other.title, exact=True)).to_be_visible()
    page.get_by_label("Thema", exact=True).select_option(label="Wonen")
    with page.expect_navigation():
        page.get_by_role("button", name="Filters toepassen").click()
    assert "thema=wonen" in page.url
    expect(page.get_by_role("heading", name="1 activiteit")).to_be_visible()
    expect(page.get_by_role("link", name=course.title, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=other.title, exact=True)).to_have_count(0)
    browsing.check(page, "catalogus")

    # Enrol on the activity page.
    page.get_by_role("link", name=course.title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(course.title)
    browsing.check(page, "activiteit")
    with page.expect_navigation():
        page.get_by_role("button", name="Inschrijven", exact=True).click()
    assert f"Je bent ingeschreven voor „{course.title}”" in flash_text(page)
    expect(page.locator("#actie")).to_contain_text("Je bent ingeschreven.")
    browsing.check(page, "activiteit-ingeschreven", phone_shot=False)
    mails = queued_mails("enrolment_confirmed", to=user.email)
    assert len(mails) == 1 and course.title in mails[0].subject

    # Mijn inschrijvingen.
    menu(page, "Mijn inschrijvingen")
    upcoming = page.get_by_role("region", name="Komend")
    expect(upcoming.get_by_role("link", name=course.title, exact=True)).to_be_visible()
    expect(upcoming.locator(".badge-ok")).to_have_text("Ingeschreven")
    browsing.check(page, "mijn-inschrijvingen")

    # The calendar link, copied from the subscription page (profile → Agenda-abonnement).
    page.get_by_role("link", name=re.compile("mijn profiel")).click()
    page.get_by_role("link", name="Agenda-abonnement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agenda-abonnement")
    field = page.get_by_label("Link om te kopiëren")
    feed_url = field.input_value()
    assert feed_url.startswith(live_server.url + "/calendar/") and feed_url.endswith(".ics")
    page.get_by_role("button", name="Kopiëren").click()
    expect(page.locator("[data-copy-status]")).to_have_text(
        "De link is gekopieerd naar het klembord."
    )
    assert page.evaluate("() => navigator.clipboard.readText()") == feed_url
    browsing.check(page, "agenda-abonnement")
    feed = page.request.get(feed_url)
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert course.title in feed.text().replace("\r\n ", "")

    # Cancel, from Mijn inschrijvingen, after the confirmation step.
    menu(page, "Mijn inschrijvingen")
    page.get_by_role("link", name=f"Annuleren – {course.title}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inschrijving annuleren?")
    with page.expect_navigation():
        page.get_by_role("button", name="Ja, annuleer mijn inschrijving").click()
    assert f"Je inschrijving voor „{course.title}” is geannuleerd." in flash_text(page)
    expect(page.get_by_role("region", name="Komend")).to_contain_text(
        "Je bent voor geen enkele komende activiteit ingeschreven."
    )
    past = page.get_by_role("region", name="Afgelopen en geannuleerd")
    expect(past.get_by_role("row", name=re.compile(re.escape(course.title)))).to_contain_text(
        "Geannuleerd"
    )
    db.session.expire_all()
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id))
    assert enrolment.status == EnrolmentStatus.CANCELLED
    assert len(queued_mails("enrolment_cancelled", to=user.email)) == 1


# --- 2. A full course: the waiting list moves up when someone cancels -----------------------


def test_waiting_list_promotion_when_someone_cancels(
    browsing, log_in, create_user, create_activity, queued_mails
):
    course = create_activity(
        title="Voorwaardelijkheid van rechten",
        capacity=1,
        waitlist_enabled=True,
        seat_release=SeatRelease.AUTOMATIC,
        sessions=[in_days(14)],
    )
    first = create_user(name="Ahmed Benali")
    second = create_user(name="Sofie Claes")
    enrol(course, first)

    # The second person finds the course full and joins the waiting list.
    page_second = browsing.open("tweede")
    log_in(page_second, second)
    page_second.goto(f"/activities/{course.id}")
    enrol_panel = page_second.get_by_role("region", name="Inschrijven")
    expect(enrol_panel).to_contain_text("Volzet")
    with page_second.expect_navigation():
        page_second.get_by_role("button", name="Zet me op de wachtlijst").click()
    assert "je staat op de wachtlijst, op plaats 1" in flash_text(page_second)
    expect(page_second.locator("#actie")).to_contain_text("Je staat op de wachtlijst, op plaats 1")
    browsing.check(page_second, "activiteit-wachtlijst")
    menu(page_second, "Mijn inschrijvingen")
    expect(page_second.locator(".enr-item")).to_contain_text("Wachtlijst – plaats 1")

    # The first person cancels.
    page_first = browsing.open("eerste")
    log_in(page_first, first)
    page_first.goto("/my/enrolments")
    page_first.get_by_role("link", name=f"Annuleren – {course.title}").click()
    with page_first.expect_navigation():
        page_first.get_by_role("button", name="Ja, annuleer mijn inschrijving").click()
    assert "is geannuleerd" in flash_text(page_first)

    # The second person reloads and holds the seat; their mail is queued.
    page_second.reload()
    expect(page_second.locator(".enr-item")).to_contain_text("Ingeschreven")
    page_second.goto(f"/activities/{course.id}")
    expect(page_second.locator("#actie")).to_contain_text("Je bent ingeschreven.")
    promoted = queued_mails("enrolment_promoted", to=second.email)
    assert len(promoted) == 1 and course.title in promoted[0].subject
    db.session.expire_all()
    statuses = {
        e.user_id: e.status
        for e in db.session.scalars(select(Enrolment).where(Enrolment.activity_id == course.id))
    }
    assert statuses == {first.id: EnrolmentStatus.CANCELLED, second.id: EnrolmentStatus.CONFIRMED}


# --- 3. A trainer takes attendance on a phone and corrects it -------------------------------


def test_trainer_takes_attendance_on_a_phone_and_corrects_it(
    browsing, log_in, create_user, create_activity
):
    now = utcnow().replace(second=0, microsecond=0)
    day_start, _day_end = local_day_bounds(to_local(now).date())
    start = max(now - timedelta(minutes=5), day_start)
    trainer = create_user(name="Tine Lesgever", roles=("trainer",))
    course = create_activity(
        title="Politiserend sociaal werk in de praktijk",
        trainers=[trainer],
        sessions=[(start, start + timedelta(hours=3))],
        capacity=12,
    )
    names = ["An Peeters", "Bram Janssens", "Chloë Maes", "Dirk Willems"]
    people = [create_user(name=name) for name in names]
    for person in people:
        enrol(course, person)
    absent = people[2]

    page = browsing.open("lesgever", phone=True)
    log_in(page, trainer)
    menu(page, "Mijn sessies")
    # Under "Vandaag" (unless midnight passed since the session was made a minute ago).
    section = "Vandaag" if to_local(utcnow()).date() == to_local(start).date() else "Recent"
    card = page.get_by_role("region", name=section).get_by_role(
        "article", name=re.compile(re.escape(course.title))
    )
    expect(card).to_contain_text("4 deelnemers")
    browsing.check(page, "mijn-sessies")
    card.get_by_role("link", name=re.compile("^Aanwezigheden")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanwezigheden")

    # Everyone present (filled in by the page's script), but one; then save.
    page.get_by_role("button", name="Iedereen aanwezig").click()
    expect(page.locator("#att-live")).to_contain_text(
        "4 personen zonder keuze staan nu op aanwezig"
    )
    for person in people:
        expect(
            page.get_by_role("group", name=re.compile(re.escape(person.name))).get_by_label(
                "aanwezig", exact=True
            )
        ).to_be_checked()
    page.get_by_role("group", name=re.compile(re.escape(absent.name))).get_by_label(
        "afwezig", exact=True
    ).check()
    browsing.check(page, "aanwezigheden")
    with page.expect_navigation():
        page.get_by_role("button", name="Aanwezigheden opslaan").click()
    assert "Aanwezigheden opgeslagen: 4 geregistreerd." in flash_text(page)
    session_id = course.sessions[0].id
    db.session.expire_all()
    recorded = {
        a.user_id: a.status
        for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session_id))
    }
    assert recorded == {
        p.id: (AttendanceStatus.ABSENT if p is absent else AttendanceStatus.PRESENT) for p in people
    }

    # A correction: the absent person had sent word (verontschuldigd).
    group = page.get_by_role("group", name=re.compile(re.escape(absent.name)))
    expect(group.locator(".att-saved")).to_contain_text("afwezig")
    group.get_by_label("verontschuldigd", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Aanwezigheden opslaan").click()
    assert "Aanwezigheden opgeslagen: 1 gecorrigeerd." in flash_text(page)
    browsing.check(page, "aanwezigheden-opgeslagen")

    # The history shows the old value beside the new one.
    page.get_by_role("link", name="Geschiedenis").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Geschiedenis van de aanwezigheden")
    rows = page.locator("tbody tr").filter(has_text=absent.name)
    expect(rows).to_have_count(2)
    expect(rows.first.locator("td").nth(2)).to_have_text("afwezig")
    expect(rows.first.locator("td").nth(3)).to_have_text("verontschuldigd")
    browsing.check(page, "aanwezigheden-geschiedenis")
    db.session.expire_all()
    changes = db.session.scalars(
        select(AttendanceChange)
        .join(Attendance, Attendance.id == AttendanceChange.attendance_id)
        .where(Attendance.session_id == session_id, Attendance.user_id == absent.id)
        .order_by(AttendanceChange.id)
    ).all()
    assert [(c.old_status, c.new_status) for c in changes] == [
        (None, AttendanceStatus.ABSENT),
        (AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED),
    ]


# --- 4. An intervisie: request, approval, certificates, verification ------------------------


def test_intervisie_request_approval_certificate_and_verification(
    browsing, log_in, create_user, create_activity, create_theme, queued_mails
):
    coordinator = create_user(name="Hilde Coördinator", roles=("coordinator",))
    facilitator = create_user(name="Karel Begeleider", roles=("trainer",))
    group = create_activity(
        kind="intervision",
        title="Intervisie gebiedsgericht werken",
        capacity=8,
        trainers=[facilitator],
        themes=[create_theme("Gebiedsgericht sociaal werk")],
        sessions=[in_days(7 * week, hours=2) for week in range(1, 5)],
    )
    assert group.requires_approval
    marie = create_user(name="Marie Dubois-Özdemir", organisation="CAW Oost-Vlaanderen")
    jan = create_user(name="Jan Verstraete")
    enrolment_service.enrol_on_behalf(group, jan, actor=coordinator)
    db.session.commit()

    # Marie asks for a place.
    participant = browsing.open("deelnemer")
    log_in(participant, marie)
    participant.goto(f"/activities/{group.id}")
    with participant.expect_navigation():
        participant.get_by_role("button", name="Aanvragen").click()
    assert "Je aanvraag voor „Intervisie gebiedsgericht werken” is verstuurd" in flash_text(
        participant
    )
    expect(participant.locator("#actie")).to_contain_text("Je aanvraag wacht op goedkeuring.")

    # The coordinator approves it.
    office = browsing.open("coördinator")
    log_in(office, coordinator)
    menu(office, "Beheer")
    office.get_by_role("navigation", name="Beheer").get_by_role("link", name="Aanvragen").click()
    approve = office.get_by_role("button", name=re.compile(rf"^Goedkeuren.*{marie.name}"))
    expect(approve).to_have_count(1)
    browsing.check(office, "aanvragen")
    with office.expect_navigation():
        approve.click()
    assert f"De aanvraag van {marie.name} is goedgekeurd" in flash_text(office)
    assert len(queued_mails("enrolment_approved", to=marie.email)) == 1
    menu(participant, "Mijn inschrijvingen")
    expect(participant.locator(".enr-item").filter(has_text=group.title)).to_contain_text(
        "Ingeschreven"
    )

    # The meetings take place (moved into the past); attendance through the service:
    # Marie misses one of four (75 % is enough), Jan two.
    shift = group.sessions[-1].ends_at - utcnow() + timedelta(hours=1)
    for session in group.sessions:
        session.starts_at -= shift
        session.ends_at -= shift
    db.session.commit()
    for index, session in enumerate(sorted(group.sessions, key=lambda s: s.starts_at)):
        marks = [
            Mark(marie.id, AttendanceStatus.ABSENT if index == 1 else AttendanceStatus.PRESENT),
            Mark(jan.id, AttendanceStatus.PRESENT if index < 2 else AttendanceStatus.ABSENT),
        ]
        attendance_service.record_attendance(session, marks, actor=facilitator)
    db.session.commit()

    # The coordinator issues the certificates.
    office.get_by_role("navigation", name="Beheer").get_by_role("link", name="Attesten").click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Attesten")
    finished = office.get_by_role("table", name="Afgelopen activiteiten en hun attesten")
    row = finished.get_by_role("row", name=re.compile(re.escape(group.title)))
    expect(row.locator("td.num")).to_have_text(["2", "1", "0"])
    browsing.check(office, "attesten-uitreiken")
    with office.expect_navigation():
        row.get_by_role("button", name=re.compile("^1 attest uitreiken")).click()
    assert "1 attest uitgereikt, 1 voldoet (nog) niet aan het leerbeleid." in flash_text(office)
    expect(row).to_contain_text("in orde")
    db.session.expire_all()
    certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == marie.id))
    assert certificate is not None
    assert db.session.scalar(select(Certificate).where(Certificate.user_id == jan.id)) is None
    assert len(queued_mails("certificate_issued", to=marie.email)) == 1

    # Marie downloads the PDF from Mijn leertraject.
    menu(participant, "Mijn leertraject")
    record_row = participant.get_by_role("row", name=re.compile(re.escape(group.title)))
    expect(record_row).to_contain_text(certificate.code)
    browsing.check(participant, "mijn-leertraject")
    pdf_link = record_row.get_by_role("link", name=re.compile("^PDF"))
    with participant.expect_response(re.compile(r"\.pdf$")) as response_info:
        pdf_link.click()
    response = response_info.value
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    # Chromium shows the (inline) PDF in its viewer; read the same bytes with her cookies.
    pdf = participant.request.get(response.url)
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    text = pypdf.PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()
    assert certificate.code in text and marie.name in text and group.title in text

    # Anyone checks it by its code on the public verification page.
    public = browsing.open("werkgever")
    public.goto("/")
    public.get_by_role("contentinfo").get_by_role("link", name="Attest controleren").click()
    expect(public.get_by_role("heading", level=1)).to_have_text("Attest controleren")
    browsing.check(public, "attest-controleren")
    public.get_by_label("Code", exact=False).fill(certificate.code.replace("-", " ").lower())
    with public.expect_navigation():
        public.get_by_role("button", name="Controleren").click()
    expect(public.get_by_role("heading", level=2, name="Geldig")).to_be_visible()
    facts = public.get_by_role("region", name="Wat op het attest staat")
    expect(facts).to_contain_text(marie.name)
    expect(facts).to_contain_text(group.title)
    expect(facts).to_contain_text(certificate.code)
    browsing.check(public, "attest-geldig")
