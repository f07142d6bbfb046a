"""Taking attendance: who appears, when it is allowed, partial minutes, corrections, history."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from lms.attendance import service
from lms.attendance.service import AttendanceError, Mark
from lms.extensions import db
from lms.models import (
    Attendance,
    AttendanceChange,
    AttendanceStatus,
    AuditEntry,
    EnrolmentStatus,
    utcnow,
)

P, A, E, D = (
    AttendanceStatus.PRESENT,
    AttendanceStatus.ABSENT,
    AttendanceStatus.EXCUSED,
    AttendanceStatus.PARTIAL,
)


def soon(hours=2):
    start = utcnow().replace(second=0, microsecond=0) + timedelta(hours=hours)
    return [(start, start + timedelta(hours=3))]


def count(model):
    return db.session.scalar(select(func.count(model.id)))


class _Radios(HTMLParser):
    """The checked radio buttons of a page: (name, value) pairs."""

    def __init__(self) -> None:
        super().__init__()
        self.checked: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "input" and found.get("type") == "radio" and "checked" in found:
            self.checked.append((found.get("name", ""), found.get("value", "")))


class _AllRadios(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.radios: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "input" and found.get("type") == "radio":
            self.radios.append((found.get("name", ""), found.get("value", "")))


def _radios(page):
    """Every radio button of a page, in document order: (name, value)."""
    parser = _AllRadios()
    parser.feed(page)
    return parser.radios


def checked(page, value):
    """Names of the radio groups where ``value`` is checked."""
    parser = _Radios()
    parser.feed(page)
    return [name for name, chosen in parser.checked if chosen == value]


def records(session):
    db.session.expire_all()
    return {
        a.user_id: a
        for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))
    }


def test_a_session_that_has_not_started_is_refused_with_a_clear_message(
    course, client, login, api_token
):
    c = course(sessions=soon(2))
    login(c.trainer)
    page = client.get(f"/sessions/{c.session.id}/attendance").get_data(as_text=True)
    assert 'id="att-in-advance"' in page
    # Before the start the grid offers only "verontschuldigd", for everyone who is coming.
    assert _radios(page) == [(f"status_{p.id}", "excused") for p in c.participants]

    response = client.post(
        f"/sessions/{c.session.id}/attendance",
        data={f"status_{c.participants[0].id}": "present", "save": "1"},
    )
    assert response.status_code == 409
    assert "Deze sessie is nog niet begonnen" in response.get_data(as_text=True)

    api = client.put(
        f"/api/v1/sessions/{c.session.id}/attendance",
        json={"records": [{"email": c.participants[0].email, "status": "present"}]},
        headers=api_token(c.trainer),
    )
    assert api.status_code == 409
    assert "nog niet begonnen" in api.get_json()["error"]

    with pytest.raises(AttendanceError) as info:
        service.record_attendance(c.session, [Mark(c.participants[0].id, P)], actor=c.trainer)
    assert info.value.code == "not_started"
    assert count(Attendance) == 0 and count(AttendanceChange) == 0


def test_a_trainer_records_an_excused_absence_on_the_page_before_the_start(course, client, login):
    c = course(sessions=soon(30), participants=2)
    login(c.trainer)
    absent, coming = c.participants
    response = client.post(
        f"/sessions/{c.session.id}/attendance",
        data={f"status_{absent.id}": "excused", f"remark_{absent.id}": "ziek gemeld", "save": "1"},
    )
    assert response.status_code == 302
    saved = records(c.session)
    assert set(saved) == {absent.id}
    assert saved[absent.id].status == E and saved[absent.id].remark == "ziek gemeld"
    page = client.get(f"/sessions/{c.session.id}/attendance").get_data(as_text=True)
    assert checked(page, "excused") == [f"status_{absent.id}"]
    assert coming.id not in saved


def test_only_confirmed_participants_appear_and_can_be_marked(course, client, login):
    c = course(participants=2)
    login(c.trainer)
    page = client.get(f"/sessions/{c.session.id}/attendance").get_data(as_text=True)
    for person in c.participants:
        assert person.name in page and f'name="status_{person.id}"' in page
    assert c.waitlisted.name not in page and c.outsider.name not in page
    assert "0/2 geregistreerd" in page

    for user in (c.waitlisted, c.outsider):
        with pytest.raises(AttendanceError) as info:
            service.record_attendance(c.session, [Mark(user.id, P)], actor=c.trainer)
        assert info.value.code == "not_enrolled"
    # Posting a made-up field for someone else changes nothing either.
    client.post(
        f"/sessions/{c.session.id}/attendance",
        data={f"status_{c.outsider.id}": "present", "save": "1"},
    )
    assert count(Attendance) == 0


def test_everyone_present_then_the_exceptions(course, client, login):
    c = course(participants=3)
    a, b, third = c.participants
    login(c.trainer)
    url = f"/sessions/{c.session.id}/attendance"

    # "Iedereen aanwezig" (without JavaScript) fills in the empty rows but saves nothing.
    response = client.post(url, data={f"status_{b.id}": "absent", "all_present": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "staan nu op aanwezig" in page and "nog niet opgeslagen" in page
    assert len(checked(page, "present")) == 2
    assert count(Attendance) == 0

    # The trainer then changes the exceptions and saves once.
    response = client.post(
        url,
        data={
            f"status_{a.id}": "present",
            f"status_{b.id}": "absent",
            f"status_{third.id}": "partial",
            f"minutes_{third.id}": "90",
            "save": "1",
        },
    )
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Aanwezigheden opgeslagen: 3 geregistreerd." in page
    assert "3/3 geregistreerd" in page
    saved = records(c.session)
    assert (saved[a.id].status, saved[b.id].status) == (P, A)
    assert (saved[third.id].status, saved[third.id].minutes) == (D, 90)
    assert all(r.source == "trainer" and r.recorded_by_id == c.trainer.id for r in saved.values())
    changes = list(db.session.scalars(select(AttendanceChange)))
    assert len(changes) == 3 and all(ch.old_status is None for ch in changes)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "attendance.recorded"))
    assert entry.details["count"] == 3 and entry.actor_id == c.trainer.id


def test_rows_left_empty_stay_unrecorded(course, client, login):
    c = course(participants=2)
    a, _b = c.participants
    login(c.trainer)
    client.post(
        f"/sessions/{c.session.id}/attendance", data={f"status_{a.id}": "excused", "save": "1"}
    )
    page = client.get(f"/sessions/{c.session.id}/attendance").get_data(as_text=True)
    assert "Nog 1 persoon zonder registratie." in page
    assert set(records(c.session)) == {a.id}


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        ("", "Vul in hoeveel minuten de persoon er was (1 tot 180)."),
        ("0", "Kies een aantal minuten tussen 1 en 180."),
        ("181", "Kies een aantal minuten tussen 1 en 180."),
        ("veel", "Vul een geheel aantal minuten in."),
    ],
)
def test_partial_attendance_needs_minutes_within_the_session(
    course, client, login, minutes, message
):
    c = course(participants=2)
    a, b = c.participants
    login(c.trainer)
    response = client.post(
        f"/sessions/{c.session.id}/attendance",
        data={
            f"status_{a.id}": "present",
            f"status_{b.id}": "partial",
            f"minutes_{b.id}": minutes,
            "save": "1",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert f'href="#minutes_{b.id}"' in page  # the summary links to the field
    assert checked(page, "partial") == [f"status_{b.id}"]  # nothing typed is lost
    assert count(Attendance) == 0  # one bad row refuses them all


def test_minutes_are_ignored_unless_partial(course):
    c = course(participants=1)
    person = c.participants[0]
    service.record_attendance(c.session, [Mark(person.id, P, 45)], actor=c.trainer)
    db.session.commit()
    assert records(c.session)[person.id].minutes is None


def test_a_correction_keeps_the_earlier_value_in_the_history(course, client, login):
    c = course(participants=2)
    a, b = c.participants
    service.record_attendance(c.session, [Mark(a.id, A), Mark(b.id, P)], actor=c.trainer)
    db.session.commit()

    login(c.coordinator)
    response = client.post(
        f"/sessions/{c.session.id}/attendance",
        data={
            f"status_{a.id}": "partial",
            f"minutes_{a.id}": "60",
            f"status_{b.id}": "present",
            "save": "1",
        },
    )
    assert response.status_code == 302
    assert "1 gecorrigeerd" in client.get(response.headers["Location"]).get_data(as_text=True)

    saved = records(c.session)[a.id]
    assert (saved.status, saved.minutes, saved.recorded_by_id) == (D, 60, c.coordinator.id)
    history = list(
        db.session.scalars(
            select(AttendanceChange)
            .where(AttendanceChange.attendance_id == saved.id)
            .order_by(AttendanceChange.id)
        )
    )
    assert [(h.old_status, h.new_status) for h in history] == [(None, A), (A, D)]
    assert history[1].old_minutes is None and history[1].new_minutes == 60
    assert history[1].changed_by_id == c.coordinator.id and history[1].source == "trainer"
    corrected = list(
        db.session.scalars(select(AuditEntry).where(AuditEntry.action == "attendance.corrected"))
    )
    assert len(corrected) == 1  # b was unchanged
    assert corrected[0].subject_user_id == a.id
    assert corrected[0].details["old_status"] == "absent"
    assert "gewijzigd van afwezig naar deels aanwezig (60 min)" in corrected[0].summary

    page = client.get(f"/sessions/{c.session.id}/attendance/history").get_data(as_text=True)
    assert "Geschiedenis van de aanwezigheden" in page
    assert "Cora Coördinator" in page and "Karel Lesgever" in page
    rows = re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>")[1], re.S)
    assert len(rows) == 3  # a twice, b once; newest first
    assert "<strong>deels aanwezig</strong> (60 min)" in rows[0] and "afwezig" in rows[0]
    assert "niet geregistreerd" in rows[-1]


def test_a_cancelled_session_takes_no_attendance(course):
    from lms.schedule.service import cancel_session

    c = course(participants=1)
    cancel_session(c.session, actor=c.trainer)
    db.session.commit()
    with pytest.raises(AttendanceError) as info:
        service.record_attendance(c.session, [Mark(c.participants[0].id, P)], actor=c.trainer)
    assert info.value.code == "cancelled"


def test_attendance_of_someone_who_cancelled_later_stays_but_they_leave_the_list(
    course, client, login
):
    c = course(participants=2)
    a, b = c.participants
    service.record_attendance(c.session, [Mark(a.id, P)], actor=c.trainer)
    db.session.commit()
    enrolment = next(e for e in db.session.scalars(select_enrolments(a.id)))
    enrolment.status = EnrolmentStatus.CANCELLED
    db.session.commit()
    login(c.trainer)
    page = client.get(f"/sessions/{c.session.id}/attendance").get_data(as_text=True)
    assert a.name not in page and b.name in page
    assert a.id in records(c.session)


def select_enrolments(user_id):
    from lms.models import Enrolment

    return select(Enrolment).where(Enrolment.user_id == user_id)


def test_the_form_is_usable_on_a_phone_without_javascript(course, client, login):
    c = course(participants=1)
    login(c.trainer)
    page = client.get(f"/sessions/{c.session.id}/attendance").get_data(as_text=True)
    person = c.participants[0]
    # One fieldset per person, labelled by their name, with four labelled radio buttons.
    assert f'<fieldset id="status_{person.id}"' in page
    assert f'<legend class="att-name">{person.name}' in page
    for value, label in (
        ("present", "aanwezig"),
        ("absent", "afwezig"),
        ("excused", "verontschuldigd"),
        ("partial", "deels aanwezig"),
    ):
        assert f'value="{value}"' in page
        assert f'<span class="att-long">{label}</span>' in page
        assert f'aria-label="{label}"' in page
    # In the order of the grid (aanwezig, deels, verontschuldigd, afwezig), with the
    # short words a phone shows; the search box appears only with the script.
    assert [v for _n, v in _radios(page) if _n == f"status_{person.id}"] == [
        "present",
        "partial",
        "excused",
        "absent",
    ]
    assert '<span class="att-short" aria-hidden="true">Ver.</span>' in page
    assert "data-att-search-box" in page and '<label class="att-search" hidden' in page
    assert f'name="arrived_{person.id}"' in page and f'name="left_{person.id}"' in page
    assert f'name="remark_{person.id}"' in page
    assert 'name="all_present"' in page and 'name="save"' in page
    assert 'type="number"' in page and 'inputmode="numeric"' in page
    assert "style=" not in page and "onclick" not in page
    assert "js/attendance.js" in page
