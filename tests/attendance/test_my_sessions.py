"""Mijn sessies (trainers) and a participant's own attendance page."""

from __future__ import annotations

import re
from datetime import timedelta

from lms.attendance import service
from lms.attendance.service import Mark
from lms.common.timeutil import to_local
from lms.extensions import db
from lms.models import AttendanceStatus, Role, utcnow
from tests.factories import create_enrolment
from tests.html import table_rows


def section(page: str, heading_id: str) -> str:
    """The HTML of one section of Mijn sessies."""
    return page.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


def test_today_first_then_upcoming_and_recent_with_participants_and_state(
    course, client, login, create_activity
):
    now = utcnow().replace(second=0, microsecond=0)
    c = course(
        title="Wonen op maat",
        sessions=[
            (now - timedelta(days=7), now - timedelta(days=7) + timedelta(hours=2)),
            (now - timedelta(minutes=30), now + timedelta(minutes=90)),
            (now + timedelta(days=5), now + timedelta(days=5, hours=2)),
        ],
        names=["Zoë Ağaoğlu-Łukasiewicz", "Jan Peeters"],
    )
    past, running, upcoming = c.sessions
    service.record_attendance(
        running, [Mark(c.participants[0].id, AttendanceStatus.PRESENT)], actor=c.trainer
    )
    db.session.commit()
    # Someone else's activity does not show.
    create_activity(title="Andermans cursus", trainers=[c.other_trainer])

    login(c.trainer)
    page = client.get("/my/sessions").get_data(as_text=True)
    assert "Andermans cursus" not in page
    today, soon, recent = (
        section(page, "vandaag"),
        section(page, "binnenkort"),
        section(page, "recent"),
    )
    assert page.index('id="vandaag"') < page.index('id="binnenkort"') < page.index('id="recent"')
    if to_local(running.starts_at).date() == to_local(now).date():
        assert f"sessie-{running.id}" in today
    else:  # just after midnight: it started yesterday
        assert f"sessie-{running.id}" in recent
    assert f"sessie-{upcoming.id}" in soon and f"sessie-{past.id}" in recent
    # The running session: its participants, organisations and attendance state.
    card = page.split(f'id="sessie-{running.id}"', 1)[1].split("</article>", 1)[0]
    assert "1/2 geregistreerd" in card
    assert "Zoë Ağaoğlu-Łukasiewicz" in card and "Organisatie Ağaoğlu-Łukasiewicz" in card
    assert "Jan Peeters" in card and "niet geregistreerd" in card
    assert c.waitlisted.name not in card
    assert f"/sessions/{running.id}/attendance" in card
    assert f"/sessions/{running.id}/checkin" in card  # check-in is open now
    assert f"/sessions/{running.id}/attendance.pdf" in card
    # The upcoming session cannot take attendance yet.
    future_card = page.split(f'id="sessie-{upcoming.id}"', 1)[1].split("</article>", 1)[0]
    assert f'/sessions/{upcoming.id}/attendance"' not in future_card
    assert "2 deelnemers" in future_card
    # The past session with nothing recorded says so.
    past_card = page.split(f'id="sessie-{past.id}"', 1)[1].split("</article>", 1)[0]
    assert "0/2 geregistreerd" in past_card


def test_the_query_count_does_not_grow_with_sessions_and_people(
    course, client, login, create_user, create_activity, count_queries
):
    def measure(c):
        login(c.trainer)
        client.get("/my/sessions")  # warm up (first request loads things once)
        with count_queries() as counter:
            response = client.get("/my/sessions")
        assert response.status_code == 200
        assert counter.count <= 10, counter
        return counter.count

    now = utcnow().replace(second=0, microsecond=0)
    small = course(sessions=[(now - timedelta(hours=1), now + timedelta(hours=1))], participants=1)
    small_count = measure(small)

    big = course(
        sessions=[
            (now + timedelta(days=d) - timedelta(hours=1), now + timedelta(days=d, hours=1))
            for d in (-3, 0, 2, 9)
        ],
        participants=6,
    )
    for index in range(4):
        extra = create_activity(
            title=f"Extra {index}",
            sessions=[
                (now + timedelta(days=d), now + timedelta(days=d, hours=2)) for d in (-2, 4, 11)
            ],
            trainers=[big.trainer],
        )
        for person in big.participants:
            create_enrolment(extra, person)
        service.record_attendance(
            extra.sessions[0],
            [Mark(p.id, AttendanceStatus.PRESENT) for p in big.participants],
            actor=big.trainer,
        )
    db.session.commit()
    assert measure(big) == small_count


