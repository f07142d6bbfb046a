"""Erasure on request (art. 17 GDPR): a coordinator erases a person's data.

:func:`erase_user` anonymises the account in place, so enrolment, attendance and
certificate rows keep counting in reports; places the person still holds or claims are
given up first (the waiting list moves up as usual); mail to them is purged; audit
entries keep their ids but lose the name. Valid certificates are kept as issued — see
README, "Privacy en bewaartermijnen": third parties must keep being able to verify them
(art. 17(3)(e)), for ``CERTIFICATE_RETENTION_YEARS`` (:mod:`lms.privacy.settings`) after
issue; revoked ones lose the name. Plain functions on ``db.session`` that flush but never
commit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Text, cast, delete, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from lms import audit
from lms.common.errors import RuleError
from lms.enrolment import billing
from lms.enrolment import queries as enrolment_queries
from lms.enrolment import service as enrolment_service
from lms.extensions import db
from lms.intake import service as intake_service
from lms.interest import service as interest_service
from lms.models import (
    ACTIVE_STATUSES,
    Activity,
    ActivityStatus,
    ApiToken,
    Attendance,
    AuditEntry,
    Certificate,
    Enrolment,
    EnrolmentStatus,
    FeedCache,
    MailStatus,
    OutboxMail,
    User,
    activity_trainers,
    utcnow,
)

#: The domain of the e-mail placeholder of an erased account: ``.invalid`` is reserved
#: (RFC 2606), so no mail can ever be delivered to it; the id keeps it unique.
ERASED_EMAIL_DOMAIN = "gewist.invalid"
#: The reason given when a place is released or a certificate anonymised by an erasure.
ERASURE_REASON = "gewist op verzoek"


class PrivacyError(RuleError):
    """A refused privacy action, with a Dutch message and an HTTP-like status."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message, status=status)


def erased_name(user_id: int) -> str:
    return f"Verwijderde gebruiker #{user_id}"


def erased_email(user_id: int) -> str:
    return f"verwijderd-{user_id}@{ERASED_EMAIL_DOMAIN}"


# --- Erasure on request (art. 17) -------------------------------------------------------------


@dataclass
class ErasurePreview:
    """What an erasure of this person will do, for the coordinator's confirmation page."""

    user: User
    enrolments: int = 0
    places_released: int = 0
    attendance: int = 0
    certificates_kept: int = 0
    certificates_anonymised: int = 0
    mails: int = 0
    api_tokens: int = 0
    trainer_of_unfinished: list[str] = field(default_factory=list)


@dataclass
class ErasureResult:
    user_id: int
    places_released: int = 0
    mails_purged: int = 0
    api_tokens_removed: int = 0
    audit_entries_scrubbed: int = 0
    certificates_kept: int = 0
    certificates_anonymised: int = 0
    trainer_links_removed: int = 0
    mails_to_others_scrubbed: int = 0
    intake_answers_removed: int = 0


def _places_to_release(user: User, now: datetime) -> list[Enrolment]:
    """Active enrolments the erasure gives up: every request and waiting-list place, and
    confirmed seats in activities that have not started yet (a started activity keeps its
    seat, so its attendance and reports stay whole). Programmes before their modules."""
    rows = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.user_id == user.id, Enrolment.status.in_(ACTIVE_STATUSES))
        .options(joinedload(Enrolment.activity))
        .order_by(Enrolment.id)
    ).all()
    chosen = []
    for enrolment in rows:
        activity = enrolment.activity
        if activity.status not in (ActivityStatus.PUBLISHED, ActivityStatus.DRAFT):
            continue
        if enrolment.status == EnrolmentStatus.CONFIRMED:
            start = activity.first_start
            if start is not None and start <= now:
                continue
        chosen.append(enrolment)
    return sorted(chosen, key=lambda e: (e.programme_enrolment_id is not None, e.id))


def _unfinished_trainer_activities(user: User, now: datetime) -> list[Activity]:
    activities = db.session.scalars(
        select(Activity)
        .join(activity_trainers, activity_trainers.c.activity_id == Activity.id)
        .where(activity_trainers.c.user_id == user.id)
        .options(selectinload(Activity.sessions))
        .order_by(Activity.id)
    ).all()
    unfinished = []
    for activity in activities:
        if activity.status in (ActivityStatus.CANCELLED, ActivityStatus.ARCHIVED):
            continue
        end = activity.last_end
        if end is None or end > now:
            unfinished.append(activity)
    return unfinished


