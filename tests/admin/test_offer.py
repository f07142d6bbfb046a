"""Managing the offer through the coordinators' pages: create, edit, publish, archive,
trainers, programmes with modules, and the activity list."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms.common.timeutil import brussels, to_local
from lms.extensions import db
from lms.models import (
    Activity,
    ActivityStatus,
    AuditEntry,
    HoursCredit,
    utcnow,
)


def next_year_day(month=3, day=10):
    return (to_local(utcnow()).date().replace(month=month, day=day) + timedelta(days=366)).replace(
        month=month, day=day
    )


def form(**overrides):
    data = {
        "kind": "course",
        "parent_id": "",
        "organisation_id": "",
        "title": "Wonen en armoede",
        "summary": "Een cursus over wonen.",
        "description": "",
        "audience": "",
        "what_to_bring": "",
        "capacity": "12",
        "waitlist_enabled": "y",
        "requires_approval": "auto",
        "seat_release": "automatic",
        "offer_hours": "48",
        "enrolment_opens_at": "",
        "enrolment_closes_at": "",
        "cancellation_deadline": "",
        "price_member": "45,00",
        "price_non_member": "90",
        "nominal_hours": "",
        "rule_min_attendance_pct": "",
        "rule_excused_counts": "",
        "rule_hours_credit": "",
        "status": "draft",
        "first_day": "",
        "first_start": "",
        "first_end": "",
        "first_location": "",
        "first_online_url": "",
    }
    data.update(overrides)
    return data


def edit_form(**overrides):
    data = form(requires_approval="no", **overrides)
    dropped = {"kind", "parent_id", "organisation_id", "status"}
    return {k: v for k, v in data.items() if k not in dropped and not k.startswith("first_")}


def activity_count():
    return db.session.scalar(select(func.count(Activity.id)))


def test_creating_an_activity_with_its_first_session_in_brussels_time(
    client, as_coordinator, create_theme
):
    theme = create_theme("Wonen")
    day = next_year_day(3, 10)
    response = client.post(
        "/admin/activities/new",
        data=form(
            themes=[str(theme.id)],
            first_day=day.isoformat(),
            first_start="09:30",
            first_end="12:30",
            first_location="SAM, Brussel",
            enrolment_closes_at=f"{(day - timedelta(days=3)).isoformat()}T17:00",
            rule_min_attendance_pct="75",
            rule_excused_counts="yes",
            rule_hours_credit="nominal",
            nominal_hours="3,5",
        ),
    )
    assert response.status_code == 302
    activity = db.session.scalar(select(Activity).where(Activity.title == "Wonen en armoede"))
    assert response.headers["Location"].endswith(f"/admin/activities/{activity.id}")
    assert activity.status == ActivityStatus.DRAFT
    assert activity.capacity == 12 and activity.waitlist_enabled
    assert activity.price_member == Decimal("45.00") and activity.price_non_member == Decimal("90")
    assert [t.name for t in activity.themes] == ["Wonen"]
    assert activity.requires_approval is False  # a course: no approval by default
    assert (activity.rule_min_attendance_pct, activity.rule_excused_counts) == (75, True)
    assert activity.rule_hours_credit == HoursCredit.NOMINAL
    assert activity.nominal_hours == Decimal("3.50")
    [session] = activity.sessions
    assert session.starts_at == brussels(day.year, day.month, day.day, 9, 30)
    assert session.location == "SAM, Brussel"
    closes = day - timedelta(days=3)
    assert activity.enrolment_closes_at == brussels(closes.year, closes.month, closes.day, 17, 0)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is aangemaakt (ontwerp)" in page
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "activity.created"))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": " "}, "title", "Geef de activiteit een titel."),
        (
            {"first_day": "2031-03-10", "first_start": "12:00", "first_end": "09:00"},
            "first_end",
            "Het einde moet na het begin liggen.",
        ),
        (
            {"first_day": "2031-03-10", "first_start": "09:00"},
            "first_day",
            "Vul datum, begin en einde",
        ),
        ({"capacity": "twaalf"}, "capacity", "De capaciteit is een geheel getal"),
        ({"capacity": "-3"}, "capacity", "De capaciteit kan niet negatief zijn."),
        ({"price_member": "-5"}, "price_member", "Een prijs ligt tussen 0 en 99.999,99 euro."),
        ({"price_non_member": "veel"}, "price_non_member", "Vul een bedrag in"),
        (
            {
                "enrolment_opens_at": "2031-02-10T09:00",
                "enrolment_closes_at": "2031-02-01T09:00",
            },
            "enrolment_closes_at",
            "De inschrijvingen moeten openen vóór ze sluiten.",
        ),
        (
            {
                "first_day": "2031-03-10",
                "first_start": "09:00",
                "first_end": "12:00",
                "enrolment_closes_at": "2031-03-11T09:00",
            },
            "enrolment_closes_at",
            "De inschrijvingen moeten sluiten vóór de eerste sessie begint",
        ),
        (
            {
                "first_day": "2031-03-10",
                "first_start": "09:00",
                "first_end": "12:00",
                "cancellation_deadline": "2031-03-10T10:00",
            },
            "cancellation_deadline",
            "De annuleringstermijn moet aflopen vóór de eerste sessie begint",
        ),
        (
            {"enrolment_opens_at": "morgen"},
            "enrolment_opens_at",
            "Vul een geldige datum en tijd in",
        ),
        ({"offer_hours": "0"}, "offer_hours", "De bedenktijd voor een vrijgekomen plaats"),
        ({"rule_min_attendance_pct": "120"}, "rule_min_attendance_pct", "percentage van 0 tot 100"),
        ({"nominal_hours": "-2"}, "nominal_hours", "Het aantal erkende uren ligt tussen"),
        (
            {
                "first_online_url": "meet.jit.si/x",
                "first_day": "2031-03-10",
                "first_start": "09:00",
                "first_end": "10:00",
            },
            "first_end",
            "https://",
        ),
    ],
)
def test_every_error_is_explained_in_dutch_next_to_its_field_and_writes_nothing(
    client, as_coordinator, overrides, field, message
):
    response = client.post("/admin/activities/new", data=form(**overrides))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Controleer het formulier" in page
    assert message in page
    assert f'id="{field}-error"' in page
    assert f'href="#{field}"' in page  # the summary links to the field
    assert activity_count() == 0
    # What was typed is kept.
    if overrides.get("title", "x").strip():
        assert 'value="' + overrides.get("title", "Wonen en armoede") in page


def test_a_module_needs_a_programme_as_its_parent(client, as_coordinator, create_activity):
    course = create_activity(kind="course", title="Gewone cursus")
    response = client.post("/admin/activities/new", data=form(parent_id=str(course.id)))
    assert response.status_code == 422
    assert "Alleen een beroepsopleiding heeft modules." in response.get_data(as_text=True)
    programme = create_activity(kind="programme", title="Opleiding", sessions=0, capacity=20)
    response = client.post(
        "/admin/activities/new", data=form(kind="programme", parent_id=str(programme.id))
    )
    assert response.status_code == 422
    assert "Een module kan zelf geen beroepsopleiding zijn." in response.get_data(as_text=True)
    assert activity_count() == 2
    response = client.post(
        "/admin/activities/new", data=form(parent_id=str(programme.id), title="Module 1")
    )
    assert response.status_code == 302
    module = db.session.scalar(select(Activity).where(Activity.title == "Module 1"))
    assert module.parent_id == programme.id
    page = client.get(f"/admin/activities/{programme.id}").get_data(as_text=True)
    assert "Module 1" in page and "Module toevoegen" in page
    assert f"/admin/activities/new?parent={programme.id}" in page


def test_editing_refuses_a_capacity_below_the_confirmed_count(
    client, as_coordinator, create_activity, fill
):
    activity = create_activity(capacity=5, title="Klimaat en armoede")
    fill(activity, 3)
    page = client.get(f"/admin/activities/{activity.id}/edit").get_data(as_text=True)
    assert 'value="Klimaat en armoede"' in page and 'value="5"' in page
    data = edit_form(title="Klimaat en armoede", capacity="2")
    response = client.post(f"/admin/activities/{activity.id}/edit", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "De capaciteit kan niet lager dan het aantal ingenomen plaatsen (3" in page
    assert 'id="capacity-error"' in page
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).capacity == 5


def test_editing_saves_the_changes_and_themes(
    client, as_coordinator, create_activity, create_theme
):
    activity = create_activity(capacity=5, title="Oud")
    wonen = create_theme("Wonen")
    data = edit_form(title="Nieuw", capacity="", themes=[str(wonen.id)], price_member="12,50")
    response = client.post(f"/admin/activities/{activity.id}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    activity = db.session.get(Activity, activity.id)
    assert activity.title == "Nieuw" and activity.capacity is None
    assert activity.price_member == Decimal("12.50")
    assert [t.name for t in activity.themes] == ["Wonen"]
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"activity.updated", "activity.themes"} <= actions


def test_publish_unpublish_and_archive(client, as_coordinator, create_activity):
    activity = create_activity(status="draft", title="Ontwerp")
    assert client.post(f"/admin/activities/{activity.id}/publish").status_code == 302
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).status == ActivityStatus.PUBLISHED
    client.post(f"/admin/activities/{activity.id}/unpublish")
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).status == ActivityStatus.DRAFT
    # First a confirmation step (nothing changes), then the archiving.
    page = client.post(f"/admin/activities/{activity.id}/archive").get_data(as_text=True)
    assert "„Ontwerp” archiveren?" in page and 'name="confirmed" value="1"' in page
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).status == ActivityStatus.DRAFT
    response = client.post(
        f"/admin/activities/{activity.id}/archive",
        data={"confirmed": "1"},
        follow_redirects=True,
    )
    assert "De activiteit is gearchiveerd." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).status == ActivityStatus.ARCHIVED


def test_an_activity_with_enrolments_still_to_come_is_cancelled_not_archived(
    client, as_coordinator, create_activity, fill
):
    activity = create_activity(capacity=5)
    fill(activity, 1)
    response = client.post(
        f"/admin/activities/{activity.id}/archive",
        data={"confirmed": "1"},
        follow_redirects=True,
    )
    assert "Deze activiteit is nog niet voorbij en heeft inschrijvingen" in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).status == ActivityStatus.PUBLISHED
    response = client.post(f"/admin/activities/{activity.id}/unpublish", follow_redirects=True)
    assert "Er zijn al inschrijvingen" in response.get_data(as_text=True)


def test_assigning_trainers_among_people_with_the_trainer_role(
    client, as_coordinator, create_activity, trainer, participant
):
    activity = create_activity()
    person = participant(name="Geen Lesgever")
    page = client.get(f"/admin/activities/{activity.id}/trainers").get_data(as_text=True)
    assert "Karim Lesgever" in page and "Geen Lesgever" not in page
    response = client.post(
        f"/admin/activities/{activity.id}/trainers", data={"trainers": [str(trainer.id)]}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [t.name for t in db.session.get(Activity, activity.id).trainers] == ["Karim Lesgever"]
    # Someone without the role cannot be slipped in.
    response = client.post(
        f"/admin/activities/{activity.id}/trainers", data={"trainers": [str(person.id)]}
    )
    assert response.status_code == 422
    assert "Kies uit de lijst." in response.get_data(as_text=True)
    db.session.expire_all()
    assert [t.name for t in db.session.get(Activity, activity.id).trainers] == ["Karim Lesgever"]


def test_the_activity_page_links_to_sessions_attendance_progress_and_certificates(
    client, as_coordinator, create_activity
):
    activity = create_activity()
    page = client.get(f"/admin/activities/{activity.id}").get_data(as_text=True)
    for href in (
        f"/activities/{activity.id}/sessions",
        f"/activities/{activity.id}/attendance",
        f"/activities/{activity.id}/attendance.csv",
        f"/activities/{activity.id}/progress",
        "/certificates/",
        f"/admin/activities/{activity.id}/enrolments",
        f"/admin/activities/{activity.id}/copy",
    ):
        assert f'href="{href}"' in page, href


def test_the_public_activity_page_shows_manage_links_to_coordinators_only(
    client, login, coordinator, create_activity, participant
):
    activity = create_activity()
    login(participant())
    assert "/admin/activities/" not in client.get(f"/activities/{activity.id}").get_data(
        as_text=True
    )
    login(coordinator)
    page = client.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert f'href="/admin/activities/{activity.id}"' in page
    assert f'href="/admin/activities/{activity.id}/enrolments"' in page


def test_the_list_filters_by_status_kind_and_text(client, as_coordinator, create_activity):
    create_activity(title="Wonen in Gent", status="draft")
    create_activity(title="Zoë en de straat", kind="lecture")
    create_activity(title="Gearchiveerd ding", status="archived")
    page = client.get("/admin/activities?status=draft").get_data(as_text=True)
    assert "Wonen in Gent" in page and "Zoë en de straat" not in page
    page = client.get("/admin/activities?kind=lecture").get_data(as_text=True)
    assert "Zoë en de straat" in page and "Wonen in Gent" not in page
    page = client.get("/admin/activities?q=zoe").get_data(as_text=True)
    assert "Zoë en de straat" in page and "Wonen in Gent" not in page
    page = client.get("/admin/activities?q=gent&status=bogus&page=x").get_data(as_text=True)
    assert "Wonen in Gent" in page


def test_the_list_runs_a_constant_number_of_queries(
    client, as_coordinator, create_activity, trainer, count_queries, fill, participant
):
    def measure():
        with count_queries() as counter:
            assert client.get("/admin/activities?period=all").status_code == 200
        return counter.count

    programme = create_activity(kind="programme", sessions=0, title="Opleiding", trainers=[trainer])
    create_activity(parent=programme, title="Module", trainers=[trainer])
    few = measure()
    for i in range(25):
        activity = create_activity(title=f"Cursus {i}", trainers=[trainer], sessions=2)
        if i % 5 == 0:
            fill(activity, 2)
    many = measure()
    assert many == few, f"{few} → {many} queries"


def test_all_errors_are_shown_together(client, as_coordinator):
    response = client.post(
        "/admin/activities/new",
        data=form(
            title="",
            capacity="-3",
            price_member="-1",
            price_non_member="veel",
            offer_hours="0",
            enrolment_opens_at="2031-03-01T09:00",
            enrolment_closes_at="2031-02-01T09:00",
            cancellation_deadline="2031-03-12T09:00",
            first_day="2031-03-10",
            first_start="12:00",
            first_end="09:00",
        ),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    start = page.index("Controleer het formulier")
    summary = page[start : page.index("</ul>", start)]
    for field in (
        "title",
        "capacity",
        "price_member",
        "price_non_member",
        "offer_hours",
        "enrolment_closes_at",
        "first_end",
    ):
        assert f'href="#{field}"' in summary, field
    assert "Het einde moet na het begin liggen." in summary
    assert activity_count() == 0