def test_a_coordinator_can_see_every_activity(course, client, login, create_user):
    now = utcnow().replace(second=0, microsecond=0)
    c = course(
        title="Cursus X", sessions=[(now + timedelta(days=2), now + timedelta(days=2, hours=1))]
    )
    login(c.coordinator)
    page = client.get("/my/sessions").get_data(as_text=True)
    assert "Cursus X" in page  # a coordinator who runs nothing sees everything
    assert "Alle activiteiten" in page
    both = create_user(roles=(Role.COORDINATOR, Role.TRAINER))
    login(both)
    assert "Cursus X" not in client.get("/my/sessions").get_data(as_text=True)
    assert "Cursus X" in client.get("/my/sessions?alle=1").get_data(as_text=True)


def test_a_programme_trainer_sees_the_module_sessions(
    course, client, login, create_user, create_activity
):
    now = utcnow().replace(second=0, microsecond=0)
    lead = create_user(name="Paula Programma", roles=(Role.TRAINER,))
    programme = create_activity(
        kind="programme", title="Beroepsopleiding", sessions=[], trainers=[lead]
    )
    create_activity(
        title="Module 1",
        parent=programme,
        sessions=[(now + timedelta(days=3), now + timedelta(days=3, hours=2))],
    )
    login(lead)
    page = client.get("/my/sessions").get_data(as_text=True)
    assert "Module 1" in page and "module van" in page and "Beroepsopleiding" in page


# --- A participant's own attendance ------------------------------------------------------


def test_a_participant_sees_their_attendance_per_session_and_their_hours(course, client, login):
    now = utcnow().replace(second=0, microsecond=0)
    c = course(
        sessions=[
            (now - timedelta(days=14), now - timedelta(days=14) + timedelta(hours=3)),
            (now - timedelta(days=7), now - timedelta(days=7) + timedelta(hours=3)),
            (now - timedelta(days=1), now - timedelta(days=1) + timedelta(hours=3)),
            (now + timedelta(days=6), now + timedelta(days=6, hours=3)),
        ],
        participants=2,
    )
    me, other = c.participants
    s1, s2, s3, _s4 = c.sessions
    service.record_attendance(s1, [Mark(me.id, AttendanceStatus.PRESENT)], actor=c.trainer)
    service.record_attendance(
        s2,
        [Mark(me.id, AttendanceStatus.PARTIAL, 90), Mark(other.id, AttendanceStatus.PRESENT)],
        actor=c.trainer,
    )
    service.record_attendance(s3, [Mark(me.id, AttendanceStatus.EXCUSED)], actor=c.trainer)
    db.session.commit()

    login(me)
    page = client.get(f"/my/activities/{c.activity.id}/attendance").get_data(as_text=True)
    assert "Mijn aanwezigheden" in page
    assert "<strong>4 u 30 min</strong> van 12 u gepland" in page
    assert "(37,5 %)" in page  # 270 of 720 minutes: one decimal, as everywhere
    rows = table_rows(page, "Aanwezigheid per sessie")
    assert [row[1:] for row in rows] == [
        ["aanwezig", "3 u"],
        ["deels aanwezig (90 min)", "1 u 30 min"],
        ["verontschuldigd", "–"],
        ["nog niet begonnen", "–"],
    ]
    assert other.name not in page


def test_the_own_attendance_page_is_only_for_enrolled_people(course, client, login):
    c = course(participants=1)
    login(c.outsider)
    assert client.get(f"/my/activities/{c.activity.id}/attendance").status_code == 404
    login(c.waitlisted)  # enrolled in some way: sees the (empty) page
    response = client.get(f"/my/activities/{c.activity.id}/attendance")
    assert response.status_code == 200
    assert "wachtlijst" in response.get_data(as_text=True)
    assert client.get("/my/activities/999999/attendance").status_code == 404


def test_cancelled_sessions_show_as_cancelled_and_do_not_count(course, client, login):
    from lms.schedule.service import cancel_session

    now = utcnow().replace(second=0, microsecond=0)
    c = course(
        sessions=[(now + timedelta(days=d), now + timedelta(days=d, hours=2)) for d in (3, 10)],
        participants=1,
    )
    cancel_session(c.sessions[1], actor=c.trainer)
    db.session.commit()
    login(c.participants[0])
    page = client.get(f"/my/activities/{c.activity.id}/attendance").get_data(as_text=True)
    assert "geannuleerd" in page and "van 2 u gepland" in page
    assert re.search(r"session-cancelled", page)
    assert "<dd>Ingeschreven</dd>" in page  # the one vocabulary (lms/common/vocabulary.py)
