"""Feed tokens: random, constant-time, rotatable; every wrong token is a plain 404."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select

from lms.calendar import tokens
from lms.calendar.service import rotate_feed_token
from lms.extensions import db
from lms.models import AuditEntry, utcnow


@pytest.fixture
def participant(create_user, create_activity, create_enrolment):
    user = create_user()
    create_enrolment(create_activity(sessions=2), user)
    return user


def test_token_is_selector_plus_secret_with_enough_randomness(participant):
    token = tokens.ensure_feed_token(participant)
    db.session.commit()
    db.session.refresh(participant)
    assert participant.feed_selector == token.selector
    assert participant.feed_secret == token.secret
    assert str(token) == token.selector + token.secret
    assert len(token.secret) * 4 >= 128  # hex: 4 bits a character
    assert len(token.secret) * 4 == 192
    # The same token on the next call: the URL is stable until rotated.
    assert tokens.ensure_feed_token(participant) == token


def test_personal_feed_url_is_absolute_and_works(client, participant):
    url = tokens.personal_feed_url(participant)
    db.session.commit()
    assert url.startswith("https://leerplatform.test.example/calendar/")
    assert url.endswith(".ics")
    assert tokens.personal_feed_url(participant) == url
    assert client.get(url.removeprefix("https://leerplatform.test.example")).status_code == 200
    assert tokens.webcal_url(url).startswith("webcal://leerplatform.test.example/calendar/")


def test_api_me_gives_the_calendar_url(client, participant, api_token):
    response = client.get("/api/v1/me", headers=api_token(participant))
    assert response.status_code == 200
    url = response.json["calendar_url"]
    assert url.startswith("https://leerplatform.test.example/calendar/")
    assert client.get(url.removeprefix("https://leerplatform.test.example")).status_code == 200
    assert client.get("/api/v1/me", headers=api_token(participant)).json["calendar_url"] == url


def test_rotated_token_answers_404_at_once(client, participant, feed_path):
    old_path = feed_path(participant)
    assert client.get(old_path).status_code == 200
    rotate_feed_token(participant, actor=participant)
    db.session.commit()
    assert client.get(old_path).status_code == 404
    new_path = feed_path(participant)
    assert new_path != old_path
    assert client.get(new_path).status_code == 200
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.subject_user_id == participant.id)
    )
    assert entry.action == "calendar.feed_token_rotated"
    assert "vorige link werkt niet meer" in entry.summary


def test_unknown_wrong_and_malformed_tokens_all_look_the_same(client, participant, feed_path):
    real = feed_path(participant).removeprefix("/calendar/").removesuffix(".ics")
    selector = real[: tokens.SELECTOR_LENGTH]
    wrong_secret = selector + secrets.token_hex(tokens.SECRET_LENGTH // 2)
    random_token = secrets.token_hex(tokens.TOKEN_LENGTH // 2)
    candidates = (random_token, wrong_secret, "abc", real[:-1] + "g", real + "00")
    answers = [client.get(f"/calendar/{candidate}.ics") for candidate in candidates]
    assert {a.status_code for a in answers} == {404}
    # No hint whether a token ever existed: the same page (but for the path it echoes
    # in the footer's forms) and no ETag.
    pages = {a.data.replace(c.encode(), b"X") for a, c in zip(answers, candidates, strict=True)}
    assert len(pages) == 1
    assert all("ETag" not in a.headers for a in answers)
    assert all("Deze pagina bestaat niet (meer)." in a.get_data(as_text=True) for a in answers)


def test_deactivated_or_erased_users_feed_is_404(client, participant, feed_path):
    path = feed_path(participant)
    participant.active = False
    db.session.commit()
    assert client.get(path).status_code == 404
    participant.active = True
    participant.erased_at = utcnow()
    db.session.commit()
    assert client.get(path).status_code == 404


def test_uppercase_token_still_works(client, participant, feed_path):
    path = feed_path(participant)
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    assert client.get(f"/calendar/{token.upper()}.ics").status_code == 200
