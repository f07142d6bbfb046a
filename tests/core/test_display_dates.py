"""Dates on pages follow the reader's language; mail and documents stay Dutch."""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale

from lms.common.display_dates import (
    display_date,
    display_datetime,
    display_month,
    display_period,
    display_short_date,
)
from lms.common.timeutil import brussels


def test_dutch_by_default_english_when_chosen(app):
    start, end = brussels(2026, 3, 3, 9, 30), brussels(2026, 3, 3, 12, 30)
    with app.test_request_context("/"):
        assert display_date(start) == "dinsdag 3 maart 2026"
        assert display_short_date(start) == "3 mrt 2026"
        assert display_datetime(start) == "dinsdag 3 maart 2026 om 09:30"
        assert display_period(start, end) == "dinsdag 3 maart 2026, 09:30–12:30"
        assert display_month(2026, 12) == "december 2026"
        with force_locale("en"):
            assert display_date(start) == "Tuesday 3 March 2026"
            assert display_date(date(2026, 3, 3), weekday=False) == "3 March 2026"
            assert display_short_date(start) == "3 Mar 2026"
            assert display_datetime(start) == "Tuesday 3 March 2026 at 09:30"
            assert display_period(start, end) == "Tuesday 3 March 2026, 09:30–12:30"
            assert display_month(2026, 12) == "December 2026"


def test_a_page_in_english_shows_english_dates(client, create_activity):
    activity = create_activity(title="Wonen op maat", sessions=1)
    session = activity.sessions[0]
    client.set_cookie("lang", "en")
    html = client.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert display_date_in("en", session.starts_at) in html


def display_date_in(locale, value):
    with force_locale(locale):
        return display_date(value)


def test_mail_stays_dutch_when_an_english_reader_causes_it(
    client, login, create_user, create_activity, queued_mails
):
    participant = create_user()
    activity = create_activity(title="Wonen op maat", sessions=1)
    session = activity.sessions[0]
    login(participant)
    client.set_cookie("lang", "en")
    response = client.post(f"/activities/{activity.id}/enrol")
    assert response.status_code in (302, 303)
    (mail,) = queued_mails("enrolment_confirmed")
    assert display_date_in("nl", session.starts_at) in mail.body_text
    assert display_date_in("en", session.starts_at) not in mail.body_text
