"""Enrolment with a price: "jouw prijs", the confirmation step with the amount, terms and
invoice details, the snapshot on the enrolment, the confirmation mail, and the billing list
(page, CSV, XLSX) with each confirmed paid enrolment once."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from lms.enrolment import service
from lms.extensions import db
from lms.models import BillingProfile, EnrolmentCharge, EnrolmentStatus, Role, utcnow
from tests.reports.helpers import read_csv, read_xlsx, tables, text


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _paid(create_activity, **fields):
    fields.setdefault("price_member", Decimal("60"))
    fields.setdefault("price_non_member", Decimal("120"))
    return create_activity(title="Wonen en recht", **fields)


def test_activity_page_shows_your_price_to_signed_in_people_only(
    client, login, create_activity, create_user
):
    activity = _paid(create_activity)
    anonymous = text(client.get(f"/activities/{activity.id}").get_data(as_text=True))
    assert "€ 60,00 voor leden" in anonymous and "Jouw prijs" not in anonymous
    member = create_user(organisation="Samenlevingsopbouw Gent")
    login(member)
    html = client.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert "Jouw prijs: € 60,00" in text(html)


def test_paid_enrolment_goes_through_one_confirmation_step(
    client, login, create_activity, create_user, queued_mails
):
    activity = _paid(create_activity)
    person = create_user(email="an@example.org", name="An Peeters")
    login(person)
    html = client.get(f"/activities/{activity.id}").get_data(as_text=True)
    response = client.post(f"/activities/{activity.id}/enrol", data={"csrf_token": _csrf(html)})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/activities/{activity.id}/enrol/confirm")
    assert db.session.scalars(select(EnrolmentCharge)).all() == []

    page = client.get(f"/activities/{activity.id}/enrol/confirm").get_data(as_text=True)
    shown = text(page)
    assert "Jouw prijs € 120,00" in shown
    assert "regel van SAM" in shown  # no deadline of its own: the platform rule
    assert 'value="an@example.org"' in page  # prefilled billing address

    bad = client.post(
        f"/activities/{activity.id}/enrol/confirm",
        data={"csrf_token": _csrf(page), "invoice_to": "private", "billing_email": "nope"},
    )
    assert bad.status_code == 200  # the page again, with the error beside the field
    assert "Vul een geldig e-mailadres in." in text(bad.get_data(as_text=True))
    assert db.session.scalars(select(EnrolmentCharge)).all() == []

    done = client.post(
        f"/activities/{activity.id}/enrol/confirm",
        data={
            "csrf_token": _csrf(page),
            "invoice_to": "organisation",
            "organisation_name": "Buurtwerk Noord vzw",
            "reference": "PO-2026-17",
            "billing_email": "boekhouding@buurtwerk.be",
        },
    )
    assert done.status_code == 302
    charge = db.session.scalars(select(EnrolmentCharge)).one()
    assert charge.amount == Decimal("120.00") and charge.member_price is False
    assert (charge.organisation_name, charge.reference, charge.billing_email) == (
        "Buurtwerk Noord vzw",
        "PO-2026-17",
        "boekhouding@buurtwerk.be",
    )
    assert charge.enrolment.status == EnrolmentStatus.CONFIRMED
    assert charge.seat_confirmed_at is not None
    profile = db.session.get(BillingProfile, person.id)
    assert profile.reference == "PO-2026-17"

    # The price changes later: the snapshot keeps what was agreed.
    activity.price_non_member = Decimal("150")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(EnrolmentCharge, charge.enrolment_id).amount == Decimal("120.00")

    (mail,) = queued_mails(kind="enrolment_confirmed", to="an@example.org")
    body = mail.body_text.replace("\xa0", " ")  # Babel keeps € and amount together
    assert "Kostprijs: € 120,00" in body
    assert "Factuur naar: Buurtwerk Noord vzw" in body
    assert "Referentie: PO-2026-17" in body
    assert "Factuur per mail naar: boekhouding@buurtwerk.be" in body
    assert "Buurtwerk Noord vzw" in mail.body_html


def test_free_activity_keeps_one_click(client, login, create_activity, create_user):
    activity = create_activity()
    person = create_user()
    login(person)
    html = client.get(f"/activities/{activity.id}").get_data(as_text=True)
    response = client.post(f"/activities/{activity.id}/enrol", data={"csrf_token": _csrf(html)})
    assert response.status_code == 302
    assert "/enrol/confirm" not in response.headers["Location"]
    assert db.session.scalars(select(EnrolmentCharge)).all() == []


def test_confirmation_prefills_the_confirmed_organisation(
    client, login, create_activity, create_user
):
    activity = _paid(create_activity)
    member = create_user(email="jo@example.org", organisation="Samenlevingsopbouw Brussel")
    login(member)
    page = client.get(f"/activities/{activity.id}/enrol/confirm").get_data(as_text=True)
    assert 'value="Samenlevingsopbouw Brussel"' in page
    assert "€ 60,00 (ledenprijs)" in text(page)


def test_api_enrolment_uses_remembered_details(client, create_activity, create_user, api_token):
    activity = _paid(create_activity)
    person = create_user(email="kim@example.org", organisation="Stad Gent")
    response = client.post(f"/api/v1/activities/{activity.id}/enrolment", headers=api_token(person))
    assert response.status_code == 201
    charge = db.session.scalars(select(EnrolmentCharge)).one()
    assert (charge.invoice_to, charge.organisation_name, charge.billing_email) == (
        "organisation",
        "Stad Gent",
        "kim@example.org",
    )
    assert charge.amount == Decimal("60.00")


def _billing(client, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return client.get(f"/reports/billing?{query}")


def test_billing_list_once_per_enrolment_and_cancellations_by_terms(
    client, login, create_activity, create_user
):
    coordinator = create_user(name="Hilde", roles=(Role.COORDINATOR,))
    deadline = utcnow() + timedelta(days=2)
    activity = _paid(create_activity, capacity=1, cancellation_deadline=deadline)
    first = create_user(name="Eerste", email="eerste@example.org")
    second = create_user(name="Tweede", email="tweede@example.org")
    late = create_user(name="Laat", email="laat@example.org")
    service.enrol(activity, first)
    db.session.commit()
    service.enrol(activity, second)  # waiting list
    db.session.commit()
    # The first cancels before the deadline: not billed; the second is promoted: billed once.
    service.cancel(activity, first)
    db.session.commit()
    activity.capacity = 2
    db.session.commit()
    service.enrol(activity, late)
    db.session.commit()
    # A coordinator cancels the late one after the deadline: billed, marked.
    enrolment = db.session.get(EnrolmentCharge, _charge_id(late)).enrolment
    service.cancel_on_behalf(enrolment, actor=coordinator, now=deadline + timedelta(hours=1))
    db.session.commit()

    login(coordinator)
    today = date.today()
    args = {"van": f"{today.year}-01-01", "tot": f"{today.year + 1}-12-31"}
    html = _billing(client, **args).get_data(as_text=True)
    rows = [row for rows in tables(html).values() for row in rows]
    names = sorted(row[0] for row in rows)
    assert names == ["Laat", "Tweede"]
    assert any("aangerekend" in row[-1] for row in rows if row[0] == "Laat")

    csv_rows = read_csv(
        client.get(f"/reports/billing.csv?van={args['van']}&tot={args['tot']}").data
    )
    assert csv_rows[0][0] == "Organisatie"
    assert sorted(r[5] for r in csv_rows[1:]) == ["Laat", "Tweede"]
    assert all(r[10] == "120" for r in csv_rows[1:])

    data = client.get(f"/reports/billing.xlsx?van={args['van']}&tot={args['tot']}").data
    body = read_xlsx(data)["Facturatie"][1:]
    assert len(body) == 2
    for row in body:
        assert row[10] == 120 and isinstance(row[10], (int, float))
        assert isinstance(row[1], datetime)
    sheet = load_workbook(io.BytesIO(data))["Facturatie"]
    assert "€" in sheet["K2"].number_format and sheet["B2"].is_date


def _charge_id(user) -> int:
    return db.session.scalar(
        select(EnrolmentCharge.enrolment_id)
        .join(EnrolmentCharge.enrolment)
        .where(EnrolmentCharge.enrolment.property.mapper.class_.user_id == user.id)
    )


def test_billing_list_is_for_coordinators_only(client, login, create_user):
    login(create_user(roles=(Role.PARTICIPANT,)))
    for path in ("/reports/billing", "/reports/billing.csv", "/reports/billing.xlsx"):
        assert client.get(path).status_code == 403


def test_promoted_and_approved_mails_carry_the_amount(create_activity, create_user, queued_mails):
    coordinator = create_user(roles=(Role.COORDINATOR,))
    full = _paid(create_activity, capacity=1)
    first = create_user(email="eerste@example.org")
    waiting = create_user(email="wacht@example.org")
    service.enrol(full, first)
    db.session.commit()
    service.enrol(full, waiting)
    db.session.commit()
    service.cancel(full, first)
    db.session.commit()
    (promoted,) = queued_mails(kind="enrolment_promoted", to="wacht@example.org")
    assert "Kostprijs: € 120,00" in promoted.body_text.replace("\xa0", " ")

    closed = _paid(create_activity, requires_approval=True)
    asker = create_user(email="vraag@example.org")
    enrolment, _changed = service.enrol(closed, asker)
    db.session.commit()
    service.approve(enrolment, actor=coordinator)
    db.session.commit()
    (approved,) = queued_mails(kind="enrolment_approved", to="vraag@example.org")
    assert "Kostprijs: € 120,00" in approved.body_text.replace("\xa0", " ")
    assert db.session.get(EnrolmentCharge, enrolment.id).seat_confirmed_at is not None


def test_free_for_members_when_the_offer_says_so(client, login, create_activity, create_user):
    activity = _paid(create_activity, price_member=Decimal("0"))
    member = create_user(organisation="Samenlevingsopbouw Antwerpen")
    login(member)
    html = client.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert "Jouw prijs: gratis" in text(html)
    response = client.post(f"/activities/{activity.id}/enrol", data={"csrf_token": _csrf(html)})
    assert "/enrol/confirm" not in response.headers["Location"]
    assert db.session.scalars(select(EnrolmentCharge)).all() == []


def test_erasure_forgets_remembered_details_and_a_private_address(create_activity, create_user):
    from lms.enrolment.billing import InvoiceDetails, remember
    from lms.privacy.erasure import erase_user

    coordinator = create_user(roles=(Role.COORDINATOR,))
    person = create_user(email="weg@example.org")
    details = InvoiceDetails("private", "", "eigen", "weg@example.org")
    enrolment, _changed = service.enrol(_paid(create_activity), person, invoice=details)
    remember(person, details)
    db.session.commit()
    erase_user(person, actor=coordinator)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(BillingProfile, person.id) is None
    charge = db.session.get(EnrolmentCharge, enrolment.id)
    assert "weg@example.org" not in charge.billing_email and charge.reference == ""
    assert charge.amount == Decimal("120.00")  # the accounts keep the amount


def test_my_data_holds_the_invoice_details_and_erasure_empties_them(create_activity, create_user):
    from lms.enrolment.billing import InvoiceDetails, remember
    from lms.privacy.erasure import erase_user
    from lms.privacy.export import export_user_data

    coordinator = create_user(roles=(Role.COORDINATOR,))
    person = create_user(email="an@example.org")
    details = InvoiceDetails("organisation", "Buurtwerk Noord vzw", "PO-17", "fin@buurtwerk.be")
    enrolment, _changed = service.enrol(_paid(create_activity), person, invoice=details)
    remember(person, details)
    db.session.commit()

    exported = export_user_data(person)["billing"]
    assert exported["remembered_details"] == {
        "invoice_to": "organisation",
        "organisation_name": "Buurtwerk Noord vzw",
        "reference": "PO-17",
        "billing_email": "fin@buurtwerk.be",
    }
    (charge,) = exported["charges"]
    assert (charge["enrolment_id"], charge["amount_eur"], charge["reference"]) == (
        enrolment.id,
        "120.00",
        "PO-17",
    )
    assert charge["seat_confirmed_at"] is not None and charge["cancelled_at"] is None

    erase_user(person, actor=coordinator)
    db.session.commit()
    db.session.expire_all()
    assert export_user_data(person)["billing"]["remembered_details"] is None
