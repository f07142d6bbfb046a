"""Substitution ("vervanging"): a contact sends a colleague in someone's place. The same
seat (count unchanged, nobody of the waiting list moves up), both told, the calendar
invitation moves (CANCEL to the one, REQUEST to the other, with the sessions' UIDs), the
contact gets a copy; the lists and certificates follow the person who goes.

The mails are sent through the strict aiosmtpd (tests/mail/conftest.py) and parsed back
as a mail program reads them."""

from __future__ import annotations

import re

import icalendar
from sqlalchemy import select

from lms.attendance.queries import confirmed_by_activity
from lms.enrolment import queries as enrolment_queries
from lms.enrolment import service as enrolment_service
from lms.extensions import db
from lms.mail.worker import send_due
from lms.models import AuditEntry, Enrolment, EnrolmentStatus, Role
from tests.html import by_id, find_all, flashes, text


def _csrf(html: str) -> str:
    """The page's CSRF token (the test app checks none: then the form has no field)."""
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return found.group(1) if found else ""


def _invitations(mails) -> list[tuple[str, str, str]]:
    """(METHOD, UID, ATTENDEE) of each calendar part in ``mails``."""
    found = []
    for mail in mails:
        part = mail.part("text/calendar")
        if part is None:
            continue
        calendar = icalendar.Calendar.from_ical(part.get_content())
        (event,) = calendar.walk("VEVENT")
        assert part.get_param("method") == str(calendar["METHOD"])
        found.append((str(calendar["METHOD"]), str(event["UID"]), str(event["ATTENDEE"])))
    return found


def test_a_substitution_keeps_the_seat_count_and_moves_the_invitation(
    app, client, login, strict_smtp, create_user, create_activity, create_organisation
):
    organisation = create_organisation("Buurtwerk Noord")
    contact = create_user(
        email="contact@buurtwerk.be",
        name="Carla Contact",
        roles=(Role.PARTICIPANT, Role.ORGANISATION_CONTACT),
        organisation=organisation,
    )
    ann = create_user(email="ann@buurtwerk.be", name="Ann Aerts", organisation=organisation)
    bart = create_user(email="bart@buurtwerk.be", name="Bart Bos", organisation=organisation)
    waiting = create_user(email="wacht@example.org", name="Wim Wachter")
    activity = create_activity(title="Wonen op maat", capacity=1, sessions=2)
    enrolment_service.enrol(activity, ann)
    enrolment_service.enrol(activity, waiting)
    db.session.commit()
    assert send_due().sent >= 2
    strict_smtp.messages.clear()
    before = enrolment_queries.seat_summary(activity)

    login(contact)
    person_page = client.get(f"/organisations/staff/{ann.id}").get_data(as_text=True)
    enrolment = enrolment_queries.enrolment_for(ann.id, activity.id)
    link = next(
        a
        for a in find_all(by_id(person_page, "tabel-lopend"), "a")
        if a["attrs"].get("href") == f"/organisations/enrolments/{enrolment.id}/substitute"
    )
    assert text(link).startswith("Collega in de plaats sturen")
    page = client.get(link["attrs"]["href"]).get_data(as_text=True)
    options = [text(o) for o in find_all(page, "option")]
    assert "Bart Bos" in options and "Ann Aerts" not in options

    response = client.post(
        link["attrs"]["href"], data={"csrf_token": _csrf(page), "replacement": str(bart.id)}
    )
    assert response.status_code == 303
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert flashes(shown) == [
        "Bart Bos neemt de plaats van Ann Aerts in „Wonen op maat” over. Allebei kregen ze "
        "een mail."
    ]

    # The same seat: the counts are as they were; the waiting list did not move.
    db.session.expire_all()
    after = enrolment_queries.seat_summary(activity)
    assert (after.confirmed, after.waitlisted) == (before.confirmed, before.waitlisted)
    statuses = {
        e.user_id: e.status
        for e in db.session.scalars(select(Enrolment).where(Enrolment.activity_id == activity.id))
    }
    assert statuses == {
        ann.id: EnrolmentStatus.CANCELLED,
        bart.id: EnrolmentStatus.CONFIRMED,
        waiting.id: EnrolmentStatus.WAITLISTED,
    }

    send_due()
    uids = sorted(s.uid for s in activity.sessions)
    to_ann = strict_smtp.to("ann@buurtwerk.be")
    to_bart = strict_smtp.to("bart@buurtwerk.be")
    cancel = _invitations(to_ann)
    request = _invitations(to_bart)
    assert sorted(uid for _m, uid, _a in cancel) == uids
    assert {(m, a) for m, _u, a in cancel} == {("CANCEL", "mailto:ann@buurtwerk.be")}
    assert sorted(uid for _m, uid, _a in request) == uids
    assert {(m, a) for m, _u, a in request} == {("REQUEST", "mailto:bart@buurtwerk.be")}
    assert strict_smtp.to("wacht@example.org") == []
    first_to_bart = next(m for m in to_bart if "neem" in m.subject.lower())
    body = first_to_bart.message.get_body(("plain",)).get_content()
    assert "Carla Contact stuurt je in de plaats van Ann Aerts naar „Wonen op maat”" in body
    first_to_ann = next(m for m in to_ann if "overgenomen" in m.subject)
    body = first_to_ann.message.get_body(("plain",)).get_content()
    assert "Carla Contact liet Bart Bos je plaats in „Wonen op maat” overnemen." in body
    (copy,) = strict_smtp.to("contact@buurtwerk.be")
    assert copy.subject == "Bevestiging: vervanging voor Ann Aerts"
    assert "Je liet Bart Bos de plaats van Ann Aerts in „Wonen op maat” overnemen." in (
        copy.message.get_body(("plain",)).get_content()
    )

    # The attendance lists (and so the certificates) follow the person who goes.
    assert [u.id for u in confirmed_by_activity([activity.id])[activity.id]] == [bart.id]
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "enrolment.substitution")
    )
    assert entry is not None and "Bart Bos vervangt Ann Aerts" in entry.summary


