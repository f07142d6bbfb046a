"""Verified e-mail addresses: a new account confirms its address by an expiring link that
works once; registering an address that has an account looks exactly the same from
outside; a new address replaces the old one only once confirmed; accounts made by a
coordinator get an invitation to choose a password."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lms.accounts import service
from lms.enrolment import service as enrolment
from lms.enrolment.service import EnrolmentError
from lms.extensions import db
from lms.models import AuditEntry, Role, User
from tests.factories import TEST_PASSWORD

GOOD_PASSWORD = "Fietsen-langs-de-Leie-7"


def register(client, email="sara@example.org", **overrides):
    data = {
        "name": "Sara Janssens",
        "email": email,
        "organisation": "",
        "password": GOOD_PASSWORD,
        "password_again": GOOD_PASSWORD,
    }
    data.update(overrides)
    return client.post("/account/register", data=data)


def link_path(mail, route: str) -> str:
    return re.search(rf"https?://[^/\s]+(/account/{route}/\S+)", mail.body_text).group(1)


def page_text(response) -> str:
    """The page's text, without the per-request CSRF token."""
    html = response.get_data(as_text=True)
    html = re.sub(r'name="csrf_token" (type="hidden" )?value="[^"]*"', "csrf", html)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def login(client, email, password=GOOD_PASSWORD):
    return client.post("/account/login", data={"email": email, "password": password})


def test_the_link_confirms_the_address_once_and_logs_in(client, queued_mails, create_activity):
    register(client)
    user = db.session.scalar(select(User).where(User.email == "sara@example.org"))
    # Not yet: the same answer as a wrong password, no enrolment.
    assert login(client, "sara@example.org").status_code == 200
    with pytest.raises(EnrolmentError, match="Bevestig eerst je e-mailadres"):
        enrolment.enrol(create_activity(), user)
    db.session.rollback()

    [mail] = queued_mails("email_verify", to="sara@example.org")
    path = link_path(mail, "verify")
    shown = client.get(path)  # a mail scanner opening the link does not use it
    assert shown.status_code == 200 and "sara@example.org" in page_text(shown)
    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": GOOD_PASSWORD})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.email_verified_at is not None
    assert "Afmelden" in page_text(client.get("/"))
    # The link works once.
    assert client.get(path).status_code == 400
    assert client.post(path).status_code == 400
    client.post("/account/logout")
    assert login(client, "sara@example.org").status_code == 302


def test_the_link_expires(app, client, queued_mails):
    register(client)
    path = link_path(queued_mails("email_verify")[0], "verify")
    app.config["EMAIL_VERIFY_MAX_AGE"] = -1
    try:
        assert client.get(path).status_code == 400
        assert client.post(path).status_code == 400
    finally:
        del app.config["EMAIL_VERIFY_MAX_AGE"]
    user = db.session.scalar(select(User).where(User.email == "sara@example.org"))
    assert user.email_verified_at is None


def test_a_forged_or_mangled_link_is_refused(client, queued_mails):
    register(client)
    path = link_path(queued_mails("email_verify")[0], "verify")
    assert client.get(path[:-3] + "abc").status_code == 400
    assert client.get("/account/verify/niet-eens-een-token").status_code == 400


def test_registering_an_existing_address_gives_the_same_page(app, create_user, queued_mails):
    create_user(email="an@example.org", name="An Peeters")
    before = db.session.scalar(select(func.count(User.id)))

    def answer(email):
        client = app.test_client()
        response = register(client, email=email, name="Iemand Anders")
        landing = client.get(response.headers["Location"])
        return response.status_code, response.headers["Location"], page_text(landing)

    existing = answer("AN@example.org")
    new = answer("nieuw@example.org")
    assert existing == new
    assert "Bekijk je mailbox" in existing[2]
    assert db.session.scalar(select(func.count(User.id))) == before + 1  # only the new one
    # The owner is told, with a way back in; the stranger learns nothing.
    [told] = queued_mails("registration_existing")
    assert told.to_email == "an@example.org"
    assert "al een account" in told.body_text and "/account/reset/" in told.body_text
    assert [m.to_email for m in queued_mails("email_verify")] == ["nieuw@example.org"]
    owner = db.session.scalar(select(User).where(User.email == "an@example.org"))
    assert owner.name == "An Peeters"  # nothing about the account changed


