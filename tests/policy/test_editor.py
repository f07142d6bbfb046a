"""The coordinators' policy editor: a change is a new version; versions in force are frozen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import ActivityKind, AuditEntry, CertificationRule, HoursCredit, LearningPolicy
from lms.policy import service
from lms.policy.service import today_local


def form_data(**overrides) -> dict:
    data = {
        "name": "Leerbeleid 2027-2031",
        "valid_from": (today_local() + timedelta(days=30)).isoformat(),
        "yearly_hours_target": "24",
        "notes": "Intervisie wordt strenger.",
    }
    for kind in ActivityKind:
        data[f"{kind.value}_min_attendance_pct"] = "80"
        data[f"{kind.value}_hours_credit"] = HoursCredit.ATTENDED.value
        data[f"{kind.value}_competences"] = ""
    data["intervision_min_attendance_pct"] = "90"
    data["intervision_excused_counts"] = "y"
    data["lecture_hours_credit"] = HoursCredit.NOMINAL.value
    data.update(overrides)
    return data


def count_policies() -> int:
    return db.session.scalar(select(func.count(LearningPolicy.id)))


@pytest.fixture
def coordinator(create_user):
    return create_user(roles=("coordinator",))


def test_the_editor_starts_as_a_copy_of_the_current_version(client, login, coordinator):
    login(coordinator)
    html = client.get("/policy/new").get_data(as_text=True)
    assert "Leerbeleid SAM (standaard) (nieuwe versie)" in html
    assert 'name="intervision_min_attendance_pct"' in html and 'value="75"' in html
    assert 'value="Reflectie op het eigen handelen"' in html


def test_creating_a_version(client, login, coordinator, create_theme):
    wonen = create_theme("Wonen")
    login(coordinator)
    response = client.post("/policy/new", data=form_data(intervision_themes=[str(wonen.id)]))
    assert response.status_code == 302
    policy = db.session.scalar(select(LearningPolicy).where(LearningPolicy.name.like("%2027%")))
    assert policy.yearly_hours_target == 24
    assert policy.created_by_id == coordinator.id
    rule = policy.rule_for(ActivityKind.INTERVISION)
    assert (rule.min_attendance_pct, rule.excused_counts) == (90, True)
    assert [t.name for t in rule.themes] == ["Wonen"]
    assert policy.rule_for(ActivityKind.LECTURE).hours_credit == HoursCredit.NOMINAL
    assert len(policy.rules) == len(ActivityKind)
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "policy.version_created")
    )
    assert "Leerbeleid 2027-2031" in entry.summary
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nieuwe versie opgeslagen" in html and "gepland" in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"valid_from": ""}, "Kies de datum waarop deze versie ingaat"),
        ({"name": ""}, "Geef de versie een naam."),
        ({"course_min_attendance_pct": "120"}, "Kies een percentage tussen 0 en 100."),
        ({"course_min_attendance_pct": ""}, "Vul een percentage in voor cursus."),
        ({"yearly_hours_target": "-1"}, "Kies een aantal uren tussen 0 en 1000."),
    ],
)
def test_bad_input_is_explained_and_writes_nothing(client, login, coordinator, overrides, message):
    login(coordinator)
    before = count_policies()
    response = client.post("/policy/new", data=form_data(**overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'aria-invalid="true"' in html
    assert "Leerbeleid 2027-2031" in html or overrides.get("name") == ""  # input kept
    assert count_policies() == before


def test_a_version_cannot_start_in_the_past_or_today(client, login, coordinator):
    login(coordinator)
    for day in (today_local(), today_local() - timedelta(days=400)):
        response = client.post("/policy/new", data=form_data(valid_from=day.isoformat()))
        assert response.status_code == 422
        assert "gaat ten vroegste morgen in" in response.get_data(as_text=True)
    assert count_policies() == 1


def test_two_versions_cannot_start_on_the_same_day(client, login, coordinator):
    login(coordinator)
    assert client.post("/policy/new", data=form_data()).status_code == 302
    again = client.post("/policy/new", data=form_data(name="Nog een"))
    assert again.status_code == 422
    assert "Er is al een versie die op die dag ingaat" in again.get_data(as_text=True)


def test_the_version_in_force_cannot_be_edited_or_deleted(client, login, coordinator):
    current = service.current_policy()
    login(coordinator)
    edit = client.get(f"/policy/{current.id}/edit")
    assert edit.status_code == 302 and "/policy/new" in edit.headers["Location"]
    client.post(f"/policy/{current.id}/delete")
    assert db.session.get(LearningPolicy, current.id) is not None
    with pytest.raises(service.PolicyError):
        service.update_version(current, service.input_from_policy(current), actor=coordinator)


def test_a_planned_version_can_be_edited_and_deleted(client, login, coordinator):
    login(coordinator)
    client.post("/policy/new", data=form_data())
    planned = db.session.scalar(select(LearningPolicy).where(LearningPolicy.name.like("%2027%")))
    planned_id = planned.id
    assert client.get(f"/policy/{planned.id}/edit").status_code == 200
    response = client.post(
        f"/policy/{planned.id}/edit", data=form_data(name="Leerbeleid 2027 (herzien)")
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(LearningPolicy, planned.id).name == "Leerbeleid 2027 (herzien)"
    assert client.post(f"/policy/{planned_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(LearningPolicy, planned_id) is None
    assert db.session.scalar(select(func.count(CertificationRule.id))) == len(ActivityKind)


def test_the_overview_and_a_version(client, login, coordinator):
    login(coordinator)
    html = client.get("/policy/").get_data(as_text=True)
    assert "Leerbeleid SAM (standaard)" in html and "van kracht" in html
    current = service.current_policy()
    html = client.get(f"/policy/{current.id}").get_data(as_text=True)
    assert "intervisie" in html and "75 %" in html
    assert client.get("/policy/999999").status_code == 404


@pytest.mark.parametrize("roles", [("participant",), ("trainer",), ("organisation_contact",)])
def test_only_coordinators_edit_the_policy(client, login, create_user, roles):
    login(create_user(roles=roles))
    current = service.current_policy()
    for url in ("/policy/", "/policy/new", f"/policy/{current.id}", f"/policy/{current.id}/edit"):
        assert client.get(url).status_code == 403, url
    assert client.post("/policy/new", data=form_data()).status_code == 403
    assert client.post(f"/policy/{current.id}/delete").status_code == 403
    assert count_policies() == 1


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/policy/")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
