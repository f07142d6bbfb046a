"""The coordinators' dashboard: what needs attention, and links to every area."""

from __future__ import annotations

import re
from datetime import timedelta

from lms.extensions import db
from lms.models import utcnow
from tests.policy.factories import build_course


def test_the_dashboard_lists_what_needs_attention(
    client, as_coordinator, create_activity, create_user, participant, enrol, trainer
):
    soon = utcnow().replace(microsecond=0) + timedelta(days=5)
    later = utcnow().replace(microsecond=0) + timedelta(days=60)
    create_activity(title="Zonder lesgever binnenkort", first=soon)
    create_activity(title="Zonder lesgever later", first=later)
    create_activity(title="Met lesgever", first=soon, trainers=[trainer])
    programme = create_activity(kind="programme", title="Opleiding", sessions=0, trainers=[trainer])
    create_activity(parent=programme, title="Module met opleidingslesgever", first=soon)
    requests = create_activity(
        title="Intervisie met aanvragen",
        kind="intervision",
        requires_approval=True,
        trainers=[trainer],
    )
    enrol(requests, participant())
    enrol(requests, participant())
    waiting = create_activity(title="Wachtlijst met plaats", capacity=1, trainers=[trainer])
    enrol(waiting, participant())
    enrol(waiting, participant())
    waiting.capacity = 2  # raised behind the service's back: a seat is free while one waits
    db.session.commit()
    build_course(
        create_user,
        create_activity,
        title="Afgelopen cursus",
        sessions=2,
        marks={"An": ["present"] * 2},
    )

    page = client.get("/admin/").get_data(as_text=True)
    assert "Zonder lesgever binnenkort" in page
    assert "Zonder lesgever later" not in page
    assert "Met lesgever" not in page and "Module met opleidingslesgever" not in page
    assert "Intervisie met aanvragen" in page and "2 aanvragen" in page
    assert "Wachtlijst met plaats" in page and "1 plaats vrij" in page
    assert "Afgelopen cursus" in page and "Attesten klaar om uit te reiken" in page
    for href in (
        "/admin/activities",
        "/admin/requests",
        "/admin/users",
        "/admin/mail",
        "/admin/audit",
        "/policy/",
        "/certificates/",
    ):
        assert f'href="{href}"' in page, href


def test_an_empty_dashboard_says_all_is_well(client, as_coordinator):
    page = client.get("/admin/").get_data(as_text=True)
    assert "Alles is in orde" in page


def test_the_menu_shows_beheer_to_coordinators_only(client, login, coordinator, participant):
    login(participant())
    assert 'href="/admin/"' not in client.get("/activities").get_data(as_text=True)
    login(coordinator)
    assert 'href="/admin/"' in client.get("/activities").get_data(as_text=True)


def test_the_dashboard_lists_what_attendance_still_needs(
    client, as_coordinator, create_user, create_activity
):
    """Sessions over without complete attendance and results that wait for them, each
    linked to where it is fixed."""
    course = build_course(
        create_user,
        create_activity,
        title="Cursus zonder laatste registratie",
        sessions=2,
        marks={"An": ["present", None], "Bert": ["present", None]},
    )
    _first, last = course.sessions
    page = client.get("/admin/").get_data(as_text=True)
    sessions = re.search(
        r'<section[^>]*aria-labelledby="att-todo-sessions"[^>]*>(.*?)</section>', page, re.S
    ).group(1)
    assert f'href="/sessions/{last.id}/attendance"' in sessions
    assert "2 van 2 deelnemers niet geregistreerd" in " ".join(sessions.split())
    undecided = re.search(
        r'<section[^>]*aria-labelledby="att-todo-undecided"[^>]*>(.*?)</section>', page, re.S
    ).group(1)
    assert f'href="/activities/{course.activity.id}/progress"' in undecided
    assert "An, Bert" in undecided
    assert "Alles is in orde" not in page
