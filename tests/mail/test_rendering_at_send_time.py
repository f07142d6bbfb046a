"""Mail is rendered when the worker sends it, never while a change (and its lock) is made.

The transactions that enrol, approve, promote, cancel and move sessions only write facts
to the outbox: with template rendering, Flask's template context and iCalendar
serialisation made to fail for the duration of those transactions, every change still
succeeds and queues its mails, which the worker then renders and delivers. And what was
queued reads the same when it is sent later, whatever changed in between.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import flask
import icalendar
import jinja2
import pytest
from sqlalchemy import select

from lms.enrolment import service as enrolment
from lms.extensions import db
from lms.mail.rendering import render_outbox_mail
from lms.mail.worker import send_due
from lms.models import MailStatus, OutboxMail, Role, SeatRelease
from lms.schedule import service as schedule


class RenderedUnderLockError(AssertionError):
    pass


@contextmanager
def nothing_rendered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any template rendering, template context or iCalendar text fails inside."""

    def refuse(*_args, **_kwargs):
        raise RenderedUnderLockError("rendered inside the transaction")

    with monkeypatch.context() as patch:
        patch.setattr(jinja2.Template, "render", refuse)
        patch.setattr(jinja2.Template, "generate", refuse)
        patch.setattr(flask.Flask, "update_template_context", refuse)
        patch.setattr(icalendar.cal.Component, "to_ical", refuse)
        yield


def all_mails() -> list[OutboxMail]:
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def test_no_transaction_renders_and_the_worker_renders_everything(
    app, client, monkeypatch, strict_smtp, create_user, create_activity, api_token
):
    trainer = create_user(name="Tine Trainer", roles=(Role.TRAINER,))
    coordinator = create_user(name="Hilde Coördinator", roles=(Role.COORDINATOR,))
    ann, bert, chris, dina = (create_user(name=n) for n in ("Ann", "Bert", "Chris", "Dina"))
    course = create_activity(title="Wonen op maat", capacity=1, sessions=3, trainers=[trainer])
    intake = create_activity(
        kind="intervision", title="Intervisie wonen", capacity=4, sessions=2, requires_approval=True
    )
    offers = create_activity(
        title="Klimaat en armoede", capacity=1, sessions=2, seat_release=SeatRelease.OFFER
    )
    headers = api_token(dina)

    with nothing_rendered(monkeypatch):
        enrolment.enrol(course, ann)  # confirmed, with invitations
        enrolment.enrol(course, bert)  # waiting list
        db.session.commit()
        enrolment.cancel(course, ann)  # CANCEL; Bert promoted
        db.session.commit()
        request, _ = enrolment.enrol(intake, chris)  # pending
        db.session.commit()
        enrolment.approve(request, actor=coordinator)
        db.session.commit()
        enrolment.enrol(offers, ann)
        enrolment.enrol(offers, chris)
        db.session.commit()
        enrolment.cancel(offers, ann)  # the seat is offered to Chris
        db.session.commit()
        session = min(course.sessions, key=lambda s: s.starts_at)
        schedule.reschedule_session(
            session,
            session.starts_at + timedelta(days=1),
            session.ends_at + timedelta(days=1),
            actor=coordinator,
        )
        db.session.commit()
        schedule.cancel_session(session, actor=trainer, reason="Ziek")
        db.session.commit()
        # Through the API, as a web request: no template context is asked for either.
        response = client.post(f"/api/v1/activities/{intake.id}/enrolment", headers=headers)
        assert response.status_code == 201, response.get_data(as_text=True)
        enrolment.cancel_activity(intake, actor=coordinator, reason="Te weinig deelnemers")
        db.session.commit()
        # The trap works: rendering a queued mail here would have failed.
        with pytest.raises(RenderedUnderLockError):
            render_outbox_mail(all_mails()[0])

    mails = all_mails()
    kinds = {mail.kind for mail in mails}
    assert {
        "enrolment_confirmed",
        "session_invitation",
        "enrolment_waitlisted",
        "enrolment_cancelled",
        "enrolment_promoted",
        "enrolment_pending",
        "enrolment_approved",
        "enrolment_offered",
        "session_rescheduled",
        "session_trainer",
        "session_cancelled",
        "session_changed_by_trainer",
        "enrolment_activity_cancelled",
    } <= kinds
    # Rows hold facts, not bodies.
    assert all(mail.facts and mail.body_text is None and mail.ics is None for mail in mails)

    for _round in range(20):
        if not send_due().attempted:
            break
    db.session.expire_all()
    assert {mail.status for mail in all_mails()} == {MailStatus.SENT}
    assert len(strict_smtp.messages) == len(mails)
    promoted = next(m for m in strict_smtp.messages if "Er is een plaats vrij" in m.subject)
    assert "Goed nieuws: er kwam een plaats vrij in „Wonen op maat”" in (
        promoted.message.get_body(("plain",)).get_content()
    )
    assert promoted.part("text/calendar").get_param("method") == "REQUEST"


def test_a_mail_reads_as_it_was_when_queued(app, strict_smtp, create_user, create_activity):
    ann = create_user(name="Ann Peeters")
    course = create_activity(title="Wonen op maat", capacity=5, sessions=1)
    session = course.sessions[0]
    enrolment.enrol(course, ann)
    db.session.commit()
    (row,) = all_mails()
    first_day = session.starts_at

    # A day later, before the worker runs: the activity is renamed and the session moved.
    course.title = "Wonen anders"
    session.location = "Zaal Nieuw, Brussel"
    session.starts_at += timedelta(days=7)
    session.ends_at += timedelta(days=7)
    session.touch()
    db.session.commit()

    rendered = render_outbox_mail(row)
    assert rendered.subject == "Je bent ingeschreven: Wonen op maat"
    assert "Je bent ingeschreven voor „Wonen op maat”" in rendered.text
    assert "Wonen anders" not in rendered.text and "Zaal De Kring, Gent" in rendered.text
    assert "Wonen op maat" in rendered.html
    calendar = icalendar.Calendar.from_ical(rendered.invitation.ics)
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == first_day and event["SEQUENCE"] == 0

    assert send_due().sent == 1
    (mail,) = strict_smtp.messages
    body = mail.message.get_body(("plain",)).get_content()
    assert "„Wonen op maat”" in body and "Wonen anders" not in body
