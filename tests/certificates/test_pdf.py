"""The certificate PDF: names in any script, the code, a QR code that leads to verification,
the same bytes every time, and only for its holder and coordinators."""

from __future__ import annotations

import io

import pypdf
import pypdfium2
import pytest
import zxingcpp

from lms.certificates import service
from lms.certificates.pdf import render_certificate
from lms.extensions import db
from lms.models import Certificate


@pytest.fixture
def issued(finished_course, coordinator):
    result = service.issue_for_activity(finished_course.activity, actor=coordinator)
    db.session.commit()
    by_user = {c.user_id: c for c in result.issued}
    zoe, minh = finished_course.people[0], finished_course.people[1]
    return {"zoe": (zoe, by_user[zoe.id]), "minh": (minh, by_user[minh.id])}


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def qr_codes(data: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    image = document[0].render(scale=3).to_pil()
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_the_pdf_carries_both_names_and_the_code(client, login, issued):
    texts = {}
    for key in ("zoe", "minh"):
        person, cert = issued[key]
        login(person)
        response = client.get(f"/certificates/{cert.code}.pdf")
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        texts[key] = pdf_text(response.data)
        assert cert.code in texts[key]
        assert "Impactevaluatie in de praktijk" in texts[key]
    assert "Zoë Ağaoğlu-Łukasiewicz" in texts["zoe"]
    assert "Nguyễn Thị Minh Khai" in texts["minh"]
    assert "11 u" in texts["minh"]
    assert "Leerbeleid SAM (standaard)" in texts["minh"]


def test_the_page_is_a4_landscape(issued):
    _person, cert = issued["zoe"]
    page = pypdf.PdfReader(io.BytesIO(service.pdf_of(cert))).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (842, 595)


def test_the_qr_code_decodes_to_the_verification_url(client, login, issued, app):
    person, cert = issued["minh"]
    login(person)
    data = client.get(f"/certificates/{cert.code}.pdf").data
    assert qr_codes(data) == [f"{app.config['LMS_BASE_URL']}/certificates/verify/{cert.code}"]


def test_the_pdf_is_stored_on_first_download_and_identical_after(client, login, issued):
    person, cert = issued["zoe"]
    assert db.session.scalar(db.select(Certificate.pdf).where(Certificate.id == cert.id)) is None
    login(person)
    first = client.get(f"/certificates/{cert.code}.pdf")
    second = client.get(f"/certificates/{cert.code}.pdf")
    assert first.data == second.data
    stored = db.session.scalar(db.select(Certificate.pdf).where(Certificate.id == cert.id))
    assert stored == first.data
    # The renderer itself is deterministic: the same snapshot gives the same bytes.
    assert render_certificate(cert.snapshot) == first.data
    assert (
        client.get(
            f"/certificates/{cert.code}.pdf", headers={"If-None-Match": first.headers["ETag"]}
        ).status_code
        == 304
    )


def test_download_with_a_bearer_token(client, issued, api_token):
    person, cert = issued["zoe"]
    response = client.get(f"/certificates/{cert.code}.pdf", headers=api_token(person))
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_the_code_may_be_typed_loosely_in_the_url(client, login, issued):
    person, cert = issued["zoe"]
    login(person)
    assert client.get(f"/certificates/{cert.code.lower()}.pdf").status_code == 200


def test_others_may_not_download(client, login, issued, create_user, finished_course, coordinator):
    _zoe, cert = issued["zoe"]
    minh, _ = issued["minh"]
    anonymous = client.get(f"/certificates/{cert.code}.pdf")
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]
    assert (
        client.get(
            f"/certificates/{cert.code}.pdf", headers={"Authorization": "Bearer nope"}
        ).status_code
        == 401
    )
    login(minh)
    assert client.get(f"/certificates/{cert.code}.pdf").status_code == 403
    login(finished_course.trainer)
    assert client.get(f"/certificates/{cert.code}.pdf").status_code == 403
    login(coordinator)
    assert client.get(f"/certificates/{cert.code}.pdf").status_code == 200
    assert client.get("/certificates/0000-0000-0000-0000.pdf").status_code == 404


def test_a_revoked_certificate_is_no_longer_downloadable_by_its_holder(
    client, login, issued, coordinator
):
    person, cert = issued["zoe"]
    service.revoke(cert, actor=coordinator, reason="Fout")
    db.session.commit()
    login(person)
    response = client.get(f"/certificates/{cert.code}.pdf")
    assert response.status_code == 410
    assert "ingetrokken" in response.get_data(as_text=True)
    login(coordinator)
    assert client.get(f"/certificates/{cert.code}.pdf").status_code == 200


def test_long_names_and_titles_still_fit():
    snapshot = {
        "code": "7KQ4-M2XD-9FJ1-PZ3W",
        "document": "attest",
        "holder_name": "Maria-Fernanda de los Ángeles Zoë Ağaoğlu-Łukasiewicz van den Broeck",
        "activity_title": "Een heel lange titel " * 8,
        "kind_label": "cursus",
        "start_date": "2026-01-05",
        "end_date": "2027-02-01",
        "hours": 12.5,
        "themes": ["Wonen", "Straathoekwerk"],
        "policy_name": "Leerbeleid 2026-2030",
        "policy_valid_from": "2026-01-01",
        "issued_on": "2027-02-03",
        "verify_url": "https://leerplatform.test.example/certificates/verify/7KQ4-M2XD-9FJ1-PZ3W",
    }
    text = pdf_text(render_certificate(snapshot))
    assert "Maria-Fernanda de los Ángeles Zoë Ağaoğlu-Łukasiewicz van den Broeck" in text
    assert "12 u 30 min" in text
    assert "van 5 januari 2026 tot 1 februari 2027" in text
