"""Who may manage sessions and attendance: every URL and API call, for every kind of person.

The activity's trainer (and a trainer of its programme, for a module) and coordinators
succeed; a trainer of another activity, a participant (even one enrolled in the activity)
and an anonymous visitor are refused: 403, or the login page (401 for the API).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.common.timeutil import to_local
from lms.extensions import db
from lms.models import ActivitySession, Attendance, AuditEntry, OutboxMail, Role, utcnow
from lms.schedule.service import cancel_session


def _calls(c):
    """(name, method, url, form data or JSON) for everything a trainer can do."""
    s = c.session  # started an hour ago
    later = c.sessions[1]  # next week
    cancelled = c.sessions[2]
    a = c.activity.id
    day = to_local(later.starts_at + timedelta(days=3))
    new_session = {
        "day": day.strftime("%Y-%m-%d"),
        "start_time": "10:00",
        "end_time": "12:00",
        "location": "Zaal Nieuw",
    }
    moved = dict(new_session, day=(day + timedelta(days=1)).strftime("%Y-%m-%d"))
    first = c.participants[0]
    return [
        ("sessions page", "GET", f"/activities/{a}/sessions", None),
        ("add session", "POST", f"/activities/{a}/sessions", new_session),
        ("edit page", "GET", f"/sessions/{later.id}/edit", None),
        ("reschedule", "POST", f"/sessions/{later.id}/edit", moved),
        ("cancel page", "GET", f"/sessions/{later.id}/cancel", None),
        ("cancel", "POST", f"/sessions/{later.id}/cancel", {"reason": "Ziek"}),
        ("reinstate", "POST", f"/sessions/{cancelled.id}/reinstate", {}),
        ("attendance form", "GET", f"/sessions/{s.id}/attendance", None),
        (
            "take attendance",
            "POST",
            f"/sessions/{s.id}/attendance",
            {f"status_{first.id}": "present", "save": "1"},
        ),
        ("history", "GET", f"/sessions/{s.id}/attendance/history", None),
        ("sheet pdf", "GET", f"/sessions/{s.id}/attendance.pdf", None),
        ("check-in screen", "GET", f"/sessions/{s.id}/checkin", None),
        ("activity attendance", "GET", f"/activities/{a}/attendance", None),
        ("csv export", "GET", f"/activities/{a}/attendance.csv", None),
        ("api get", "GET", f"/api/v1/sessions/{s.id}/attendance", None),
        (
            "api put",
            "PUT",
            f"/api/v1/sessions/{s.id}/attendance",
            {"records": [{"email": first.email, "status": "present"}]},
        ),
    ]


CALL_NAMES = [
    "sessions page",
    "add session",
    "edit page",
    "reschedule",
    "cancel page",
    "cancel",
    "reinstate",
    "attendance form",
    "take attendance",
    "history",
    "sheet pdf",
    "check-in screen",
    "activity attendance",
    "csv export",
    "api get",
    "api put",
]


@pytest.fixture
def setup(course, create_user, create_activity):
    now = utcnow().replace(second=0, microsecond=0)
    started = now - timedelta(hours=1)
    c = course(
        sessions=[
            (started, started + timedelta(hours=3)),
            (now + timedelta(days=7), now + timedelta(days=7, hours=3)),
            (now + timedelta(days=14), now + timedelta(days=14, hours=3)),
        ],
        participants=2,
    )
    cancel_session(c.sessions[2], actor=c.coordinator)
    db.session.commit()
    # A programme whose module is this activity: the programme's trainer runs it too.
    programme_trainer = create_user(name="Paula Programma", roles=(Role.TRAINER,))
    programme = create_activity(kind="programme", sessions=[], trainers=[programme_trainer])
    c.activity.parent = programme
    db.session.commit()
    c.extra["programme_trainer"] = programme_trainer
    return c


def _request(client, method, url, payload, headers=None):
    if url.startswith("/api/"):
        return client.open(url, method=method, json=payload, headers=headers or {})
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data=payload)


def _counts():
    return (
        db.session.scalar(select(func.count(ActivitySession.id))),
        db.session.scalar(select(func.count(Attendance.id))),
        db.session.scalar(select(func.count(OutboxMail.id))),
        db.session.scalar(select(func.count(AuditEntry.id))),
        tuple(
            db.session.execute(
                select(
                    ActivitySession.id, ActivitySession.status, ActivitySession.sequence
                ).order_by(ActivitySession.id)
            ).all()
        ),
    )


@pytest.mark.parametrize("who", ["other_trainer", "participant", "anonymous"])
@pytest.mark.parametrize("name", CALL_NAMES)
def test_refused(who, name, setup, client, login, api_token):
    c = setup
    method, url, payload = next((m, u, p) for n, m, u, p in _calls(c) if n == name)
    headers = {}
    if who != "anonymous":
        user = c.other_trainer if who == "other_trainer" else c.participants[0]
        login(user)
        headers = api_token(user)
    before = _counts()

    response = _request(client, method, url, payload, headers)

    if who == "anonymous":
        if url.startswith("/api/"):
            assert response.status_code == 401
            assert "error" in response.get_json()
        else:
            assert response.status_code == 302
            assert "/account/login" in response.headers["Location"]
    else:
        assert response.status_code == 403, (name, response.status_code)
        if url.startswith("/api/"):
            assert "error" in response.get_json()
        else:
            assert "Geen toegang" in response.get_data(as_text=True)
    db.session.expire_all()
    assert _counts() == before  # a refusal writes nothing


@pytest.mark.parametrize("who", ["trainer", "coordinator", "programme_trainer"])
@pytest.mark.parametrize("name", CALL_NAMES)
def test_allowed(who, name, setup, client, login, api_token):
    c = setup
    user = {
        "trainer": c.trainer,
        "coordinator": c.coordinator,
        "programme_trainer": c.extra["programme_trainer"],
    }[who]
    method, url, payload = next((m, u, p) for n, m, u, p in _calls(c) if n == name)
    login(user)
    headers = api_token(user) if url.startswith("/api/") else None

    response = _request(client, method, url, payload, headers)

    assert response.status_code in (200, 302), (name, response.status_code)
    if response.status_code == 302:
        assert "/account/login" not in response.headers["Location"]
        follow = client.get(response.headers["Location"])
        assert follow.status_code == 200
        page = follow.get_data(as_text=True)
        assert "flash-error" not in page, page[:2000]
    db.session.expire_all()
    if name == "add session":
        assert len(c.activity.sessions) == 4
    if name == "reschedule":
        assert c.sessions[1].sequence == 1
    if name in ("take attendance", "api put"):
        attendance = db.session.scalar(select(Attendance))
        assert attendance.user_id == c.participants[0].id


def test_my_sessions_is_for_trainers_and_coordinators(setup, client, login):
    c = setup
    response = client.get("/my/sessions")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    login(c.participants[0])
    assert client.get("/my/sessions").status_code == 403
    login(c.trainer)
    assert client.get("/my/sessions").status_code == 200
    login(c.coordinator)
    assert client.get("/my/sessions").status_code == 200


def test_unknown_objects_are_404(setup, client, login, api_token):
    c = setup
    login(c.coordinator)
    for url in (
        "/sessions/999999/attendance",
        "/sessions/999999/attendance.pdf",
        "/sessions/999999/checkin",
        "/sessions/999999/edit",
        "/activities/999999/attendance.csv",
        "/activities/999999/sessions",
    ):
        assert client.get(url).status_code == 404, url
    response = client.put(
        "/api/v1/sessions/999999/attendance", json={"records": []}, headers=api_token(c.coordinator)
    )
    assert response.status_code == 404 and response.get_json()["error"]
