"""Mijn organisatie: the staff list with enrolments, hours against the yearly target and
certificates; each person's page; enrolling a colleague; no access to other organisations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from lms.certificates.codes import new_code
from lms.common.timeutil import to_local
from lms.extensions import db
from lms.models import (
    ActivityKind,
    ActivityStatus,
    AuditEntry,
    Certificate,
    Enrolment,
    EnrolmentStatus,
    Organisation,
    User,
    utcnow,
)
from tests.factories import create_enrolment
from tests.reports.helpers import tables, text


def certificate(user, activity, *, hours, end_year, document="attest", revoked=False):
    cert = Certificate(
        code=new_code(),
        user=user,
        activity=activity,
        snapshot={
            "holder_name": user.name,
            "activity_title": activity.title,
            "hours": hours,
            "document": document,
            "end_date": f"{end_year}-06-30",
        },
        revoked_at=utcnow() if revoked else None,
    )
    db.session.add(cert)
    db.session.commit()
    return cert


@dataclass
class Setup:
    gent: Organisation
    leuven: Organisation
    marc: User  # contact of Gent
    anna: User
    bart: User
    chris: User  # trainer only: staff, but cannot be enrolled
    ilse: User  # inactive
    lotte: User  # contact of Leuven
    lena: User
    activities: dict


@pytest.fixture
def setup(create_user, create_organisation, create_activity) -> Setup:
    gent = create_organisation("Opbouw Gent")
    leuven = create_organisation("OCMW Leuven")
    marc = create_user(
        name="Marc Contact", roles=("organisation_contact", "participant"), organisation=gent
    )
    anna = create_user(name="Anna Aerts", organisation=gent)
    bart = create_user(name="Bart Bos", organisation=gent)
    chris = create_user(name="Chris Coach", roles=("trainer",), organisation=gent)
    ilse = create_user(name="Ilse Inactief", organisation=gent, active=False)
    lotte = create_user(name="Lotte Contact", roles=("organisation_contact",), organisation=leuven)
    lena = create_user(name="Lena Leuven", organisation=leuven)

    wonen = create_activity(title="Wonen op maat", capacity=10, sessions=2)
    lezing = create_activity(kind=ActivityKind.LECTURE, title="Lezing armoede", capacity=None)
    full = create_activity(title="Volzette cursus", capacity=1, waitlist_enabled=False)
    create_enrolment(full, lena, EnrolmentStatus.CONFIRMED)
    groot = create_activity(title="Grote cursus", capacity=1)
    create_enrolment(groot, lena, EnrolmentStatus.CONFIRMED)
    intervisie = create_activity(kind=ActivityKind.INTERVISION, title="Intervisie Gent")
    eigen = create_activity(
        kind=ActivityKind.CUSTOM, title="Op maat voor Gent", organisation_id=gent.id
    )
    andere = create_activity(
        kind=ActivityKind.CUSTOM, title="Op maat voor Leuven", organisation_id=leuven.id
    )
    programme = create_activity(kind=ActivityKind.PROGRAMME, title="Opleiding", sessions=0)
    module = create_activity(title="Module A", parent=programme)
    draft = create_activity(title="Ontwerpcursus", status=ActivityStatus.DRAFT)
    past_start = utcnow().replace(second=0, microsecond=0) - timedelta(days=60)
    past = create_activity(title="Voorbije cursus", first=past_start, sessions=2)

    create_enrolment(wonen, anna, EnrolmentStatus.CONFIRMED)
    create_enrolment(groot, anna, EnrolmentStatus.WAITLISTED)
    create_enrolment(past, anna, EnrolmentStatus.CONFIRMED)
    create_enrolment(intervisie, bart, EnrolmentStatus.PENDING)
    create_enrolment(lezing, bart, EnrolmentStatus.CANCELLED)
    create_enrolment(wonen, lena, EnrolmentStatus.CONFIRMED)

    year = to_local(utcnow()).year
    certificate(anna, past, hours=6, end_year=year)
    certificate(anna, wonen, hours=10, end_year=year - 1)  # last year: not this year's hours
    certificate(anna, lezing, hours=4, end_year=year, revoked=True)  # revoked: nothing
    certificate(anna, programme, hours=12, end_year=year, document="diploma")  # not twice
    certificate(lena, past, hours=7.5, end_year=year)
    return Setup(
        gent=gent,
        leuven=leuven,
        marc=marc,
        anna=anna,
        bart=bart,
        chris=chris,
        ilse=ilse,
        lotte=lotte,
        lena=lena,
        activities={
            "wonen": wonen,
            "lezing": lezing,
            "full": full,
            "groot": groot,
            "intervisie": intervisie,
            "eigen": eigen,
            "andere": andere,
            "programme": programme,
            "module": module,
            "draft": draft,
            "past": past,
        },
    )


def test_the_staff_list(setup, client, login):
    login(setup.marc)
    response = client.get("/organisations/staff")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Mijn organisatie</h1>" in html
    assert 'aria-current="page">Mijn organisatie</a>' in html  # the menu entry
    rows = {row[0].split(" ")[0] + " " + row[0].split(" ")[1]: row for row in _staff_rows(html)}
    assert list(rows) == ["Anna Aerts", "Bart Bos", "Chris Coach", "Ilse Inactief", "Marc Contact"]
    anna = rows["Anna Aerts"]
    assert anna[0] == f"Anna Aerts {setup.anna.email}"
    assert anna[1] == "Wonen op maat Ingeschreven Grote cursus Wachtlijst – plaats 1"
    assert anna[2] == "6 u van 20 u"  # this year's valid attest only
    assert anna[3] == "3"  # valid certificates: two attests and the diploma
    assert rows["Bart Bos"][1:] == ["Intervisie Gent Aangevraagd", "0 u van 20 u", "0"]
    assert "account niet actief" in rows["Ilse Inactief"][0]
    assert "Lena" not in html and "Leuven" not in html
    page = text(html)
    assert "4 medewerkers" in page and "6 u in" in page
    assert f'href="/organisations/staff/{setup.anna.id}"' in html
    assert 'href="/organisations/enrol"' in html
    assert 'style="' not in html and "<script>" not in html


def _staff_rows(html: str) -> list[list[str]]:
    from tests.reports.helpers import _Tables

    parser = _Tables()
    # The staff table has no id of its own: give the parser one to find it.
    parser.feed(html.replace('class="rep-table org-table"', 'id="staff" class="rep-table"'))
    return parser.tables["staff"]


def test_the_staff_list_runs_a_fixed_number_of_queries(
    setup, client, login, create_user, count_queries
):
    login(setup.marc)

    def count() -> int:
        with count_queries() as counter:
            assert client.get("/organisations/staff").status_code == 200
        return counter.count

    few = count()
    for i in range(25):
        person = create_user(name=f"Collega {i:02d}", organisation=setup.gent)
        create_enrolment(setup.activities["wonen"], person, EnrolmentStatus.CONFIRMED)
        create_enrolment(
            setup.activities["groot"],
            person,
            EnrolmentStatus.WAITLISTED,
        )
        certificate(person, setup.activities["past"], hours=3, end_year=to_local(utcnow()).year)
    assert count() == few
    html = client.get("/organisations/staff").get_data(as_text=True)
    assert len(_staff_rows(html)) == 30
    assert "Wachtlijst – plaats 26" in html  # positions computed for all, in one query


def test_who_may_see_the_staff_list(setup, client, login, create_user):
    assert client.get("/organisations/staff").status_code == 302  # anonymous: log in
    for roles in (("participant",), ("trainer",), ("coordinator",)):
        login(create_user(roles=roles, organisation=setup.gent))
        assert client.get("/organisations/staff").status_code == 403, roles
        assert client.get("/organisations/enrol").status_code == 403, roles
    login(create_user(roles=("organisation_contact",)))  # no organisation yet
    html = client.get("/organisations/staff").get_data(as_text=True)
    assert "Je account is nog niet aan een organisatie gekoppeld" in html


def _urls_with_ids(app, *, user_id: int, organisation_id: int) -> list[str]:
    """Every GET route under /organisations/ that takes a user id or an organisation id."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/organisations/") or "GET" not in rule.methods:
            continue
        if not rule.arguments & {"user_id", "organisation_id"}:
            continue
        values = {"user_id": user_id, "organisation_id": organisation_id}
        with app.test_request_context():
            urls.append(url_for(rule.endpoint, **{k: values[k] for k in rule.arguments}))
    urls.append(f"/organisations/enrol?collega={user_id}")
    return sorted(urls)


