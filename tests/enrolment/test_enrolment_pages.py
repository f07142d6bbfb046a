"""The activity page's button in every state, Mijn inschrijvingen, cancelling, offers."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.common.timeutil import brussels
from lms.enrolment import service
from lms.extensions import db
from lms.models import Enrolment, EnrolmentStatus, OutboxMail, Role, utcnow


def page(client, activity) -> str:
    response = client.get(f"/activities/{activity.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def action(html: str) -> str:
    """The text of the enrolment panel's action block, whitespace squeezed."""
    block = html.split('id="actie">', 1)[1].split("</div>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", block).split())


# --- The activity page ------------------------------------------------------------------------


def test_activity_page_shows_what_a_person_needs(client, create_activity, create_user):
    trainer = create_user(name="Karim Lesgever", roles=(Role.TRAINER,))
    activity = create_activity(
        title="Wonen op maat",
        description="Vier namiddagen over betaalbaar wonen.",
        audience="Opbouwwerkers en maatschappelijk werkers.",
        sessions=[
            (brussels(2030, 3, 29, 10, 0), brussels(2030, 3, 29, 12, 30)),
            (brussels(2030, 4, 5, 10, 0), brussels(2030, 4, 5, 12, 30)),
        ],
        location="Huis van de Sociale Economie, Gent",
        trainers=[trainer],
        capacity=16,
        price_member=Decimal("60"),
        price_non_member=Decimal("120"),
    )
    html = page(client, activity)
    assert "<h1>Wonen op maat</h1>" in html
    assert "Vier namiddagen over betaalbaar wonen." in html
    assert "Opbouwwerkers en maatschappelijk werkers." in html
    # Brussels time, also across the change to summer time.
    assert "vrijdag 29 maart 2030, 10:00–12:30" in html
    assert "vrijdag 5 april 2030, 10:00–12:30" in html
    assert "Huis van de Sociale Economie, Gent" in html
    assert "Karim Lesgever" in html
    assert "€ 60,00 voor leden" in html and "€ 120,00 voor niet-leden" in html
    assert "16 van 16 vrij" in html


def test_online_session_and_free_activity(client, create_activity):
    activity = create_activity(location="", online_url="https://meet.example/x", capacity=None)
    html = page(client, activity)
    assert "Online" in html and "Gratis" in html and "Onbeperkt" in html
    # The link itself is for participants only.
    assert "https://meet.example/x" not in html


def test_anonymous_visitor_is_asked_to_log_in(client, create_activity):
    activity = create_activity()
    html = page(client, activity)
    assert action(html).startswith("Inschrijven Je meldt je eerst aan.")
    assert f"/account/login?next=/activities/{activity.id}" in html


def test_button_enrol(client, login, create_activity, participant):
    login(participant())
    assert action(page(client, create_activity())) == "Inschrijven"


def test_button_waitlist(client, login, create_activity, fill, participant):
    activity = create_activity(capacity=1)
    fill(activity, 2)
    login(participant())
    text = action(page(client, activity))
    assert text.startswith(
        "Deze activiteit is volzet. Zet je op de wachtlijst: je bent dan nummer 2."
    )
    assert text.endswith("Zet me op de wachtlijst")


def test_button_request(client, login, create_activity, participant):
    login(participant())
    text = action(page(client, create_activity(kind="intervision")))
    assert text.startswith("Voor deze intervisie beslist een coördinator van SAM")
    assert text.endswith("Aanvragen")


def test_button_enrolled_cancel(client, login, create_activity, enrol, participant):
    user = participant()
    activity = create_activity()
    enrolment = enrol(activity, user)
    login(user)
    html = page(client, activity)
    assert action(html).startswith("✓ Je bent ingeschreven. Inschrijving annuleren")
    assert f'href="/my/enrolments/{enrolment.id}/cancel"' in html


