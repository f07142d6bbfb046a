"""Issuing, revoking and re-issuing certificates (attesten and diplomas).

Issuing is idempotent and safe when two coordinators (or a coordinator and the nightly
cron) do it at once: the activity row is locked first (``SELECT … FOR UPDATE`` on
PostgreSQL; on SQLite the lock is a first write, which takes the database's write lock),
and only then are the participants judged and the existing certificates read. The partial
unique index ``uq_certificates_valid_user_activity`` is the final guard: never two valid
certificates for one person and activity.

A certificate keeps a snapshot of everything it states (holder, activity, dates, hours,
themes, policy version, issue date, verification URL); its PDF is made from that snapshot
alone, so later changes to the activity, the person or the policy never change it.

Bulk issuing skips people whose certificate was revoked: revoking is a deliberate act, and
re-issuing after a correction is a deliberate act too (:func:`reissue`). It reports the
people whose result still waits for attendance (``incomplete``) by name, so the nightly run
never skips them silently.

When attendance changes behind a valid certificate, the attendance service marks it
(``review_since``); a coordinator then keeps it with a note (:func:`keep_after_review`) or
revokes and reissues it (:func:`reissue`, or :func:`revoke` when the person no longer
qualifies).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms import audit
from lms.certificates.codes import new_code, normalise
from lms.common import locking
from lms.common.display import hours as hours_text
from lms.common.display import rounded_pct
from lms.common.errors import RuleError
from lms.common.timeutil import to_local
from lms.extensions import db
from lms.models import (
    KIND_LABELS,
    Activity,
    ActivityStatus,
    Certificate,
    User,
    utcnow,
)
from lms.policy.evaluation import State
from lms.policy.progress import Progress, activity_progress

ISSUER = "SAM, steunpunt voor sociaal werk en samenlevingsopbouw"
#: 2: the snapshot states the rule that decided (``rule``) and the holder's percentage.
SNAPSHOT_VERSION = 2


class CertificateError(RuleError):
    """A refused certificate action, with a Dutch message. The keyword ``code`` is the
    HTTP-like status (404, 409, 422), as its callers give it; ``.code`` names it."""

    CODES = {404: "not_found", 409: "conflict", 422: "invalid"}

    def __init__(self, message: str, *, code: int = 409, field: str | None = None) -> None:
        super().__init__(message, code=self.CODES.get(code, "conflict"), field=field, status=code)


@dataclass
class IssueResult:
    activity: Activity
    issued: list[Certificate] = field(default_factory=list)
    #: Eligible people who already hold a valid certificate.
    already: int = 0
    #: Eligible people whose certificate was revoked (re-issue is a separate, explicit act).
    revoked: int = 0
    #: Participants who are not eligible.
    not_eligible: int = 0
    #: Participants whose result waits for attendance (sessions not recorded).
    incomplete: list[User] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """One sentence for the page or the nightly run, in the reader's language."""
        parts = [
            ngettext("%(num)d attest uitgereikt", "%(num)d attesten uitgereikt", len(self.issued))
        ]
        if self.already:
            parts.append(_("%(num)d had al een attest", num=self.already))
        if self.revoked:
            parts.append(_("%(num)d met een ingetrokken attest overgeslagen", num=self.revoked))
        if self.not_eligible:
            parts.append(_("%(num)d voldoet (nog) niet aan het leerbeleid", num=self.not_eligible))
        if self.incomplete:
            parts.append(
                ngettext(
                    "%(num)d wacht op aanwezigheden van niet geregistreerde sessies (%(names)s)",
                    "%(num)d wachten op aanwezigheden van niet geregistreerde sessies (%(names)s)",
                    len(self.incomplete),
                    names=", ".join(u.name for u in self.incomplete),
                )
            )
        return ", ".join(parts) + "."


# --- Locking -------------------------------------------------------------------------------------


def lock_activity(activity_id: int) -> None:
    """Serialise certificate work on one activity until the transaction ends.

    Must be the first write of the transaction: on SQLite the write takes the database's
    write lock and only then does the transaction read (so it never reads a stale snapshot).
    Everything already loaded is expired, so what follows reads the state after the lock.
    """
    locking.lock_activities([activity_id])
    db.session.expire_all()


# --- Reading -------------------------------------------------------------------------------------


def find_by_code(code: str | None) -> Certificate | None:
    """The certificate with this code (typed in any reasonable way), or None."""
    canonical = normalise(code)
    if canonical is None:
        return None
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.code == canonical)
        .options(joinedload(Certificate.user), joinedload(Certificate.activity))
    )


