"""Mijn leertraject: hours per year against the target, hours per theme, certificates, what
is in progress; the organisation contact's view of their own staff only; the API list."""

from __future__ import annotations

import re

import pytest

from lms.certificates import service
from lms.certificates.record import learning_record
from lms.extensions import db
from lms.models import Role
from tests.factories import attend, create_enrolment
from tests.policy.factories import P


@pytest.fixture
def holder(finished_course, coordinator, create_theme):
    """Zoë, with a certificate of 12 hours on two themes, and a course under way."""
    activity = finished_course.activity
    activity.themes = [create_theme("Impactevaluatie"), create_theme("Wonen")]
    db.session.commit()
    service.issue_for_activity(activity, actor=coordinator)
    db.session.commit()
    return finished_course.people[0]


def test_hours_against_the_yearly_target(holder, finished_course):
    record = learning_record(holder)
    end_year = int(finished_course.sessions[-1].ends_at.year)
    assert record.year in (end_year, end_year + 1)
    record = learning_record(holder, end_year)
    assert record.hours == 12
    assert record.target == 20
    assert record.percent == 60
    assert [(t.name, t.hours) for t in record.themes] == [("Impactevaluatie", 12), ("Wonen", 12)]
    assert [c.snapshot["holder_name"] for c in record.certificates] == ["Zoë Ağaoğlu-Łukasiewicz"]


def test_the_page_draws_charts_with_a_text_equivalent(client, login, holder, finished_course):
    login(holder)
    year = finished_course.sessions[-1].ends_at.year
    response = client.get(f"/my/learning-record?year={year}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Mijn leertraject" in html
    assert "12 u</strong> van 20 u" in html
    assert html.count("<svg") >= 2
    assert 'role="img"' in html
    assert "12 u van 20 u behaald (60 %)" in html  # the progress bar's title
    assert re.search(r'<th scope="row">Wonen</th><td class="num">12 u</td>', html)
    assert 'style="' not in html and "<script>" not in html
    cert = service.certificates_of(holder)[0]
    assert f"/certificates/{cert.code}.pdf" in html


def test_what_is_in_progress(client, login, holder, course):
    running = course(finished=False, title="Praktijkgroep wonen", people=["Iemand"])
    create_enrolment(running.activity, holder)
    attend(holder, running.sessions[0], P)
    login(holder)
    html = client.get("/my/learning-record").get_data(as_text=True)
    assert "Praktijkgroep wonen" in html
    assert f"/my/activities/{running.activity.id}/progress" in html


def test_past_years_keep_their_hours(holder, finished_course):
    cert = service.certificates_of(holder)[0]
    snapshot = dict(cert.snapshot)
    snapshot["end_date"] = "2023-06-30"
    cert.snapshot = snapshot
    db.session.commit()
    record = learning_record(holder, 2023)
    assert record.hours == 12 and 2023 in record.years
    assert learning_record(holder, 2024).hours == 0


def test_a_revoked_certificate_does_not_count(holder, coordinator, finished_course):
    cert = service.certificates_of(holder)[0]
    service.revoke(cert, actor=coordinator, reason="Fout")
    db.session.commit()
    year = finished_course.sessions[-1].ends_at.year
    assert learning_record(holder, year).hours == 0


def test_constant_number_of_queries(client, login, coordinator, course, count_queries):
    """One certificate or six, one enrolment or six: the same number of queries."""
    person = coordinator
    counts = []
    for extra in (1, 5):
        for _ in range(extra):
            done = course(marks={"Vul": [P, P, P, P]})
            create_enrolment(done.activity, person)
            for session in done.sessions:
                attend(person, session, P)
            service.issue_for_activity(done.activity, actor=coordinator)
            running = course(finished=False, people=["Vul"])
            create_enrolment(running.activity, person)
            db.session.commit()
        login(person)
        client.get("/my/learning-record")
        with count_queries() as counter:
            assert client.get("/my/learning-record").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


# --- Organisation contacts ------------------------------------------------------------------------


def test_organisation_contact_sees_own_staff_only(client, login, holder, create_user):
    holder.organisation = None
    db.session.commit()
    from lms.models import Organisation

    own = Organisation(name="Samenlevingsopbouw Brussel")
    other = Organisation(name="Samenlevingsopbouw Gent")
    db.session.add_all([own, other])
    holder.organisation = own
    db.session.commit()
    url = f"/organisations/staff/{holder.id}/learning-record"
    login(create_user(roles=(Role.ORGANISATION_CONTACT,), organisation=own))
    response = client.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Leertraject van Zoë Ağaoğlu-Łukasiewicz" in html
    assert ".pdf" not in html  # the PDF is for the holder; the contact can verify
    assert "/certificates/verify/" in html
    login(create_user(roles=(Role.ORGANISATION_CONTACT,), organisation=other))
    assert client.get(url).status_code == 403
    login(create_user(roles=(Role.PARTICIPANT,), organisation=own))
    assert client.get(url).status_code == 403
    login(create_user(roles=(Role.COORDINATOR,)))
    assert client.get(url).status_code == 200
    assert client.get("/organisations/staff/999999/learning-record").status_code == 404


def test_contact_without_organisation_sees_nobody(client, login, holder, create_user):
    holder.organisation = None
    db.session.commit()
    login(create_user(roles=(Role.ORGANISATION_CONTACT,)))
    assert client.get(f"/organisations/staff/{holder.id}/learning-record").status_code == 403


def test_the_record_needs_a_login(client):
    response = client.get("/my/learning-record")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


# --- API ----------------------------------------------------------------------------------------


def test_api_my_certificates(client, holder, api_token, coordinator):
    response = client.get("/api/v1/me/certificates", headers=api_token(holder))
    assert response.status_code == 200
    [item] = response.get_json()
    cert = service.certificates_of(holder)[0]
    assert item["code"] == cert.code
    assert item["activity"] == "Impactevaluatie in de praktijk"
    assert item["hours"] == 12
    assert item["revoked"] is False
    assert item["pdf_url"].endswith(f"/certificates/{cert.code}.pdf")
    assert client.get("/api/v1/me/certificates").status_code == 401


def test_api_issue(client, finished_course, coordinator, api_token):
    url = f"/api/v1/activities/{finished_course.activity.id}/certificates"
    assert client.post(url, headers=api_token(finished_course.people[0])).status_code == 403
    response = client.post(url, headers=api_token(coordinator))
    assert response.status_code == 200
    issued = response.get_json()["issued"]
    assert sorted(i["email"] for i in issued) == sorted(p.email for p in finished_course.people[:2])
    assert {i["hours"] for i in issued} == {11, 12}
    again = client.post(url, headers=api_token(coordinator)).get_json()
    assert again["issued"] == [] and again["already_issued"] == 2
    assert (
        client.post(
            "/api/v1/activities/999999/certificates", headers=api_token(coordinator)
        ).status_code
        == 404
    )


def test_api_issue_too_early(client, course, coordinator, api_token):
    running = course(finished=False, marks={"An": [P]})
    response = client.post(
        f"/api/v1/activities/{running.activity.id}/certificates", headers=api_token(coordinator)
    )
    assert response.status_code == 409
    assert "zodra de laatste sessie voorbij is" in response.get_json()["error"]


def test_year_navigation_ignores_nonsense(client, login, holder):
    login(holder)
    for year in ("abc", "99999", "-1"):
        assert client.get(f"/my/learning-record?year={year}").status_code == 200
