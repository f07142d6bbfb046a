"""A contact invites a new colleague by e-mail: the colleague chooses a password through
the mailed link (signed, expiring, single use) and is then a confirmed member; the
contact gets a copy; an address that has an account is not taken over."""

from __future__ import annotations

import re

from sqlalchemy import select

from lms.extensions import db
from lms.models import AuditEntry, Role, User
from tests.html import by_id, find_all, flashes, text

PASSWORD = "Fietsen-langs-de-Leie-7"
LINK = re.compile(r"https?://\S+/account/welcome/\S+")


def _csrf(html: str) -> str:
    """The page's CSRF token (the test app checks none: then the form has no field)."""
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return found.group(1) if found else ""


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _contact(create_user, create_organisation):
    organisation = create_organisation("Buurtwerk Noord")
    return create_user(
        email="karin@buurtwerk.be",
        name="Karin Contact",
        roles=(Role.PARTICIPANT, Role.ORGANISATION_CONTACT),
        organisation=organisation,
    )


def test_an_invited_colleague_chooses_a_password_and_is_a_confirmed_member(
    app, client, login, create_user, create_organisation, queued_mails
):
    contact = _contact(create_user, create_organisation)
    login(contact)
    staff = client.get("/organisations/staff").get_data(as_text=True)
    assert "/account/colleagues/invite" in staff
    page = client.get("/account/colleagues/invite").get_data(as_text=True)
    response = client.post(
        "/account/colleagues/invite",
        data={"csrf_token": _csrf(page), "name": "Nina Nieuw", "email": "Nina@Example.org"},
    )
    assert response.status_code == 303
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert flashes(shown)[0].startswith("We stuurden een uitnodiging naar Nina@Example.org.")

    nina = db.session.scalar(select(User).where(User.email == "nina@example.org"))
    assert nina.organisation_id is None and nina.password_hash is None
    (mail,) = queued_mails(kind="colleague_invitation", to="nina@example.org")
    assert mail.subject == "Karin Contact nodigt je uit op het SAM Leerplatform"
    assert "als medewerker van Buurtwerk Noord" in mail.body_text
    (copy,) = queued_mails(kind="contact_copy", to="karin@buurtwerk.be")
    assert copy.subject == "Bevestiging: uitnodiging verstuurd voor Nina Nieuw"
    assert "Je hebt Nina Nieuw uitgenodigd" in copy.body_text
    link = _path(LINK.search(mail.body_text).group(0))

    # The colleague, in another browser: the page says who invited them, into what.
    browser = app.test_client()
    page = browser.get(link)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert text(by_id(html, "invited-by")).startswith(
        "Karin Contact nodigde je uit als medewerker van Buurtwerk Noord."
    )
    done = browser.post(
        link,
        data={"csrf_token": _csrf(html), "password": PASSWORD, "password_again": PASSWORD},
    )
    assert done.status_code == 302
    db.session.expire_all()
    nina = db.session.get(User, nina.id)
    assert nina.organisation.name == "Buurtwerk Noord"
    assert nina.pending_organisation_id is None and nina.invited_by_id is None
    assert nina.email_verified_at is not None
    assert db.session.scalar(
        select(AuditEntry.id).where(
            AuditEntry.action == "membership.confirmed", AuditEntry.subject_user_id == nina.id
        )
    )
    # The contact sees the new colleague at once.
    staff = client.get("/organisations/staff").get_data(as_text=True)
    rows = [text(th) for th in find_all(find_all(staff, "table", "org-table")[0], "th")]
    assert any(row.startswith("Nina Nieuw nina@example.org") for row in rows)

    # The link works once.
    again = app.test_client().get(link)
    assert again.status_code == 400


def test_an_invitation_link_is_refused_when_forged_or_expired(
    app, client, login, create_user, create_organisation, queued_mails
):
    contact = _contact(create_user, create_organisation)
    login(contact)
    page = client.get("/account/colleagues/invite").get_data(as_text=True)
    client.post(
        "/account/colleagues/invite",
        data={"csrf_token": _csrf(page), "name": "Nina Nieuw", "email": "nina@example.org"},
    )
    (mail,) = queued_mails(kind="colleague_invitation")
    link = _path(LINK.search(mail.body_text).group(0))
    assert app.test_client().get(link[:-3] + "abc").status_code == 400
    app.config["INVITATION_MAX_AGE"] = -1  # every link is older than that
    try:
        assert app.test_client().get(link).status_code == 400
    finally:
        app.config.pop("INVITATION_MAX_AGE")


def test_an_address_with_an_account_is_told_not_taken_over(
    client, login, create_user, create_organisation, queued_mails
):
    contact = _contact(create_user, create_organisation)
    owner = create_user(email="jo@example.org", name="Jo Bestaand")
    login(contact)
    page = client.get("/account/colleagues/invite").get_data(as_text=True)
    response = client.post(
        "/account/colleagues/invite",
        data={"csrf_token": _csrf(page), "name": "Jo", "email": "jo@example.org"},
    )
    assert response.status_code == 303
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert flashes(shown)[0].startswith("We stuurden een uitnodiging naar jo@example.org.")
    db.session.expire_all()
    owner = db.session.get(User, owner.id)
    assert owner.organisation_id is None and owner.pending_organisation_id is None
    (mail,) = queued_mails(kind="colleague_invitation_existing", to="jo@example.org")
    assert "kies dan Buurtwerk Noord als je organisatie in je profiel" in mail.body_text
    assert queued_mails(kind="colleague_invitation") == []


def test_only_contacts_invite(client, login, create_user, create_organisation):
    person = create_user(organisation="Buurtwerk Noord")
    login(person)
    assert client.get("/account/colleagues/invite").status_code == 403
