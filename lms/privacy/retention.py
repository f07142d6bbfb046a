"""Retention: :func:`purge`, run by ``flask lms purge`` from cron, deletes what is past its
retention period (:mod:`lms.privacy.settings`): sent, aborted and failed outbox mail, old
feed cache rows, long-revoked API tokens, and the certificates of erased people whose
retention period ended. Idempotent; flushes, never commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select

from lms import audit
from lms.extensions import db
from lms.models import (
    ApiToken,
    Certificate,
    FeedCache,
    MailStatus,
    OutboxMail,
    User,
    utcnow,
)
from lms.privacy.erasure import anonymise_certificate, erased_name
from lms.privacy.settings import retention

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
        anonymise_certificate(certificate, name)
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
