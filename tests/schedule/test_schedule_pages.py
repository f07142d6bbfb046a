"""The session pages: add, reschedule, cancel and reinstate through forms (Brussels time)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.common.timeutil import BRUSSELS, brussels, to_local
from lms.extensions import db
from lms.models import ActivitySession, SessionStatus, utcnow


def future(days=7, hours=3):
    """A session ``days`` from today at 10:00 Brussels: never across midnight."""
    day = (utcnow() + timedelta(days=days)).astimezone(BRUSSELS).date()
    start = brussels(day.year, day.month, day.day, 10)
    return start, start + timedelta(hours=hours)


def session_count():
    return db.session.scalar(select(func.count(ActivitySession.id)))


def test_adding_a_session_in_brussels_time(course, client, login, queued_mails):
    c = course(sessions=[future(7)], participants=2)
    day = to_local(c.session.starts_at).date() + timedelta(days=14)
    login(c.trainer)
    response = client.post(
        f"/activities/{c.activity.id}/sessions",
        data={
            "day": day.isoformat(),
            "start_time": "09:30",
            "end_time": "12:30",
            "location": "SAM, Heverlee",
            "online_url": "",
            "title": "Terugkomdag",
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "De sessie is toegevoegd. 2 deelnemers krijgen een mail." in page
    added = db.session.scalar(select(ActivitySession).where(ActivitySession.title == "Terugkomdag"))
    assert added.starts_at == brussels(day.year, day.month, day.day, 9, 30)
    assert added.duration_minutes == 180
    assert len(queued_mails("session_added")) == 2
    assert "Terugkomdag" in page and "09:30–12:30" in page


@pytest.mark.parametrize(
    ("changes", "message", "field"),
    [
        ({"end_time": "09:00"}, "Het einde moet na het begin liggen.", "end_time"),
        ({"day": ""}, "Vul de datum in.", "day"),
        ({"day": "31-02-2026"}, "Vul een geldige datum in", "day"),
        ({"start_time": "kwart na"}, "Vul een geldig uur in", "start_time"),
        ({"online_url": "meet.jit.si/x"}, "moet beginnen met https://", "online_url"),
    ],
)
def test_bad_input_is_explained_in_dutch_and_writes_nothing(
    course, client, login, changes, message, field
):
    c = course(sessions=[future(7)])
    login(c.coordinator)
    data = {
        "day": (to_local(c.session.starts_at).date() + timedelta(days=3)).isoformat(),
        "start_time": "10:00",
        "end_time": "12:00",
        "location": "Zaal 1",
        **changes,
    }
    before = session_count()
    response = client.post(f"/activities/{c.activity.id}/sessions", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert f'href="#{field}"' in page  # the error summary links to the field
    assert 'value="Zaal 1"' in page  # what was typed is kept
    assert session_count() == before


def test_an_overlapping_session_is_refused_on_the_form(course, client, login):
    c = course(sessions=[future(7)])
    local = to_local(c.session.starts_at)
    login(c.trainer)
    response = client.post(
        f"/activities/{c.activity.id}/sessions",
        data={
            "day": local.date().isoformat(),
            "start_time": (local + timedelta(hours=1)).strftime("%H:%M"),
            "end_time": (local + timedelta(hours=2)).strftime("%H:%M"),
        },
    )
    assert "overlapt met een andere sessie" in response.get_data(as_text=True)
    assert session_count() == 1


def test_rescheduling_through_the_edit_page(course, client, login, queued_mails):
    c = course(sessions=[future(7)], participants=3)
    session = c.session
    login(c.trainer)
    page = client.get(f"/sessions/{session.id}/edit").get_data(as_text=True)
    local = to_local(session.starts_at)
    assert f'value="{local.date().isoformat()}"' in page
    assert f'value="{local:%H:%M}"' in page
    assert "de 3 bevestigde deelnemers een mail" in page

    new_day = local.date() + timedelta(days=2)
    response = client.post(
        f"/sessions/{session.id}/edit",
        data={
            "day": new_day.isoformat(),
            "start_time": "13:30",
            "end_time": "16:30",
            "location": session.location,
            "online_url": "",
            "title": "",
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "De sessie is verplaatst. 3 deelnemers krijgen een mail." in page
    db.session.expire_all()
    assert session.starts_at == brussels(new_day.year, new_day.month, new_day.day, 13, 30)
    assert session.sequence == 1
    assert len(queued_mails("session_rescheduled")) == 3


def test_saving_without_changes_changes_nothing(course, client, login, queued_mails):
    c = course(sessions=[future(7)])
    session = c.session
    local, end = to_local(session.starts_at), to_local(session.ends_at)
    login(c.trainer)
    response = client.post(
        f"/sessions/{session.id}/edit",
        data={
            "day": local.date().isoformat(),
            "start_time": f"{local:%H:%M}",
            "end_time": f"{end:%H:%M}",
            "location": session.location,
        },
    )
    assert "Er was niets gewijzigd." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    db.session.expire_all()
    assert session.sequence == 0 and queued_mails() == []


def test_cancelling_and_reinstating_through_the_pages(course, client, login, queued_mails):
    c = course(sessions=[future(7)], participants=2)
    session = c.session
    login(c.trainer)
    page = client.get(f"/sessions/{session.id}/cancel").get_data(as_text=True)
    assert "De 2 bevestigde deelnemers krijgen een mail." in page
    response = client.post(f"/sessions/{session.id}/cancel", data={"reason": "Zaal onbeschikbaar"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "De sessie is geannuleerd. 2 deelnemers krijgen een mail." in page
    assert "geannuleerd" in page and "Toch laten doorgaan" in page
    db.session.expire_all()
    assert session.status == SessionStatus.CANCELLED
    assert "Zaal onbeschikbaar" in queued_mails("session_cancelled")[0].body_text

    # A cancelled session cannot be edited until it is reinstated.
    response = client.get(f"/sessions/{session.id}/edit")
    assert response.status_code == 302

    response = client.post(f"/sessions/{session.id}/reinstate")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "De sessie gaat weer door." in page
    db.session.expire_all()
    assert session.status == SessionStatus.SCHEDULED and session.sequence == 2


def test_a_programme_page_links_to_its_modules(client, login, create_user, create_activity):
    from lms.models import Role

    lead = create_user(roles=(Role.TRAINER,))
    programme = create_activity(kind="programme", title="Opleiding", sessions=[], trainers=[lead])
    module = create_activity(title="Module A", parent=programme, sessions=[future(7)])
    login(lead)
    page = client.get(f"/activities/{programme.id}/sessions").get_data(as_text=True)
    assert f'href="/activities/{module.id}/sessions"' in page and "Module A" in page
    assert client.get(f"/activities/{module.id}/sessions").status_code == 200
