"""Progress pages and API: "Wat heb ik nog nodig?", the trainer's overview, the JSON, the
out-of-reach warning — with access checks and a constant number of queries."""

from __future__ import annotations

import pytest

from lms.models import Role
from lms.policy.progress import activity_progress, notify_if_out_of_reach
from tests.factories import attend, create_enrolment
from tests.policy.factories import A, P


@pytest.fixture
def running(course):
    """Four sessions, two held: An still can, Bert no longer can."""
    return course(
        finished=False,
        title="Wonen op maat",
        marks={"An Aanwezig": [P, P], "Bert Afwezig": [A, A]},
    )


# --- Wat heb ik nog nodig? -----------------------------------------------------------------------


def test_participant_sees_what_they_still_need(client, login, running):
    an = running.people[0]
    login(an)
    response = client.get(f"/my/activities/{running.activity.id}/progress")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Wat heb ik nog nodig?" in html
    assert "Nog haalbaar" in html
    assert "Je hebt nog 3 u 36 min aanwezigheid nodig" in html
    assert "2 van 4 sessies aanwezig (50 %), 80 % vereist" in html
    assert "nog 2 sessies te gaan" in html
    assert "Leerbeleid SAM (standaard)" in html
    assert 'style="' not in html


def test_participant_told_when_it_is_out_of_reach(client, login, running):
    login(running.people[1])
    html = client.get(f"/my/activities/{running.activity.id}/progress").get_data(as_text=True)
    assert "Een attest is niet meer haalbaar." in html
    assert "Niet meer haalbaar" in html


def test_progress_of_someone_not_enrolled_is_not_found(client, login, running, create_user):
    login(create_user())
    assert client.get(f"/my/activities/{running.activity.id}/progress").status_code == 404
    assert client.get("/my/activities/999999/progress").status_code == 404


def test_programme_page_lists_every_module(client, login, create_user, create_activity):
    from lms.models import ActivityKind
    from tests.factories import past_start, weekly

    programme = create_activity(kind=ActivityKind.PROGRAMME, title="Beroepsopleiding", sessions=[])
    modules = [
        create_activity(
            title=f"Module {i}", parent=programme, sessions=weekly(2, first=past_start(9 - 3 * i))
        )
        for i in (1, 2)
    ]
    person = create_user()
    create_enrolment(programme, person)
    for session in modules[0].sessions:
        attend(person, session, P)
    login(person)
    html = client.get(f"/my/activities/{programme.id}/progress").get_data(as_text=True)
    assert "1 van 2 modules gehaald, alle modules vereist" in html
    assert "Module 1" in html and "Module 2" in html
    # A module's own page, reached through the enrolment in the programme.
    assert client.get(f"/my/activities/{modules[1].id}/progress").status_code == 200


# --- The trainer's and coordinator's overview ----------------------------------------------------


def test_trainer_sees_every_participant(client, login, running):
    login(running.trainer)
    response = client.get(f"/activities/{running.activity.id}/progress")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "An Aanwezig" in html and "Bert Afwezig" in html
    assert "Niet meer haalbaar" in html and "Nog haalbaar" in html
    assert "0 van 4 sessies aanwezig (0 %), 80 % vereist" in html
    assert 'style="' not in html


def test_overview_access(client, login, running, create_user, course):
    other = course(marks={"X": [P]})
    url = f"/activities/{running.activity.id}/progress"
    login(other.trainer)
    assert client.get(url).status_code == 403
    login(running.people[0])
    assert client.get(url).status_code == 403
    login(create_user(roles=(Role.COORDINATOR,)))
    assert client.get(url).status_code == 200
    assert client.get("/activities/999999/progress").status_code == 404


def _people(course, count: int, create_user) -> None:
    for i in range(count):
        person = create_user(name=f"Extra {i}")
        create_enrolment(course.activity, person)
        for session, mark in zip(course.sessions, [P, A, P, P], strict=False):
            attend(person, session, mark)


