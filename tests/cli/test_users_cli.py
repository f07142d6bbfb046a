"""``lms user create``, ``lms user import``, ``lms token create``, ``lms demo``."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from lms.extensions import db
from lms.models import Activity, ActivityKind, Organisation, Role, User
from tests.html import signed_in_email

CSV = """email,name,role,organisation,password
an.peeters@example.org,An Peeters,participant,Samenlevingsopbouw Gent,
bram@example.org,Bram De Smet,trainer,SAM vzw,Een-goed-wachtwoord-1
geen-email,Fout Adres,participant,SAM vzw,
carla@example.org,Carla Vos,directeur,SAM vzw,
dirk@example.org,Dirk Maes,coordinator;participant,SAM vzw,
"""


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_user_create(app):
    result = invoke(
        app,
        "lms",
        "user",
        "create",
        "--email",
        "Eva@Example.org",
        "--name",
        "Eva",
        "--role",
        "trainer",
        "--password",
        "Lange-zin-als-wachtwoord",
        "--organisation",
        "SAM vzw",
    )
    assert result.exit_code == 0, result.output
    assert "Organisatie „SAM vzw” aangemaakt." in result.output  # said, not silent
    user = db.session.scalar(select(User).where(User.email == "eva@example.org"))
    assert user.roles == {Role.TRAINER}
    assert user.organisation.name == "SAM vzw"


def test_user_create_refuses_a_duplicate(app, create_user):
    create_user(email="eva@example.org")
    result = invoke(
        app,
        "lms",
        "user",
        "create",
        "--email",
        "EVA@example.org",
        "--name",
        "Eva",
        "--role",
        "trainer",
    )
    assert result.exit_code == 1
    assert "bestaat al" in result.output


def test_import_takes_good_lines_names_bad_ones_and_is_idempotent(app, tmp_path):
    path = tmp_path / "users.csv"
    path.write_text(CSV, encoding="utf-8")
    result = invoke(app, "lms", "user", "import", "--create-organisations", str(path))
    assert "regel 4: geen-email: geweigerd – ongeldig e-mailadres" in result.output
    assert "regel 5: carla@example.org: geweigerd – onbekende rol 'directeur'" in result.output
    assert "3 aangemaakt, 0 bijgewerkt, 0 ongewijzigd, 2 geweigerd" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 3
    dirk = db.session.scalar(select(User).where(User.email == "dirk@example.org"))
    assert dirk.roles == {Role.COORDINATOR, Role.PARTICIPANT}

    db.session.expire_all()
    snapshot = {
        u.email: (u.name, u.password_hash, u.organisation_id)
        for u in db.session.scalars(select(User))
    }
    again = invoke(app, "lms", "user", "import", str(path))  # the organisations exist now
    assert "0 aangemaakt, 0 bijgewerkt, 3 ongewijzigd, 2 geweigerd" in again.output
    db.session.expire_all()
    assert snapshot == {
        u.email: (u.name, u.password_hash, u.organisation_id)
        for u in db.session.scalars(select(User))
    }


def test_import_refuses_an_organisation_that_does_not_exist(app, tmp_path, create_organisation):
    create_organisation("SAM vzw")
    path = tmp_path / "users.csv"
    path.write_text(CSV, encoding="utf-8")
    result = invoke(app, "lms", "user", "import", str(path))
    assert result.exit_code == 1
    assert (
        "regel 2: an.peeters@example.org: geweigerd – onbekende organisatie "
        "'Samenlevingsopbouw Gent'" in result.output
    )
    assert "2 aangemaakt, 0 bijgewerkt, 0 ongewijzigd, 3 geweigerd" in result.output
    assert db.session.scalar(select(func.count(Organisation.id))) == 1


def test_import_updates_changed_lines(app, tmp_path, create_user, create_organisation):
    create_user(email="an.peeters@example.org", name="An P.")
    create_organisation("CAW")
    path = tmp_path / "users.csv"
    path.write_text(
        "email,name,role,organisation\nan.peeters@example.org,An Peeters,participant,CAW\n"
    )
    result = invoke(app, "lms", "user", "import", str(path))
    assert "bijgewerkt – naam, organisatie" in result.output


def test_import_with_a_wrong_header_explains_it(app, tmp_path):
    path = tmp_path / "users.csv"
    path.write_text("mail,naam\nx@example.org,X\n")
    result = invoke(app, "lms", "user", "import", str(path))
    assert result.exit_code == 1
    assert "email,name,role,organisation" in result.output


def test_token_create_prints_the_token_alone_on_the_last_line(app, client, create_user):
    create_user(email="eva@example.org")
    result = invoke(app, "lms", "token", "create", "--email", "eva@example.org")
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert " " not in token
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.get_json()["email"] == "eva@example.org"


def test_demo_is_idempotent_and_prints_the_logins(app):
    first = invoke(app, "lms", "demo")
    assert first.exit_code == 0, first.output
    for email in (
        "coordinator@sam-demo.be",
        "lesgever@sam-demo.be",
        "deelnemer@sam-demo.be",
        "contact@sam-demo.be",
    ):
        assert email in first.output
    counts = (
        db.session.scalar(select(func.count(User.id))),
        db.session.scalar(select(func.count(Activity.id))),
        db.session.scalar(select(func.count(Organisation.id))),
    )
    second = invoke(app, "lms", "demo")
    assert "niets gewijzigd" in second.output
    assert counts == (
        db.session.scalar(select(func.count(User.id))),
        db.session.scalar(select(func.count(Activity.id))),
        db.session.scalar(select(func.count(Organisation.id))),
    )
    kinds = [
        a.kind for a in db.session.scalars(select(Activity).where(Activity.parent_id.is_(None)))
    ]
    assert kinds.count(ActivityKind.PROGRAMME) >= 1
    assert kinds.count(ActivityKind.COURSE) >= 3
    assert kinds.count(ActivityKind.LECTURE) >= 1
    assert kinds.count(ActivityKind.INTERVISION) >= 2
    assert kinds.count(ActivityKind.PRACTICE_GROUP) >= 2
    programme = db.session.scalar(select(Activity).where(Activity.kind == ActivityKind.PROGRAMME))
    assert len(programme.modules) == 4
    assert db.session.scalar(select(func.count(Organisation.id))) >= 9


def test_demo_logins_work(app, client):
    invoke(app, "lms", "demo")
    from lms.demo import DEMO_PASSWORD

    for email in (
        "coordinator@sam-demo.be",
        "lesgever@sam-demo.be",
        "deelnemer@sam-demo.be",
        "contact@sam-demo.be",
    ):
        c = app.test_client()
        response = c.post("/account/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert signed_in_email(c) == email


def test_the_demo_contact_sees_confirmed_members_and_one_request(app):
    invoke(app, "lms", "demo")
    from lms.demo import DEMO_PASSWORD

    client = app.test_client()
    client.post("/account/login", data={"email": "contact@sam-demo.be", "password": DEMO_PASSWORD})
    html = client.get("/organisations/staff").get_data(as_text=True)
    members = set(re.findall(r'href="/organisations/staff/(\d+)"', html))
    requests = set(re.findall(r'id="aanvraag-(\d+)"', html))
    ids = {
        u.email: str(u.id)
        for u in db.session.scalars(select(User).where(User.email.like("%@sam-demo.be")))
    }
    assert {ids["deelnemer@sam-demo.be"], ids["pieter@sam-demo.be"]} <= members
    assert requests == {ids["lotte@sam-demo.be"]}
    assert ids["lotte@sam-demo.be"] not in members