def test_button_waitlisted_with_position(client, login, create_activity, fill, enrol, participant):
    activity = create_activity(capacity=1)
    fill(activity, 2)
    user = participant()
    enrol(activity, user)
    login(user)
    text = action(page(client, activity))
    assert text.startswith("Je staat op de wachtlijst, op plaats 2.")
    assert "Wachtlijst verlaten" in text


def test_button_pending(client, login, create_activity, enrol, participant):
    user = participant()
    activity = create_activity(kind="intervision")
    enrol(activity, user)
    login(user)
    text = action(page(client, activity))
    assert text.startswith("Je aanvraag wacht op goedkeuring.") and "Aanvraag intrekken" in text


def test_button_offered(client, login, create_activity, fill, participant):
    activity = create_activity(capacity=1, seat_release="offer")
    [seated] = fill(activity, 1)
    [waiting] = fill(activity, 1)
    service.cancel(activity, seated.user)
    db.session.commit()
    login(waiting.user)
    html = page(client, activity)
    text = action(html)
    assert text.startswith("Er is een plaats vrij voor jou! Neem ze aan vóór ")
    assert "Plaats aannemen" in text and "Plaats doorgeven" in text
    assert f'action="/my/enrolments/{waiting.id}/accept"' in html


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"enrolment_closes_at": "past"}, "De inschrijvingen zijn gesloten sinds "),
        ({"enrolment_opens_at": "future"}, "De inschrijvingen openen op "),
        ({"status": "cancelled"}, "Deze activiteit is geannuleerd; inschrijven kan niet meer."),
        (
            {"capacity": 0, "waitlist_enabled": False},
            "Deze activiteit is volzet en heeft geen wachtlijst.",
        ),
    ],
)
def test_button_closed_says_why(client, login, create_activity, participant, fields, reason):
    values = {
        key: (utcnow() - timedelta(hours=1) if v == "past" else utcnow() + timedelta(days=1))
        if v in ("past", "future")
        else v
        for key, v in fields.items()
    }
    login(participant())
    html = page(client, create_activity(**values))
    text = action(html)
    assert text.startswith("Gesloten " + reason)
    assert "disabled" in html.split('id="actie"', 1)[1].split("</button>", 1)[0]


def test_closed_after_deadline_shows_why_cancelling_is_not_possible(
    client, login, create_activity, enrol, participant
):
    user = participant()
    activity = create_activity(cancellation_deadline=utcnow() + timedelta(days=1))
    enrol(activity, user)
    activity.cancellation_deadline = utcnow() - timedelta(hours=1)
    db.session.commit()
    login(user)
    text = action(page(client, activity))
    assert "De annuleringstermijn liep af op " in text


def test_draft_page_is_hidden_except_for_managers(
    client, login, create_activity, participant, coordinator
):
    draft = create_activity(status="draft")
    assert client.get(f"/activities/{draft.id}").status_code == 404
    login(participant())
    assert client.get(f"/activities/{draft.id}").status_code == 404
    login(coordinator)
    assert "Ontwerp: deze activiteit is nog niet gepubliceerd" in page(client, draft)
    assert client.get("/activities/999999").status_code == 404
    assert client.get(f"/activities/{2**40}").status_code == 404


def test_programme_page_lists_modules(client, create_activity, participant, login):
    parent = create_activity(kind="programme", title="Beroepsopleiding", sessions=0)
    create_activity(parent=parent, title="Module 1 – Visie", sessions=2)
    create_activity(parent=parent, title="Module 2 – Politiserend werken", sessions=1)
    login(participant())
    html = page(client, parent)
    assert "Module 1 – Visie" in html and "Module 2 – Politiserend werken" in html
    assert action(html).endswith("Aanvragen")


# --- Enrolling and cancelling through the pages -------------------------------------------------