def test_no_access_to_another_organisations_data(app, setup, client, login):
    own = _urls_with_ids(app, user_id=setup.anna.id, organisation_id=setup.gent.id)
    other = _urls_with_ids(app, user_id=setup.lena.id, organisation_id=setup.leuven.id)
    unknown = _urls_with_ids(app, user_id=987654, organisation_id=987654)
    # The staff member's page, their learning record, the organisation's list, enrolling.
    assert len(own) >= 4
    assert f"/organisations/staff/{setup.anna.id}/learning-record" in own

    login(setup.marc)
    for url in own:
        assert client.get(url).status_code == 200, url
    for url in other:
        assert client.get(url).status_code == 403, url
    for url in unknown:
        assert client.get(url).status_code == 404, url
    # Enrolling someone of another organisation by posting their id: refused, nothing written.
    before = db.session.scalar(select(db.func.count(Enrolment.id)))
    response = client.post(
        "/organisations/enrol",
        data={"colleague": setup.lena.id, "activity": setup.activities["lezing"].id},
    )
    assert response.status_code == 403
    assert db.session.scalar(select(db.func.count(Enrolment.id))) == before

    # And the other way round: Leuven's contact cannot see Gent.
    login(setup.lotte)
    for url in own:
        assert client.get(url).status_code == 403, url


