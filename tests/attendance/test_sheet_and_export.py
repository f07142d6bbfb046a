"""Paper fallback (PDF attendance sheet) and the CSV export of an activity's attendance."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import select

from lms.attendance import service
from lms.attendance.service import Mark
from lms.common.timeutil import to_local
from lms.extensions import db
from lms.models import AttendanceStatus, User, utcnow
from lms.schedule.service import cancel_session
from tests import html

NAMES = ["Zoë Ağaoğlu-Łukasiewicz", "Nguyễn Thị Minh Khai", "Pieter Van den Broeck"]


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def table_rows(text: str) -> list[tuple[str, str, str]]:
    """(number, name, organisation) per table row; pypdf gives each cell its own line(s)."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if re.fullmatch(r"\d+", line)]
    rows = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(lines)
        cells = []
        for line in lines[start + 1 : end]:
            if line.startswith(("Aantal deelnemers", "SAM Leerplatform", "Nr.")):
                break
            cells.append(line)
        rows.append((lines[start], cells[0], " ".join(cells[1:])))
    return rows


def test_the_attendance_sheet_opens_and_lists_every_confirmed_participant(course, client, login):
    c = course(names=NAMES, location="Zaal De Kring, Gent")
    login(c.trainer)
    response = client.get(f"/sessions/{c.session.id}/attendance.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "aanwezigheidslijst-cursus-participatie-" in response.headers["Content-Disposition"]

    reader, text = pdf_text(response.data)
    page = reader.pages[0]
    assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842
    for name in NAMES:  # names in any script render as written
        assert text.count(name) == 1, name
    assert c.waitlisted.name not in text and c.outsider.name not in text
    # One row per confirmed participant: numbered 1..n, name, then organisation.
    rows = table_rows(text)
    assert [number for number, _name, _org in rows] == ["1", "2", "3"]
    assert sorted(name for _number, name, _org in rows) == sorted(NAMES)
    for _number, name, organisation in rows:
        person = next(p for p in c.participants if p.name == name)
        assert organisation == person.organisation.name
    for label in ("Aanwezigheidslijst", "Cursus participatie", "Naam", "Organisatie"):
        assert label in text
    assert "Handtekening" in text
    local = to_local(c.session.starts_at)
    assert f"{local:%H:%M} – {to_local(c.session.ends_at):%H:%M}" in text
    assert "Zaal De Kring, Gent" in text and "Karel Lesgever" in text
    assert "Pagina 1 van 1" in text
    fonts = {
        str(font["/BaseFont"])
        for font in page["/Resources"]["/Font"].values()
        if "/BaseFont" in font.get_object()
    }
    assert any("DejaVuSans" in name for name in fonts)  # embedded, not a Latin-1 base font


def test_a_long_list_runs_over_pages_with_numbers(course, client, login):
    c = course(participants=45)
    login(c.coordinator)
    reader, text = pdf_text(client.get(f"/sessions/{c.session.id}/attendance.pdf").data)
    assert len(reader.pages) >= 2
    assert f"Pagina 1 van {len(reader.pages)}" in text
    assert f"Pagina {len(reader.pages)} van {len(reader.pages)}" in text
    assert text.count("Handtekening") >= len(reader.pages)  # the header repeats
    rows = table_rows(text)
    assert [int(number) for number, _n, _o in rows] == list(range(1, 46))


def test_the_csv_export_has_a_row_per_participant_and_a_column_per_session(
    course, client, login, create_activity
):
    now = utcnow().replace(second=0, microsecond=0)
    first = now - timedelta(days=14)
    second = now - timedelta(days=7)
    third = now - timedelta(days=1)
    c = course(
        sessions=[(t, t + timedelta(hours=3)) for t in (first, second, third)],
        names=["Zoë Ağaoğlu-Łukasiewicz", '=HYPERLINK("http://x")', "Jan Peeters"],
    )
    zoe, formula, jan = c.participants
    s1, s2, _s3 = c.sessions
    service.record_attendance(
        s1,
        [
            Mark(zoe.id, AttendanceStatus.PRESENT),
            Mark(jan.id, AttendanceStatus.PARTIAL, 90),
            Mark(formula.id, AttendanceStatus.EXCUSED),
        ],
        actor=c.trainer,
    )
    service.record_attendance(s2, [Mark(zoe.id, AttendanceStatus.ABSENT)], actor=c.trainer)
    db.session.commit()

    login(c.trainer)
    response = client.get(f"/activities/{c.activity.id}/attendance.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    text = response.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header, body = rows[0], rows[1:]
    local = to_local(s1.starts_at)
    day = ["ma", "di", "wo", "do", "vr", "za", "zo"][local.weekday()]
    assert header[:3] == ["Naam", "E-mailadres", "Organisatie"]
    assert header[3] == f"{day} {local:%d-%m-%Y %H:%M}"
    assert len(header) == 3 + 3 + 2 and header[-2:] == ["Aanwezige uren", "Geplande uren"]
    assert len(body) == 3  # one row per confirmed participant, not the waiting list
    by_name = {row[0]: row for row in body}
    assert by_name["Zoë Ağaoğlu-Łukasiewicz"][3:] == ["aanwezig", "afwezig", "", "3", "9"]
    assert by_name["Jan Peeters"][3:6] == ["deels aanwezig (90 min)", "", ""]
    assert by_name["Jan Peeters"][6] == "1,5"
    # A name that Excel would run as a formula is defused.
    assert '\'=HYPERLINK("http://x")' in by_name
    assert by_name['\'=HYPERLINK("http://x")'][3] == "verontschuldigd"


def test_cancelled_sessions_are_not_columns(course, client, login):
    now = utcnow().replace(second=0, microsecond=0)
    c = course(
        sessions=[(now + timedelta(days=d), now + timedelta(days=d, hours=2)) for d in (3, 10)]
    )
    cancel_session(c.sessions[1], actor=c.coordinator)
    db.session.commit()
    login(c.coordinator)
    text = client.get(f"/activities/{c.activity.id}/attendance.csv").data.decode("utf-8-sig")
    header = text.splitlines()[0].split(";")
    assert len(header) == 3 + 1 + 2


def test_the_overview_page_shows_the_same_matrix(course, client, login):
    c = course(names=["Ann Aerts", "Bert Bosmans"])
    service.record_attendance(
        c.session,
        [Mark(c.participants[0].id, AttendanceStatus.PARTIAL, 60)],
        actor=c.trainer,
    )
    db.session.commit()
    login(c.trainer)
    page = client.get(f"/activities/{c.activity.id}/attendance").get_data(as_text=True)
    ann, bert = html.table_rows(page, "Aanwezigheid per deelnemer en per sessie")
    assert ann[:3] == ["Ann Aerts Organisatie Aerts", "1 u", "deels aanwezig (60 min)"]
    assert bert[0] == "Bert Bosmans Organisatie Bosmans"
    assert f"/activities/{c.activity.id}/attendance.csv" in page
    assert db.session.scalar(select(User).where(User.name == "Ann Aerts")) is not None
