"""What every request costs before its view: API authentication in one query and no write;
the request log line without loading the user again; no session for visitors."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from lms.accounts.tokens import create_api_token, flush_token_usage, token_usage_due
from lms.extensions import db
from lms.models import ApiToken, utcnow


def _token_for(user) -> str:
    raw = create_api_token(user)
    db.session.commit()
    return raw


def test_api_authentication_is_one_query_and_writes_nothing(client, create_user, count_queries):
    person = create_user()
    raw = _token_for(person)

    with count_queries() as queries:
        response = client.get("/api/v1/me/enrolments", headers={"Authorization": f"Bearer {raw}"})

    assert response.status_code == 200
    assert response.get_json() == []  # nobody enrolled yet
    token_queries = [s for s in queries.statements if "api_tokens" in s]
    assert len(token_queries) == 1, token_queries  # token, owner and roles together
    assert "user_roles" in token_queries[0]
    writes = [s for s in queries.statements if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert writes == [], writes
    assert not any(s.strip().upper() == "COMMIT" for s in queries.statements)


@pytest.mark.commits  # the usage is written on a connection of its own
def test_token_usage_is_written_later_in_one_statement(app, client, create_user):
    person = create_user()
    raw = _token_for(person)
    token_id = db.session.scalar(db.select(ApiToken.id))
    app.extensions.pop("lms_token_usage", None)

    client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    db.session.expire_all()
    assert db.session.get(ApiToken, token_id).last_used_at is None  # not in the request

    now = utcnow()
    assert token_usage_due(now, app)
    assert flush_token_usage(db.engine, now, app) == 1
    db.session.expire_all()
    written = db.session.get(ApiToken, token_id).last_used_at
    assert written is not None and abs(written - now) < timedelta(minutes=1)

    # Used again within the resolution: nothing new to write.
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert not token_usage_due(now + timedelta(hours=1), app)


def test_the_request_log_names_the_user_without_loading_them_again(
    client, create_user, count_queries, caplog
):
    person = create_user()
    raw = _token_for(person)
    with caplog.at_level(logging.INFO, logger="lms.request"), count_queries() as queries:
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})

    lines = [r.getMessage() for r in caplog.records if r.name == "lms.request"]
    assert lines and lines[-1].endswith(f"user={person.id}")
    user_loads = [s for s in queries.statements if s.lstrip().upper().startswith("SELECT")]
    assert len([s for s in user_loads if "FROM users" in s and "api_tokens" not in s]) <= 1


def test_a_visitor_gets_no_session_cookie_and_can_switch_language_and_size(client):
    page = client.get("/activities")
    assert "Set-Cookie" not in page.headers
    html = page.get_data(as_text=True)
    assert 'method="get" action="/preferences/choose-language"' in html
    assert "csrf_token" not in html

    response = client.get("/preferences/choose-language?lang=en&next=/activities")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/activities")
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1 and cookies[0].startswith("lang=en")
    assert 'lang="en"' in client.get("/activities").get_data(as_text=True)

    response = client.get("/preferences/choose-font-size?size=largest&next=/activities")
    assert response.headers.getlist("Set-Cookie")[0].startswith("fs=largest")
    assert 'class="fs-largest"' in client.get("/activities").get_data(as_text=True)


def test_the_language_link_never_changes_an_account(client, create_user, login):
    person = create_user()
    login(person)
    client.get("/preferences/choose-language?lang=en&next=/")
    db.session.expire_all()
    assert db.session.get(type(person), person.id).locale != "en"


def test_a_signed_in_person_keeps_the_csrf_protected_forms(client, create_user, login):
    login(create_user())
    html = client.get("/activities").get_data(as_text=True)
    assert 'method="post" action="/preferences/language"' in html
    assert 'name="csrf_token"' in html


def test_a_visitor_of_an_activity_page_gets_no_session_cookie(client, create_activity):
    activity = create_activity(title="Lezing over wonen")
    response = client.get(f"/activities/{activity.id}")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    html = response.get_data(as_text=True)
    assert "csrf_token" not in html
    assert f'href="/account/login?next=/activities/{activity.id}"' in html  # the enrol link