def test_coordinators_see_every_organisation(app, setup, client, login, create_user):
    login(create_user(roles=("coordinator",)))
    html = client.get(f"/organisations/{setup.leuven.id}/staff").get_data(as_text=True)
    assert "<h1>OCMW Leuven</h1>" in html and "Lena Leuven" in html
    html = client.get(f"/organisations/staff/{setup.lena.id}").get_data(as_text=True)
    assert "Lena Leuven" in html and "7 u 30 min" in html
    assert "Inschrijven voor een activiteit" not in html  # coordinators enrol elsewhere


def test_a_staff_members_page(setup, client, login):
    login(setup.marc)
    html = client.get(f"/organisations/staff/{setup.anna.id}").get_data(as_text=True)
    page = text(html)
    assert "<h1>Anna Aerts</h1>" in html
    assert "6 u van 20 u" in page
    assert "3 geldige attesten" in page
    assert "2 lopende inschrijvingen" in page
    found = tables(html)
    current = [row[0].split(" Cursus")[0] for row in found["tabel-lopend"]]
    assert current == ["Wonen op maat", "Grote cursus"]
    assert found["tabel-lopend"][1][2] == "Wachtlijst – plaats 1"
    assert [row[0].split(" Cursus")[0] for row in found["tabel-eerder"]] == ["Voorbije cursus"]
    assert f'href="/organisations/staff/{setup.anna.id}/learning-record"' in html
    assert f'href="/organisations/enrol?collega={setup.anna.id}"' in html
    # Someone who cannot be enrolled (a trainer only) gets no enrol button.
    html = client.get(f"/organisations/staff/{setup.chris.id}").get_data(as_text=True)
    assert "Inschrijven voor een activiteit" not in html