def test_registering_again_before_confirming_sends_a_new_link(app, queued_mails):
    register(app.test_client())
    register(
        app.test_client(),
        password="Een-ander-wachtwoord-9",
        password_again="Een-ander-wachtwoord-9",
    )
    assert len(queued_mails("email_verify", to="sara@example.org")) == 2
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_a_new_address_replaces_the_old_only_once_confirmed(create_user, login, queued_mails):
    user = create_user(email="oud@example.org")
    client = login(user)
    response = client.post(
        "/account/email", data={"email": "Nieuw@example.org", "current_password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.email == "oud@example.org" and user.pending_email == "nieuw@example.org"
    [mail] = queued_mails("email_change_verify")
    assert mail.to_email == "nieuw@example.org"
    path = link_path(mail, "verify")
    assert client.post(path).status_code == 302  # the owner's own session suffices
    db.session.refresh(user)
    assert user.email == "nieuw@example.org" and user.pending_email is None
    assert client.post(path).status_code == 400  # once
    [notice] = queued_mails("email_changed_notice")
    assert notice.to_email == "oud@example.org" and "nieuw@example.org" in notice.body_text


def test_changing_to_an_address_in_use_tells_its_owner_only(create_user, login, queued_mails):
    user = create_user(email="mij@example.org")
    create_user(email="bezet@example.org")
    client = login(user)
    taken = client.post(
        "/account/email", data={"email": "bezet@example.org", "current_password": TEST_PASSWORD}
    )
    free = client.post(
        "/account/email", data={"email": "vrij@example.org", "current_password": TEST_PASSWORD}
    )
    assert (taken.status_code, taken.headers["Location"]) == (
        free.status_code,
        free.headers["Location"],
    )
    assert [m.to_email for m in queued_mails("email_change_taken")] == ["bezet@example.org"]
    db.session.refresh(user)
    assert user.email == "mij@example.org" and user.pending_email == "vrij@example.org"


def test_changing_the_address_needs_the_password(create_user, login, queued_mails):
    user = create_user()
    response = login(user).post(
        "/account/email", data={"email": "nieuw@example.org", "current_password": "fout-fout-fout"}
    )
    assert response.status_code == 200
    assert "huidige wachtwoord klopt niet" in page_text(response)
    assert queued_mails() == []


def test_a_coordinator_made_account_gets_an_invitation_that_confirms_it(
    app, create_user, queued_mails
):
    coordinator = create_user(roles=(Role.COORDINATOR,))
    person = service.create_user(
        service.NewUser(email="uitgenodigd@example.org", name="Ine Vite", roles={Role.PARTICIPANT}),
        actor=coordinator,
    )
    db.session.commit()
    assert person.email_verified_at is None and person.password_hash is None
    [mail] = queued_mails("account_invitation", to="uitgenodigd@example.org")
    path = link_path(mail, "welcome")
    client = app.test_client()
    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD})
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.email_verified_at is not None
    assert "Afmelden" in page_text(client.get("/"))
    assert client.get(path).status_code == 400  # once


def test_an_account_made_with_a_password_by_an_administrator_is_verified(app):
    person = service.create_user(
        service.NewUser(
            email="cli@example.org",
            name="Cli Ent",
            roles={Role.PARTICIPANT},
            password=GOOD_PASSWORD,
        )
    )
    db.session.commit()
    assert person.email_verified_at is not None
    assert service.authenticate("cli@example.org", GOOD_PASSWORD) is not None


def test_resending_the_link_answers_the_same_for_any_address(app, create_user, queued_mails):
    register(app.test_client())
    create_user(email="al-bevestigd@example.org")
    answers = set()
    for email in ("sara@example.org", "al-bevestigd@example.org", "niemand@example.org"):
        response = app.test_client().post("/account/verify", data={"email": email})
        answers.add((response.status_code, response.headers["Location"]))
    assert answers == {(302, "/account/check-mail")}
    assert [m.to_email for m in queued_mails("email_verify")] == ["sara@example.org"] * 2


