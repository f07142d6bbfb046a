"""Self check-in: rotating codes, the session window, enrolment, logging in on the way."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from lms.attendance import checkin, service
from lms.attendance.service import Mark
from lms.extensions import db
from lms.models import Attendance, AttendanceChange, AttendanceStatus, utcnow
from tests.factories import TEST_PASSWORD


def started(minutes_ago=60, hours=3):
    start = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=minutes_ago)
    return [(start, start + timedelta(hours=hours))]


def current(session):
    return checkin.current_code(session, utcnow()).code


def old_code(session, windows_back=2):
    return checkin.code_for(session.id, checkin.window_index(utcnow()) - windows_back)


def attendance_count():
    return db.session.scalar(select(func.count(Attendance.id)))


# --- Codes ------------------------------------------------------------------------------


def test_codes_are_short_unambiguous_and_differ_per_session_and_minute(app):
    now = utcnow()
    window = checkin.window_index(now)
    code = checkin.code_for(7, window)
    assert len(code) == 6 and set(code) <= set(checkin.ALPHABET)
    assert not set("01OIL") & set(checkin.ALPHABET)
    assert code == checkin.code_for(7, window)  # every app server computes the same
    assert code != checkin.code_for(8, window)
    assert code != checkin.code_for(7, window + 1)
    assert checkin.code_matches(7, code, now)
    assert checkin.code_matches(7, f" {code[:3].lower()}-{code[3:]} ", now)  # typed loosely
    assert checkin.code_matches(7, checkin.code_for(7, window - 1), now)  # previous minute
    assert not checkin.code_matches(7, checkin.code_for(7, window - 2), now)  # older
    assert not checkin.code_matches(8, code, now)


def test_the_code_depends_on_the_secret_key(app):
    window = checkin.window_index(utcnow())
    code = checkin.code_for(7, window)
    app.config["SECRET_KEY"] = "another-secret"
    try:
        assert checkin.code_for(7, window) != code
    finally:
        app.config["SECRET_KEY"] = "testing-secret-key"


def test_the_qr_code_holds_the_absolute_check_in_url(app):
    import zxingcpp
    from PIL import Image

    url = checkin.scan_url(42, "K7P2QX")
    assert url == "https://leerplatform.test.example/checkin/42?code=K7P2QX"
    png = io.BytesIO()
    checkin.qr_code(url).save(png, kind="png", scale=6)
    png.seek(0)
    results = zxingcpp.read_barcodes(Image.open(png))
    assert [r.text for r in results] == [url]


# --- The trainer's screen -----------------------------------------------------------------


def test_the_trainer_screen_shows_the_current_code_and_qr(course, client, login):
    c = course(sessions=started(10), participants=2)
    service.record_attendance(
        c.session, [Mark(c.participants[0].id, AttendanceStatus.PRESENT)], actor=c.trainer
    )
    db.session.commit()
    login(c.trainer)
    response = client.get(f"/sessions/{c.session.id}/checkin")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    # The code of this minute (or of the previous one, if the minute turned meanwhile).
    shown = re.search(
        r'<p class="att-code" aria-label="Code: ([A-Z0-9 ]+)"[^>]*>(\w{3}) (\w{3})</p>', page
    )
    code = shown.group(2) + shown.group(3)
    assert shown.group(1) == " ".join(code)
    assert code in (current(c.session), old_code(c.session, 1))
    assert 'class="segno"' in page
    assert checkin.qr_svg(checkin.scan_url(c.session.id, code)) in page
    # No meta refresh (a script polls state.json), and no site navigation on a projector.
    assert 'http-equiv="refresh"' not in page
    assert "Afmelden" not in page and "Hoofdmenu" not in page and c.trainer.name not in page
    assert '<strong class="att-url">leerplatform.test.example/checkin</strong>' in page
    assert "1</strong> van 2 deelnemers aanwezig" in page
    first = c.participants[0].name.split()
    assert f"<li>{first[0]} {first[-1][0]}.</li>" in page
    assert f'href="/sessions/{c.session.id}/checkin"' in page  # the no-script fallback
    assert "style=" not in page
    state = client.get(f"/sessions/{c.session.id}/checkin/state.json")
    assert "no-store" in state.headers["Cache-Control"]
    data = state.get_json()
    assert data["state"] == "open" and data["present"] == 1 and data["total"] == 2
    assert data["code"] in (current(c.session), old_code(c.session, 1))
    assert data["names"] == [f"{first[0]} {first[-1][0]}."]
    assert data["qr_svg"] == checkin.qr_svg(checkin.scan_url(c.session.id, data["code"]))


@pytest.mark.parametrize(
    ("minutes_ago", "message"),
    [
        (-45, "Inchecken kan vanaf"),  # starts in 45 minutes
        (200, "De sessie is afgelopen"),  # ended 20 minutes ago
    ],
)
def test_the_trainer_screen_shows_no_code_outside_the_window(
    course, client, login, minutes_ago, message
):
    c = course(sessions=started(minutes_ago))
    login(c.trainer)
    page = client.get(f"/sessions/{c.session.id}/checkin").get_data(as_text=True)
    assert message in page
    assert 'class="att-code"' not in page and 'class="segno"' not in page


# --- Checking in --------------------------------------------------------------------------


def test_typing_the_current_code_marks_the_participant_present(course, client, login):
    c = course(sessions=started(5), participants=2)
    person = c.participants[0]
    login(person)
    assert "Typ de code" in client.get("/checkin").get_data(as_text=True)

    response = client.post("/checkin", data={"code": current(c.session).lower()})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/checkin/{c.session.id}/ok")
    db.session.expire_all()
    attendance = db.session.scalar(select(Attendance))
    assert (attendance.user_id, attendance.status, attendance.source) == (
        person.id,
        AttendanceStatus.PRESENT,
        "checkin",
    )
    change = db.session.scalar(select(AttendanceChange))
    assert change.source == "checkin" and change.changed_by_id == person.id

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Je bent ingecheckt" in page and c.activity.title in page

    # Checking in twice is harmless.
    client.post("/checkin", data={"code": current(c.session)})
    assert attendance_count() == 1


def test_the_result_page_says_checked_in_only_when_it_is_recorded(course, client, login):
    c = course(sessions=started(5))
    login(c.participants[0])
    response = client.get(f"/checkin/{c.session.id}/ok")
    assert response.status_code == 302
    assert "Je bent ingecheckt" not in client.get("/checkin").get_data(as_text=True)


def test_scanning_the_qr_code_checks_in_a_logged_in_participant(course, client, login):
    c = course(sessions=started(5))
    login(c.participants[0])
    response = client.get(f"/checkin/{c.session.id}?code={current(c.session)}")
    assert response.status_code == 302
    assert "Je bent ingecheckt" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert attendance_count() == 1


def test_an_old_code_is_refused(course, client, login):
    c = course(sessions=started(5))
    login(c.participants[0])
    response = client.post("/checkin", data={"code": old_code(c.session)})
    assert response.status_code == 200
    assert "Deze code klopt niet of is verlopen" in response.get_data(as_text=True)
    response = client.get(f"/checkin/{c.session.id}?code={old_code(c.session)}")
    assert response.status_code == 400
    assert "Deze code klopt niet of is verlopen" in response.get_data(as_text=True)
    response = client.post("/checkin", data={"code": "ABCDEF"})
    assert "Deze code klopt niet of is verlopen" in response.get_data(as_text=True)
    assert attendance_count() == 0


@pytest.mark.parametrize(
    ("minutes_ago", "message"),
    [
        (-35, "Inchecken voor deze sessie kan nog niet"),  # starts in 35 minutes
        (185, "Inchecken voor deze sessie kan niet meer"),  # ended 5 minutes ago
    ],
)
def test_a_code_outside_the_session_window_is_refused(course, client, login, minutes_ago, message):
    c = course(sessions=started(minutes_ago))
    login(c.participants[0])
    code = current(c.session)  # the right code for this minute, but not now
    response = client.get(f"/checkin/{c.session.id}?code={code}")
    assert response.status_code == 409
    assert message in response.get_data(as_text=True)
    # Typed on /checkin it matches no open session at all.
    response = client.post("/checkin", data={"code": code})
    assert "Deze code klopt niet of is verlopen" in response.get_data(as_text=True)
    assert attendance_count() == 0


def test_the_window_opens_half_an_hour_before_the_start(course, client, login):
    c = course(sessions=started(-29))
    login(c.participants[0])
    response = client.post("/checkin", data={"code": current(c.session)})
    assert response.status_code == 302
    assert attendance_count() == 1


@pytest.mark.parametrize("who", ["outsider", "waitlisted"])
def test_someone_not_enrolled_cannot_check_in(course, client, login, who):
    c = course(sessions=started(5))
    login(getattr(c, who))
    response = client.post("/checkin", data={"code": current(c.session)})
    assert response.status_code == 403
    assert "Je bent niet ingeschreven voor" in response.get_data(as_text=True)
    response = client.get(f"/checkin/{c.session.id}?code={current(c.session)}")
    assert response.status_code == 403
    assert attendance_count() == 0


def test_a_participant_who_must_log_in_lands_back_on_the_check_in(course, client):
    c = course(sessions=started(5))
    person = c.participants[0]
    scan = f"/checkin/{c.session.id}?code={current(c.session)}"
    response = client.get(scan)
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert urlsplit(login_url).path == "/account/login"
    next_url = parse_qs(urlsplit(login_url).query)["next"][0]
    assert next_url == scan
    assert "Je code is onthouden" in client.get(login_url).get_data(as_text=True)
    assert attendance_count() == 0

    response = client.post(login_url, data={"email": person.email, "password": TEST_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == next_url
    # Logging in took a while: the code on the screen has changed since. The check-in
    # still goes through, because the valid scan was remembered for this session.
    stale = f"/checkin/{c.session.id}?code={old_code(c.session, 3)}"
    response = client.get(stale)
    assert response.status_code == 302
    assert "Je bent ingecheckt" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert attendance_count() == 1


def test_the_remembered_scan_is_only_for_that_session(
    course, client, create_activity, create_enrolment
):
    c = course(sessions=started(5))
    other = create_activity(sessions=started(5))
    create_enrolment(other, c.participants[0])
    client.get(f"/checkin/{c.session.id}?code={current(c.session)}")
    client.post(
        "/account/login", data={"email": c.participants[0].email, "password": TEST_PASSWORD}
    )
    response = client.get(f"/checkin/{other.sessions[0].id}?code={old_code(other.sessions[0])}")
    assert response.status_code == 400
    assert attendance_count() == 0


def test_check_in_never_overrides_what_the_trainer_recorded(course, client, login):
    c = course(sessions=started(5))
    person = c.participants[0]
    service.record_attendance(
        c.session, [Mark(person.id, AttendanceStatus.ABSENT)], actor=c.trainer
    )
    db.session.commit()
    login(person)
    response = client.post("/checkin", data={"code": current(c.session)})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Je bent ingecheckt" not in page
    assert "De lesgever registreerde je voor deze sessie als: afwezig" in page
    db.session.expire_all()
    assert db.session.scalar(select(Attendance.status)) == AttendanceStatus.ABSENT


def test_a_trainer_can_correct_a_check_in(course):
    c = course(sessions=started(5))
    person = c.participants[0]
    service.check_in(c.session, person)
    db.session.commit()
    result = service.record_attendance(
        c.session, [Mark(person.id, AttendanceStatus.PARTIAL, 30)], actor=c.trainer
    )
    db.session.commit()
    assert result.corrected == 1
    sources = [
        ch.source
        for ch in db.session.scalars(select(AttendanceChange).order_by(AttendanceChange.id))
    ]
    assert sources == ["checkin", "trainer"]
