"""User management: search, roles (with their safety rules), deactivation, creation, import."""

from __future__ import annotations

import io

from sqlalchemy import select

from lms.accounts.tokens import create_api_token
from lms.calendar.tokens import ensure_feed_token
from lms.extensions import db
from lms.models import AuditEntry, OutboxMail, Role, User
from tests.factories import TEST_PASSWORD


def fresh(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_the_list_searches_by_text_role_organisation_and_state(
    client, as_coordinator, create_user, create_organisation
):
    gent = create_organisation("Samenlevingsopbouw Gent")
    create_user(name="Zoë Peeters", email="zoe@gent.example", organisation=gent)
    create_user(name="Karel Trainer", roles=(Role.TRAINER,))
    create_user(name="Weg Persoon", active=False)

    def names(**args):
        page = client.get("/admin/users", query_string=args).get_data(as_text=True)
        return {n for n in ("Zoë Peeters", "Karel Trainer", "Weg Persoon") if n in page}

    assert names() == {"Zoë Peeters", "Karel Trainer"}
    assert names(q="zoe") == {"Zoë Peeters"}
    assert names(q="gent.example") == {"Zoë Peeters"}
    assert names(role="trainer") == {"Karel Trainer"}
    assert names(organisation=str(gent.id)) == {"Zoë Peeters"}
    assert names(active="inactive") == {"Weg Persoon"}
    assert names(active="all") == {"Zoë Peeters", "Karel Trainer", "Weg Persoon"}


def test_the_list_runs_a_constant_number_of_queries(
    client, as_coordinator, create_user, create_organisation, count_queries
):
    def measure():
        with count_queries() as counter:
            assert client.get("/admin/users").status_code == 200
        return counter.count

    create_user(organisation=create_organisation())
    few = measure()
    for i in range(20):
        create_user(
            organisation=create_organisation(f"Org {i}"), roles=(Role.PARTICIPANT, Role.TRAINER)
        )
    assert measure() == few


def test_editing_roles_name_and_organisation_is_audited(
    client, as_coordinator, create_user, create_organisation
):
    person = create_user(name="An Deelnemer")
    create_organisation("OCMW Leuven")  # the form links to organisations that exist
    response = client.post(
        f"/admin/users/{person.id}",
        data={
            "name": "An De Deelnemer",
            "organisation": "OCMW Leuven",
            "roles": ["participant", "organisation_contact"],
        },
    )
    assert response.status_code == 302
    person = fresh(person)
    assert person.name == "An De Deelnemer"
    assert person.organisation.name == "OCMW Leuven"
    assert person.roles == {Role.PARTICIPANT, Role.ORGANISATION_CONTACT}
    entries = {e.action: e for e in db.session.scalars(select(AuditEntry))}
    assert entries["user.roles"].details["after"] == ["organisation_contact", "participant"]
    assert entries["user.updated"].subject_user_id == person.id
    response = client.post(f"/admin/users/{person.id}", data={"name": "X", "roles": []})
    assert response.status_code == 422
    assert "Kies minstens één rol." in response.get_data(as_text=True)


def test_a_coordinator_cannot_remove_their_own_coordinator_role_or_deactivate_themselves(
    client, as_coordinator, coordinator
):
    response = client.post(
        f"/admin/users/{coordinator.id}", data={"name": coordinator.name, "roles": ["participant"]}
    )
    assert response.status_code == 422
    assert "Je kan je eigen rol van coördinator niet afnemen." in response.get_data(as_text=True)
    response = client.post(f"/admin/users/{coordinator.id}/deactivate", follow_redirects=True)
    assert "Je kan je eigen account niet deactiveren." in response.get_data(as_text=True)
    coordinator = fresh(coordinator)
    assert coordinator.active and coordinator.is_coordinator


def test_at_least_one_active_coordinator_remains(app, create_user):
    from lms.accounts import service

    one = create_user(roles=(Role.COORDINATOR,))
    two = create_user(roles=(Role.COORDINATOR,))
    service.set_active(two, False, actor=one)
    db.session.commit()
    # ``two`` is inactive: ``one`` is the last active coordinator, whoever asks.
    import pytest

    with pytest.raises(service.AccountError, match="minstens één actieve coördinator"):
        service.set_roles(one, {Role.PARTICIPANT}, actor=two)
    with pytest.raises(service.AccountError, match="laatste actieve coördinator"):
        service.set_active(one, False, actor=two)
    service.set_active(two, True, actor=one)
    service.set_roles(one, {Role.PARTICIPANT}, actor=two)
    db.session.commit()
    assert not fresh(one).is_coordinator


def test_deactivating_ends_login_sessions_feed_and_api_tokens(
    client, login, coordinator, create_user, create_activity
):
    person = create_user(name="Weg Gaande", email="weg@example.org")
    feed = f"/calendar/{ensure_feed_token(person)}.ics"
    raw = create_api_token(person, "test")
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get(feed).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    # Their browser session, before:
    login(person)
    assert client.get("/my/enrolments").status_code == 200

    login(coordinator)
    response = client.post(f"/admin/users/{person.id}/deactivate", follow_redirects=True)
    assert "is gedeactiveerd" in response.get_data(as_text=True)
    assert not fresh(person).active

    assert client.get(feed).status_code == 404
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    with client.session_transaction() as session:
        session["_user_id"] = f"{person.id}.1"  # the session cookie they had
    assert client.get("/my/enrolments").status_code == 302
    response = client.post(
        "/account/login", data={"email": "weg@example.org", "password": TEST_PASSWORD}
    )
    assert response.status_code == 200 and "klopt niet" in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.deactivated"))

    login(coordinator)
    client.post(f"/admin/users/{person.id}/reactivate")
    assert fresh(person).active
    assert client.get(feed).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 401  # tokens stay revoked


def test_creating_a_user_sends_a_link_to_choose_a_password(
    client, as_coordinator, create_organisation
):
    create_organisation("SAM vzw")
    response = client.post(
        "/admin/users/new",
        data={
            "email": "Nieuw@Example.org",
            "name": "Nieuwe Lesgever",
            "organisation": "SAM vzw",
            "roles": ["trainer", "participant"],
            "send_reset": "y",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "nieuw@example.org"))
    assert user.roles == {Role.TRAINER, Role.PARTICIPANT}
    assert user.organisation.name == "SAM vzw"
    assert (
        db.session.scalar(
            select(OutboxMail).where(OutboxMail.kind == "account_invitation")
        ).to_email
        == "nieuw@example.org"
    )
    response = client.post(
        "/admin/users/new",
        data={"email": "nieuw@example.org", "name": "Dubbel", "roles": ["participant"]},
    )
    assert response.status_code == 422
    assert "Er bestaat al een account met dit e-mailadres." in response.get_data(as_text=True)
    response = client.post(
        "/admin/users/new", data={"email": "geen-adres", "name": "X", "roles": ["participant"]}
    )
    assert "Dit is geen geldig e-mailadres." in response.get_data(as_text=True)


def upload(client, text, name="leden.csv", encoding="utf-8"):
    """Upload, confirm the preview (nothing ticked) and return the result page; a refused
    upload's own response is returned as it is."""
    response = client.post(
        "/admin/users/import",
        data={"file": (io.BytesIO(text.encode(encoding)), name)},
        content_type="multipart/form-data",
    )
    if response.status_code != 302:
        return response
    preview = response.headers["Location"]
    return client.post(f"{preview}/confirm", data={"confirm": "1"}, follow_redirects=True)


def test_importing_users_reports_every_line(
    client, as_coordinator, create_user, create_organisation
):
    create_user(email="bestaat@example.org", name="Oude Naam")
    create_organisation("Samenlevingsopbouw Gent")
    text = (
        "email,name,role,organisation\n"
        "an@example.org,An Peeters,participant,Samenlevingsopbouw Gent\n"
        "bestaat@example.org,Nieuwe Naam,participant,\n"
        "kapot,Iemand,participant,\n"
        "bert@example.org,Bert,baas,\n"
    )
    response = upload(client, text)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 aangemaakt, 1 bijgewerkt, 0 ongewijzigd, 2 geweigerd" in page
    assert "ongeldig e-mailadres" in page and "onbekende rol &#39;baas&#39;" in page
    assert db.session.scalar(
        select(User).where(User.email == "an@example.org")
    ).organisation.name == ("Samenlevingsopbouw Gent")
    # The same file again changes nothing.
    page = upload(client, text).get_data(as_text=True)
    assert "0 aangemaakt, 0 bijgewerkt, 2 ongewijzigd, 2 geweigerd" in page


def test_importing_a_semicolon_file_from_a_spreadsheet(client, as_coordinator, create_organisation):
    caw = create_organisation("CAW Oost-Vlaanderen")
    text = (
        "email;name;role;organisation\r\n"
        "zoe@example.org;Zoë Maes;trainer|participant;CAW Oost-Vlaanderen\r\n"
    )
    page = upload(client, text, encoding="cp1252").get_data(as_text=True)
    assert "1 aangemaakt" in page
    user = db.session.scalar(select(User).where(User.email == "zoe@example.org"))
    assert user.name == "Zoë Maes" and user.roles == {Role.TRAINER, Role.PARTICIPANT}
    assert user.organisation_id == caw.id


def test_import_refusals(client, as_coordinator, coordinator):
    response = upload(client, "naam,rol\nx,y\n")
    assert response.status_code == 422
    assert "De eerste regel moet de kolommen" in response.get_data(as_text=True)
    response = client.post("/admin/users/import", data={}, content_type="multipart/form-data")
    assert "Kies een CSV-bestand." in response.get_data(as_text=True)
    response = upload(client, "x", name="foto.png")
    assert "Kies een CSV-bestand (.csv)." in response.get_data(as_text=True)
    # The import cannot take away the coordinators' own role either.
    page = upload(
        client, f"email,name,role,organisation\n{coordinator.email},Hilde,participant,\n"
    ).get_data(as_text=True)
    assert "Je kan je eigen rol van coördinator niet afnemen." in page
    assert fresh(coordinator).is_coordinator
