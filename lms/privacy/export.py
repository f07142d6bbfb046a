"""A copy of everything held about one person (art. 15 and 20 GDPR).

:func:`export_user_data` returns a JSON-ready dict in a fixed number of queries, however
much there is. It flushes nothing and writes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from lms.common.timeutil import iso
from lms.common.urls import absolute_url
from lms.enrolment import billing
from lms.enrolment import queries as enrolment_queries
from lms.extensions import db
from lms.intake import queries as intake_queries
from lms.interest import queries as interest_queries
from lms.models import (
    Activity,
    ActivitySession,
    ApiToken,
    Attendance,
    AuditEntry,
    Certificate,
    Enrolment,
    EnrolmentStatus,
    MailStatus,
    OutboxMail,
    User,
    activity_trainers,
    utcnow,
)
from lms.privacy.settings import retention

EXPORT_FORMAT = "sam-leerplatform-persoonsgegevens"
EXPORT_VERSION = 1

# --- A copy of everything (art. 15 / 20) ------------------------------------------------------


def export_user_data(user: User, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything held about ``user``, ready for ``json.dumps``.

    Left out on purpose: password and token hashes (secrets, not information about the
    person), the calendar feed URL (a secret; the subscription page shows it), mail
    bodies (see ``notes``), and audit entries of what the person did to *others* (their
    data, art. 15(4)).
    """
    now = now or utcnow()
    me = user.id
    person = db.session.scalar(
        select(User).where(User.id == me).options(joinedload(User.organisation))
    )
    assert person is not None
    enrolments = list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.user_id == me)
            .options(joinedload(Enrolment.activity), selectinload(Enrolment.events))
            .order_by(Enrolment.created_at, Enrolment.id)
        ).unique()
    )
    positions = enrolment_queries.waitlist_positions(
        e.activity_id for e in enrolments if e.status == EnrolmentStatus.WAITLISTED
    )
    attendances = list(
        db.session.scalars(
            select(Attendance)
            .where(Attendance.user_id == me)
            .options(
                joinedload(Attendance.session).joinedload(ActivitySession.activity),
                selectinload(Attendance.changes),
            )
            .order_by(Attendance.recorded_at, Attendance.id)
        ).unique()
    )
    certificates = list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == me)
            .order_by(Certificate.issued_at, Certificate.id)
        )
    )
    mails = db.session.execute(
        select(
            OutboxMail.kind,
            OutboxMail.subject,
            OutboxMail.created_at,
            OutboxMail.sent_at,
            OutboxMail.status,
        )
        .where(or_(OutboxMail.user_id == me, OutboxMail.to_email == person.email))
        .order_by(OutboxMail.created_at, OutboxMail.id)
    ).all()
    entries = list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.subject_user_id == me)
            .order_by(AuditEntry.at, AuditEntry.id)
        )
    )
    tokens = list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == me).order_by(ApiToken.created_at)
        )
    )
    trained = list(
        db.session.execute(
            select(Activity.id, Activity.title)
            .join(activity_trainers, activity_trainers.c.activity_id == Activity.id)
            .where(activity_trainers.c.user_id == me)
            .order_by(Activity.id)
        )
    )

    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "generated_at": iso(now),
        "notes": _export_notes(),
        "profile": {
            "id": person.id,
            "email": person.email,
            "name": person.name,
            "organisation": (
                {"id": person.organisation.id, "name": person.organisation.name}
                if person.organisation is not None
                else None
            ),
            "roles": sorted(role.value for role in person.roles),
            "locale": person.locale,
            "active": person.active,
            "created_at": iso(person.created_at),
            "last_login_at": iso(person.last_login_at),
        },
        "enrolments": [_enrolment(e, positions.get(e.id), me) for e in enrolments],
        "attendance": [_attendance(att, me) for att in attendances],
        "certificates": [
            {
                "code": c.code,
                "activity_id": c.activity_id,
                "issued_at": iso(c.issued_at),
                "revoked_at": iso(c.revoked_at),
                "revoke_reason": c.revoke_reason or None,
                "verify_url": absolute_url("certificates.verify", code=c.code),
                "snapshot": c.snapshot,
            }
            for c in certificates
        ],
        "mails": [
            {
                "kind": kind,
                "subject": subject,
                "created_at": iso(created_at),
                "sent_at": iso(sent_at),
                "status": MailStatus(status).value,
            }
            for kind, subject, created_at, sent_at, status in mails
        ],
        "audit": [
            {
                "at": iso(entry.at),
                "action": entry.action,
                "summary": entry.summary,
                "by_you": entry.actor_id == me,
                "activity_id": entry.activity_id,
            }
            for entry in entries
        ],
        "api_tokens": [
            {
                "label": t.label,
                "created_at": iso(t.created_at),
                "last_used_at": iso(t.last_used_at),
                "revoked_at": iso(t.revoked_at),
            }
            for t in tokens
        ],
        "calendar_feed": {"exists": bool(person.feed_selector and person.feed_secret)},
        "trainer_of": [{"activity_id": a_id, "title": title} for a_id, title in trained],
        "intake_answers": [
            {"activity_id": activity_id, "question": question, "answer": answer}
            for activity_id, question, answer in intake_queries.answers_of_user(me)
        ],
        "billing": _billing(me),
        "interest_lists": [
            {
                "activity_id": interest.activity_id,
                "theme": interest.theme.name if interest.theme is not None else None,
                "since": iso(interest.created_at),
            }
            for interest in interest_queries.interests_of_user(me)
        ],
    }


