"""The subscription page ("Agenda-abonnement") and "Mijn agenda"."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from lms.common.timeutil import brussels, to_local
from lms.extensions import db
from lms.models import SessionStatus, User, utcnow


def test_subscription_page_needs_a_login(client):
    response = client.get("/calendar/subscribe")
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


def test_subscription_page_shows_every_way_to_subscribe(
    client, create_user, create_activity, create_enrolment, login
):
    participant = create_user()
    create_enrolment(create_activity(sessions=3), participant)
    login(participant)
    response = client.get("/calendar/subscribe")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    db.session.expire_all()
    user = db.session.get(User, participant.id)
    token = user.feed_selector + user.feed_secret
    https_url = f"https://leerplatform.test.example/calendar/{token}.ics"
    webcal_url = f"webcal://leerplatform.test.example/calendar/{token}.ics"
    assert f'href="{webcal_url}"' in html
    assert f'value="{https_url}"' in html and "readonly" in html
    assert f'href="https://calendar.google.com/calendar/r?cid={webcal_url}"' in html
    assert 'data-copy-target="feed-url"' in html
    assert "js/calendar.js" in html
    assert "Outlook" in html and "Apple" in html
    assert "3 komende sessies" in html
    assert response.headers["Cache-Control"] == "private, no-store"
    # No inline script or style (CSP).
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert 'style="' not in html and " onclick=" not in html
    # The page always shows the same link until it is rotated.
    assert https_url in client.get("/calendar/subscribe").get_data(as_text=True)


def test_rotate_button_replaces_the_link(client, create_user, login):
    participant = create_user()
    login(participant)
    client.get("/calendar/subscribe")
    db.session.expire_all()
    old = db.session.get(User, participant.id)
    old_path = f"/calendar/{old.feed_selector}{old.feed_secret}.ics"
    assert client.get(old_path).status_code == 200

    # A confirmation step first: the old link still works after it.
    asked = client.post("/calendar/subscribe").get_data(as_text=True)
    assert "Een nieuwe agenda-link maken?" in asked and 'name="confirmed" value="1"' in asked
    assert client.get(old_path).status_code == 200
    response = client.post("/calendar/subscribe", data={"confirmed": "1"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Je agenda-link is vernieuwd" in response.get_data(as_text=True)
    db.session.expire_all()
    new = db.session.get(User, participant.id)
    assert new.feed_selector != old_path[10:26]
    assert client.get(old_path).status_code == 404
    assert client.get(f"/calendar/{new.feed_selector}{new.feed_secret}.ics").status_code == 200


def test_rotate_needs_the_csrf_token(app, client, create_user, login):
    participant = create_user()
    login(participant)
    client.get("/calendar/subscribe")
    db.session.expire_all()
    before = db.session.scalar(select(User.feed_selector).where(User.id == participant.id))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = client.get("/calendar/subscribe").get_data(as_text=True)
        assert 'name="csrf_token"' in page
        refused = client.post("/calendar/subscribe")
        assert refused.status_code == 400
        db.session.expire_all()
        assert (
            db.session.scalar(select(User.feed_selector).where(User.id == participant.id)) == before
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_agenda_needs_a_login(client):
    assert client.get("/agenda").status_code == 302


def test_agenda_month_shows_own_sessions_struck_through_when_cancelled(
    client, create_user, create_activity, create_enrolment, login
):
    participant = create_user()
    now = utcnow()
    local = to_local(now)
    year, month = local.year, local.month
    day = 14 if local.day != 14 else 15
    mine = create_activity(
        title="Wonen op maat",
        sessions=[
            (brussels(year, month, day, 13, 30), brussels(year, month, day, 16, 30)),
            (brussels(year, month, day + 7, 13, 30), brussels(year, month, day + 7, 16, 30)),
        ],
    )
    create_enrolment(mine, participant)
    not_mine = create_activity(
        title="Niet de mijne",
        sessions=[(brussels(year, month, day, 9), brussels(year, month, day, 11))],
    )
    cancelled = max(mine.sessions, key=lambda s: s.starts_at)
    cancelled.status = SessionStatus.CANCELLED
    cancelled.touch()
    db.session.commit()
    login(participant)

    response = client.get(f"/agenda/{year}/{month}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Wonen op maat" in html
    assert not_mine.title not in html
    assert "13:30–16:30" in html
    assert html.count("<s>") == 2  # the cancelled one, in the grid and in the phone list
    assert "geannuleerd" in html
    assert f'href="/activities/{mine.id}"' in html or f"/activities/{mine.id}" in html
    assert 'aria-current="date"' in html  # today is marked (this month)
    assert '<th scope="col"><abbr title="maandag">ma</abbr></th>' in html
    previous = (year, month - 1) if month > 1 else (year - 1, 12)
    assert f'href="/agenda/{previous[0]}/{previous[1]}"' in html
    assert 'rel="next"' in html
    assert client.get("/agenda").get_data(as_text=True).count("Wonen op maat") >= 2


def test_agenda_other_month_and_bad_month(client, create_user, login):
    login(create_user())
    response = client.get("/agenda/2030/2")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Februari 2030" in html
    assert "Geen sessies in deze maand." in html
    assert 'href="/agenda/2030/1"' in html and 'href="/agenda/2030/3"' in html
    assert 'aria-current="date"' not in html
    assert client.get("/agenda/2030/13").status_code == 404


def test_agenda_query_count_is_constant(
    client, create_user, create_activity, create_theme, create_enrolment, login, count_queries
):
    participant = create_user(roles=("participant", "trainer"))
    now = utcnow()
    local = to_local(now)
    year, month = local.year, local.month
    login(participant)
    counts = []
    for n in (1, 6):
        activity = create_activity(
            sessions=[
                (brussels(year, month, 1 + i, 9), brussels(year, month, 1 + i, 10))
                for i in range(n)
            ],
            themes=[create_theme()],
            trainers=[participant] if n == 6 else [],
        )
        if n == 1:
            create_enrolment(activity, participant)
        with count_queries() as counter:
            response = client.get(f"/agenda/{year}/{month}")
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_agenda_lists_sessions_in_brussels_days(
    client, create_user, create_activity, create_enrolment, login
):
    """A session at 00:30 Brussels time belongs to that day, not to the UTC day before."""
    participant = create_user()
    start = brussels(2030, 7, 1, 0, 30)
    create_enrolment(
        create_activity(title="Nachtsessie", sessions=[(start, start + timedelta(hours=1))]),
        participant,
    )
    login(participant)
    html = client.get("/agenda/2030/7").get_data(as_text=True)
    assert "Nachtsessie" in html
    assert client.get("/agenda/2030/6").get_data(as_text=True).count("Nachtsessie") == 0
