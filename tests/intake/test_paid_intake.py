"""The intake questions bind on every path: the paid confirmation step asks them too, and
a contact cannot enrol a colleague past a required question."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.enrolment import service as enrolment_service
from lms.extensions import db
from lms.intake import service as intake_service
from lms.models import Enrolment, EnrolmentCharge, EnrolmentStatus, IntakeAnswer, Role
from tests.html import by_id, text

MOTIVATION = "Waarom wil je deelnemen?"


def _csrf(html: str) -> str:
    """The page's CSRF token (the test app checks none: then the form has no field)."""
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return found.group(1) if found else ""


def test_the_paid_step_asks_the_required_question_before_enrolling(
    client, login, create_user, create_activity
):
    coordinator = create_user(roles=(Role.COORDINATOR,))
    person = create_user(email="an@example.org")
    activity = create_activity(
        title="Wonen en recht", price_member=Decimal("60"), price_non_member=Decimal("120")
    )
    question = intake_service.add_question(
        activity, actor=coordinator, label=MOTIVATION, kind="text", required=True
    )
    db.session.commit()
    login(person)
    response = client.post(f"/activities/{activity.id}/intake")
    assert response.headers["Location"].endswith(f"/activities/{activity.id}/enrol/confirm")
    page = client.get(f"/activities/{activity.id}/enrol/confirm").get_data(as_text=True)
    box = by_id(page, "intake-questions")
    assert box is not None and text(box).startswith(MOTIVATION)

    invoice = {
        "csrf_token": _csrf(page),
        "invoice_to": "private",
        "billing_email": "an@example.org",
    }
    refused = client.post(f"/activities/{activity.id}/enrol/confirm", data=invoice)
    html = refused.get_data(as_text=True)
    assert text(by_id(html, f"q{question.id}-error")) == (
        f"„{MOTIVATION}” is verplicht: vul een antwoord in."
    )
    assert db.session.scalar(select(Enrolment.id)) is None
    assert db.session.scalar(select(EnrolmentCharge.enrolment_id)) is None

    # A wrong invoice address and no answer: both are said at once.
    both = client.post(
        f"/activities/{activity.id}/enrol/confirm", data={**invoice, "billing_email": "nee"}
    ).get_data(as_text=True)
    assert by_id(both, f"q{question.id}-error") is not None
    assert "Vul een geldig e-mailadres in." in text(by_id(both, "form-errors"))

    done = client.post(
        f"/activities/{activity.id}/enrol/confirm",
        data={**invoice, f"q{question.id}": "Voor mijn werk in Gent"},
    )
    assert done.status_code == 302
    enrolment = db.session.scalars(select(Enrolment)).one()
    assert enrolment.status == EnrolmentStatus.CONFIRMED
    assert db.session.scalars(select(IntakeAnswer.value)).all() == ["Voor mijn werk in Gent"]
    assert db.session.get(EnrolmentCharge, enrolment.id).amount == Decimal("120.00")


def test_a_contact_cannot_enrol_a_colleague_past_a_required_question(
    client, login, create_user, create_activity, create_organisation
):
    organisation = create_organisation("Buurtwerk Noord")
    coordinator = create_user(roles=(Role.COORDINATOR,))
    contact = create_user(
        roles=(Role.PARTICIPANT, Role.ORGANISATION_CONTACT), organisation=organisation
    )
    colleague = create_user(organisation=organisation)
    activity = create_activity(title="Intervisie wonen")
    intake_service.add_question(
        activity, actor=coordinator, label=MOTIVATION, kind="text", required=True
    )
    db.session.commit()
    with pytest.raises(enrolment_service.EnrolmentError) as refused:
        enrolment_service.enrol_on_behalf(activity, colleague, actor=contact)
    assert "stelt verplichte vragen vooraf" in refused.value.message
    db.session.rollback()
    # A coordinator (who back-fills, e.g. after an intake talk) may.
    outcome = enrolment_service.enrol_on_behalf(activity, colleague, actor=coordinator)
    assert outcome.changed