def test_enrol_through_the_page(client, login, create_activity, participant):
    user = participant()
    activity = create_activity(title="Wonen op maat")
    login(user)
    response = client.post(f"/activities/{activity.id}/enrol", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Je bent ingeschreven voor „Wonen op maat”. Je krijgt een bevestiging per mail." in html
    assert "Inschrijving annuleren" in html
    db.session.expire_all()
    assert db.session.scalar(select(Enrolment.status)) == EnrolmentStatus.CONFIRMED


def test_enrol_refusal_is_flashed(client, login, create_activity, participant):
    login(participant())
    activity = create_activity(enrolment_closes_at=utcnow() - timedelta(hours=1))
    html = client.post(f"/activities/{activity.id}/enrol", follow_redirects=True).get_data(
        as_text=True
    )
    assert 'class="flash flash-error">De inschrijvingen zijn gesloten sinds' in html
    assert db.session.scalar(select(Enrolment.id)) is None


def test_enrol_needs_login_and_get_goes_back_to_the_page(
    client, login, create_activity, participant
):
    activity = create_activity()
    response = client.post(f"/activities/{activity.id}/enrol")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    login(participant())
    response = client.get(f"/activities/{activity.id}/enrol")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/activities/{activity.id}#inschrijven")
    assert db.session.scalar(select(Enrolment.id)) is None


def test_cancel_has_a_confirmation_step(client, login, create_activity, fill, enrol, participant):
    user = participant()
    activity = create_activity(capacity=1, title="Klimaat en armoede")
    enrolment = enrol(activity, user)
    [waiting] = fill(activity, 1)
    login(user)
    confirm = client.get(f"/my/enrolments/{enrolment.id}/cancel").get_data(as_text=True)
    assert "Inschrijving annuleren?" in confirm
    assert "Je plaats gaat naar de eerste persoon op de wachtlijst." in confirm
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status == EnrolmentStatus.CONFIRMED
    response = client.post(f"/my/enrolments/{enrolment.id}/cancel", follow_redirects=True)
    assert "Je inschrijving voor „Klimaat en armoede” is geannuleerd." in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status == EnrolmentStatus.CANCELLED
    assert db.session.get(Enrolment, waiting.id).status == EnrolmentStatus.CONFIRMED


def test_cancel_someone_elses_enrolment_is_forbidden(
    client, login, create_activity, enrol, participant
):
    enrolment = enrol(create_activity(), participant())
    login(participant())
    assert client.get(f"/my/enrolments/{enrolment.id}/cancel").status_code == 403
    assert client.post(f"/my/enrolments/{enrolment.id}/cancel").status_code == 403
    assert client.get("/my/enrolments/999999/cancel").status_code == 404
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status == EnrolmentStatus.CONFIRMED


def test_organisation_contact_enrols_a_colleague_from_the_page(
    client, login, create_activity, create_user, participant, create_organisation
):
    gent = create_organisation("Samenlevingsopbouw Gent")
    contact = create_user(roles=(Role.ORGANISATION_CONTACT,), organisation=gent)
    colleague = participant("Pieter Van den Broeck", organisation=gent)
    stranger = participant(organisation="OCMW Leuven")
    activity = create_activity()
    login(contact)
    html = page(client, activity)
    assert "Een collega inschrijven" in html and "Pieter Van den Broeck" in html
    assert stranger.name not in html
    response = client.post(
        f"/activities/{activity.id}/enrol-colleague",
        data={"colleague": str(colleague.id)},
        follow_redirects=True,
    )
    assert "Pieter Van den Broeck is ingeschreven voor" in response.get_data(as_text=True)
    # Someone outside the organisation is not a valid choice: nothing is written.
    response = client.post(
        f"/activities/{activity.id}/enrol-colleague",
        data={"colleague": str(stranger.id)},
        follow_redirects=True,
    )
    assert "Not a valid choice" in response.get_data(as_text=True) or "flash-error" in (
        response.get_data(as_text=True)
    )
    db.session.expire_all()
    assert [e.user_id for e in db.session.scalars(select(Enrolment))] == [colleague.id]


def test_participants_cannot_use_the_colleague_form(client, login, create_activity, participant):
    login(participant())
    response = client.post(
        f"/activities/{create_activity().id}/enrol-colleague", data={"colleague": "1"}
    )
    assert response.status_code == 403


# --- Mijn inschrijvingen ------------------------------------------------------------------------


def test_my_enrolments_page(client, login, create_activity, fill, enrol, participant):
    user = participant()
    confirmed = create_activity(title="Wonen op maat")
    full = create_activity(title="Klimaat en armoede", capacity=1)
    fill(full, 1)
    intervision = create_activity(kind="intervision", title="Intervisie gebiedsgericht")
    old = create_activity(title="Impactevaluatie", first=utcnow() - timedelta(days=1))
    for activity in (confirmed, full, intervision):
        enrol(activity, user)
    db.session.add(Enrolment(user=user, activity=old, status=EnrolmentStatus.CONFIRMED))
    db.session.commit()
    login(user)
    html = client.get("/my/enrolments").get_data(as_text=True)
    upcoming = html.split('id="komend"', 1)[1].split('id="eerder"', 1)[0]
    assert "Wonen op maat" in upcoming and "Ingeschreven" in upcoming
    assert "Wachtlijst – plaats 1" in upcoming
    assert "Aangevraagd" in upcoming and "Aanvraag intrekken" in upcoming
    past = html.split('id="eerder"', 1)[1]
    assert "Impactevaluatie" in past and "Ingeschreven" in past and "Gevolgd" not in past


def test_my_enrolments_runs_a_constant_number_of_queries(
    client, login, create_activity, enrol, fill, participant, count_queries
):
    user = participant()
    login(user)

    def add_one_of_each() -> None:
        enrol(create_activity(sessions=3), user)  # confirmed
        full = create_activity(capacity=1)
        fill(full, 1)
        enrol(full, user)  # waitlisted
        enrol(create_activity(kind="intervision", sessions=2), user)  # pending
        parent = create_activity(kind="programme", sessions=0, requires_approval=False)
        create_activity(parent=parent, sessions=2)
        create_activity(parent=parent, sessions=1)
        enrol(parent, user)  # confirmed, with module enrolments
        old = create_activity(first=utcnow() - timedelta(days=20))
        db.session.add(Enrolment(user=user, activity=old, status=EnrolmentStatus.CONFIRMED))
        db.session.commit()

    def measure() -> int:
        with count_queries() as counter:
            assert client.get("/my/enrolments").status_code == 200
        return counter.count

    add_one_of_each()
    few = measure()
    for _ in range(4):
        add_one_of_each()
    many = measure()
    assert many == few, f"{few} queries for 5 enrolments, {many} for 25"


def test_my_enrolments_needs_login(client):
    response = client.get("/my/enrolments")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


# --- Offers by mailed link ---------------------------------------------------------------------


@pytest.fixture
def offered(create_activity, fill, queued_mails):
    activity = create_activity(capacity=1, seat_release="offer", title="Klimaat en armoede")
    [seated] = fill(activity, 1)
    [waiting] = fill(activity, 1)
    service.cancel(activity, seated.user)
    db.session.commit()
    [mail] = queued_mails("enrolment_offered")
    token = mail.body_text.split("/enrolments/offer/")[1].split()[0]
    return activity, waiting, token


def test_offer_link_shows_and_accepts_without_login(client, offered):
    _activity, waiting, token = offered
    response = client.get(f"/enrolments/offer/{token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Een plaats vrij in „Klimaat en armoede”" in html
    db.session.expire_all()
    assert db.session.get(Enrolment, waiting.id).status == EnrolmentStatus.WAITLISTED
    response = client.post(
        f"/enrolments/offer/{token}", data={"choice": "accept"}, follow_redirects=True
    )
    assert "Je bent ingeschreven voor „Klimaat en armoede”. Welkom!" in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(Enrolment, waiting.id).status == EnrolmentStatus.CONFIRMED
    # The link is used up.
    assert client.get(f"/enrolments/offer/{token}").status_code == 404


def test_offer_link_decline(client, offered):
    _activity, waiting, token = offered
    # "Plaats doorgeven" cannot be undone: first a confirmation step, which changes nothing.
    page = client.post(f"/enrolments/offer/{token}", data={"choice": "decline"})
    assert "doorgeven?" in page.get_data(as_text=True)
    assert 'name="choice" value="decline"' in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Enrolment, waiting.id).status == EnrolmentStatus.WAITLISTED
    client.post(f"/enrolments/offer/{token}", data={"choice": "decline", "confirmed": "1"})
    db.session.expire_all()
    assert db.session.get(Enrolment, waiting.id).status == EnrolmentStatus.CANCELLED


def test_expired_or_unknown_offer_link(client, offered):
    _activity, waiting, token = offered
    assert client.get("/enrolments/offer/niet-bestaand").status_code == 404
    waiting = db.session.get(Enrolment, waiting.id)
    waiting.offer_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.get(f"/enrolments/offer/{token}")
    assert response.status_code == 410
    assert "Dit aanbod is verlopen" in response.get_data(as_text=True)
    response = client.post(
        f"/enrolments/offer/{token}", data={"choice": "accept"}, follow_redirects=True
    )
    assert "Dit aanbod geldt niet meer" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Enrolment, waiting.id).status == EnrolmentStatus.CANCELLED
    assert db.session.scalar(
        select(OutboxMail.id).where(OutboxMail.kind == "enrolment_offer_expired")
    )