def test_the_link_alone_does_not_confirm_a_registration(app, client, queued_mails):
    """Someone registering another person's address with their own password: the
    owner's click must not verify an account the stranger can log in to."""
    register(client)
    user = db.session.scalar(select(User).where(User.email == "sara@example.org"))
    path = link_path(queued_mails("email_verify")[0], "verify")
    shown = page_text(client.get(path))
    assert "Bevestig dan niet: zonder het wachtwoord kan niemand dit adres gebruiken" in shown
    assert "Dit was ik niet" in shown
    owner = app.test_client()
    without = owner.post(path)
    assert without.status_code == 200
    assert "E-mailadres of wachtwoord klopt niet" in page_text(without)
    wrong = owner.post(path, data={"password": "Niet-het-juiste-wachtwoord-3"})
    assert wrong.status_code == 200
    assert "E-mailadres of wachtwoord klopt niet" in page_text(wrong)
    db.session.refresh(user)
    assert user.email_verified_at is None
    assert "Afmelden" not in page_text(owner.get("/"))
    # The one who registered, with the password, can.
    assert client.post(path, data={"password": GOOD_PASSWORD}).status_code == 302
    db.session.refresh(user)
    assert user.email_verified_at is not None


def test_dit_was_ik_niet_removes_the_unconfirmed_account(app, client, queued_mails):
    register(client, password="Van-de-vreemde-1234", password_again="Van-de-vreemde-1234")
    [theirs] = queued_mails("email_verify", to="sara@example.org")
    path = link_path(theirs, "verify")
    owner = app.test_client()
    owner.get(path)
    response = owner.post(path + "/not-me")
    assert response.status_code == 302 and response.headers["Location"] == "/account/register"
    assert db.session.scalar(select(User).where(User.email == "sara@example.org")) is None
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.action == "user.registration_withdrawn"
            )
        )
        == 1
    )
    assert owner.post(path).status_code == 400  # the link is dead
    assert owner.post(path + "/not-me").status_code == 400
    # The owner registers the address themselves and confirms it with their own password.
    register(owner)
    mails = queued_mails("email_verify", to="sara@example.org")
    mine = link_path(mails[-1], "verify")
    assert owner.post(mine, data={"password": GOOD_PASSWORD}).status_code == 302
    user = db.session.scalar(select(User).where(User.email == "sara@example.org"))
    assert user.email_verified_at is not None


def test_dit_was_ik_niet_cannot_remove_a_confirmed_account(app, client, queued_mails):
    register(client)
    path = link_path(queued_mails("email_verify")[0], "verify")
    assert client.post(path, data={"password": GOOD_PASSWORD}).status_code == 302
    assert app.test_client().post(path + "/not-me").status_code == 400
    assert db.session.scalar(select(User).where(User.email == "sara@example.org")) is not None


def test_someone_else_cannot_confirm_an_address_change(app, create_user, login, queued_mails):
    """A stranger asks to move their account onto the owner's address; the owner's click
    (without the stranger's password or session) changes nothing."""
    stranger = create_user(email="vreemde@example.org")
    login(stranger).post(
        "/account/email",
        data={"email": "slachtoffer@example.org", "current_password": TEST_PASSWORD},
    )
    path = link_path(queued_mails("email_change_verify")[0], "verify")
    owner = app.test_client()
    refused = owner.post(path)
    assert refused.status_code == 200
    assert "E-mailadres of wachtwoord klopt niet" in page_text(refused)
    assert owner.post(path + "/not-me").status_code == 400  # not a registration
    db.session.refresh(stranger)
    assert stranger.email == "vreemde@example.org"
    assert stranger.pending_email == "slachtoffer@example.org"
    # With the account's password it works (the account's owner on another device).
    assert owner.post(path, data={"password": TEST_PASSWORD}).status_code == 302
    db.session.refresh(stranger)
    assert stranger.email == "slachtoffer@example.org"
