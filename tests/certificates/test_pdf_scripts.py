"""Certificates for every name: Chinese, Japanese, Arabic and Hebrew names and titles are
drawn (with an embedded font that has their glyphs), extractable, and inside the page however
long they are; a revoked certificate's PDF says INGETROKKEN; the verification page of a
revoked code leads to its replacement."""

from __future__ import annotations

import io
import re
import unicodedata
from html.parser import HTMLParser

import pypdf
import pypdfium2
import pytest

from lms.certificates import service
from lms.certificates.pdf import render_certificate
from lms.common.pdf_fonts import CJK_FONT_ENV, fallback_fonts
from lms.common.pdf_text import fit
from lms.common.timeutil import MONTH_NAMES, to_local
from lms.extensions import db

LONG_NAME = (
    "Maria-Fernanda de los Ángeles Zoë Ağaoğlu-Łukasiewicz van den Broeck-Vanderstraeten "
    "y Santiago-Nguyễn Thị Minh Khai Oost"
)
assert len(LONG_NAME) == 120

BASE = {
    "code": "7KQ4-M2XD-9FJ1-PZ3W",
    "document": "attest",
    "holder_name": "An Peeters",
    "activity_title": "Impactevaluatie in de praktijk",
    "kind_label": "cursus",
    "start_date": "2026-01-05",
    "end_date": "2026-02-01",
    "hours": 12.5,
    "themes": ["Wonen"],
    "policy_name": "Leerbeleid 2026-2030",
    "policy_valid_from": "2026-01-01",
    "issued_on": "2026-02-03",
    "issuer": "SAM vzw",
    "verify_url": "https://leerplatform.test.example/certificates/verify/7KQ4-M2XD-9FJ1-PZ3W",
}


def render(**changes) -> bytes:
    return render_certificate({**BASE, **changes})


def pdf_text(data: bytes) -> str:
    return pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()


def flat(text: str) -> str:
    """NFKC (Arabic presentation forms back to letters) and whitespace as single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def embedded_fonts(data: bytes) -> set[str]:
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    fonts = page["/Resources"]["/Font"]
    return {str(fonts[key].get_object()["/BaseFont"]) for key in fonts}


def char_boxes(data: bytes) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Every drawn character with its box (left, bottom, right, top) in points."""
    document = pypdfium2.PdfDocument(data)
    text_page = document[0].get_textpage()
    return [
        (text_page.get_text_range(index, 1), text_page.get_charbox(index))
        for index in range(text_page.count_chars())
    ]


def assert_inside_the_frame(data: bytes) -> None:
    """No character leaves the gold inner frame (29 pt from each edge of A4 landscape)."""
    boxes = [(char, box) for char, box in char_boxes(data) if char.strip()]
    assert boxes
    for char, (left, bottom, right, top) in boxes:
        assert left >= 29 and right <= 842 - 29, (char, left, right)
        assert bottom >= 29 and top <= 595 - 29, (char, bottom, top)


@pytest.fixture(scope="module")
def cjk_fonts() -> tuple[str, ...]:
    fonts = fallback_fonts()
    assert fonts, (
        "No CJK font for PDFs: install Debian's fonts-droid-fallback (.ci/run does) "
        f"or set {CJK_FONT_ENV}"
    )
    return fonts


def test_a_chinese_name_through_the_download(
    client, login, finished_course, coordinator, cjk_fonts
):
    person = finished_course.people[0]
    person.name = "王小明"
    db.session.commit()
    result = service.issue_for_activity(finished_course.activity, actor=coordinator)
    db.session.commit()
    cert = next(c for c in result.issued if c.user_id == person.id)
    login(person)
    data = client.get(f"/certificates/{cert.code}.pdf").data
    text = pdf_text(data)
    assert "\n王小明\n" in text
    # The glyphs come from the CJK font (e.g. "/AAAAAA+DroidSansFallback"), embedded as a
    # subset: the "XXXXXX+" prefix marks one.
    assert [name for name in embedded_fonts(data) if "+" in name and "DejaVu" not in name]
    assert len(data) < 150_000
    assert_inside_the_frame(data)


def test_japanese_name_and_title(cjk_fonts):
    data = render(
        holder_name="山田 太郎（やまだ たろう）", activity_title="日本語のタイトル: 社会福祉の実践"
    )
    text = flat(pdf_text(data))
    assert "山田 太郎(やまだ たろう)" in text  # NFKC makes the wide parentheses plain
    assert "日本語のタイトル" in text and "社会福祉の実践" in text
    assert_inside_the_frame(data)


def test_an_arabic_name_is_joined_and_right_to_left():
    name = "محمد عبد الله"
    data = render(holder_name=name)
    line = next(line for line in pdf_text(data).splitlines() if re.search("[\ufe70-\ufeff]", line))
    # What is drawn are the joined forms (presentation forms B), left to right in visual
    # order; pypdf gives them back in logical order ("ﻣﺤﻤﺪ ﻋﺒﺪ ﺍﻟﻠﻪ": initial meem, medial
    # hah, ...), so NFKC alone gives the name. Were the order visual, it would read
    # reversed ("ﻪﻠﻟﺍ ..."), which the second comparison would catch.
    assert line == "ﻣﺤﻤﺪ ﻋﺒﺪ ﺍﻟﻠﻪ"
    assert flat(line) == name
    assert "+DejaVuSans-Bold" in " ".join(embedded_fonts(data))