def _mail_filter(user_id: int, email: str) -> Any:
    return or_(OutboxMail.user_id == user_id, OutboxMail.to_email == email)


def erasure_preview(user: User, *, now: datetime | None = None) -> ErasurePreview:
    now = now or utcnow()
    count = func.count()
    preview = ErasurePreview(user=user)
    preview.enrolments = db.session.scalar(
        select(count).select_from(Enrolment).where(Enrolment.user_id == user.id)
    )
    preview.places_released = len(_places_to_release(user, now))
    preview.attendance = db.session.scalar(
        select(count).select_from(Attendance).where(Attendance.user_id == user.id)
    )
    preview.certificates_kept = db.session.scalar(
        select(count)
        .select_from(Certificate)
        .where(Certificate.user_id == user.id, Certificate.revoked_at.is_(None))
    )
    preview.certificates_anonymised = db.session.scalar(
        select(count)
        .select_from(Certificate)
        .where(Certificate.user_id == user.id, Certificate.revoked_at.is_not(None))
    )
    preview.mails = db.session.scalar(
        select(count).select_from(OutboxMail).where(_mail_filter(user.id, user.email))
    )
    preview.api_tokens = db.session.scalar(
        select(count).select_from(ApiToken).where(ApiToken.user_id == user.id)
    )
    preview.trainer_of_unfinished = [a.title for a in _unfinished_trainer_activities(user, now)]
    return preview


