"""Privacy (GDPR): a copy of one's data, erasure on request, and retention (purge).

Three operations, plain functions on ``db.session`` that flush but never commit:

* :func:`export_user_data` — everything held about one person, as a JSON-ready dict
  (art. 15 and 20 GDPR). A fixed number of queries, however much there is.
* :func:`erase_user` — a coordinator erases a person on request (art. 17): the account
  is anonymised in place, so enrolment, attendance and certificate rows keep counting in
  reports; places the person still holds or claims are given up first (the waiting list
  moves up as usual); mail to them is purged; audit entries keep their ids but lose the
  name. Valid certificates are kept as issued — see README, "Privacy en bewaartermijnen":
  third parties must keep being able to verify them (art. 17(3)(e)), for
  :data:`DEFAULT_CERTIFICATE_RETENTION_YEARS` years after issue; revoked ones lose the name.
* :func:`purge` — the retention periods, run by ``flask lms purge`` from cron: sent,
  aborted and failed outbox mail, old feed cache rows, long-revoked API tokens, and the
  certificates of erased people whose retention period ended. Idempotent.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Text, and_, cast, delete, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from lms import audit
from lms.api.serializers import iso
from lms.enrolment import billing
from lms.enrolment import queries as enrolment_queries
from lms.enrolment import rules as enrolment_rules
from lms.enrolment import service as enrolment_service
from lms.errors import RuleError
from lms.extensions import db
from lms.intake import queries as intake_queries
from lms.intake import service as intake_service
from lms.interest import queries as interest_queries
from lms.interest import service as interest_service
from lms.models import (
    ACTIVE_STATUSES,
    Activity,
    ActivitySession,
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
from lms.urls import absolute_url

EXPORT_FORMAT = "sam-leerplatform-persoonsgegevens"
EXPORT_VERSION = 1

#: The domain of the e-mail placeholder of an erased account: ``.invalid`` is reserved
#: (RFC 2606), so no mail can ever be delivered to it; the id keeps it unique.
ERASED_EMAIL_DOMAIN = "gewist.invalid"
#: The reason given when a place is released or a certificate anonymised by an erasure.
ERASURE_REASON = "gewist op verzoek"

#: Retention periods (each can be overridden by the application config of the same name).
DEFAULT_CERTIFICATE_RETENTION_YEARS = 10
DEFAULT_FEED_CACHE_RETENTION_DAYS = 30
DEFAULT_REVOKED_TOKEN_RETENTION_DAYS = 90


class PrivacyError(RuleError):
    """A refused privacy action, with a Dutch message and an HTTP-like status."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message, status=status)


def erased_name(user_id: int) -> str:
    return f"Verwijderde gebruiker #{user_id}"


def erased_email(user_id: int) -> str:
    return f"verwijderd-{user_id}@{ERASED_EMAIL_DOMAIN}"


def retention(name: str) -> int:
    """A retention setting (days or years) from the config, else its default."""
    defaults = {
        "MAIL_RETENTION_DAYS": 90,
        "CERTIFICATE_RETENTION_YEARS": DEFAULT_CERTIFICATE_RETENTION_YEARS,
        "FEED_CACHE_RETENTION_DAYS": DEFAULT_FEED_CACHE_RETENTION_DAYS,
        "REVOKED_TOKEN_RETENTION_DAYS": DEFAULT_REVOKED_TOKEN_RETENTION_DAYS,
    }
    return int(current_app.config.get(name, defaults[name]))