def test_a_hebrew_name_in_a_mixed_title():
    data = render(holder_name="שרה לוי", activity_title="Bemiddeling in de wijk (גישור שכונתי)")
    text = pdf_text(data)
    # pypdf returns Hebrew in logical order; it moves the brackets of a mixed line, so the
    # title is checked word by word.
    assert "\nשרה לוי\n" in text
    for word in ("Bemiddeling in de wijk", "גישור שכונתי"):
        assert word in text


def test_a_120_character_name_shrinks_then_wraps_inside_the_page():
    data = render(holder_name=LONG_NAME)
    assert flat(LONG_NAME) in flat(pdf_text(data))
    assert_inside_the_frame(data)
    # It shrank from 32 pt to the smallest size, 16 pt, and then took two lines.
    size, lines = fit(
        LONG_NAME,
        ("DejaVuSerif-Bold", "DejaVuSans-Bold"),
        largest=32,
        smallest=16,
        max_width=692,
    )
    assert (size, len(lines), " ".join(lines)) == (16, 2, LONG_NAME)
    assert abs(len(lines[0]) - len(lines[1])) < 30  # balanced, not a full line and a word
    assert fit("An Peeters", ("DejaVuSerif-Bold",), largest=32, smallest=16, max_width=642) == (
        32,
        ["An Peeters"],
    )


def test_a_long_unbroken_title_wraps_inside_the_page():
    title = "Supercalifragilisticexpialidocious" * 6 + " en nog een heel lange titel" * 6
    data = render(activity_title=title, holder_name=LONG_NAME)
    assert flat(title).replace(" ", "") in flat(pdf_text(data)).replace(" ", "")
    assert_inside_the_frame(data)


def test_too_much_text_is_cut_before_the_footer():
    data = render(
        activity_title="Een titel " * 40,
        themes=[f"Thema {n}" for n in range(80)],
        modules=[f"Module {n} met een lange naam" for n in range(60)],
    )
    assert "…" in pdf_text(data)
    assert_inside_the_frame(data)
    # What the long texts added (every character not in the plain certificate) stays above
    # the footer, whose first line is 132 pt from the bottom of the page.
    plain = {(char, tuple(round(v) for v in box)) for char, box in char_boxes(render())}
    added = [
        box
        for char, box in char_boxes(data)
        if char.strip() and (char, tuple(round(v) for v in box)) not in plain
    ]
    assert added and min(bottom for _left, bottom, _right, _top in added) > 132


def test_a_revoked_certificate_pdf_says_so(client, login, finished_course, coordinator):
    result = service.issue_for_activity(finished_course.activity, actor=coordinator)
    db.session.commit()
    cert = result.issued[0]
    login(coordinator)
    original = client.get(f"/certificates/{cert.code}.pdf").data
    assert "INGETROKKEN" not in pdf_text(original)
    service.revoke(cert, actor=coordinator, reason="Fout in de aanwezigheden")
    db.session.commit()
    response = client.get(f"/certificates/{cert.code}.pdf")
    text = pdf_text(response.data)
    when = to_local(cert.revoked_at).date()
    day = f"{when.day} {MONTH_NAMES[when.month - 1]} {when.year}"
    assert "INGETROKKEN" in text
    assert f"INGETROKKEN op {day}: dit attest is niet meer geldig" in text
    assert response.headers["ETag"] != f'"{cert.code}"'
    db.session.refresh(cert)
    assert cert.pdf == original  # the kept bytes stay those of the original


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href", ""))


def links_in_result(html: str) -> list[str]:
    block = re.search(r'<div class="cv-result.*?</div>\s*</div>', html, re.S).group(0)
    parser = _Links()
    parser.feed(block)
    return parser.hrefs


def test_the_verification_of_a_revoked_code_leads_to_its_replacement(
    client, finished_course, coordinator
):
    result = service.issue_for_activity(finished_course.activity, actor=coordinator)
    db.session.commit()
    first = result.issued[0]
    other = result.issued[1]
    second = service.reissue(first, actor=coordinator, reason="Naam gecorrigeerd")
    db.session.commit()

    html = client.get(f"/certificates/verify/{first.code}").get_data(as_text=True)
    assert links_in_result(html) == [f"/certificates/verify/{second.code}"]
    assert "Vervangen door het attest met code:" in html
    body = client.get(
        f"/certificates/verify/{first.code}", headers={"Accept": "application/json"}
    ).get_json()
    assert body["status"] == "revoked" and body["replaced_by"] == second.code

    # The replacement is valid: no link, no replaced_by; nor for someone else's certificate.
    for cert in (second, other):
        html = client.get(f"/certificates/verify/{cert.code}").get_data(as_text=True)
        assert links_in_result(html) == []
        body = client.get(
            f"/certificates/verify/{cert.code}", headers={"Accept": "application/json"}
        ).get_json()
        assert body["status"] == "valid" and "replaced_by" not in body

    # Revoked again and re-issued: the first leads to the valid third one.
    third = service.reissue(second, actor=coordinator, reason="Uren gecorrigeerd")
    db.session.commit()
    html = client.get(f"/certificates/verify/{first.code}").get_data(as_text=True)
    assert links_in_result(html) == [f"/certificates/verify/{third.code}"]


def test_a_revoked_code_without_replacement_says_null(client, finished_course, coordinator):
    result = service.issue_for_activity(finished_course.activity, actor=coordinator)
    db.session.commit()
    cert = result.issued[0]
    service.revoke(cert, actor=coordinator, reason="Fraude")
    db.session.commit()
    body = client.get(
        f"/certificates/verify/{cert.code}", headers={"Accept": "application/json"}
    ).get_json()
    assert body["replaced_by"] is None
    html = client.get(f"/certificates/verify/{cert.code}").get_data(as_text=True)
    assert links_in_result(html) == []
