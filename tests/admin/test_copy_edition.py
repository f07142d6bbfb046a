"""“Volgende editie”: a draft copy with its sessions moved to new dates."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from lms.common.timeutil import brussels, to_local
from lms.extensions import db
from lms.models import Activity, ActivityStatus, AuditEntry, Enrolment, Role, SessionStatus


def test_copy_shifts_every_session_by_the_same_days_and_keeps_the_wall_clock_time(
    client, as_coordinator, create_activity, create_theme, trainer, fill
):
    # Winter sessions (CET), copied to summer dates (CEST): 09:30 stays 09:30 in Brussels.
    sessions = [
        (brussels(2031, 1, 14, 9, 30), brussels(2031, 1, 14, 12, 30)),
        (brussels(2031, 1, 21, 13, 0), brussels(2031, 1, 21, 16, 0)),
        (brussels(2031, 2, 4, 9, 30), brussels(2031, 2, 4, 12, 30)),
    ]
    source = create_activity(
        title="Politiserend werken",
        sessions=sessions,
        trainers=[trainer],
        themes=[create_theme("Politiserend sociaal werk")],
        capacity=14,
        price_member=Decimal("45"),
        enrolment_closes_at=brussels(2031, 1, 10, 17, 0),
        cancellation_deadline=brussels(2031, 1, 7, 12, 0),
        rule_min_attendance_pct=70,
    )
    fill(source, 2)
    source.sessions[1].status = SessionStatus.CANCELLED
    source.enrolment_opens_at = brussels(2030, 12, 1, 9, 0)
    db.session.commit()
    page = client.get(f"/admin/activities/{source.id}/copy").get_data(as_text=True)
    assert 'value="Politiserend werken"' in page
    assert 'value="2032-01-13"' in page  # the same weekday, 52 weeks later
    response = client.post(
        f"/admin/activities/{source.id}/copy",
        data={"first_day": "2031-06-03", "title": "Politiserend werken (najaar)"},
    )
    assert response.status_code == 302
    copy = db.session.scalar(
        select(Activity).where(Activity.title == "Politiserend werken (najaar)")
    )
    assert response.headers["Location"].endswith(f"/admin/activities/{copy.id}")
    assert copy.status == ActivityStatus.DRAFT
    assert copy.slug != source.slug
    # The cancelled session is not copied; the others move by ``days`` at the same local time.
    assert [s.starts_at for s in copy.sessions] == [
        brussels(2031, 6, 3, 9, 30),
        brussels(2031, 6, 24, 9, 30),
    ]
    assert to_local(copy.sessions[0].starts_at).utcoffset() != to_local(sessions[0][0]).utcoffset()
    assert copy.sessions[0].starts_at == brussels(2031, 6, 3, 9, 30)
    assert copy.sessions[0].duration_minutes == 180
    assert {s.uid for s in copy.sessions}.isdisjoint({s.uid for s in source.sessions})
    assert copy.enrolment_opens_at == brussels(2031, 4, 20, 9, 0)
    assert copy.enrolment_closes_at == brussels(2031, 5, 30, 17, 0)
    assert copy.cancellation_deadline == brussels(2031, 5, 27, 12, 0)
    assert [t.name for t in copy.trainers] == ["Karim Lesgever"]
    assert [t.name for t in copy.themes] == ["Politiserend sociaal werk"]
    assert (copy.capacity, copy.price_member, copy.rule_min_attendance_pct) == (
        14,
        Decimal("45.00"),
        70,
    )
    assert db.session.scalar(select(Enrolment).where(Enrolment.activity_id == copy.id)) is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "activity.copied"))
    assert entry.activity_id == copy.id and entry.details["source_id"] == source.id


def test_a_programme_is_copied_with_its_modules(
    client, as_coordinator, create_activity, create_user
):
    former = create_user(roles=(Role.PARTICIPANT,), name="Oud-lesgever")
    programme = create_activity(
        kind="programme", title="Beroepsopleiding 2031", sessions=0, capacity=20
    )
    create_activity(
        parent=programme,
        title="Module 1",
        sessions=[(brussels(2031, 3, 3, 9, 0), brussels(2031, 3, 3, 16, 0))],
        trainers=[former],  # no longer a trainer: not copied
    )
    create_activity(
        parent=programme,
        title="Module 2",
        sessions=[(brussels(2031, 4, 7, 9, 0), brussels(2031, 4, 7, 16, 0))],
    )
    response = client.post(
        f"/admin/activities/{programme.id}/copy",
        data={"first_day": "2032-03-01", "title": "Beroepsopleiding 2032"},
    )
    assert response.status_code == 302
    copy = db.session.scalar(select(Activity).where(Activity.title == "Beroepsopleiding 2032"))
    assert [m.title for m in copy.modules] == ["Module 1", "Module 2"]
    assert all(m.status == ActivityStatus.DRAFT for m in copy.modules)
    assert copy.modules[0].sessions[0].starts_at == brussels(2032, 3, 1, 9, 0)
    assert copy.modules[1].sessions[0].starts_at == brussels(2032, 4, 5, 9, 0)
    assert copy.modules[0].trainers == []


def test_copy_refusals_are_explained(client, as_coordinator, create_activity):
    programme = create_activity(kind="programme", title="Opleiding", sessions=0)
    module = create_activity(parent=programme, title="Module")
    empty = create_activity(title="Zonder sessies", sessions=0)
    course = create_activity(title="Cursus")
    cases = [
        (
            module,
            {"first_day": "2032-01-01", "title": "x"},
            "maak een volgende editie van de hele opleiding",
        ),
        (empty, {"first_day": "2032-01-01", "title": "x"}, "geen sessies om te verschuiven"),
        (course, {"first_day": "2001-01-01", "title": "x"}, "moet in de toekomst liggen"),
        (course, {"first_day": "", "title": "x"}, "Vul de datum in."),
        (course, {"first_day": "2032-01-01", "title": ""}, "Geef de nieuwe editie een titel."),
    ]
    before = db.session.scalar(select(Activity.id).order_by(Activity.id.desc()).limit(1))
    for source, data, message in cases:
        response = client.post(f"/admin/activities/{source.id}/copy", data=data)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True), message
    assert db.session.scalar(select(Activity.id).order_by(Activity.id.desc()).limit(1)) == before