def test_accept_an_offer_from_my_enrolments(client, login, offered):
    _activity, waiting, _token = offered
    login(waiting.user)
    html = client.get("/my/enrolments").get_data(as_text=True)
    assert "Er is een plaats vrij voor jou in „Klimaat en armoede”" in html
    client.post(f"/my/enrolments/{waiting.id}/accept")
    db.session.expire_all()
    assert db.session.get(Enrolment, waiting.id).status == EnrolmentStatus.CONFIRMED


def _flashes(html: str) -> list[str]:
    """The texts of the result messages on a page (``<p class="flash …">``)."""
    return [
        " ".join(re.sub(r"<[^>]+>", "", text).split())
        for text in re.findall(r'<p class="flash[^"]*">(.*?)</p>', html, re.S)
    ]


@pytest.mark.parametrize(
    ("situation", "expected"),
    [
        (
            "confirmed",
            "Je inschrijving voor „Buurtwerk” is geannuleerd. Je plaats gaat naar iemand anders.",
        ),
        ("waitlisted", "Je staat niet meer op de wachtlijst voor „Buurtwerk”."),
        ("pending", "Je aanvraag voor „Buurtwerk” is ingetrokken."),
    ],
)
def test_each_kind_of_cancelling_has_its_own_message(
    client, login, create_activity, fill, enrol, participant, situation, expected
):
    user = participant()
    if situation == "pending":
        activity = create_activity(kind="intervision", title="Buurtwerk")
    else:
        activity = create_activity(capacity=1, title="Buurtwerk")
        if situation == "waitlisted":
            fill(activity, 1)
    enrolment = enrol(activity, user)
    assert enrolment.status == situation
    login(user)
    response = client.post(f"/my/enrolments/{enrolment.id}/cancel", follow_redirects=True)
    assert _flashes(response.get_data(as_text=True)) == [expected]


def test_focus_goes_to_the_result_and_a_skip_link_leads_to_the_enrol_box(
    client, login, create_activity, enrol, participant
):
    user = participant()
    activity = create_activity(capacity=3, title="Buurtwerk")
    enrolment = enrol(activity, user)
    login(user)
    html = client.post(f"/my/enrolments/{enrolment.id}/cancel", follow_redirects=True).get_data(
        as_text=True
    )
    [region] = re.findall(r'<div class="flashes"[^>]*>', html)
    assert 'tabindex="-1"' in region and "autofocus" in region and 'role="status"' in region
    activity_html = page(client, activity)
    skip = re.findall(r'<a class="skip-link" href="([^"]+)">([^<]+)</a>', activity_html)
    assert ("#inschrijven", "Naar inschrijven") in skip
    assert 'id="inschrijven"' in activity_html
