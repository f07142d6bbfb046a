"""The billing list for coordinators: every paid enrolment that is to be invoiced in a
period, grouped per organisation, as a page and as CSV and XLSX.

A row is an :class:`lms.models.EnrolmentCharge` (one per enrolment, so each paid
enrolment appears once, however it got its seat) whose seat was confirmed within the
period (Brussels days): still confirmed, or cancelled after the cancellation terms'
deadline (billed, and marked so). A seat given up before that deadline, a cancelled
activity, or a request or waiting-list place that never got a seat is not billed. The
files are written with the helpers of :mod:`lms.reports.export`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import groupby
from typing import Any

from openpyxl import Workbook
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from lms.common.timeutil import format_datetime, to_local
from lms.extensions import db
from lms.models import Activity, Enrolment, EnrolmentCharge, EnrolmentStatus, User, utcnow
from lms.models.billing import INVOICE_ORGANISATION
from lms.reports.common import Period
from lms.reports.export import (
    DATE,
    INT,
    MONEY,
    TEXT,
    _bytes,
    _csv,
    _explanation,
    _sheet,
)

#: What the list calls a private invoice's "organisation".
PRIVATE = "Privé"


@dataclass(frozen=True)
class BillingRow:
    confirmed_on: date
    activity_id: int
    activity: str
    first_session: date | None
    participant: str
    email: str
    organisation: str
    reference: str
    billing_email: str
    member_price: bool
    amount: Decimal
    cancelled_on: date | None

    @property
    def billable_cancellation(self) -> bool:
        return self.cancelled_on is not None

    @property
    def status_text(self) -> str:
        return "Geannuleerd na de termijn (aangerekend)" if self.cancelled_on else "Ingeschreven"


@dataclass(frozen=True)
class OrganisationGroup:
    organisation: str
    rows: list[BillingRow]

    @property
    def total(self) -> Decimal:
        return sum((row.amount for row in self.rows), Decimal("0"))


@dataclass(frozen=True)
class BillingList:
    period: Period
    generated_at: datetime
    groups: list[OrganisationGroup]

    @property
    def rows(self) -> list[BillingRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def total(self) -> Decimal:
        return sum((group.total for group in self.groups), Decimal("0"))


def billing_list(period: Period) -> BillingList:
    """The billing list of ``period`` (one query)."""
    start, end = period.bounds
    billed = or_(
        Enrolment.status == EnrolmentStatus.CONFIRMED,
        and_(
            Enrolment.status == EnrolmentStatus.CANCELLED,
            EnrolmentCharge.cancellation_billable.is_(True),
        ),
    )
    result = db.session.execute(
        select(EnrolmentCharge, Enrolment.status, User.name, User.email, Activity)
        .join(Enrolment, Enrolment.id == EnrolmentCharge.enrolment_id)
        .join(User, User.id == Enrolment.user_id)
        .join(Activity, Activity.id == Enrolment.activity_id)
        .where(
            EnrolmentCharge.seat_confirmed_at >= start,
            EnrolmentCharge.seat_confirmed_at < end,
            EnrolmentCharge.amount > 0,
            billed,
        )
        .options(selectinload(Activity.sessions))
        .order_by(EnrolmentCharge.seat_confirmed_at, EnrolmentCharge.enrolment_id)
    ).all()
    rows = []
    for charge, status, name, email, activity in result:
        first = activity.first_start
        billable_cancel = status == EnrolmentStatus.CANCELLED and charge.cancelled_at
        rows.append(
            BillingRow(
                confirmed_on=to_local(charge.seat_confirmed_at).date(),
                activity_id=activity.id,
                activity=activity.title,
                first_session=to_local(first).date() if first else None,
                participant=name,
                email=email,
                organisation=(
                    charge.organisation_name
                    if charge.invoice_to == INVOICE_ORGANISATION
                    else PRIVATE
                ),
                reference=charge.reference,
                billing_email=charge.billing_email,
                member_price=charge.member_price,
                amount=charge.amount,
                cancelled_on=to_local(charge.cancelled_at).date() if billable_cancel else None,
            )
        )
    rows.sort(key=lambda r: (r.organisation == PRIVATE, r.organisation.casefold()))
    groups = [
        OrganisationGroup(name, list(items))
        for name, items in groupby(rows, key=lambda r: r.organisation)
    ]
    return BillingList(period, utcnow(), groups)


COLUMNS: tuple[tuple[str, str], ...] = (
    ("Organisatie", TEXT),
    ("Ingeschreven op", DATE),
    ("Activiteit-ID", INT),
    ("Activiteit", TEXT),
    ("Eerste sessie", DATE),
    ("Deelnemer", TEXT),
    ("E-mail deelnemer", TEXT),
    ("Referentie", TEXT),
    ("E-mail factuur", TEXT),
    ("Ledenprijs", TEXT),
    ("Bedrag", MONEY),
    ("Status", TEXT),
    ("Geannuleerd op", DATE),
)
TOTAL_COLUMNS = (("Organisatie", TEXT), ("Inschrijvingen", INT), ("Totaal", MONEY))


def _values(row: BillingRow) -> list[Any]:
    return [
        row.organisation,
        row.confirmed_on,
        row.activity_id,
        row.activity,
        row.first_session,
        row.participant,
        row.email,
        row.reference,
        row.billing_email,
        "ja" if row.member_price else "nee",
        row.amount,
        row.status_text,
        row.cancelled_on,
    ]


def _lines(report: BillingList) -> list[tuple[str, str]]:
    p = report.period
    return [
        ("Rapport", "Facturatie"),
        ("Periode", f"{p.start:%d-%m-%Y} tot en met {p.end:%d-%m-%Y}"),
        ("Opgemaakt", format_datetime(report.generated_at)),
        (
            "Wat erin staat",
            "Elke betalende inschrijving één keer, met het bedrag en de factuurgegevens zoals "
            "de deelnemer ze bevestigde, volgens de datum waarop de plaats bevestigd werd. "
            "Een annulering na de annuleringstermijn wordt aangerekend en staat erin; een "
            "annulering vóór de termijn niet.",
        ),
    ]


def billing_csv(report: BillingList) -> str:
    """One line per billed enrolment (Dutch Excel: ``;`` and decimal commas)."""
    rows: list[list[Any]] = [[name for name, _kind in COLUMNS]]
    rows.extend(_values(row) for row in report.rows)
    return _csv(rows)


def billing_xlsx(report: BillingList) -> bytes:
    """The list and the totals per organisation; amounts and dates as typed cells."""
    workbook = Workbook()
    _sheet(workbook, "Facturatie", COLUMNS, (_values(r) for r in report.rows), first=True)
    _sheet(
        workbook,
        "Per organisatie",
        TOTAL_COLUMNS,
        [[g.organisation, len(g.rows), g.total] for g in report.groups],
    )
    _explanation(workbook, _lines(report))
    return _bytes(workbook)
