"""What a paid enrolment costs and whom to invoice, as agreed when the person confirmed.

An :class:`EnrolmentCharge` is a snapshot: the activity's price and the person's invoice
details can change afterwards, the invoice follows what was shown and accepted on the
confirmation page (``lms/enrolment/billing.py`` writes it). One row per enrolment, so a
billing list that reads these rows lists every paid enrolment once, however it got its
seat (directly, from the waiting list or by accepting an offered seat).

A :class:`BillingProfile` remembers a person's last invoice details to prefill the next
confirmation (and to bill enrolments made through the API without details).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.models.base import db, utcnow
from lms.models.enrolment import Enrolment

#: ``invoice_to`` values.
INVOICE_ORGANISATION = "organisation"
INVOICE_PRIVATE = "private"


class EnrolmentCharge(db.Model):
    """The amount and invoice details of one enrolment, as they were at confirmation."""

    __tablename__ = "enrolment_charges"

    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True
    )
    amount: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    member_price: Mapped[bool] = mapped_column(default=False, server_default="0")
    invoice_to: Mapped[str] = mapped_column(String(20), default=INVOICE_PRIVATE)
    organisation_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    reference: Mapped[str] = mapped_column(String(120), default="", server_default="")
    billing_email: Mapped[str] = mapped_column(String(254))
    #: When the person accepted amount and terms (or the enrolment was made for them).
    agreed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the enrolment got its seat: the billing period it belongs to (None: no seat yet).
    seat_confirmed_at: Mapped[datetime | None]
    #: A confirmed seat given up after the cancellation terms' deadline: still billed.
    cancelled_at: Mapped[datetime | None]
    cancellation_billable: Mapped[bool] = mapped_column(default=False, server_default="0")

    enrolment: Mapped[Enrolment] = relationship()


class BillingProfile(db.Model):
    """A person's invoice details from their last paid enrolment."""

    __tablename__ = "billing_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    invoice_to: Mapped[str] = mapped_column(String(20), default=INVOICE_PRIVATE)
    organisation_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    reference: Mapped[str] = mapped_column(String(120), default="", server_default="")
    billing_email: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
