"""The mail queue as coordinators see it: filter, page, retry or abort a failed mail.

Sending stays :mod:`lms.mail.worker`'s job; retrying only puts a mail back in the queue
(due now) for the next worker round, and both actions leave an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from lms.audit import record
from lms.common.errors import RuleError
from lms.common.pagination import Page, page_number, paginate
from lms.extensions import db
from lms.mail.failures import FailureCode, advice, explain, parse_failure
from lms.mail.worker import abort_mail, retry_mail
from lms.models import MailStatus, OutboxMail, User

STATUS_LABELS = {
    MailStatus.QUEUED: "in de wachtrij",
    MailStatus.SENDING: "wordt verstuurd",
    MailStatus.SENT: "verstuurd",
    MailStatus.FAILED: "mislukt",
    MailStatus.ABORTED: "afgebroken",
}


@dataclass(frozen=True)
class FailureExplanation:
    """Why a mail failed and what can be done, for the coordinator."""

    reason: str
    advice: str
    #: What the server or library said, verbatim (empty for older free-text errors).
    detail: str
    #: The address itself is the problem: correcting it at the person helps.
    address_problem: bool


def explain_failure(mail: OutboxMail) -> FailureExplanation | None:
    """The Dutch (or English) explanation of ``mail.last_error``; None when there is none."""
    if not mail.last_error:
        return None
    failure = parse_failure(mail.last_error)
    if failure is None:  # written before failures had codes
        return FailureExplanation(mail.last_error, "", "", False)
    return FailureExplanation(
        reason=explain(failure),
        advice=advice(failure),
        detail=failure.detail,
        address_problem=failure.code
        in (FailureCode.REFUSED, FailureCode.UNENCODABLE, FailureCode.BAD_ADDRESS),
    )


class MailQueueError(RuleError):
    """A refusal; the message is Dutch and meant for the person."""


@dataclass(frozen=True)
class MailFilters:
    status: MailStatus | None = None
    kind: str = ""
    recipient: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> MailFilters:
        try:
            status = MailStatus(args.get("status")) if args.get("status") else None
        except ValueError:
            status = None
        return cls(
            status=status,
            kind=(args.get("kind") or "").strip()[:60],
            recipient=(args.get("recipient") or "").strip()[:254],
            page=page_number(args.get("page")),
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        values = {
            "status": self.status.value if self.status else None,
            "kind": self.kind or None,
            "recipient": self.recipient or None,
            "page": self.page if self.page > 1 else None,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v is not None}


def list_mails(filters: MailFilters, per_page: int = 50) -> Page[OutboxMail]:
    """Newest first; failed ones can be found with the status filter."""
    query = select(OutboxMail)
    if filters.status is not None:
        query = query.where(OutboxMail.status == filters.status)
    if filters.kind:
        query = query.where(OutboxMail.kind == filters.kind)
    if filters.recipient:
        pattern = "%" + _escape_like(filters.recipient.lower()) + "%"
        query = query.where(
            or_(
                OutboxMail.to_email.like(pattern, escape="\\"),
                func.lower(OutboxMail.to_name).like(pattern, escape="\\"),
            )
        )
    query = query.order_by(OutboxMail.id.desc())
    return paginate(query, filters.page, per_page)


def kinds() -> list[str]:
    return list(db.session.scalars(select(OutboxMail.kind).distinct().order_by(OutboxMail.kind)))


def status_counts() -> dict[MailStatus, int]:
    rows = db.session.execute(
        select(OutboxMail.status, func.count(OutboxMail.id)).group_by(OutboxMail.status)
    ).all()
    counts = dict.fromkeys(MailStatus, 0)
    counts.update({status: int(count) for status, count in rows})
    return counts


def retry(mail: OutboxMail, *, actor: User) -> None:
    """Put a failed (or aborted) mail back in the queue, due now."""
    if mail.status not in (MailStatus.FAILED, MailStatus.ABORTED):
        raise MailQueueError(
            _("Alleen een mislukte of afgebroken mail kan opnieuw verstuurd worden.")
        )
    retry_mail(mail)
    record(
        "mail.retried",
        actor=actor,
        subject_user=mail.user,
        summary=f"Mail „{mail.subject}” aan {mail.to_email} opnieuw in de wachtrij gezet "
        f"(na {mail.attempts} pogingen).",
        mail_id=mail.id,
        kind=mail.kind,
    )


def abort(mail: OutboxMail, *, actor: User) -> None:
    """Give up on a failed or still queued mail: it will not be sent."""
    if mail.status not in (MailStatus.FAILED, MailStatus.QUEUED):
        raise MailQueueError(
            _("Alleen een mislukte mail of een mail in de wachtrij kan afgebroken worden.")
        )
    abort_mail(mail)
    record(
        "mail.aborted",
        actor=actor,
        subject_user=mail.user,
        summary=f"Mail „{mail.subject}” aan {mail.to_email} afgebroken; ze wordt niet verstuurd.",
        mail_id=mail.id,
        kind=mail.kind,
    )


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
