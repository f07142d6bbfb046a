"""The price of an enrolment: the snapshot taken when a person confirms, its fate when
the seat is confirmed or given up, the remembered invoice details and the cancellation
terms shown before confirming.

Called by :mod:`lms.enrolment.service` (the only writer of enrolments) inside its
transaction, so a charge never disagrees with its enrolment. The rows live in
``lms/models/billing.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from lms.common import display
from lms.common.errors import RuleError
from lms.common.timeutil import format_datetime
from lms.enrolment.pricing import pays_member_price, price_for
from lms.extensions import db
from lms.models import (
    Activity,
    BillingProfile,
    Enrolment,
    EnrolmentCharge,
    EnrolmentStatus,
    User,
)
from lms.models.billing import INVOICE_ORGANISATION, INVOICE_PRIVATE

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class InvoiceDetails:
    """Whom to invoice: the organisation (by name) or the person privately."""

    invoice_to: str
    organisation_name: str
    reference: str
    billing_email: str


class InvalidInvoiceDetailsError(RuleError, ValueError):
    """Invoice details that cannot be used; ``message`` is Dutch, for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status=422)


def money_text(amount: Decimal) -> str:
    """``€ 45,00``: the amount as Belgian invoices write it (:func:`lms.common.display.money`)."""
    return display.money(amount, locale=display.DUTCH)


def clean_details(
    invoice_to: Any, organisation_name: Any, reference: Any, billing_email: Any
) -> InvoiceDetails:
    """Invoice details from a form or the API, checked.

    Raises :class:`InvalidInvoiceDetailsError` with a Dutch message."""
    invoice_to = str(invoice_to or "").strip()
    if invoice_to not in (INVOICE_ORGANISATION, INVOICE_PRIVATE):
        raise InvalidInvoiceDetailsError(
            _("Kies of de factuur naar je organisatie of naar jezelf gaat.")
        )
    name = " ".join(str(organisation_name or "").split())[:200]
    if invoice_to == INVOICE_ORGANISATION and not name:
        raise InvalidInvoiceDetailsError(
            _("Vul de naam van de organisatie in die de factuur krijgt.")
        )
    if invoice_to == INVOICE_PRIVATE:
        name = ""
    ref = " ".join(str(reference or "").split())
    if len(ref) > 120:
        raise InvalidInvoiceDetailsError(_("De referentie is te lang (hoogstens 120 tekens)."))
    email = str(billing_email or "").strip()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidInvoiceDetailsError(_("Vul een geldig e-mailadres in voor de factuur."))
    return InvoiceDetails(invoice_to, name, ref, email)


def default_details(user: User) -> InvoiceDetails:
    """What to prefill (and what a paid enrolment without details uses): the details the
    person used last time; else their confirmed organisation with their own address;
    else privately to their own address."""
    profile = db.session.get(BillingProfile, user.id)
    if profile is not None:
        return InvoiceDetails(
            profile.invoice_to, profile.organisation_name, profile.reference, profile.billing_email
        )
    organisation = getattr(user, "organisation", None)
    if organisation is not None:
        return InvoiceDetails(INVOICE_ORGANISATION, organisation.name, "", user.email)
    return InvoiceDetails(INVOICE_PRIVATE, "", "", user.email)


def remember(user: User, details: InvoiceDetails) -> None:
    """Keep ``details`` to prefill the person's next paid enrolment."""
    profile = db.session.get(BillingProfile, user.id)
    if profile is None:
        profile = BillingProfile(user_id=user.id)
        db.session.add(profile)
    profile.invoice_to = details.invoice_to
    profile.organisation_name = details.organisation_name
    profile.reference = details.reference
    profile.billing_email = details.billing_email


def billable_from(activity: Activity) -> datetime | None:
    """From when giving up a confirmed seat is still billed: the activity's cancellation
    deadline, or (without one) the start of its first session — the moment from which
    :func:`lms.enrolment.rules.cancel_refusal` no longer lets a participant cancel."""
    return activity.cancellation_deadline or activity.first_start


def cancellation_terms(activity: Activity) -> str:
    """The cancellation terms, in Dutch, as shown before confirming."""
    if activity.cancellation_deadline is not None:
        return _(
            "Annuleren kan kosteloos tot %(when)s. Annuleer je later, of kom je niet, dan "
            "betaal je het volledige bedrag.",
            when=format_datetime(activity.cancellation_deadline),
        )
    return _(
        "Deze activiteit heeft geen eigen annuleringstermijn. Dan geldt de regel van SAM: "
        "annuleren kan kosteloos tot de eerste sessie begint; daarna betaal je het volledige "
        "bedrag."
    )


