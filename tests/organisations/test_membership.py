"""Organisations are chosen, membership is confirmed: a stranger who picks an
organisation's name is not its member until the contact (or a coordinator) confirms; the
contact confirms, declines and ends memberships; the member price follows confirmed
membership only; nothing creates an organisation from a typed name."""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from lms.accounts import service as accounts
from lms.accounts.importer import Outcome, import_users
from lms.enrolment import service as enrolment
from lms.enrolment.pricing import price_for
from lms.enrolment.service import EnrolmentError
from lms.extensions import db
from lms.models import AuditEntry, Organisation, Role, User
from lms.organisations import membership
from tests.factories import TEST_PASSWORD
from tests.reports.helpers import text

GOOD_PASSWORD = "Fietsen-langs-de-Leie-7"


class _Page(HTMLParser):
    """Links (href) and element ids of a page, and the text of the element with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()
        self.texts: dict[str, list[str]] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if attrs.get("id"):
            self.ids.add(attrs["id"])
            self._open.append(attrs["id"])
            self.texts.setdefault(attrs["id"], [])
        else:
            self._open.append("")

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        for key in self._open:
            if key:
                self.texts[key].append(data)

    def text(self, key: str) -> str:
        return " ".join(" ".join(self.texts.get(key, [])).split())


def page(response) -> _Page:
    parser = _Page()
    parser.feed(response.get_data(as_text=True))
    return parser


def staff_ids(response) -> set[int]:
    """The people the staff page lists as members (links to their page)."""
    return {
        int(m.group(1))
        for href in page(response).hrefs
        if (m := re.fullmatch(r"/organisations/staff/(\d+)", href))
    }


def request_ids(response) -> set[int]:
    return {int(i.split("-")[1]) for i in page(response).ids if re.fullmatch(r"aanvraag-\d+", i)}


def verification_path(mail) -> str:
    return re.search(r"https?://[^/\s]+(/account/verify/\S+)", mail.body_text).group(1)


@pytest.fixture
def gent(create_organisation):
    return create_organisation("Samenlevingsopbouw Gent", is_member=True)


@pytest.fixture
def contact(create_user, gent):
    return create_user(
        email="contact@example.org",
        roles=(Role.ORGANISATION_CONTACT, Role.PARTICIPANT),
        organisation=gent,
    )


def register_stranger(app, gent, queued_mails) -> User:
    """Register through the page, choosing Gent; confirm the address by the mailed link."""
    client = app.test_client()
    response = client.post(
        "/account/register",
        data={
            "name": "Vreemde Eend",
            "email": "vreemd@example.org",
            "organisation": str(gent.id),
            "password": GOOD_PASSWORD,
            "password_again": GOOD_PASSWORD,
        },
    )
    assert response.headers["Location"] == "/account/check-mail"
    [mail] = queued_mails("email_verify", to="vreemd@example.org")
    return db.session.scalar(select(User).where(User.email == "vreemd@example.org")), (
        client,
        verification_path(mail),
    )


def test_a_stranger_is_not_visible_to_the_contact_until_confirmed(
    app, gent, contact, login, queued_mails
):
    stranger, (stranger_client, link) = register_stranger(app, gent, queued_mails)
    assert stranger.organisation_id is None and stranger.pending_organisation_id == gent.id

    contact_client = login(contact)
    # Before the address is confirmed: not a member, not even a request.
    response = contact_client.get("/organisations/staff")
    assert stranger.id not in staff_ids(response)
    assert stranger.id not in request_ids(response)
    assert contact_client.get(f"/organisations/staff/{stranger.id}").status_code == 403

    assert stranger_client.post(link, data={"password": GOOD_PASSWORD}).status_code == 302
    response = contact_client.get("/organisations/staff")
    assert stranger.id not in staff_ids(response)  # still only a request
    assert stranger.id in request_ids(response)
    assert contact_client.get(f"/organisations/staff/{stranger.id}").status_code == 403
    enrol_page = contact_client.get("/organisations/enrol").get_data(as_text=True)
    assert "Vreemde Eend" not in enrol_page

    response = contact_client.post(f"/organisations/members/{stranger.id}/confirm")
    assert response.status_code == 302
    db.session.refresh(stranger)
    assert stranger.organisation_id == gent.id and stranger.pending_organisation_id is None
    response = contact_client.get("/organisations/staff")
    assert stranger.id in staff_ids(response)
    assert stranger.id not in request_ids(response)
    assert contact_client.get(f"/organisations/staff/{stranger.id}").status_code == 200
    [told] = queued_mails("membership_confirmed", to="vreemd@example.org")
    assert "Samenlevingsopbouw Gent bevestigde" in told.body_text


def test_the_member_price_follows_confirmed_membership_only(
    app, gent, contact, create_user, create_activity, queued_mails
):
    activity = create_activity()
    activity.price_member, activity.price_non_member = Decimal("60"), Decimal("120")
    db.session.commit()
    stranger, (stranger_client, link) = register_stranger(app, gent, queued_mails)
    stranger_client.post(link, data={"password": GOOD_PASSWORD})
    db.session.refresh(stranger)
    assert price_for(activity, stranger) == Decimal("120")  # asked, not confirmed
    html = stranger_client.get(f"/activities/{activity.id}")
    assert page(html).text("your-price") == "Jouw prijs: € 120,00"

    membership.confirm(stranger, actor=contact)
    db.session.commit()
    assert price_for(activity, stranger) == Decimal("60")
    response = stranger_client.get(f"/activities/{activity.id}")
    assert page(response).text("your-price") == "Jouw prijs: € 60,00"

    membership.end(stranger, actor=contact)
    db.session.commit()
    assert price_for(activity, stranger) == Decimal("120")
    # A confirmed member of an organisation that is not a member pays the full price.
    other = create_user(organisation=Organisation(name="Geen Lid vzw", is_member=False))
    assert price_for(activity, other) == Decimal("120")


def test_the_contact_declines_a_request_and_the_person_is_told(
    gent, contact, create_user, login, queued_mails
):
    person = create_user(email="an@example.org")
    membership.choose_organisation(person, gent, actor=person)
    db.session.commit()
    client = login(contact)
    assert person.id in request_ids(client.get("/organisations/staff"))
    assert client.post(f"/organisations/members/{person.id}/decline").status_code == 302
    db.session.refresh(person)
    assert person.organisation_id is None and person.pending_organisation_id is None
    assert person.id not in request_ids(client.get("/organisations/staff"))
    [told] = queued_mails("membership_declined", to="an@example.org")
    assert "bevestigde niet" in told.body_text
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "membership.declined"))


def test_the_contact_ends_a_membership(
    gent, contact, create_user, create_activity, login, queued_mails
):
    person = create_user(email="weg@example.org", organisation=gent)
    client = login(contact)
    assert person.id in staff_ids(client.get("/organisations/staff"))
    assert client.post(f"/organisations/members/{person.id}/end").status_code == 302
    db.session.refresh(person)
    assert person.organisation_id is None
    assert person.id not in staff_ids(client.get("/organisations/staff"))
    assert client.get(f"/organisations/staff/{person.id}").status_code == 403
    with pytest.raises(EnrolmentError):  # no longer enrolled by the contact
        enrolment.enrol_on_behalf(create_activity(), person, actor=contact)
    [told] = queued_mails("membership_ended", to="weg@example.org")
    assert "Samenlevingsopbouw Gent" in told.body_text


def test_contacts_decide_only_for_their_own_organisation(
    gent, contact, create_user, create_organisation, login
):
    other = create_organisation("Wijkwerk Zuid")
    asked_other = create_user()
    membership.choose_organisation(asked_other, other, actor=asked_other)
    member_other = create_user(organisation=other)
    db.session.commit()
    client = login(contact)
    assert client.post(f"/organisations/members/{asked_other.id}/confirm").status_code == 403
    assert client.post(f"/organisations/members/{asked_other.id}/decline").status_code == 403
    assert client.post(f"/organisations/members/{member_other.id}/end").status_code == 403
    db.session.refresh(asked_other)
    db.session.refresh(member_other)
    assert asked_other.pending_organisation_id == other.id
    assert member_other.organisation_id == other.id


def test_a_contact_cannot_end_a_fellow_contacts_membership(gent, contact, create_user):
    colleague = create_user(roles=(Role.ORGANISATION_CONTACT,), organisation=gent)
    with pytest.raises(membership.MembershipError):
        membership.end(colleague, actor=contact)


def test_not_listed_becomes_a_request_a_coordinator_handles(
    app, create_user, gent, login, queued_mails
):
    person = create_user(email="nieuw@example.org")
    client = login(person)
    response = client.post(
        "/account/",
        data={"name": person.name, "organisation": "new", "new_organisation": "Buurtwerk Noord"},
    )
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.requested_organisation_name == "Buurtwerk Noord"
    assert (
        db.session.scalar(select(Organisation).where(Organisation.name == "Buurtwerk Noord"))
        is None
    )

    coordinator = create_user(roles=(Role.COORDINATOR,))
    coordinator_client = app.test_client()
    with coordinator_client.session_transaction() as session:
        session["_user_id"] = coordinator.get_id()
    listing = coordinator_client.get("/organisations/requests")
    assert f"aanvraag-{person.id}" in page(listing).ids
    assert "Buurtwerk Noord" in page(listing).text(f"aanvraag-{person.id}")
    response = coordinator_client.post(
        f"/organisations/requests/{person.id}", data={"action": "create", "name": "Buurtwerk Noord"}
    )
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.organisation.name == "Buurtwerk Noord"
    assert person.requested_organisation_name is None
    [told] = queued_mails("membership_confirmed", to="nieuw@example.org")
    assert "Buurtwerk Noord" in told.body_text


def test_a_coordinator_links_a_request_to_an_existing_organisation(
    app, create_user, gent, queued_mails
):
    person = create_user()
    membership.request_unlisted_organisation(person, "SLO Gent", actor=person)
    coordinator = create_user(roles=(Role.COORDINATOR,))
    membership.resolve_unlisted(person, actor=coordinator, organisation=gent)
    db.session.commit()
    assert person.organisation_id == gent.id


@pytest.mark.parametrize(
    "name",
    ["Gent\x00vzw", "Gent\tvzw", "Gent\u202evzw", "x", "A" * 201],
)
def test_organisation_names_are_validated(name, create_user):
    assert membership.name_problem(name) is not None
    coordinator = create_user(roles=(Role.COORDINATOR,))
    with pytest.raises(membership.MembershipError):
        membership.create_organisation(name, actor=coordinator)


def test_registration_refuses_a_control_character_in_a_new_organisation_name(client):
    response = client.post(
        "/account/register",
        data={
            "name": "Sara Janssens",
            "email": "sara@example.org",
            "organisation": "new",
            "new_organisation": "Gent\x07vzw",
            "password": GOOD_PASSWORD,
            "password_again": GOOD_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "stuurteken" in page(response).text("new_organisation-error")
    assert db.session.scalar(select(User).where(User.email == "sara@example.org")) is None


def test_import_refuses_an_unknown_organisation_and_creates_none(app, gent):
    report = import_users(
        "email,name,role,organisation,password\n"
        f"a@example.org,An,participant,samenlevingsopbouw  gent,{TEST_PASSWORD}\n"
        f"b@example.org,Bert,participant,Samenlevingsopbouw Gent vzw,{TEST_PASSWORD}\n"
    )
    [first, second] = report.lines
    assert first.outcome == Outcome.CREATED
    assert second.outcome == Outcome.REJECTED
    assert "onbekende organisatie 'Samenlevingsopbouw Gent vzw'" in second.message
    assert db.session.scalar(select(User).where(User.email == "a@example.org")).organisation_id == (
        gent.id
    )
    assert db.session.scalar(select(User).where(User.email == "b@example.org")) is None
    names = set(db.session.scalars(select(Organisation.name)))
    assert "Samenlevingsopbouw Gent vzw" not in names


def test_the_coordinators_user_form_refuses_an_unknown_organisation(app, create_user, gent):
    coordinator = create_user(roles=(Role.COORDINATOR,))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = coordinator.get_id()
    response = client.post(
        "/admin/users/new",
        data={
            "email": "nieuw@example.org",
            "name": "Nieuwe Persoon",
            "organisation": "Samenlevingsopbouw Gentt",
            "roles": ["participant"],
            "send_reset": "y",
        },
    )
    assert response.status_code == 422
    assert "geen organisatie" in page(response).text("organisation-error")
    assert db.session.scalar(select(User).where(User.email == "nieuw@example.org")) is None
    with pytest.raises(accounts.AccountError):
        accounts.update_details(
            coordinator, name=coordinator.name, organisation_name="Typfout", actor=coordinator
        )


def test_the_coordinator_sees_the_request_on_the_persons_page(app, create_user, gent):
    person = create_user(verified=False)
    membership.choose_organisation(person, gent, actor=person)
    db.session.commit()
    coordinator = create_user(roles=(Role.COORDINATOR,))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = coordinator.get_id()
    response = client.get(f"/admin/users/{person.id}")
    assert "Samenlevingsopbouw Gent" in page(response).text("membership-request")
    assert "e-mailadres nog niet bevestigd" in text(response.get_data(as_text=True))


def test_the_api_does_not_let_a_contact_enrol_someone_who_only_asked(
    client, gent, contact, create_user, create_activity, api_token
):
    activity = create_activity()
    asked = create_user(email="gevraagd@example.org")
    membership.choose_organisation(asked, gent, actor=asked)
    db.session.commit()
    headers = api_token(contact)
    refused = client.post(
        f"/api/v1/activities/{activity.id}/enrolments",
        json={"email": "gevraagd@example.org"},
        headers=headers,
    )
    assert refused.status_code in (403, 404, 422)
    assert "error" in refused.get_json()
    membership.confirm(asked, actor=contact)
    db.session.commit()
    accepted = client.post(
        f"/api/v1/activities/{activity.id}/enrolments",
        json={"email": "gevraagd@example.org"},
        headers=headers,
    )
    assert accepted.status_code == 201
    assert accepted.get_json()["email"] == "gevraagd@example.org"
