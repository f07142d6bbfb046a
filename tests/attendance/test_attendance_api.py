"""``PUT /api/v1/sessions/{id}/attendance`` (CONTRACT.md) and its OpenAPI description."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import Attendance, AttendanceChange, AttendanceStatus, AuditEntry, utcnow


def url(session):
    return f"/api/v1/sessions/{session.id}/attendance"


def test_a_trainer_records_attendance_by_email(course, client, api_token):
    c = course(participants=3)
    a, b, d = c.participants
    response = client.put(
        url(c.session),
        json={
            "records": [
                {"email": a.email.upper(), "status": "present"},
                {"email": b.email, "status": "partial", "minutes": 45},
                {"email": d.email, "status": "excused", "minutes": None},
            ]
        },
        headers=api_token(c.trainer),
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["created"], body["corrected"], body["unchanged"]) == (3, 0, 0)
    assert body["participants"] == 3 and body["recorded"] == 3
    by_email = {r["email"]: r for r in body["records"]}
    assert by_email[b.email]["status"] == "partial" and by_email[b.email]["minutes"] == 45
    assert by_email[a.email]["source"] == "api"
    assert by_email[a.email]["recorded_at"].endswith(("+01:00", "+02:00"))
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Attendance.id))) == 3

    # A correction through the API keeps the history too.
    response = client.put(
        url(c.session),
        json={"records": [{"email": a.email, "status": "absent"}]},
        headers=api_token(c.coordinator),
    )
    assert response.status_code == 200
    assert response.get_json()["corrected"] == 1
    changes = db.session.scalars(
        select(AttendanceChange).join(Attendance).where(Attendance.user_id == a.id)
    ).all()
    assert [(ch.old_status, ch.new_status) for ch in changes] == [
        (None, AttendanceStatus.PRESENT),
        (AttendanceStatus.PRESENT, AttendanceStatus.ABSENT),
    ]
    assert db.session.scalar(
        select(AuditEntry.id).where(AuditEntry.action == "attendance.corrected")
    )


def test_a_session_that_has_not_started_answers_409(course, client, api_token):
    start = utcnow() + timedelta(days=1)
    c = course(sessions=[(start, start + timedelta(hours=2))])
    response = client.put(
        url(c.session),
        json={"records": [{"email": c.participants[0].email, "status": "present"}]},
        headers=api_token(c.trainer),
    )
    assert response.status_code == 409
    assert "nog niet begonnen" in response.get_json()["error"]


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([{"email": "nobody@example.org", "status": "present"}], "geen bevestigde deelnemer"),
        ([{"email": "{first}", "status": "here"}], "status moet een van"),
        ([{"email": "{first}", "status": "partial"}], "hoeveel minuten"),
        ([{"email": "{first}", "status": "partial", "minutes": 999}], "tussen 1 en 180"),
        ([{"email": "{first}", "status": "partial", "minutes": "60"}], "geheel getal"),
        (["{first}"], "verwacht een object"),
        ("all", "Verwacht ‘records’"),
    ],
)
def test_invalid_records_are_refused_and_nothing_is_written(
    course, client, api_token, records, message
):
    c = course(participants=2)
    first = c.participants[0].email
    if isinstance(records, list):
        records = [
            {k: (v.format(first=first) if isinstance(v, str) else v) for k, v in r.items()}
            if isinstance(r, dict)
            else r.format(first=first)
            for r in records
        ]
        # A valid record beside the bad one is not saved either: all or nothing.
        records = [{"email": c.participants[1].email, "status": "present"}, *records]
    response = client.put(url(c.session), json={"records": records}, headers=api_token(c.trainer))
    assert response.status_code == 422
    assert message in response.get_json()["error"]
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


def test_the_waitlisted_cannot_be_recorded(course, client, api_token):
    c = course()
    response = client.put(
        url(c.session),
        json={"records": [{"email": c.waitlisted.email, "status": "present"}]},
        headers=api_token(c.trainer),
    )
    assert response.status_code == 422


def test_not_json_is_refused(course, client, api_token):
    c = course()
    response = client.put(url(c.session), data="x", headers=api_token(c.trainer))
    assert response.status_code == 415 and response.get_json()["error"]


def test_get_lists_every_confirmed_participant(course, client, api_token):
    c = course(participants=2)
    body = client.get(url(c.session), headers=api_token(c.trainer)).get_json()
    assert [r["status"] for r in body["records"]] == [None, None]
    assert body["recorded"] == 0 and body["session_id"] == c.session.id


def test_the_openapi_document_describes_it_and_stays_valid(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    item = document["paths"]["/sessions/{session_id}/attendance"]
    assert set(item) >= {"get", "put"}
    assert set(item["put"]["responses"]) >= {"200", "401", "403", "404", "409", "422"}
    schema = document["components"]["schemas"]["AttendanceUpdate"]
    assert schema["properties"]["records"]["items"]["properties"]["status"]["enum"] == [
        "present",
        "absent",
        "excused",
        "partial",
    ]