def test_a_substitution_refuses_someone_already_enrolled_or_of_another_organisation(
    client, login, create_user, create_activity, create_organisation
):
    organisation = create_organisation("Buurtwerk Noord")
    contact = create_user(
        roles=(Role.PARTICIPANT, Role.ORGANISATION_CONTACT), organisation=organisation
    )
    ann = create_user(name="Ann Aerts", organisation=organisation)
    bart = create_user(name="Bart Bos", organisation=organisation)
    stranger = create_user(name="Sam Vreemd", organisation="Andere vzw")
    activity = create_activity(title="Wonen op maat", capacity=5)
    seat = enrolment_service.enrol(activity, ann).enrolment
    enrolment_service.enrol(activity, bart)
    db.session.commit()
    login(contact)
    path = f"/organisations/enrolments/{seat.id}/substitute"
    page = client.get(path).get_data(as_text=True)
    refused = client.post(path, data={"csrf_token": _csrf(page), "replacement": str(bart.id)})
    assert refused.status_code == 422
    assert "Bart Bos is al ingeschreven voor „Wonen op maat”" in text(
        by_id(refused.get_data(as_text=True), "form-errors")
    )
    refused = client.post(path, data={"csrf_token": _csrf(page), "replacement": str(stranger.id)})
    assert refused.status_code == 422
    db.session.expire_all()
    assert enrolment_queries.enrolment_for(ann.id, activity.id).status == (
        EnrolmentStatus.CONFIRMED
    )
    # Someone else's seat answers as if it did not exist.
    other_seat = enrolment_service.enrol(activity, stranger).enrolment
    db.session.commit()
    assert client.get(f"/organisations/enrolments/{other_seat.id}/substitute").status_code == 404
