"""Erasure leaves the person's name nowhere: not in mail queued to others (a trainer's
notice: recipient name, subject, text, stored facts) nor in the free text of audit
entries about something else."""

from __future__ import annotations

import json

from sqlalchemy import select

from lms import audit
from lms.extensions import db
from lms.models import AuditEntry, MailStatus, OutboxMail
from lms.privacy.erasure import erase_user
from tests.privacy.conftest import EMAIL, NAME


def _mail_to_trainer(trainer, **fields) -> OutboxMail:
    mail = OutboxMail(
        kind="trainer_notice",
        to_email=trainer.email,
        to_name=trainer.name,
        user_id=trainer.id,
        subject=f"Nieuwe deelnemer: {NAME}",
        body_text=f"{NAME} ({EMAIL}) schreef zich in.",
        body_html=f"<p>{NAME} schreef zich in.</p>",
        **fields,
    )
    if hasattr(OutboxMail, "facts"):
        mail.facts = {"participant": {"name": NAME, "email": EMAIL}, "count": 3}
    db.session.add(mail)
    return mail


def test_erasure_scrubs_mail_to_others_and_audit_free_text(person, create_user):
    trainer = create_user(email="trainer@example.org", name="Tine Trainer")
    queued = _mail_to_trainer(trainer)
    sent = _mail_to_trainer(trainer, status=MailStatus.SENT)
    # The person named in the recipient's name of a mail to someone else's address.
    to_office = OutboxMail(
        kind="staff_notice",
        to_email="office@example.org",
        to_name=f"Collega van {NAME}",
        subject="Overzicht",
        body_text="Niets bijzonders.",
    )
    db.session.add(to_office)
    about_activity = audit.record(
        "activity.note",
        actor=person.coordinator,
        activity=person.future,
        summary=f"Plaats vrijgehouden voor {NAME}",
        note=f"Gevraagd door {NAME} via {EMAIL}",
    )
    db.session.commit()
    ids = [queued.id, sent.id, to_office.id]

    erase_user(person.user, actor=person.coordinator)
    db.session.commit()
    db.session.expire_all()

    mails = db.session.scalars(select(OutboxMail).where(OutboxMail.id.in_(ids))).all()
    assert len(mails) == 3  # kept, only the name is gone
    for mail in mails:
        dump = json.dumps(
            [getattr(mail, c, None) for c in ("to_name", "subject", "body_text", "body_html")]
            + [getattr(mail, "facts", None)],
            ensure_ascii=False,
        )
        assert NAME not in dump and EMAIL not in dump, dump
        assert mail.to_email != EMAIL
    (queued_after,) = [m for m in mails if m.id == queued.id]
    assert queued_after.to_name == "Tine Trainer"
    assert "Nieuwe deelnemer:" in queued_after.subject
    if hasattr(OutboxMail, "facts"):
        assert queued_after.facts["count"] == 3

    entry = db.session.get(AuditEntry, about_activity.id)
    assert NAME not in entry.summary and "Plaats vrijgehouden voor" in entry.summary
    assert NAME not in json.dumps(entry.details, ensure_ascii=False)
    assert EMAIL not in json.dumps(entry.details)
