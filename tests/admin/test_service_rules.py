"""Rules added to the services for the coordinators' pages (activities, accounts)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.accounts import service as accounts
from lms.activities import service as activities
from lms.activities.service import ActivityError
from lms.extensions import db
from lms.models import ActivityStatus, AuditEntry, HoursCredit, utcnow


def test_policy_overrides_are_checked_and_saved(app, create_activity, coordinator):
    activity = create_activity()
    changed = activities.update_activity(
        activity,
        actor=coordinator,
        rule_min_attendance_pct=60,
        rule_excused_counts=True,
        rule_hours_credit="nominal",
        nominal_hours="7,5",
    )
    assert set(changed) == {
        "rule_min_attendance_pct",
        "rule_excused_counts",
        "rule_hours_credit",
        "nominal_hours",
    }
    assert activity.rule_hours_credit == HoursCredit.NOMINAL
    assert activity.nominal_hours == Decimal("7.50")
    for field, value, message in (
        ("rule_min_attendance_pct", 101, "percentage van 0 tot 100"),
        ("rule_excused_counts", "ja", "Verwacht ja of nee"),
        ("rule_hours_credit", "veel", "Kies attended"),
        ("nominal_hours", "0", "Het aantal erkende uren ligt tussen"),
    ):
        with pytest.raises(ActivityError, match=message) as error:
            activities.update_activity(activity, actor=coordinator, **{field: value})
        assert error.value.field == field
        db.session.rollback()
    activities.update_activity(activity, actor=coordinator, rule_hours_credit=None)
    assert activity.rule_hours_credit is None


def test_set_themes_records_a_change_once(app, create_activity, create_theme, coordinator):
    activity = create_activity()
    wonen, jeugd = create_theme("Wonen"), create_theme("Jeugd- en kinderrechten")
    activities.set_themes(activity, [wonen, jeugd, wonen], actor=coordinator)
    activities.set_themes(activity, [jeugd, wonen], actor=coordinator)
    db.session.commit()
    assert {t.name for t in activity.themes} == {"Wonen", "Jeugd- en kinderrechten"}
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "activity.themes")
    ).all()
    assert len(entries) == 1
    assert entries[0].summary == (f"Thema's van „{activity.title}”: Jeugd- en kinderrechten, Wonen")


def test_archiving_a_finished_activity_with_participants_is_fine(
    app, create_activity, coordinator, participant
):
    from lms.enrolment import service

    activity = create_activity(first=utcnow() - timedelta(days=30), sessions=1)
    service.enrol_on_behalf(activity, participant(), actor=coordinator)
    db.session.commit()
    activities.update_activity(activity, actor=coordinator, status=ActivityStatus.ARCHIVED)
    assert activity.status == ActivityStatus.ARCHIVED


def test_update_details_changes_name_and_organisation_with_an_audit_entry(
    app, create_user, create_organisation, coordinator
):
    person = create_user(name="An", organisation="Oud")
    create_organisation("Nieuw")  # a coordinator links to organisations that exist
    assert (
        accounts.update_details(person, name="An", organisation_name="oud", actor=coordinator) == []
    )
    changed = accounts.update_details(
        person, name="  An   Peeters ", organisation_name="Nieuw", actor=coordinator
    )
    assert changed == ["naam", "organisatie"]
    assert person.name == "An Peeters" and person.organisation.name == "Nieuw"
    with pytest.raises(accounts.AccountError, match="Vul de naam in"):
        accounts.update_details(person, name=" ", organisation_name="", actor=coordinator)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.updated"))
    assert "organisatie: Oud → Nieuw" in entry.summary
