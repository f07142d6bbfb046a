"""Public verification: valid, revoked (with date), unknown; as a page and as JSON."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from lms.certificates import service
from lms.extensions import db
from lms.models import Role
from lms.policy.service import today_local
from tests.factories import past_start


@pytest.fixture
def cert(finished_course, coordinator):
    result = service.issue_for_activity(finished_course.activity, actor=coordinator)
    db.session.commit()
    zoe = finished_course.people[0]
    return next(c for c in result.issued if c.user_id == zoe.id)


def main_content(html: str) -> str:
    return re.search(r"<main.*?</main>", html, re.S).group(0)


def test_valid_then_revoked_then_unknown(client, cert, coordinator):
    page = client.get(f"/certificates/verify/{cert.code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Geldig" in html and "Ingetrokken" not in html
    assert "Zoë Ağaoğlu-Łukasiewicz" in html
    assert "Impactevaluatie in de praktijk" in html
    assert page.headers["X-Robots-Tag"].startswith("noindex")

    service.revoke(cert, actor=coordinator, reason="Fraude met de handtekeninglijst")
    db.session.commit()
    html = client.get(f"/certificates/verify/{cert.code}").get_data(as_text=True)
    assert "Ingetrokken" in html
    assert "is ingetrokken op" in html
    assert "Fraude" not in html  # the reason is for the holder, not for the public

    unknown = client.get("/certificates/verify/ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    assert unknown.status_code == 404
    assert "Onbekende code" in unknown.get_data(as_text=True)


def test_json_as_in_the_contract(client, cert, coordinator):
    headers = {"Accept": "application/json"}
    body = client.get(f"/certificates/verify/{cert.code}", headers=headers).get_json()
    assert body["status"] == "valid"
    assert body["holder"] == "Zoë Ağaoğlu-Łukasiewicz"
    assert body["activity"] == "Impactevaluatie in de praktijk"
    assert body["hours"] == 12
    assert body["issued_at"].startswith(str(cert.issued_at.year))
    assert body["revoked_at"] is None

    service.revoke(cert, actor=coordinator, reason="Fout")
    db.session.commit()
    body = client.get(f"/certificates/verify/{cert.code}", headers=headers).get_json()
    assert body["status"] == "revoked"
    assert body["revoked_at"] is not None and "+0" in body["revoked_at"]

    response = client.get("/certificates/verify/ZZZZ-ZZZZ-ZZZZ-ZZZZ", headers=headers)
    assert response.status_code == 404
    assert response.get_json() == {
        "status": "unknown",
        "holder": None,
        "activity": None,
        "hours": None,
        "issued_at": None,
        "revoked_at": None,
    }
    assert client.get("/certificates/verify/geen-code", headers=headers).status_code == 404


def test_nothing_more_about_the_holder_than_the_certificate_shows(client, cert, finished_course):
    zoe = finished_course.people[0]
    html = client.get(f"/certificates/verify/{cert.code}").get_data(as_text=True)
    body = client.get(
        f"/certificates/verify/{cert.code}", headers={"Accept": "application/json"}
    ).get_json()
    for secret in (zoe.email, "Persoon"):
        assert secret not in html
        assert secret not in str(body)
    assert "email" not in body and "organisation" not in body


def test_a_loosely_typed_code_is_normalised(client, cert):
    loose = cert.code.lower().replace("-", "")
    response = client.get(f"/certificates/verify/{loose}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/certificates/verify/{cert.code}")


def test_the_form_leads_to_the_verification(client, cert):
    page = client.get("/certificates/verify")
    assert page.status_code == 200
    assert 'name="code"' in page.get_data(as_text=True)
    response = client.get("/certificates/verify", query_string={"code": f" {cert.code.lower()} "})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/certificates/verify/{cert.code}")
    wrong = client.get("/certificates/verify", query_string={"code": "12345"})
    assert wrong.status_code == 200
    assert "Dit is geen geldige code" in wrong.get_data(as_text=True)
    empty = client.get("/certificates/verify", query_string={"code": ""})
    assert "Vul de code van het attest in." in empty.get_data(as_text=True)


def test_the_footer_links_to_the_form(client):
    assert 'href="/certificates/verify"' in client.get("/").get_data(as_text=True)


def test_lookups_are_rate_limited(client, app):
    app.config["CERTIFICATE_VERIFY_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [
            client.get("/certificates/verify/ZZZZ-ZZZZ-ZZZZ-ZZZZ").status_code for _ in range(4)
        ]
        limited = client.get(
            "/certificates/verify/ZZZZ-ZZZZ-ZZZZ-ZZZZ", headers={"Accept": "application/json"}
        )
        form = client.get("/certificates/verify")
    finally:
        app.config.pop("CERTIFICATE_VERIFY_RATE_LIMIT")
    assert statuses == [404, 404, 404, 429]
    assert limited.status_code == 429
    assert "Te veel controles" in limited.get_json()["error"]
    assert form.status_code == 429
    assert "Te veel controles" in form.get_data(as_text=True)


def test_editing_the_policy_leaves_issued_certificates_alone(
    client, login, cert, coordinator, finished_course
):
    """New version in the editor, the old version's rule changed in the database, the
    activity renamed: the certificate, its PDF bytes and its verification page stay."""
    login(finished_course.people[0])
    pdf_before = client.get(f"/certificates/{cert.code}.pdf").data
    page_before = main_content(
        client.get(f"/certificates/verify/{cert.code}").get_data(as_text=True)
    )
    json_before = client.get(
        f"/certificates/verify/{cert.code}", headers={"Accept": "application/json"}
    ).get_json()
    snapshot_before = dict(cert.snapshot)

    login(coordinator)
    form = client.get("/policy/new").get_data(as_text=True)
    assert "Nieuwe versie van het leerbeleid" in form
    data = policy_form_data(client, valid_from=today_local() + timedelta(days=1), course_pct=50)
    created = client.post("/policy/new", data=data)
    assert created.status_code == 302, created.get_data(as_text=True)
    assert "Nieuwe versie opgeslagen" in client.get(created.headers["Location"]).get_data(
        as_text=True
    )
    from lms.models import CertificationRule, LearningPolicy

    old = db.session.scalar(db.select(LearningPolicy).order_by(LearningPolicy.valid_from))
    rule = db.session.scalar(
        db.select(CertificationRule).where(
            CertificationRule.policy_id == old.id, CertificationRule.kind == "course"
        )
    )
    rule.min_attendance_pct = 100
    old.name = "Hernoemd leerbeleid"
    finished_course.activity.title = "Nieuwe titel"
    db.session.commit()

    login(finished_course.people[0])
    assert client.get(f"/certificates/{cert.code}.pdf").data == pdf_before
    page_after = main_content(
        client.get(f"/certificates/verify/{cert.code}").get_data(as_text=True)
    )
    assert page_after == page_before
    assert (
        client.get(
            f"/certificates/verify/{cert.code}", headers={"Accept": "application/json"}
        ).get_json()
        == json_before
    )
    db.session.expire_all()
    assert db.session.get(type(cert), cert.id).snapshot == snapshot_before


def policy_form_data(client, *, valid_from: date, course_pct: int) -> dict:
    """The editor's own prefilled form, with a new start date and course percentage."""
    from lms.models import ActivityKind, HoursCredit

    data = {
        "name": "Leerbeleid 2027",
        "valid_from": valid_from.isoformat(),
        "yearly_hours_target": "24",
        "notes": "",
    }
    for kind in ActivityKind:
        data[f"{kind.value}_min_attendance_pct"] = str(course_pct if kind == "course" else 80)
        data[f"{kind.value}_hours_credit"] = HoursCredit.ATTENDED.value
        data[f"{kind.value}_competences"] = ""
    return data


def test_policy_version_of_an_activity_is_the_one_in_force_when_it_started(
    course, coordinator, client, login
):
    """A version starting after the activity's start does not change how it is judged."""
    from lms.models import CertificationRule, HoursCredit, LearningPolicy

    started = course(marks={"An": ["present", "present", "present", "absent"]})  # 75 %
    later = LearningPolicy(name="Soepeler", valid_from=today_local() - timedelta(days=1))
    later.rules.append(
        CertificationRule(kind="course", min_attendance_pct=50, hours_credit=HoursCredit.ATTENDED)
    )
    db.session.add(later)
    db.session.commit()
    assert service.issue_for_activity(started.activity, actor=coordinator).issued == []
    db.session.rollback()
    earlier = LearningPolicy(name="Nog soepeler", valid_from=past_start(20).date())
    earlier.rules.append(
        CertificationRule(kind="course", min_attendance_pct=70, hours_credit=HoursCredit.ATTENDED)
    )
    db.session.add(earlier)
    db.session.commit()
    [cert] = service.issue_for_activity(started.activity, actor=coordinator).issued
    assert cert.snapshot["policy_name"] == "Nog soepeler"
    assert cert.snapshot["required_pct"] == 70
    assert Role.COORDINATOR in coordinator.roles