def erase_user(user: User, *, actor: User, now: datetime | None = None) -> ErasureResult:
    """Erase ``user``'s personal data on their request (see the module docstring)."""
    if actor is None or not actor.is_coordinator:
        raise PrivacyError(_("Alleen een coördinator kan iemands gegevens wissen."), 403)
    if user.id == actor.id:
        raise PrivacyError(
            _("Je kan je eigen account niet wissen. Vraag het aan een andere coördinator.")
        )
    if user.erased_at is not None:
        raise PrivacyError(_("De gegevens van deze persoon zijn al gewist."))
    now = now or utcnow()
    result = ErasureResult(user_id=user.id)
    old_name, old_email = user.name, user.email
    new_name, new_email = erased_name(user.id), erased_email(user.id)

    # 1. Give up the places the person holds or claims, through the enrolment rules, so
    #    the waiting list moves up (and those people hear of it) as after any cancellation.
    for enrolment in _places_to_release(user, now):
        fresh = enrolment_queries.enrolment_for(user.id, enrolment.activity_id)
        if fresh is None or not fresh.is_active:
            continue  # a module given up with its programme
        try:
            enrolment_service.cancel_on_behalf(
                fresh, actor=actor, reason=f"Account {ERASURE_REASON}.", now=now
            )
        except enrolment_service.EnrolmentError:
            continue
        result.places_released += 1

    # 2. The account itself: anonymised in place; it can never log in again.
    user.name = new_name
    user.email = new_email
    user.password_hash = None
    user.feed_selector = None
    user.feed_secret = None
    user.locale = None
    user.last_login_at = None
    # An address waiting for confirmation and a typed organisation name are theirs too.
    user.pending_email = None
    user.requested_organisation_name = None
    user.pending_organisation_id = None
    user.membership_requested_at = None
    user.active = False
    user.erased_at = now
    user.session_version = (user.session_version or 1) + 1
    result.api_tokens_removed = db.session.execute(
        delete(ApiToken).where(ApiToken.user_id == user.id)
    ).rowcount
    for activity in _unfinished_trainer_activities(user, now):
        activity.trainers = [t for t in activity.trainers if t.id != user.id]
        result.trainer_links_removed += 1
    # Intake answers and interest lists are theirs alone: gone, not anonymised.
    result.intake_answers_removed = intake_service.erase_for_user(user.id)
    interest_service.erase_for_user(user.id)
    billing.erase_for_user(user.id, erased_email(user.id))
    db.session.flush()

    # 3. Mail to the person (queued, sent or failed, including what step 1 just queued).
    result.mails_purged = db.session.execute(
        delete(OutboxMail)
        .where(_mail_filter(user.id, old_email))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.execute(
        delete(FeedCache)
        .where(FeedCache.key == f"personal:{user.id}")
        .execution_options(synchronize_session=False)
    )

    # 4. Audit entries keep their ids and links, not the name or address — also entries
    #    about someone or something else that name the person in their free text.
    scrub = _scrubber({old_name: new_name, old_email: new_email})
    result.mails_to_others_scrubbed = _scrub_mails_to_others(scrub, old_name, old_email)
    for entry in db.session.scalars(
        select(AuditEntry).where(
            or_(
                AuditEntry.subject_user_id == user.id,
                AuditEntry.actor_id == user.id,
                *_mentions(
                    (AuditEntry.summary, cast(AuditEntry.details, Text)),
                    old_name,
                    old_email,
                ),
            )
        )
    ):
        summary, details = scrub(entry.summary), scrub(entry.details or {})
        if summary != entry.summary or details != entry.details:
            entry.summary, entry.details = summary, details
            result.audit_entries_scrubbed += 1

    # 5. Certificates: valid ones stay verifiable as issued; revoked ones lose the name.
    for certificate in db.session.scalars(
        select(Certificate).where(Certificate.user_id == user.id)
    ):
        if certificate.revoked_at is None:
            result.certificates_kept += 1
        else:
            anonymise_certificate(certificate, new_name)
            result.certificates_anonymised += 1

    audit.record(
        "user.erased",
        actor=actor,
        subject_user=user,
        summary=f"Persoonsgegevens van gebruiker #{user.id} gewist op verzoek.",
        places_released=result.places_released,
        mails_purged=result.mails_purged,
        api_tokens_removed=result.api_tokens_removed,
        certificates_kept=result.certificates_kept,
        certificates_anonymised=result.certificates_anonymised,
    )
    db.session.flush()
    return result


def _mentions(columns: tuple[Any, ...], *texts: str) -> list[Any]:
    """Conditions: one of ``columns`` contains one of ``texts`` (case-insensitively), as
    written or as JSON writes it (``Zo\\u00eb``: JSON columns are stored ASCII-escaped)."""
    variants = {variant for text in texts if text for variant in (text, json.dumps(text)[1:-1])}
    return [
        column.ilike(f"%{_like_literal(variant)}%", escape="!")
        for column in columns
        for variant in sorted(variants)
    ]


def _like_literal(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


#: What of a queued mail may hold a name: its recipient's, its text, its facts.
_MAIL_TEXT_COLUMNS = ("to_name", "subject", "body_text", "body_html", "ics", "facts")


def _scrub_mails_to_others(scrub: Any, old_name: str, old_email: str) -> int:
    """Mail to other people (a trainer's list, a colleague's notice) that names the person:
    every mail not yet sent, and sent ones whose text names them, lose the name and
    address (the person's own mail was deleted before). Returns how many changed."""
    columns = [name for name in _MAIL_TEXT_COLUMNS if hasattr(OutboxMail, name)]
    texts = tuple(
        cast(getattr(OutboxMail, name), Text) if name == "facts" else getattr(OutboxMail, name)
        for name in columns
    )
    changed = 0
    for mail in db.session.scalars(
        select(OutboxMail).where(
            or_(OutboxMail.status != MailStatus.SENT, *_mentions(texts, old_name, old_email))
        )
    ):
        touched = False
        for name in columns:
            value = getattr(mail, name)
            if value is None:
                continue
            cleaned = scrub(value)
            if cleaned != value:
                setattr(mail, name, cleaned)
                touched = True
        changed += touched
    return changed


def _scrubber(replacements: dict[str, str]) -> Any:
    """A function replacing each key (as a whole word) by its value, in strings, lists
    and dicts. Whole words only, so a short name never eats into other words."""
    patterns = [
        (re.compile(r"(?<!\w)" + re.escape(old) + r"(?!\w)", re.IGNORECASE), new)
        for old, new in sorted(replacements.items(), key=lambda kv: -len(kv[0]))
        if old
    ]

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            for pattern, new in patterns:
                value = pattern.sub(new, value)
            return value
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        return value

    return scrub


def anonymise_certificate(certificate: Certificate, holder: str) -> None:
    snapshot = dict(certificate.snapshot or {})
    snapshot["holder_name"] = holder
    certificate.snapshot = snapshot  # a new dict, so the JSON column is written
    certificate.pdf = None  # rendered again from the snapshot if it is ever asked for
