"""The online meeting link is for people with a confirmed seat: a seat offered from the
waiting list (not yet taken), a place on the waiting list or a request does not show it."""

from __future__ import annotations

from lms.enrolment import service
from lms.extensions import db
from lms.models import SeatRelease

LINK = "https://meet.example/sam-overleg"


def test_the_seat_offer_mail_does_not_show_the_meeting_link_until_the_seat_is_taken(
    create_user, create_activity, queued_mails
):
    ann = create_user(email="ann@example.org")
    bart = create_user(email="bart@example.org")
    activity = create_activity(
        capacity=1, location="", online_url=LINK, seat_release=SeatRelease.OFFER
    )
    service.enrol(activity, ann)
    service.enrol(activity, bart)
    db.session.commit()
    (waitlisted,) = queued_mails(kind="enrolment_waitlisted", to="bart@example.org")
    assert LINK not in waitlisted.body_text and LINK not in waitlisted.body_html

    service.cancel(activity, ann)
    db.session.commit()
    (offered,) = queued_mails(kind="enrolment_offered", to="bart@example.org")
    assert LINK not in offered.body_text and LINK not in offered.body_html

    enrolment = service.queries.enrolment_for(bart.id, activity.id)
    service.accept_offer(enrolment, actor=bart)
    db.session.commit()
    (confirmed,) = [
        m
        for m in queued_mails(to="bart@example.org")
        if m.kind.startswith("enrolment_")
        and m.kind not in ("enrolment_waitlisted", "enrolment_offered")
    ]
    assert f"Online: {LINK}" in confirmed.body_text