def snapshot(
    enrolment: Enrolment, user: User, details: InvoiceDetails | None, now: datetime
) -> EnrolmentCharge | None:
    """Record what ``user`` pays for the enrolment as it is now (None, and no charge, for
    a free activity). Enrolling again after cancelling replaces the earlier snapshot."""
    activity = enrolment.activity
    amount = price_for(activity, user)
    db.session.flush()
    charge = db.session.get(EnrolmentCharge, enrolment.id)
    if not amount:
        if charge is not None:
            db.session.delete(charge)
        return None
    details = details or default_details(user)
    if charge is None:
        charge = EnrolmentCharge(enrolment_id=enrolment.id)
        db.session.add(charge)
    charge.amount = amount
    charge.member_price = pays_member_price(user)
    charge.invoice_to = details.invoice_to
    charge.organisation_name = details.organisation_name
    charge.reference = details.reference
    charge.billing_email = details.billing_email
    charge.agreed_at = now
    charge.seat_confirmed_at = now if enrolment.status == EnrolmentStatus.CONFIRMED else None
    charge.cancelled_at = None
    charge.cancellation_billable = False
    return charge


def seat_confirmed(enrolment: Enrolment, now: datetime) -> None:
    """The enrolment got its seat: from now on it is billed (once: the first time)."""
    charge = db.session.get(EnrolmentCharge, enrolment.id)
    if charge is not None and charge.seat_confirmed_at is None:
        charge.seat_confirmed_at = now


def seat_given_up(enrolment: Enrolment, activity: Activity, now: datetime) -> None:
    """A confirmed seat was cancelled: billed when that happened after the terms'
    deadline (only a coordinator can still cancel then); before it, not billed."""
    charge = db.session.get(EnrolmentCharge, enrolment.id)
    if charge is None or charge.seat_confirmed_at is None:
        return
    limit = billable_from(activity)
    charge.cancelled_at = now
    charge.cancellation_billable = limit is not None and now >= limit


def seat_withdrawn(enrolment: Enrolment, now: datetime) -> None:
    """SAM cancelled the activity: nothing is billed."""
    charge = db.session.get(EnrolmentCharge, enrolment.id)
    if charge is not None and charge.seat_confirmed_at is not None:
        charge.cancelled_at = now
        charge.cancellation_billable = False


def mail_facts(enrolment: Enrolment) -> dict[str, Any] | None:
    """The amount and invoice details for the confirmation mail (None when free, and for
    an enrolment not yet written: it has no charge)."""
    if enrolment.id is None:
        return None
    charge = db.session.get(EnrolmentCharge, enrolment.id)
    if charge is None:
        return None
    return {
        "amount": f"{charge.amount:.2f}",
        "amount_text": money_text(charge.amount),
        "member_price": charge.member_price,
        "invoice_to": charge.invoice_to,
        "organisation_name": charge.organisation_name,
        "reference": charge.reference,
        "billing_email": charge.billing_email,
        "terms": cancellation_terms(enrolment.activity),
    }


def erase_for_user(user_id: int, replacement_email: str) -> None:
    """Erasure (``lms/privacy/erasure.py``): the remembered details go; a private
    invoice's address is the person's own and is replaced; an organisation's invoice
    details are the organisation's and stay for its accounts."""
    db.session.execute(delete(BillingProfile).where(BillingProfile.user_id == user_id))
    db.session.execute(
        update(EnrolmentCharge)
        .where(
            EnrolmentCharge.enrolment_id.in_(
                select(Enrolment.id).where(Enrolment.user_id == user_id)
            ),
            EnrolmentCharge.invoice_to == INVOICE_PRIVATE,
        )
        .values(billing_email=replacement_email, reference="")
        .execution_options(synchronize_session=False)
    )


def details_of_user(user_id: int) -> tuple[BillingProfile | None, list[EnrolmentCharge]]:
    """The person's remembered invoice details and every price agreed for their
    enrolments, oldest first: their data, for the export of ``lms/privacy/export.py``."""
    profile = db.session.get(BillingProfile, user_id)
    charges = list(
        db.session.scalars(
            select(EnrolmentCharge)
            .join(Enrolment, Enrolment.id == EnrolmentCharge.enrolment_id)
            .where(Enrolment.user_id == user_id)
            .order_by(EnrolmentCharge.agreed_at, EnrolmentCharge.enrolment_id)
        )
    )
    return profile, charges
