"""An interest-list mail carries a one-click unsubscribe (RFC 8058) to its own stop link,
and a mail program's POST to that link stops the list without login or CSRF token."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from lms.activities.copy_edition import copy_activity
from lms.common.timeutil import to_local
from lms.extensions import db
from lms.interest import service as interest_service
from lms.mail.worker import send_due
from lms.models import Interest, Role, utcnow


def test_interest_mail_offers_one_click_unsubscribe_to_its_stop_link(
    app, strict_smtp, create_user, create_activity
):
    coordinator = create_user(roles=(Role.COORDINATOR,))
    ann = create_user(name="Ann Aerts", email="ann@example.org")
    course = create_activity(title="Straathoekwerk in de praktijk")
    interest_service.subscribe(ann, activity=course)
    db.session.commit()
    edition = copy_activity(
        course, first_day=to_local(utcnow() + timedelta(days=60)).date(), actor=coordinator
    )
    db.session.commit()
    interest_service.activity_published(edition)
    db.session.commit()
    assert send_due().sent == 1

    (received,) = strict_smtp.to("ann@example.org")
    message = received.message
    header = str(message["List-Unsubscribe"]).strip()
    assert header.startswith("<") and header.endswith(">")
    url = header[1:-1]
    assert "/op-de-hoogte/stop/" in urlsplit(url).path
    assert str(message["List-Unsubscribe-Post"]).strip() == "List-Unsubscribe=One-Click"
    body = message.get_body(("plain",)).get_content()
    assert url in body  # the same stop link the person can click

    # What a mail program does: a POST of exactly this body, no cookie, no CSRF token.
    mail_program = app.test_client()
    response = mail_program.post(
        urlsplit(url).path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert db.session.query(Interest).filter_by(user_id=ann.id).count() == 0
