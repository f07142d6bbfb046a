"""Personal and secret answers are never stored (``Cache-Control: no-store``), public
ones stay cacheable; while the database is down the app answers its own Dutch 503."""

from __future__ import annotations

import pytest

from lms import create_app
from lms.accounts.service import make_reset_token
from lms.extensions import db
from tests.factories import TEST_PASSWORD


def test_personal_and_secret_answers_are_not_stored(
    client, login, create_user, create_activity, api_token
):
    user = create_user()
    activity = create_activity()
    reset = make_reset_token(user)
    db.session.commit()
    headers = api_token(user)

    for path in (f"/account/reset/{reset}", "/enrolments/offer/onbekend-aanbod"):
        assert "no-store" in client.get(path).headers.get("Cache-Control", ""), path
    api = client.get("/api/v1/me", headers=headers)
    assert api.status_code == 200 and "no-store" in api.headers["Cache-Control"]
    anonymous_api = client.get("/api/v1/activities")
    assert "no-store" not in anonymous_api.headers.get("Cache-Control", "")
    assert "no-store" not in client.get(f"/activities/{activity.id}").headers.get(
        "Cache-Control", ""
    )

    login(user)
    for path in ("/account/", f"/activities/{activity.id}", "/my/enrolments"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response.headers["Cache-Control"], path


@pytest.fixture
def database_down(tmp_path):
    """An app whose database is unreachable (a path no file can be opened at, or a
    PostgreSQL port nobody listens on)."""
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/geen-map/lms.db",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False},
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_database_outage_is_a_dutch_503(database_down, caplog):
    client = database_down.test_client()
    page = client.get("/activities")
    assert page.status_code == 503
    html = page.get_data(as_text=True)
    assert "even niet bereikbaar" in html and "Traceback" not in html
    assert page.headers["Retry-After"] == "60"
    api = client.get("/api/v1/activities")
    assert api.status_code == 503 and "even niet bereikbaar" in api.get_json()["error"]
    # A logged-in person (a session cookie the app made earlier) gets the same page.
    with client.session_transaction() as session:
        session["_user_id"] = "1.1"
    assert client.get("/account/").status_code == 503
    login = client.post("/account/login", data={"email": "a@b.be", "password": TEST_PASSWORD})
    assert login.status_code == 503
    assert "Database unreachable on GET /activities" in caplog.text
    assert client.get("/healthz").status_code == 503
