"""The phone grid's server side (arrived/left without JavaScript, remarks) and where a
trainer lands after logging in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.common.timeutil import local_day_bounds, to_local
from lms.extensions import db
from lms.models import Attendance, AttendanceStatus, Role, utcnow
from tests.factories import TEST_PASSWORD


def _today_start():
    """A start a few minutes ago, but never before today's local midnight."""
    now = utcnow().replace(second=0, microsecond=0)
    day_start, _end = local_day_bounds(to_local(now).date())
    return max(now - timedelta(minutes=5), day_start)


def _records(session_id):
    db.session.expire_all()
    return {
        a.user_id: a
        for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session_id))
    }


def test_arrived_and_left_give_the_minutes_without_javascript(course, client, login):
    c = course(participants=2)
    session = c.session
    late, early = c.participants
    start, end = to_local(session.starts_at), to_local(session.ends_at)
    login(c.trainer)
    response = client.post(
        f"/sessions/{session.id}/attendance",
        data={
            f"status_{late.id}": "partial",
            f"arrived_{late.id}": (start + timedelta(minutes=45)).strftime("%H:%M"),
            f"status_{early.id}": "partial",
            f"left_{early.id}": (end - timedelta(minutes=30)).strftime("%H.%M"),
            "save": "1",
        },
    )
    assert response.status_code == 302
    saved = _records(session.id)
    duration = session.duration_minutes
    assert (saved[late.id].status, saved[late.id].minutes) == (
        AttendanceStatus.PARTIAL,
        duration - 45,
    )
    assert saved[early.id].minutes == duration - 30


def test_partial_without_minutes_or_times_is_refused_in_dutch(course, client, login):
    c = course(participants=1)
    person = c.participants[0]
    login(c.trainer)
    response = client.post(
        f"/sessions/{c.session.id}/attendance",
        data={f"status_{person.id}": "partial", f"arrived_{person.id}": "kwart na", "save": "1"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Vul in hoeveel minuten de persoon er was" in page
    assert _records(c.session.id) == {}


def test_a_trainer_with_a_session_today_lands_on_it(course, client):
    start = _today_start()
    c = course(sessions=[(start, start + timedelta(hours=2))])
    response = client.post(
        "/account/login", data={"email": c.trainer.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sessions/{c.session.id}/attendance")


def test_a_trainer_without_a_session_today_lands_on_my_sessions(course, client):
    start = utcnow() + timedelta(days=3)
    c = course(sessions=[(start, start + timedelta(hours=2))])
    response = client.post(
        "/account/login", data={"email": c.trainer.email, "password": TEST_PASSWORD}
    )
    assert response.headers["Location"].endswith("/my/sessions")


def test_others_land_where_they_did_and_next_wins(course, client, create_user):
    start = _today_start()
    c = course(sessions=[(start, start + timedelta(hours=2))])
    participant = c.participants[0]
    response = client.post(
        "/account/login", data={"email": participant.email, "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] in ("/", "http://localhost/")
    client.post("/account/logout")
    response = client.post(
        "/account/login?next=/activities",
        data={"email": c.trainer.email, "password": TEST_PASSWORD},
    )
    assert response.headers["Location"].endswith("/activities")
    coordinator = create_user(name="Cas Coördinator", roles=(Role.COORDINATOR,))
    client.post("/account/logout")
    response = client.post(
        "/account/login", data={"email": coordinator.email, "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_a_correction_behind_an_issued_certificate_warns_and_needs_a_reason(course, client, login):
    from lms.attendance import service
    from lms.attendance.service import Mark
    from lms.certificates.service import issue_for_activity
    from lms.models import AttendanceChange

    start = utcnow().replace(second=0, microsecond=0) - timedelta(days=2)
    c = course(participants=1, sessions=[(start, start + timedelta(hours=2))])
    person = c.participants[0]
    service.record_attendance(
        c.session, [Mark(person.id, AttendanceStatus.PRESENT)], actor=c.trainer
    )
    db.session.commit()
    issued = issue_for_activity(c.activity, actor=c.coordinator)
    db.session.commit()
    assert [cert.user_id for cert in issued.issued] == [person.id]

    login(c.trainer)
    url = f"/sessions/{c.session.id}/attendance"
    page = client.get(url).get_data(as_text=True)
    assert 'id="att-cert-warning"' in page and person.name in page
    # Without a reason: refused, nothing changes.
    response = client.post(url, data={f"status_{person.id}": "absent", "save": "1"})
    page = response.get_data(as_text=True)
    assert "Geef een reden" in page
    assert _records(c.session.id)[person.id].status == AttendanceStatus.PRESENT
    # With a reason (and a remark): saved, and both kept in the history.
    response = client.post(
        url,
        data={
            f"status_{person.id}": "absent",
            f"remark_{person.id}": "toch niet gekomen",
            "correction_reason": "verkeerd aangeduid",
            "save": "1",
        },
    )
    assert response.status_code == 302
    saved = _records(c.session.id)[person.id]
    assert saved.status == AttendanceStatus.ABSENT
    last = db.session.scalars(
        select(AttendanceChange)
        .where(AttendanceChange.attendance_id == saved.id)
        .order_by(AttendanceChange.id.desc())
    ).first()
    assert last.reason == "verkeerd aangeduid"


def test_a_remark_typed_in_the_grid_is_kept_and_shown_again(course, client, login):
    c = course(participants=1)
    person = c.participants[0]
    login(c.trainer)
    url = f"/sessions/{c.session.id}/attendance"
    response = client.post(
        url,
        data={f"status_{person.id}": "excused", f"remark_{person.id}": "ziek", "save": "1"},
    )
    assert response.status_code == 302
    assert _records(c.session.id)[person.id].remark == "ziek"
    assert 'value="ziek"' in client.get(url).get_data(as_text=True)