def test_overview_runs_a_constant_number_of_queries(
    client, login, course, create_user, count_queries
):
    small = course(marks={"Een": [P, P, P, P]})
    big = course(marks={"Een": [P, P, P, P]})
    _people(big, 15, create_user)
    coordinator = create_user(roles=(Role.COORDINATOR,))
    login(coordinator)
    counts = []
    for item in (small, big):
        url = f"/activities/{item.activity.id}/progress"
        client.get(url)  # warm up
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


# --- API ---------------------------------------------------------------------------------------


def test_api_progress_for_the_trainer(client, running, api_token):
    response = client.get(
        f"/api/v1/activities/{running.activity.id}/progress", headers=api_token(running.trainer)
    )
    assert response.status_code == 200
    rows = {row["email"]: row for row in response.get_json()}
    an, bert = (rows[p.email] for p in running.people)
    assert an["state"] == "possible" and an["attended_hours"] == 6
    assert bert["state"] == "impossible" and bert["attended_hours"] == 0
    assert an["reasons"][0] == "2 van 4 sessies aanwezig (50 %), 80 % vereist"
    assert an["required_pct"] == 80 and an["certificate"] is None


def test_api_progress_access(client, running, api_token, create_user, course):
    url = f"/api/v1/activities/{running.activity.id}/progress"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=api_token(running.people[0])).status_code == 403
    other = course(marks={"X": [P]})
    assert client.get(url, headers=api_token(other.trainer)).status_code == 403
    coordinator = create_user(roles=(Role.COORDINATOR,))
    assert client.get(url, headers=api_token(coordinator)).status_code == 200
    missing = client.get("/api/v1/activities/999999/progress", headers=api_token(coordinator))
    assert missing.status_code == 404 and "error" in missing.get_json()


def test_api_progress_is_documented(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    paths = document["paths"]
    assert "get" in paths["/activities/{id}/progress"]
    assert "post" in paths["/activities/{id}/certificates"]
    assert "get" in paths["/me/certificates"]


# --- The out-of-reach warning ---------------------------------------------------------------------


def test_out_of_reach_mails_once_each(running, queued_mails):
    bert = running.people[1]
    assert notify_if_out_of_reach(running.activity) == 1
    assert notify_if_out_of_reach(running.activity) == 0
    from lms.extensions import db

    db.session.commit()
    [mail] = queued_mails("progress_out_of_reach")
    assert mail.to_email == bert.email
    assert "niet meer haalbaar" in mail.body_text
    assert "0 van 4 sessies aanwezig" in mail.body_text
    [trainer_mail] = queued_mails("progress_out_of_reach_trainer")
    assert trainer_mail.to_email == running.trainer.email
    assert "Bert Afwezig" in trainer_mail.subject


def test_nobody_is_warned_while_it_is_still_possible(running, queued_mails):
    an = running.people[0]
    notify_if_out_of_reach(running.activity, [an.id])
    assert queued_mails("progress_out_of_reach") == []


def test_recording_attendance_warns_through_the_attendance_service(course, queued_mails):
    """The attendance feature calls the warning after recording (issue 4 ↔ issue 6)."""
    from lms.attendance.service import Mark, record_attendance
    from lms.extensions import db
    from lms.models import AttendanceStatus

    running = course(finished=False, marks={"Cas": [P]})
    cas = running.people[0]
    second = running.sessions[1]
    record_attendance(second, [Mark(cas.id, AttendanceStatus.ABSENT)], actor=running.trainer)
    db.session.commit()
    # Four sessions of 3 h: one absence leaves at most 75 %, out of reach of 80 %.
    assert activity_progress(running.activity)[0].state.value == "impossible"
    [mail] = queued_mails("progress_out_of_reach")
    assert mail.to_email == cas.email
    assert len(queued_mails("progress_out_of_reach_trainer")) == 1
    # Correcting to excused (does not count) and back to absent mails nobody again.
    record_attendance(second, [Mark(cas.id, AttendanceStatus.EXCUSED)], actor=running.trainer)
    record_attendance(second, [Mark(cas.id, AttendanceStatus.ABSENT)], actor=running.trainer)
    db.session.commit()
    assert len(queued_mails("progress_out_of_reach")) == 1
