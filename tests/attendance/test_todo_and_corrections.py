"""What falls through the cracks no more: decided results, the to-do layer, the trainer's
reminder, excused in advance, and corrections behind issued certificates."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from lms.attendance import service
from lms.attendance.service import Mark
from lms.attendance.todo import coordinator_todo, trainer_reminder_key
from lms.certificates import service as certificates
from lms.extensions import db
from lms.models import (
    Attendance,
    AttendanceChange,
    AttendanceStatus,
    AuditEntry,
    Certificate,
    utcnow,
)
from tests.catalog.helpers import text_of

P = AttendanceStatus.PRESENT


def days_ago(days: int, hours: int = 3) -> tuple:
    start = utcnow().replace(second=0, microsecond=0) - timedelta(days=days)
    return (start, start + timedelta(hours=hours))


def section(html: str, labelled_by: str) -> str:
    """The visible text of the ``<section aria-labelledby=…>`` (empty when absent)."""
    match = re.search(
        rf'<section[^>]*aria-labelledby="{labelled_by}"[^>]*>(.*?)</section>', html, flags=re.S
    )
    return match.group(1) if match else ""


def past_course_one_session_unrecorded(course):
    """Two sessions in the past; the first recorded for everyone, the second for nobody."""
    c = course(sessions=[days_ago(10), days_ago(3)], participants=3)
    first, _second = c.sessions
    service.record_attendance(
        first, [Mark(p.id, P) for p in c.participants], actor=c.trainer, now=utcnow()
    )
    db.session.commit()
    return c


# --- Decided results and the reminder (done when, first item) ----------------------------------


def test_a_past_activity_with_a_session_unrecorded_is_incomplete_and_its_trainer_reminded_once(
    app, course, client, api_token, queued_mails
):
    c = past_course_one_session_unrecorded(course)
    _first, second = c.sessions

    response = client.get(
        f"/api/v1/activities/{c.activity.id}/progress", headers=api_token(c.coordinator)
    )
    assert response.status_code == 200
    rows = response.get_json()
    assert {r["email"] for r in rows} == {p.email for p in c.participants}
    for row in rows:
        assert row["state"] == "incomplete", row
        assert [s["id"] for s in row["unrecorded_sessions"]] == [second.id]
        assert row["attended_pct"] == 50.0
        assert row["reasons"][-1].startswith(
            "Wacht op aanwezigheden: de activiteit is voorbij, maar 1 sessie is nog niet "
            "geregistreerd"
        )
        assert not any("resterende sessies" in reason for reason in row["reasons"])
    spec = client.get("/api/v1/openapi.json").get_json()
    state = spec["components"]["schemas"]["Progress"]["properties"]["state"]
    assert "incomplete" in state["enum"]

    runner = app.test_cli_runner()
    first_run = runner.invoke(args=["lms", "remind"])
    assert first_run.exit_code == 0, first_run.output
    assert "ontbrekende aanwezigheden: 1 nieuw" in first_run.output
    second_run = runner.invoke(args=["lms", "remind"])
    assert second_run.exit_code == 0, second_run.output
    assert "ontbrekende aanwezigheden: 0 nieuw" in second_run.output

    mails = queued_mails("attendance_missing")
    assert len(mails) == 1
    [mail] = mails
    assert mail.to_email == c.trainer.email
    assert mail.dedup_key == trainer_reminder_key(second.id, c.trainer.id)
    assert mail.subject.startswith("Aanwezigheden ontbreken: Cursus participatie")
    body = mail.body_text
    assert "voor 3 van de 3 deelnemers staat nog geen aanwezigheid geregistreerd" in body
    assert f"/sessions/{second.id}/attendance" in body


def test_the_reminder_goes_out_the_day_after_not_the_same_day(app, course, queued_mails):
    from lms.attendance.todo import queue_trainer_reminders, unrecorded_sessions
    from lms.common.timeutil import local_day_bounds, to_local

    noon = local_day_bounds(to_local(utcnow()).date())[0] + timedelta(hours=12)
    c = course(sessions=[(noon - timedelta(hours=3), noon - timedelta(hours=1))], participants=1)

    assert queue_trainer_reminders(now=noon) == []
    db.session.commit()
    assert queued_mails("attendance_missing") == []
    # On the to-do list at once, though.
    assert [i.session.id for i in unrecorded_sessions(noon)] == [c.session.id]

    [(item, queued)] = queue_trainer_reminders(now=noon + timedelta(days=1))
    db.session.commit()
    assert (item.session.id, item.missing, queued) == (c.session.id, 1, 1)
    assert [m.to_email for m in queued_mails("attendance_missing")] == [c.trainer.email]
    # Long after (a week and more), no first reminder any more: only the to-do list.
    assert queue_trainer_reminders(now=noon + timedelta(days=9)) == []


def test_the_trainer_sees_it_on_mijn_sessies_with_a_link_to_fix_it(course, login, client):
    c = past_course_one_session_unrecorded(course)
    _first, second = c.sessions
    login(c.trainer)
    page = client.get("/my/sessions").get_data(as_text=True)
    sessions = section(page, "mine-todo-sessions")
    assert "Cursus participatie" in text_of(sessions)
    assert "3 van 3 deelnemers niet geregistreerd" in text_of(sessions)
    assert f'href="/sessions/{second.id}/attendance"' in sessions
    undecided = section(page, "mine-todo-undecided")
    assert f'href="/activities/{c.activity.id}/progress"' in undecided
    assert "Deelnemer A" in text_of(undecided)


def test_the_other_states_keep_their_meaning_and_reasons_follow_the_language(course, login, client):
    c = past_course_one_session_unrecorded(course)
    c.trainer.locale = "en"
    db.session.commit()
    login(c.trainer)
    from lms.policy.progress import activity_progress

    page = client.get(f"/activities/{c.activity.id}/progress").get_data(as_text=True)
    text = text_of(page)
    assert "Waiting for attendance: the activity is over, but 1 session has not been recorded" in (
        text
    )
    assert "Wacht op aanwezigheden" not in text
    assert "present at 1 of 2 sessions (50 %), 80 % required" in text
    # Recording the missing session decides everyone.
    _first, second = c.sessions
    service.record_attendance(
        second,
        [
            Mark(c.participants[0].id, P),
            Mark(c.participants[1].id, AttendanceStatus.ABSENT),
            Mark(c.participants[2].id, AttendanceStatus.PARTIAL, 120),
        ],
        actor=c.trainer,
    )
    db.session.commit()
    states = {p.user.name: p.state.value for p in activity_progress(c.activity)}
    assert states == {
        "Deelnemer A": "eligible",
        "Deelnemer B": "impossible",  # 180 of 360 minutes
        "Deelnemer C": "eligible",  # 300 of 360 minutes: 83,3 %
    }
    assert coordinator_todo().sessions == []


# --- Excused in advance (done when, second item) -------------------------------------------------


def test_the_api_records_excused_for_a_future_session_and_refuses_the_other_states(
    course, client, api_token
):
    start = utcnow().replace(second=0, microsecond=0) + timedelta(days=2)
    c = course(sessions=[(start, start + timedelta(hours=2))], participants=2)
    a, b = c.participants
    url = f"/api/v1/sessions/{c.session.id}/attendance"
    headers = api_token(c.trainer)

    excused = client.put(
        url,
        json={"records": [{"email": a.email, "status": "excused", "remark": "Ziek gemeld"}]},
        headers=headers,
    )
    assert excused.status_code == 200, excused.get_json()
    body = excused.get_json()
    assert body["created"] == 1
    record = next(r for r in body["records"] if r["email"] == a.email)
    assert (record["status"], record["remark"]) == ("excused", "Ziek gemeld")

    for status in ("present", "absent", "partial"):
        refused = client.put(
            url,
            json={"records": [{"email": b.email, "status": status, "minutes": 30}]},
            headers=headers,
        )
        assert refused.status_code == 409, status
        assert "nog niet begonnen" in refused.get_json()["error"]
    mixed = client.put(
        url,
        json={
            "records": [
                {"email": a.email, "status": "excused"},
                {"email": b.email, "status": "present"},
            ]
        },
        headers=headers,
    )
    assert mixed.status_code == 409
    db.session.expire_all()
    rows = db.session.scalars(select(Attendance)).all()
    assert [(r.user_id, r.status, r.remark) for r in rows] == [
        (a.id, AttendanceStatus.EXCUSED, "Ziek gemeld")
    ]
    [change] = db.session.scalars(select(AttendanceChange)).all()
    assert change.remark == "Ziek gemeld"


def test_a_participant_reports_absence_in_advance_with_a_reason(course, login, client):
    start = utcnow().replace(second=0, microsecond=0) + timedelta(days=1)
    c = course(sessions=[(start, start + timedelta(hours=2))], participants=1)
    [person] = c.participants
    login(person)
    page = client.get(f"/my/activities/{c.activity.id}/progress").get_data(as_text=True)
    assert "Ik kan niet komen" in text_of(page)
    action = f"/activities/{c.activity.id}/sessions/{c.session.id}/absence"
    assert f'action="{action}"' in page
    empty = client.post(action, data={"reason": "  "}, follow_redirects=True)
    assert "Laat weten waarom je niet kunt komen." in text_of(empty.get_data(as_text=True))
    done = client.post(action, data={"reason": "Ik ben op hospitalisatie."}, follow_redirects=True)
    assert "Je bent afgemeld voor deze sessie." in text_of(done.get_data(as_text=True))
    record = db.session.scalar(select(Attendance))
    assert (record.status, record.source, record.remark) == (
        AttendanceStatus.EXCUSED,
        "participant",
        "Ik ben op hospitalisatie.",
    )
    assert db.session.scalar(
        select(AuditEntry.id).where(AuditEntry.action == "attendance.absence_reported")
    )


def test_absence_cannot_be_reported_once_the_session_started(course):
    c = course(participants=1)  # started an hour ago
    import pytest

    with pytest.raises(service.AttendanceError) as refused:
        service.report_absence(c.session, c.participants[0], "Te laat")
    assert refused.value.code == "started"
    with pytest.raises(service.AttendanceError):
        service.report_absence(c.session, c.outsider, "Niet ingeschreven")


# --- Corrections after issuing (done when, third item) ------------------------------------------


def issued_course(course):
    c = course(sessions=[days_ago(10), days_ago(3)], participants=2)
    for session in c.sessions:
        service.record_attendance(session, [Mark(p.id, P) for p in c.participants], actor=c.trainer)
    db.session.commit()
    result = certificates.issue_for_activity(c.activity.id, actor=c.coordinator)
    db.session.commit()
    assert len(result.issued) == 2
    return c


def test_a_correction_after_issuing_needs_a_reason_and_puts_the_certificate_on_the_to_do_list(
    course, client, api_token, login
):
    c = issued_course(course)
    a = c.participants[0]
    _first, second = c.sessions
    url = f"/api/v1/sessions/{second.id}/attendance"
    refused = client.put(
        url,
        json={"records": [{"email": a.email, "status": "absent"}]},
        headers=api_token(c.trainer),
    )
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["code"] == "reason_required"
    assert "al een attest uitgereikt" in body["error"] and a.name in body["error"]
    db.session.expire_all()
    assert (
        db.session.scalar(
            select(Attendance.status).where(
                Attendance.user_id == a.id, Attendance.session_id == second.id
            )
        )
        == AttendanceStatus.PRESENT
    )

    accepted = client.put(
        url,
        json={
            "reason": "Was vroeger weg, verkeerd aangeduid",
            "records": [{"email": a.email, "status": "absent"}],
        },
        headers=api_token(c.trainer),
    )
    assert accepted.status_code == 200, accepted.get_json()
    certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == a.id))
    assert accepted.get_json()["certificates_to_review"] == [certificate.code]
    assert certificate.needs_review
    assert certificate.review_reason == "Was vroeger weg, verkeerd aangeduid"
    change = db.session.scalars(
        select(AttendanceChange).order_by(AttendanceChange.id.desc())
    ).first()
    assert change.reason == "Was vroeger weg, verkeerd aangeduid"

    login(c.coordinator)
    dashboard = client.get("/admin/").get_data(as_text=True)
    listed = section(dashboard, "att-todo-certificates")
    assert a.name in text_of(listed) and "Was vroeger weg" in text_of(listed)
    assert f'href="/certificates/{certificate.id}#nazien"' in listed
    assert c.participants[1].name not in text_of(listed)

    detail = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert "Nazien: de aanwezigheid veranderde na het uitreiken" in text_of(detail)
    assert f'action="/certificates/{certificate.id}/keep"' in detail

    # Keeping needs a reason; with one, the certificate leaves the list (audited).
    refused = client.post(f"/certificates/{certificate.id}/keep", data={"keep-reason": ""})
    assert refused.status_code == 422
    assert "Geef een reden op waarom het attest blijft gelden." in text_of(
        refused.get_data(as_text=True)
    )
    kept = client.post(
        f"/certificates/{certificate.id}/keep",
        data={"keep-reason": "Haalt nog 50 %? Nee, maar de module werd ingehaald."},
        follow_redirects=True,
    )
    assert "blijft geldig" in text_of(kept.get_data(as_text=True))
    db.session.expire_all()
    assert not db.session.get(Certificate, certificate.id).needs_review
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.kept"))
    assert entry.details["reason"].startswith("Haalt nog 50 %")
    assert entry.details["correction"] == "Was vroeger weg, verkeerd aangeduid"
    assert coordinator_todo().certificates == []


def test_revoking_takes_a_flagged_certificate_off_the_list(course, login, client):
    c = issued_course(course)
    b = c.participants[1]
    _first, second = c.sessions
    service.record_attendance(
        second,
        [Mark(b.id, AttendanceStatus.ABSENT)],
        actor=c.trainer,
        correction_reason="Niet aanwezig geweest",
    )
    db.session.commit()
    [flagged] = coordinator_todo().certificates
    assert flagged.user_id == b.id
    login(c.coordinator)
    client.post(
        f"/certificates/{flagged.id}/revoke", data={"revoke-reason": "Haalt de 80 % niet meer"}
    )
    db.session.expire_all()
    assert db.session.get(Certificate, flagged.id).is_revoked
    assert coordinator_todo().certificates == []


def test_a_remark_alone_touches_no_certificate(course):
    c = issued_course(course)
    a = c.participants[0]
    result = service.record_attendance(
        c.sessions[1], [Mark(a.id, P, None, "Kwam met de fiets")], actor=c.trainer
    )
    db.session.commit()
    assert result.corrected == 1 and result.certificates_flagged == []
    assert coordinator_todo().certificates == []


# --- Query counts --------------------------------------------------------------------------------


def test_the_to_do_queries_do_not_grow_with_the_offer(course, count_queries):
    past_course_one_session_unrecorded(course)
    with count_queries() as one:
        todo = coordinator_todo()
    assert len(todo.sessions) == 1 and len(todo.undecided) == 1
    for _ in range(3):
        past_course_one_session_unrecorded(course)
    db.session.expire_all()
    with count_queries() as four:
        todo = coordinator_todo()
    assert len(todo.sessions) == 4 and len(todo.undecided) == 4
    assert four.count == one.count, four


def test_the_history_shows_each_remark_and_each_reason(course, login, client):
    c = issued_course(course)
    a = c.participants[0]
    service.record_attendance(
        c.sessions[1],
        [Mark(a.id, AttendanceStatus.PARTIAL, 60, "Vertrok na de pauze")],
        actor=c.trainer,
        correction_reason="Vroeger vertrokken dan aangeduid",
    )
    db.session.commit()
    login(c.trainer)
    page = client.get(f"/sessions/{c.sessions[1].id}/attendance/history").get_data(as_text=True)
    text = text_of(page)
    assert "Opmerking: Vertrok na de pauze" in text
    assert "Reden van de correctie: Vroeger vertrokken dan aangeduid" in text
