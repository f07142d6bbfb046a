"""Themes on ``/admin/themes``: list, add (a name only once, whatever the case), rename (the
slug stays, the activities' calendar feeds rebuild), all audited; coordinators only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.activities import themes as theme_service
from lms.activities.themes import ThemeError
from lms.extensions import db
from lms.models import Activity, AuditEntry, Role, Theme, utcnow


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def theme_count() -> int:
    return db.session.scalar(select(func.count(Theme.id))) or 0


def test_the_list_shows_each_theme_with_its_activities_and_catalogue_link(
    client, as_coordinator, create_theme, create_activity
):
    housing = create_theme("Wonen")
    create_theme("Armoede")
    create_activity(title="Huurders organiseren", themes=[housing])
    create_activity(title="Buurtwerk en wonen", themes=[housing], status="draft")

    response = client.get("/admin/themes")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.index("Armoede") < page.index("Wonen")  # by name
    assert f'href="/admin/themes/{housing.id}"' in page
    assert 'href="/activities?thema=wonen"' in page
    assert '<td class="num" data-label="Activiteiten">2</td>' in page
    assert "Thema toevoegen" in page
    assert '<a href="/admin/themes" aria-current="page">Thema\'s</a>' in page  # sub-navigation


def test_adding_a_theme_redirects_with_a_message_and_is_audited(client, as_coordinator):
    response = client.post("/admin/themes", data={"name": "  Armoede   en uitsluiting "})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/themes")
    theme = db.session.scalar(select(Theme))
    assert (theme.name, theme.slug) == ("Armoede en uitsluiting", "armoede-en-uitsluiting")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "theme.created"))
    assert entry.actor.email == "hilde@sam.example"
    assert "Armoede en uitsluiting" in entry.summary

    page = client.get("/admin/themes").get_data(as_text=True)
    assert "Thema „Armoede en uitsluiting” toegevoegd (slug: armoede-en-uitsluiting)." in page


def test_a_duplicate_name_is_refused_next_to_the_field_and_nothing_is_written(
    client, as_coordinator, create_theme
):
    create_theme("Wonen")
    before = audit_actions()
    response = client.post("/admin/themes", data={"name": "WONEN"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Er is al een thema „Wonen” (wonen)." in page
    assert 'id="name-error"' in page
    assert 'value="WONEN"' in page  # what was typed stays
    assert theme_count() == 1
    assert audit_actions() == before


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Vul de naam van het thema in."),
        ("   ", "Een thema heeft een naam van 1 tot 120 tekens."),
        ("x" * 121, "Een thema heeft een naam van 1 tot 120 tekens."),
        ("Wonen!", "De slug „wonen” is al in gebruik; kies een andere naam."),
        ("€ – €", "Gebruik minstens één letter of cijfer in de naam (voor de slug)."),
    ],
)
def test_other_refusals_are_dutch_and_write_nothing(
    client, as_coordinator, create_theme, name, message
):
    create_theme("Wonen")
    response = client.post("/admin/themes", data={"name": name})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert theme_count() == 1
    assert "theme.created" not in audit_actions()


def test_renaming_keeps_the_slug_bumps_the_activities_and_is_audited(
    client, as_coordinator, create_theme, create_activity
):
    theme = create_theme("Wonen")
    tagged = create_activity(title="Huurders organiseren", themes=[theme])
    other = create_activity(title="Jeugdwerk")
    long_ago = utcnow() - timedelta(days=3)
    for activity in (tagged, other):
        activity.updated_at = long_ago
    db.session.commit()

    page = client.get(f"/admin/themes/{theme.id}")
    assert page.status_code == 200
    assert 'value="Wonen"' in page.get_data(as_text=True)

    response = client.post(f"/admin/themes/{theme.id}", data={"name": "Wonen en huisvesting"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/themes/{theme.id}")
    db.session.expire_all()
    renamed = db.session.get(Theme, theme.id)
    assert (renamed.name, renamed.slug) == ("Wonen en huisvesting", "wonen")
    assert db.session.get(Activity, tagged.id).updated_at > long_ago + timedelta(days=1)
    assert db.session.get(Activity, other.id).updated_at < long_ago + timedelta(days=1)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "theme.renamed"))
    assert entry.summary == "Thema „Wonen” heet nu „Wonen en huisvesting”"
    assert entry.actor.email == "hilde@sam.example"

    after = client.get(f"/admin/themes/{theme.id}").get_data(as_text=True)
    assert "Thema „Wonen” heet nu „Wonen en huisvesting”; de slug blijft wonen." in after


def test_a_rename_may_change_only_the_case_and_the_same_name_changes_nothing(
    client, as_coordinator, create_theme
):
    theme = create_theme("wonen")
    assert client.post(f"/admin/themes/{theme.id}", data={"name": "Wonen"}).status_code == 302
    assert audit_actions() == ["theme.renamed"]
    response = client.post(f"/admin/themes/{theme.id}", data={"name": " Wonen "})
    assert response.status_code == 302
    assert audit_actions() == ["theme.renamed"]
    assert "Er was niets gewijzigd." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_renaming_to_another_themes_name_is_refused(client, as_coordinator, create_theme):
    theme = create_theme("Wonen")
    create_theme("Armoede")
    response = client.post(f"/admin/themes/{theme.id}", data={"name": "armoede"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Er is al een thema „Armoede” (armoede)." in page
    assert "<h1>Wonen</h1>" in page  # the heading shows the stored name, not the typed one
    db.session.expire_all()
    assert db.session.get(Theme, theme.id).name == "Wonen"
    assert audit_actions() == []


def test_an_unknown_theme_is_404(client, as_coordinator):
    assert client.get("/admin/themes/999999").status_code == 404
    assert client.get("/admin/themes/99999999999").status_code == 404
    assert client.post("/admin/themes/999999", data={"name": "X"}).status_code == 404


@pytest.mark.parametrize("roles", [(Role.PARTICIPANT,), (Role.TRAINER,)])
def test_only_coordinators_get_in(client, login, create_user, create_theme, roles):
    theme = create_theme("Wonen")
    login(create_user(roles=roles))
    assert client.get("/admin/themes").status_code == 403
    assert client.post("/admin/themes", data={"name": "Nieuw"}).status_code == 403
    assert client.get(f"/admin/themes/{theme.id}").status_code == 403
    assert client.post(f"/admin/themes/{theme.id}", data={"name": "X"}).status_code == 403
    db.session.expire_all()
    assert [t.name for t in db.session.scalars(select(Theme))] == ["Wonen"]
    assert audit_actions() == []


def test_the_dashboard_links_to_the_themes(client, as_coordinator):
    page = client.get("/admin/").get_data(as_text=True)
    assert page.count('href="/admin/themes"') == 2  # sub-navigation and card


def test_the_service_refuses_without_a_request(app, create_theme):
    """The rules hold outside the pages too (the CLI uses the same functions)."""
    create_theme("Wonen")
    with pytest.raises(ThemeError) as refused:
        theme_service.create_theme("wonen", actor=None)
    assert refused.value.field == "name"
    assert "Er is al een thema „Wonen”" in refused.value.message