def _billing(me: int) -> dict[str, Any]:
    """The invoice details remembered for the next paid enrolment, and what was agreed for
    each paid enrolment (amount, whom to invoice, when the seat was billed or given up)."""
    profile, charges = billing.details_of_user(me)
    return {
        "remembered_details": None
        if profile is None
        else {
            "invoice_to": profile.invoice_to,
            "organisation_name": profile.organisation_name,
            "reference": profile.reference,
            "billing_email": profile.billing_email,
        },
        "charges": [
            {
                "enrolment_id": charge.enrolment_id,
                "amount_eur": f"{charge.amount:.2f}",
                "member_price": charge.member_price,
                "invoice_to": charge.invoice_to,
                "organisation_name": charge.organisation_name,
                "reference": charge.reference,
                "billing_email": charge.billing_email,
                "agreed_at": iso(charge.agreed_at),
                "seat_confirmed_at": iso(charge.seat_confirmed_at),
                "cancelled_at": iso(charge.cancelled_at),
                "cancellation_billable": charge.cancellation_billable,
            }
            for charge in charges
        ],
    }


def _export_notes() -> dict[str, str]:
    days = retention("MAIL_RETENTION_DAYS")
    return {
        "mails": (
            "Van elke mail aan jou staan hier soort, onderwerp, datum en status, niet de "
            "inhoud: die wordt gemaakt uit gegevens die al in dit bestand staan, en bevat "
            "soms eenmalige geheime links (een nieuw wachtwoord kiezen, een vrijgekomen "
            "plaats aannemen) die niet in een bestand op je computer horen. Verzonden mail "
            f"wordt na {days} dagen gewist. Wil je toch de inhoud, vraag het aan SAM."
        ),
        "calendar_feed": (
            "De geheime link van je agenda-abonnement staat niet in dit bestand; je vindt hem "
            "op de pagina Agenda-abonnement."
        ),
        "api_tokens": (
            "Van je API-sleutels bewaren we alleen een onomkeerbare vingerafdruk; die staat "
            "hier niet in."
        ),
        "audit": (
            "Het logboek van wijzigingen aan jouw gegevens (inschrijvingen, attesten, je "
            "account). Wat jij voor anderen deed, staat in hun gegevens, niet hier."
        ),
    }


def _enrolment(enrolment: Enrolment, position: int | None, me: int) -> dict[str, Any]:
    activity = enrolment.activity
    return {
        "activity_id": activity.id,
        "activity_title": activity.title,
        "activity_kind": activity.kind.value,
        "status": enrolment.status.value,
        "waitlist_position": position,
        "created_at": iso(enrolment.created_at),
        "updated_at": iso(enrolment.updated_at),
        "offer_expires_at": iso(enrolment.offer_expires_at),
        "reason": enrolment.reason or None,
        "enrolled_by_someone_else": enrolment.enrolled_by_id not in (None, me),
        "events": [
            {
                "at": iso(event.at),
                "from_status": event.from_status.value if event.from_status else None,
                "to_status": event.to_status.value,
                "by_you": event.actor_id == me,
                "note": event.note or None,
            }
            for event in enrolment.events
        ],
    }


def _attendance(attendance: Attendance, me: int) -> dict[str, Any]:
    session = attendance.session
    return {
        "session_id": session.id,
        "activity_id": session.activity_id,
        "activity_title": session.activity.title,
        "starts_at": iso(session.starts_at),
        "ends_at": iso(session.ends_at),
        "status": attendance.status.value,
        "minutes": attendance.minutes,
        "source": attendance.source,
        "recorded_at": iso(attendance.recorded_at),
        "changes": [
            {
                "at": iso(change.changed_at),
                "old_status": change.old_status.value if change.old_status else None,
                "old_minutes": change.old_minutes,
                "new_status": change.new_status.value,
                "new_minutes": change.new_minutes,
                "source": change.source,
                "by_you": change.changed_by_id == me,
            }
            for change in attendance.changes
        ],
    }