def certificates_of(user: User) -> list[Certificate]:
    """A person's certificates, newest first, with their activity (one query)."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user.id)
            .options(joinedload(Certificate.activity))
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def hours_of(certificate: Certificate) -> Decimal:
    return Decimal(str(certificate.snapshot.get("hours", 0)))


# --- The snapshot --------------------------------------------------------------------------------


def _json_number(value: Decimal) -> int | float:
    as_float = float(value)
    return int(as_float) if as_float.is_integer() else round(as_float, 2)


def build_snapshot(item: Progress, *, code: str, now: datetime) -> dict[str, Any]:
    """Everything the certificate states, frozen at issue time."""
    from lms.common.urls import absolute_url

    activity = item.activity
    start = activity.first_start
    end = activity.last_end
    themes = {t.name for t in activity.themes} | set(item.rule.theme_names)
    if activity.is_programme:
        for module in activity.modules:
            themes |= {t.name for t in module.themes}
    return {
        "version": SNAPSHOT_VERSION,
        "code": code,
        "issuer": ISSUER,
        "document": "diploma" if activity.is_programme else "attest",
        "holder_name": item.user.name,
        "activity_id": activity.id,
        "activity_title": activity.title,
        "kind": activity.kind.value,
        "kind_label": KIND_LABELS[activity.kind],
        "programme_title": activity.parent.title if activity.parent is not None else None,
        "modules": [m.title for m in activity.modules] if activity.is_programme else [],
        "start_date": to_local(start).date().isoformat() if start else None,
        "end_date": to_local(end).date().isoformat() if end else None,
        "hours": _json_number(item.decision.credited_hours),
        "hours_credit": item.rule.hours_credit.value,
        "themes": sorted(themes),
        "competences": item.rule.competences,
        "policy_id": item.rule.policy_id,
        "policy_name": item.rule.policy_name,
        "policy_valid_from": item.rule.policy_valid_from.isoformat(),
        "required_pct": item.rule.min_attendance_pct,
        "rule": rule_snapshot(item),
        "attended_pct": (
            None
            if activity.is_programme or not item.decision.planned_minutes
            else str(rounded_pct(item.decision.counted_pct))
        ),
        "issued_on": to_local(now).date().isoformat(),
        "verify_url": absolute_url("certificates.verify", code=code),
    }


def rule_snapshot(item: Progress) -> dict[str, Any]:
    """The rule that decided, whatever its source (the kind's rule in the policy version,
    or the activity's own override), for the activity or, for a diploma, each module."""

    def one(rule) -> dict[str, Any]:
        return {
            "min_attendance_pct": rule.min_attendance_pct,
            "excused_counts": rule.excused_counts,
            "hours_credit": rule.hours_credit.value,
            "nominal_hours": _json_number(rule.nominal_hours)
            if rule.nominal_hours is not None
            else None,
            "overridden": list(rule.overridden),
            "source": "activity" if rule.overridden else "policy",
        }

    data = one(item.rule)
    if item.activity.is_programme and item.module_rules:
        data["modules"] = [
            {"title": title, **one(rule)}
            for (title, _decision), rule in zip(
                item.decision.modules, item.module_rules, strict=False
            )
        ]
    return data


def _unused_code() -> str:
    """A fresh code. 80 random bits make a collision practically impossible (the birthday
    bound for a million certificates is about 1 in 10^12); the unique index on ``code``
    guards the impossible case, so no query is spent per certificate.
    """
    return new_code()


def _create(
    item: Progress, *, actor: User | None, now: datetime, replaces: Certificate | None = None
) -> Certificate:
    from lms.common.urls import absolute_url
    from lms.mail.outbox import queue_mail

    code = _unused_code()
    snapshot = build_snapshot(item, code=code, now=now)
    if replaces is not None:
        snapshot["replaces"] = replaces.code
    certificate = Certificate(
        code=code,
        user=item.user,
        activity_id=item.activity.id,
        policy_id=item.rule.policy_id,
        snapshot=snapshot,
        issued_at=now,
        issued_by_id=actor.id if actor else None,
    )
    db.session.add(certificate)
    document = snapshot["document"]
    audit.record(
        "certificate.issued",
        actor=actor,
        subject_user=item.user,
        activity=item.activity,
        summary=f"{document.capitalize()} {code} uitgereikt aan {item.user.name} voor "
        f"{item.activity.title} ({hours_text(item.decision.credited_hours, 'nl')}).",
        code=code,
        hours=snapshot["hours"],
        policy_id=item.rule.policy_id,
        replaces=replaces.code if replaces is not None else None,
    )
    queue_mail(
        kind="certificate_issued",
        to=item.user,
        subject=f"Je {document} voor {item.activity.title}",
        facts={
            "snapshot": snapshot,
            "hours": hours_text(snapshot["hours"], "nl"),
            "pdf_url": absolute_url("certificates.pdf", code=code),
            "verify_url": snapshot["verify_url"],
            "record_url": absolute_url("certificates.learning_record"),
            "replaces": replaces.code if replaces is not None else None,
        },
    )  # no dedup_key needed: the code is new, so this mail cannot have been queued before
    return certificate


# --- Issuing -------------------------------------------------------------------------------------


def _check_can_issue(activity: Activity, now: datetime) -> None:
    if activity.status in (ActivityStatus.CANCELLED, ActivityStatus.DRAFT):
        raise CertificateError(
            _("Voor een geannuleerd activiteit worden geen attesten uitgereikt.")
            if activity.status == ActivityStatus.CANCELLED
            else _("Voor een ontwerp activiteit worden geen attesten uitgereikt.")
        )
    end = activity.last_end
    if end is None:
        raise CertificateError(
            _("Deze activiteit heeft geen sessies; er valt niets uit te reiken.")
        )
    if end > now:
        from lms.common.timeutil import format_datetime

        raise CertificateError(
            _(
                "Attesten worden uitgereikt zodra de laatste sessie voorbij is (%(end)s).",
                end=format_datetime(end),
            )
        )


def issue_for_activity(
    activity: Activity | int, *, actor: User | None, now: datetime | None = None
) -> IssueResult:
    """Issue a certificate to everyone eligible who has none yet. The caller commits."""
    now = now or utcnow()
    activity_id = activity if isinstance(activity, int) else activity.id
    lock_activity(activity_id)
    loaded = db.session.get(Activity, activity_id)
    if loaded is None:
        raise CertificateError(_("Deze activiteit bestaat niet."), code=404)
    progress = activity_progress(activity_id, now=now)
    loaded = progress[0].activity if progress else loaded
    _check_can_issue(loaded, now)
    result = IssueResult(activity=loaded)
    for item in progress:
        if item.state == State.INCOMPLETE:
            result.incomplete.append(item.user)
        elif item.state != State.ELIGIBLE:
            result.not_eligible += 1
        elif item.certificate is not None:
            result.already += 1
        elif item.revoked is not None:
            result.revoked += 1
        else:
            result.issued.append(_create(item, actor=actor, now=now))
    db.session.flush()
    return result


def reissue(
    certificate: Certificate,
    *,
    actor: User | None,
    reason: str = "",
    now: datetime | None = None,
) -> Certificate:
    """A new certificate from today's facts, after a correction.

    A valid certificate is revoked first (with ``reason``); the person must still be
    eligible. The caller commits.
    """
    now = now or utcnow()
    certificate_id, user_id, activity_id = (
        certificate.id,
        certificate.user_id,
        certificate.activity_id,
    )
    if user_id is None:
        raise CertificateError(_("De houder van dit attest bestaat niet meer."))
    lock_activity(activity_id)
    certificate = db.session.get(Certificate, certificate_id)
    progress = activity_progress(activity_id, [user_id], now=now)
    if not progress:
        raise CertificateError(
            _("Deze persoon is niet (meer) bevestigd ingeschreven voor deze activiteit.")
        )
    item = progress[0]
    _check_can_issue(item.activity, now)
    if item.state != State.ELIGIBLE:
        raise CertificateError(
            _(
                "%(name)s voldoet niet (meer) aan het leerbeleid: %(reason)s.",
                name=item.user.name,
                reason=item.decision.summary,
            )
        )
    if item.certificate is not None:
        if item.certificate.id != certificate.id:
            raise CertificateError(
                _(
                    "%(name)s heeft al een geldig attest (%(code)s).",
                    name=item.user.name,
                    code=item.certificate.code,
                )
            )
        revoke(
            certificate,
            actor=actor,
            reason=reason.strip() or "Vervangen door een nieuw attest na correctie.",
            now=now,
            notify=False,
        )
        db.session.flush()
    new = _create(item, actor=actor, now=now, replaces=certificate)
    db.session.flush()
    return new


def keep_after_review(
    certificate: Certificate,
    *,
    actor: User | None,
    reason: str,
    now: datetime | None = None,
) -> Certificate:
    """Keep a certificate whose attendance changed after issuing: the coordinator judged
    it still right. Takes it off the to-do list, with the reason in the audit log."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(
            _("Geef een reden op waarom het attest blijft gelden."), code=422, field="reason"
        )
    if certificate.revoked_at is not None:
        raise CertificateError(_("Dit attest is al ingetrokken."))
    if certificate.review_since is None:
        raise CertificateError(_("Dit attest staat niet op de takenlijst."))
    certificate.review_since = None
    snapshot = certificate.snapshot
    audit.record(
        "certificate.kept",
        actor=actor,
        subject_user=certificate.user,
        activity=certificate.activity,
        summary=f"Attest {certificate.code} van {snapshot.get('holder_name')} voor "
        f"{snapshot.get('activity_title')} blijft geldig na een correctie van de "
        f"aanwezigheden: {reason[:2000]}",
        code=certificate.code,
        reason=reason[:2000],
        correction=certificate.review_reason,
    )
    db.session.flush()
    return certificate


def revoke(
    certificate: Certificate,
    *,
    actor: User | None,
    reason: str,
    now: datetime | None = None,
    notify: bool = True,
) -> Certificate:
    """Revoke with a reason (shown to the holder, not on the public verification page)."""
    from lms.mail.outbox import queue_mail

    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Geef een reden op voor het intrekken."), code=422, field="reason")
    if certificate.revoked_at is not None:
        raise CertificateError(_("Dit attest is al ingetrokken."))
    now = now or utcnow()
    certificate.revoked_at = now
    certificate.revoked_by_id = actor.id if actor else None
    certificate.revoke_reason = reason[:2000]
    snapshot = certificate.snapshot
    holder = certificate.user
    audit.record(
        "certificate.revoked",
        actor=actor,
        subject_user=holder,
        activity=certificate.activity,
        summary=f"Attest {certificate.code} van {snapshot.get('holder_name')} voor "
        f"{snapshot.get('activity_title')} ingetrokken: {reason}",
        code=certificate.code,
        reason=reason,
    )
    if notify and holder is not None:
        queue_mail(
            kind="certificate_revoked",
            to=holder,
            subject=f"Je attest voor {snapshot.get('activity_title')} is ingetrokken",
            facts={"snapshot": snapshot, "reason": reason, "revoked_at": now},
            dedup_key=f"certificate-revoked:{certificate.code}",
        )
    db.session.flush()
    return certificate


def replacement_of(certificate: Certificate) -> Certificate | None:
    """The certificate that took the place of a revoked one, for the verification page.

    That is one issued later to the same person for the same activity (re-issuing after a
    correction writes the old code into the new snapshot as ``replaces``, but a certificate
    issued again after a plain revocation replaces it just as well): the valid one if there
    is one, otherwise the next one issued (whose own page leads further).
    """
    if certificate.revoked_at is None or certificate.user_id is None:
        return None
    later = db.session.scalars(
        select(Certificate)
        .where(
            Certificate.user_id == certificate.user_id,
            Certificate.activity_id == certificate.activity_id,
            Certificate.id > certificate.id,  # ids grow: a later row was issued later
        )
        .order_by(Certificate.id)
    ).all()
    valid = [other for other in later if other.revoked_at is None]
    return (valid or later or [None])[0]


# --- The PDF -------------------------------------------------------------------------------------


def pdf_of(certificate: Certificate) -> bytes:
    """The certificate's PDF: rendered from the snapshot on first request, then kept.

    A revoked certificate's PDF carries the INGETROKKEN mark with the date: it is drawn on
    each request (only coordinators may still download it) and never stored, so the kept
    bytes stay those of the original. The caller commits (the first time, the rendered
    bytes are stored).
    """
    from lms.certificates.pdf import render_certificate

    if certificate.revoked_at is not None:
        from lms.common.timeutil import to_local

        revoked_on = to_local(certificate.revoked_at).date().isoformat()
        return render_certificate(certificate.snapshot, revoked_on=revoked_on)
    if certificate.pdf is None:
        certificate.pdf = render_certificate(certificate.snapshot)
        db.session.flush()
    return certificate.pdf


# --- The nightly run -----------------------------------------------------------------------------


def finished_activity_ids(now: datetime | None = None) -> list[int]:
    """Published or archived activities whose last session has ended, oldest first."""
    from lms.policy.progress import load_activities

    now = now or utcnow()
    ids = list(
        db.session.scalars(
            select(Activity.id).where(
                Activity.status.in_([ActivityStatus.PUBLISHED, ActivityStatus.ARCHIVED])
            )
        )
    )
    activities = load_activities(ids)
    done = []
    for activity in activities.values():
        end = activity.last_end
        if end is not None and end <= now:
            done.append((end, activity.id))
    return [activity_id for _end, activity_id in sorted(done)]