def privacy_contact() -> str:
    """Where people send privacy requests: ``PRIVACY_CONTACT_EMAIL``, else the sender."""
    configured = current_app.config.get("PRIVACY_CONTACT_EMAIL")
    if configured:
        return str(configured)
    sender = str(current_app.config.get("MAIL_DEFAULT_SENDER") or "")
    match = re.search(r"<([^>]+)>", sender)
    return match.group(1) if match else sender


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
        "interest_lists": [
            {
                "activity_id": interest.activity_id,
                "theme": interest.theme.name if interest.theme is not None else None,
                "since": iso(interest.created_at),
            }
            for interest in interest_queries.interests_of_user(me)
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
            start = enrolment_rules.first_start(activity)
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
        end = enrolment_rules.last_end(activity)
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
            _anonymise_certificate(certificate, new_name)
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


def _anonymise_certificate(certificate: Certificate, holder: str) -> None:
    snapshot = dict(certificate.snapshot or {})
    snapshot["holder_name"] = holder
    certificate.snapshot = snapshot  # a new dict, so the JSON column is written
    certificate.pdf = None  # rendered again from the snapshot if it is ever asked for


# --- Retention (flask lms purge) --------------------------------------------------------------


@dataclass
class PurgeResult:
    mails: int = 0
    feed_cache: int = 0
    api_tokens: int = 0
    certificates: int = 0
    cutoffs: dict[str, datetime] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.mails + self.feed_cache + self.api_tokens + self.certificates


def purge(*, now: datetime | None = None) -> PurgeResult:
    """Delete what is past its retention period. Running it twice deletes nothing more."""
    now = now or utcnow()
    result = PurgeResult()
    mail_cutoff = now - timedelta(days=retention("MAIL_RETENTION_DAYS"))
    cache_cutoff = now - timedelta(days=retention("FEED_CACHE_RETENTION_DAYS"))
    token_cutoff = now - timedelta(days=retention("REVOKED_TOKEN_RETENTION_DAYS"))
    years = retention("CERTIFICATE_RETENTION_YEARS")
    certificate_cutoff = _years_before(now, years)
    result.cutoffs = {
        "mails": mail_cutoff,
        "feed_cache": cache_cutoff,
        "api_tokens": token_cutoff,
        "certificates": certificate_cutoff,
    }

    # Sent mail after the retention period; aborted and failed mail too (nobody retries
    # a mail that old), counted from when it was queued.
    result.mails = db.session.execute(
        delete(OutboxMail)
        .where(
            or_(
                and_(OutboxMail.status == MailStatus.SENT, OutboxMail.sent_at < mail_cutoff),
                and_(
                    OutboxMail.status.in_([MailStatus.ABORTED, MailStatus.FAILED]),
                    OutboxMail.created_at < mail_cutoff,
                ),
            )
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    # Built feeds are a cache: rebuilt on the next request when gone.
    result.feed_cache = db.session.execute(
        delete(FeedCache)
        .where(FeedCache.built_at < cache_cutoff)
        .execution_options(synchronize_session=False)
    ).rowcount
    result.api_tokens = db.session.execute(
        delete(ApiToken)
        .where(ApiToken.revoked_at.is_not(None), ApiToken.revoked_at < token_cutoff)
        .execution_options(synchronize_session=False)
    ).rowcount
    # Certificates of erased people, kept for verification, end their retention period:
    # the name goes and the certificate is revoked (verification then says so).
    erased_holder = select(User.id).where(User.erased_at.is_not(None))
    for certificate in db.session.scalars(
        select(Certificate).where(
            Certificate.user_id.in_(erased_holder), Certificate.issued_at < certificate_cutoff
        )
    ):
        name = erased_name(certificate.user_id)  # type: ignore[arg-type]
        if certificate.revoked_at is None:
            certificate.revoked_at = now
            certificate.revoke_reason = (
                f"Bewaartermijn van {years} jaar verstreken na wissing op verzoek."
            )
        elif (certificate.snapshot or {}).get("holder_name") == name:
            continue
        _anonymise_certificate(certificate, name)
        result.certificates += 1
    if result.certificates:
        audit.record(
            "privacy.purged",
            actor=None,
            summary=f"{result.certificates} attesten van gewiste personen na de bewaartermijn "
            "ingetrokken en geanonimiseerd.",
            certificates=result.certificates,
        )
    db.session.flush()
    return result


def _years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)