def test_the_enrol_form_offers_own_colleagues_and_open_activities(setup, client, login):
    login(setup.marc)
    html = client.get(f"/organisations/enrol?collega={setup.bart.id}").get_data(as_text=True)
    assert "<h1>Een collega inschrijven</h1>" in html
    assert f'<option selected value="{setup.bart.id}">Bart Bos</option>' in html
    for name in ("Anna Aerts", "Marc Contact (jezelf)"):
        assert name in html
    for name in ("Chris Coach", "Ilse Inactief", "Lena Leuven"):
        assert name not in html
    a = setup.activities
    for key in ("wonen", "lezing", "full", "groot", "intervisie", "eigen", "programme"):
        assert f'value="{a[key].id}"' in html, key
    for key in ("andere", "module", "draft", "past"):
        assert f'value="{a[key].id}"' not in html, key
    assert '<optgroup label="Cursus">' in html and '<optgroup label="Lezing">' in html
    assert "Volzette cursus" in html and "(volzet)" in html
    assert "Grote cursus" in html and "(volzet: wachtlijst)" in html
    assert "Intervisie Gent" in html and "(aanvraag, SAM keurt goed)" in html


def test_enrolling_a_colleague(setup, client, login, queued_mails):
    login(setup.marc)
    lezing = setup.activities["lezing"]
    response = client.post(
        "/organisations/enrol", data={"colleague": setup.bart.id, "activity": lezing.id}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/organisations/staff/{setup.bart.id}")
    db.session.expire_all()
    enrolment = db.session.scalar(
        select(Enrolment).where(
            Enrolment.user_id == setup.bart.id, Enrolment.activity_id == lezing.id
        )
    )
    assert enrolment.status == EnrolmentStatus.CONFIRMED  # was cancelled: the row is reused
    assert enrolment.enrolled_by_id == setup.marc.id
    assert [m.to_email for m in queued_mails("enrolment_confirmed")] == [setup.bart.email]
    (copy,) = queued_mails("contact_copy")  # the contact's own record of what they did
    assert copy.to_email == setup.marc.email
    assert "Je hebt Bart Bos ingeschreven voor „Lezing armoede” (status: ingeschreven)." in (
        " ".join(copy.body_text.split())
    )
    audit = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "enrolment.confirmed")
        .order_by(AuditEntry.id.desc())
    )
    assert audit.actor_id == setup.marc.id and audit.subject_user_id == setup.bart.id
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bart Bos is ingeschreven voor „Lezing armoede”." in html
    assert "ingeschreven door Marc Contact" in html


def test_a_refusal_is_shown_and_nothing_is_written(setup, client, login, queued_mails):
    login(setup.marc)
    full = setup.activities["full"]
    response = client.post(
        "/organisations/enrol", data={"colleague": setup.anna.id, "activity": full.id}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Deze activiteit is volzet en heeft geen wachtlijst." in html
    assert f'<option selected value="{setup.anna.id}">Anna Aerts</option>' in html  # kept
    assert f'<option selected value="{full.id}">' in html
    db.session.expire_all()
    assert (
        db.session.scalar(
            select(Enrolment).where(
                Enrolment.user_id == setup.anna.id, Enrolment.activity_id == full.id
            )
        )
        is None
    )
    assert queued_mails() == []


def test_the_form_explains_what_is_missing(setup, client, login):
    login(setup.marc)
    response = client.post("/organisations/enrol", data={"colleague": "0", "activity": "0"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Kies een collega." in html and "Kies een activiteit." in html
    assert 'href="#colleague"' in html and 'href="#activity"' in html
    draft = setup.activities["draft"]
    html = client.post(
        "/organisations/enrol", data={"colleague": setup.anna.id, "activity": draft.id}
    ).get_data(as_text=True)
    assert "Voor deze activiteit kan je nu niet inschrijven." in html
    html = client.post(
        "/organisations/enrol", data={"colleague": setup.chris.id, "activity": draft.id}
    ).get_data(as_text=True)
    assert "alleen actieve deelnemers van je organisatie" in html
    html = client.post("/organisations/enrol", data={"colleague": "abc", "activity": "x"}).get_data(
        as_text=True
    )
    assert "Kies een collega uit de lijst." in html and "Kies een activiteit uit de lijst." in html
