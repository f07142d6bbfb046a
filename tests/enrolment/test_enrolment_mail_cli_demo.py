"""Enrolment mails (Dutch, text and HTML), the mail worker passing on expired offers, and
the demo enrolments."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.common.slugs import slugify
from lms.demo import load_demo
from lms.enrolment import queries, service
from lms.extensions import db
from lms.models import Activity, Enrolment, EnrolmentStatus, User, utcnow

EVERY_KIND = {
    "enrolment_confirmed",
    "enrolment_waitlisted",
    "enrolment_promoted",
    "enrolment_offered",
    "enrolment_pending",
    "enrolment_approved",
    "enrolment_rejected",
    "enrolment_cancelled",
    "enrolment_offer_expired",
    "enrolment_activity_cancelled",
}


def test_every_transition_mails_in_dutch_with_text_and_html(
    create_activity, fill, participant, coordinator, queued_mails
):
    course = create_activity(capacity=1, seat_release="offer", title="Klimaat en armoede")
    [seated] = fill(course, 1)
    waiting = fill(course, 2)
    service.cancel(course, seated.user)  # cancelled + offered
    db.session.commit()
    first = db.session.get(Enrolment, waiting[0].id)
    first.offer_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    service.expire_offers()  # offer_expired + offered to the next
    db.session.commit()
    service.accept_offer(waiting[1], actor=waiting[1].user)  # confirmed
    automatic = create_activity(capacity=1)
    [a_seat] = fill(automatic, 1)
    fill(automatic, 1)  # waitlisted
    service.cancel(automatic, a_seat.user)  # promoted
    group = create_activity(kind="intervision", capacity=5)
    asked = [service.enrol(group, participant())[0] for _ in range(2)]  # pending
    service.approve(asked[0], actor=coordinator)  # approved
    service.reject(asked[1], actor=coordinator, reason="De groep is al samengesteld.")
    service.cancel_activity(group, actor=coordinator)  # activity cancelled
    db.session.commit()

    mails = queued_mails()
    assert {m.kind for m in mails} >= EVERY_KIND
    for mail in mails:
        assert mail.body_text.startswith("Dag "), mail.kind
        assert "SAM Leerplatform" in mail.body_text
        assert mail.body_html and "<html" in mail.body_html
        assert "{{" not in mail.body_text and "{%" not in mail.body_text
    offered = [m for m in mails if m.kind == "enrolment_offered"]
    assert "De plaats is voor jou gereserveerd tot " in offered[0].body_text
    assert "Plaats aannemen of doorgeven" in offered[0].body_html


def test_mail_worker_passes_on_expired_offers_each_round(
    app, create_activity, fill, smtp_server, queued_mails
):
    activity = create_activity(capacity=1, seat_release="offer")
    [seated] = fill(activity, 1)
    waiting = fill(activity, 2)
    service.cancel(activity, seated.user)
    db.session.commit()
    first = db.session.get(Enrolment, waiting[0].id)
    first.offer_expires_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["lms", "mail", "send", "--once"])
    assert result.exit_code == 0, result.output
    assert "verlopen aanbiedingen doorgegeven: 1" in result.output
    db.session.expire_all()
    assert db.session.get(Enrolment, waiting[0].id).status == EnrolmentStatus.CANCELLED
    assert db.session.get(Enrolment, waiting[1].id).offer_expires_at is not None
    # The mails about it went out in the same round.
    subjects = [m.subject for m in smtp_server.messages]
    assert any(s.startswith("De vrijgekomen plaats is vervallen") for s in subjects)
    assert any(s.startswith("Er is een plaats vrij voor jou") for s in subjects)


def test_demo_enrolments(app):
    load_demo()
    load_demo()  # idempotent

    def activity(title: str) -> Activity:
        return db.session.scalar(select(Activity).where(Activity.slug == slugify(title)))

    sofie = db.session.scalar(select(User).where(User.email == "deelnemer@sam-demo.be"))
    rows = queries.user_enrolments(sofie.id)
    by_title = {r.enrolment.activity.title: r for r in rows}
    confirmed = [t for t, r in by_title.items() if r.status == EnrolmentStatus.CONFIRMED]
    assert len(confirmed) >= 2
    pending = [t for t, r in by_title.items() if r.status == EnrolmentStatus.PENDING]
    assert any(t.startswith("Intervisie") for t in pending)
    climate = activity("Sociaal werk en duurzaamheid: klimaat en armoede")
    summary = queries.seat_summary(climate)
    assert climate.capacity == 2 and summary.confirmed == 2 and summary.waitlisted >= 2
    assert by_title[climate.title].status == EnrolmentStatus.WAITLISTED
    assert by_title[climate.title].position == 3
