"""Every coordinators' page and action refuses everybody else (a test walks them all)."""

from __future__ import annotations

import pytest

from lms.accounts import import_jobs
from lms.enrolment import service
from lms.extensions import db
from lms.mail.outbox import queue_mail
from lms.models import ImportJobStatus, MailStatus, Role


@pytest.fixture
def objects(create_activity, create_user, create_theme, coordinator, participant):
    activity = create_activity(capacity=5, title="Straathoekwerk")
    person = participant()
    enrolment, _ = service.enrol(activity, person)
    mail = queue_mail(
        kind="password_reset",
        to=person,
        subject="Test",
        context={
            "user": person,
            "link": "https://x.example/reset",
            "hours": 2,
        },
    )
    db.session.flush()
    mail.status = MailStatus.FAILED
    # A finished user import of the coordinator (its pages: result, status, report).
    job = import_jobs.create_preview(
        "email,name,role,organisation\n", filename="leden.csv", actor=coordinator
    )
    job.status = ImportJobStatus.DONE
    job.report = "regel,email,resultaat,toelichting\n"
    db.session.commit()
    return {
        "token": job.token,
        "activity_id": activity.id,
        "enrolment_id": enrolment.id,
        "mail_id": mail.id,
        "user_id": person.id,
        "theme_id": create_theme("Wonen").id,
    }


def admin_routes(app, objects):
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f"<int:{argument}>", str(objects[argument]))
            url = url.replace(f"<{argument}>", str(objects[argument]))
        for method in ("GET", "POST"):
            if method in rule.methods:
                routes.append((method, url, rule.endpoint))
    return sorted(routes)


def test_there_are_many_admin_routes(app, objects):
    routes = admin_routes(app, objects)
    assert len(routes) >= 35
    assert ("GET", "/admin/", "admin.dashboard") in routes


def test_anonymous_visitors_are_sent_to_the_login_page(app, client, objects):
    for method, url, endpoint in admin_routes(app, objects):
        response = client.open(url, method=method)
        assert response.status_code == 302, f"{method} {url}"
        assert "/account/login" in response.headers["Location"], endpoint


@pytest.mark.parametrize(
    "roles",
    [
        (Role.PARTICIPANT,),
        (Role.TRAINER,),
        (Role.ORGANISATION_CONTACT, Role.PARTICIPANT),
        (Role.TRAINER, Role.PARTICIPANT, Role.ORGANISATION_CONTACT),
    ],
    ids=["participant", "trainer", "organisation_contact", "all-but-coordinator"],
)
def test_everybody_but_coordinators_gets_403(app, client, login, create_user, objects, roles):
    user = create_user(roles=roles, organisation="Samenlevingsopbouw Gent")
    login(user)
    for method, url, _endpoint in admin_routes(app, objects):
        response = client.open(url, method=method, data={"reason": "x", "user_id": "1"})
        assert response.status_code == 403, f"{method} {url} as {roles}"
        assert "Geen toegang" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(user), objects["user_id"]).active


def test_coordinators_reach_every_page(app, client, as_coordinator, objects):
    for method, url, endpoint in admin_routes(app, objects):
        if method != "GET":
            continue
        response = client.get(url)
        assert response.status_code == 200, f"GET {url}"
        assert response.headers["Cache-Control"].startswith("private"), endpoint


def test_coordinators_actions_never_fail_with_a_server_error(app, client, as_coordinator, objects):
    for method, url, _endpoint in admin_routes(app, objects):
        if method != "POST":
            continue
        response = client.post(url, data={})
        assert response.status_code in (200, 302, 422), f"POST {url}: {response.status_code}"


def test_unknown_objects_are_404(client, as_coordinator):
    for url in (
        "/admin/activities/999999",
        "/admin/activities/999999/edit",
        "/admin/enrolments/999999",
        "/admin/mail/999999",
        "/admin/users/999999",
        "/admin/activities/99999999999/enrolments",
    ):
        assert client.get(url).status_code == 404, url
