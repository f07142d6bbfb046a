"""Interest lists: subscribe with one click, a new edition mails everyone on the list of
the edition it was copied from once, never those who stopped (stop link: GET asks, POST
stops), a theme's list hears of new activities in it, coordinators see the count."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from lms.activities import service as activities
from lms.activities.copy_edition import copy_activity
from lms.common.timeutil import to_local
from lms.extensions import db
from lms.interest import service as interest_service
from lms.models import ActivityStatus, Interest, Role, utcnow
from lms.privacy.erasure import erase_user
from lms.privacy.export import export_user_data
from tests.html import by_id, find_all, text

STOP_LINK = re.compile(r"https?://[^\s]+/op-de-hoogte/stop/[^\s]+")


def _stop_path(body: str) -> str:
    url = STOP_LINK.search(body)
    assert url is not None, body
    return "/" + url.group(0).split("/", 3)[3]


def test_a_new_edition_mails_everyone_on_the_list_once_and_never_those_who_stopped(
    app, client, login, create_user, create_activity, queued_mails
):
    coordinator = create_user(roles=(Role.COORDINATOR,))
    ann, bart, chris = (
        create_user(name="Ann Aerts", email="ann@example.org"),
        create_user(name="Bart Bos", email="bart@example.org"),
        create_user(name="Chris Claes", email="chris@example.org"),
    )
    course = create_activity(title="Straathoekwerk in de praktijk")

    # Anonymous visitors are asked to log in.
    html = client.get(f"/activities/{course.id}").get_data(as_text=True)
    box = by_id(html, "op-de-hoogte")
    assert "Log in om op de hoogte te blijven" in text(box)
    assert find_all(box, "form") == []

    for person in (ann, bart, chris):
        login(person)
        response = client.post(f"/activities/{course.id}/interest")
        assert response.status_code == 303
        html = client.get(f"/activities/{course.id}").get_data(as_text=True)
        assert "Je krijgt een mail wanneer er een nieuwe editie is." in text(
            by_id(html, "op-de-hoogte")
        )
    # Clicking twice keeps one row.
    client.post(f"/activities/{course.id}/interest")
    assert db.session.query(Interest).count() == 3

    # The coordinator sees the demand.
    login(coordinator)
    html = client.get(f"/admin/activities/{course.id}").get_data(as_text=True)
    assert text(by_id(html, "interest-count")) == "3 mensen"

    # Chris stops with the stop link of an earlier mail: GET only asks, POST stops.
    interest_service.activity_published(course)  # (not a new edition: nobody is mailed)
    assert queued_mails(kind="interest_published") == []
    from lms.interest.tokens import stop_token

    stop_path = f"/op-de-hoogte/stop/{stop_token(chris.id, 'activity', course.id)}"
    scanner = app.test_client()  # no login: a mail scanner, then the person
    page = scanner.get(stop_path)
    assert page.status_code == 200
    assert text(by_id(page.get_data(as_text=True), "stop-form")).startswith("Ja, stuur me")
    assert db.session.query(Interest).filter_by(user_id=chris.id).count() == 1
    done = scanner.post(stop_path)
    assert done.status_code == 200
    assert text(by_id(done.get_data(as_text=True), "stopped")) == (
        "Je krijgt hierover geen mails meer"
    )
    assert db.session.query(Interest).filter_by(user_id=chris.id).count() == 0

    # Next edition: copied as a draft, then published.
    first_day = to_local(utcnow() + timedelta(days=60)).date()
    edition = copy_activity(course, first_day=first_day, actor=coordinator)
    db.session.commit()
    assert queued_mails(kind="interest_published") == []  # a draft mails nobody
    login(coordinator)
    response = client.post(f"/admin/activities/{edition.id}/publish")
    assert response.status_code == 302
    db.session.refresh(edition)
    assert edition.status == ActivityStatus.PUBLISHED

    mails = queued_mails(kind="interest_published")
    assert sorted(m.to_email for m in mails) == ["ann@example.org", "bart@example.org"]
    mail = next(m for m in mails if m.to_email == "ann@example.org")
    assert mail.subject == "Nieuw in het aanbod van SAM: Straathoekwerk in de praktijk"
    assert f"/activities/{edition.id}" in mail.body_text
    assert "nieuwe editie van „Straathoekwerk in de praktijk”" in mail.body_text

    # Unpublished and published again: nobody twice.
    activities.update_activity(edition, actor=coordinator, status=ActivityStatus.DRAFT)
    activities.update_activity(edition, actor=coordinator, status=ActivityStatus.PUBLISHED)
    db.session.commit()
    assert len(queued_mails(kind="interest_published")) == 2

    # Ann's stop link in the mail works without login.
    app.test_client().post(_stop_path(mail.body_text))
    assert db.session.scalar(select(Interest.id).where(Interest.user_id == ann.id)) is None


def test_a_theme_list_hears_of_a_new_activity_once_even_when_also_on_an_activity_list(
    client, login, create_user, create_activity, create_theme, queued_mails
):
    coordinator = create_user(roles=(Role.COORDINATOR,))
    person = create_user(email="dina@example.org")
    theme = create_theme("wonen")
    old = create_activity(title="Wonen 2026", themes=[theme])
    login(person)
    client.post(f"/op-de-hoogte/themes/{theme.id}")
    client.post(f"/activities/{old.id}/interest")
    html = client.get("/op-de-hoogte").get_data(as_text=True)
    assert "Je volgt dit thema" in text(by_id(html, f"thema-{theme.id}"))

    first_day = to_local(utcnow() + timedelta(days=60)).date()
    edition = copy_activity(old, first_day=first_day, actor=coordinator)
    activities.update_activity(edition, actor=coordinator, status=ActivityStatus.PUBLISHED)
    db.session.commit()
    mails = queued_mails(kind="interest_published", to="dina@example.org")
    assert len(mails) == 1  # one per person per published activity

    unrelated = create_activity(title="Iets anders", status="draft")
    activities.update_activity(unrelated, actor=coordinator, status=ActivityStatus.PUBLISHED)
    db.session.commit()
    assert len(queued_mails(kind="interest_published", to="dina@example.org")) == 1

    # Personal data: in my data, gone with the person.
    exported = export_user_data(person)
    assert {i["theme"] for i in exported["interest_lists"]} == {"wonen", None}
    erase_user(person, actor=coordinator)
    db.session.commit()
    assert db.session.query(Interest).count() == 0


def test_a_forged_stop_link_is_refused(client):
    response = client.get("/op-de-hoogte/stop/WzEsImFjdGl2aXR5IiwxXQ.forged")
    assert response.status_code == 404
    assert "Deze link werkt niet" in text(find_all(response.get_data(as_text=True), "h1")[0])
