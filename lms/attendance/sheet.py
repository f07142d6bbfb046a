"""The paper fallback: a printable A4 attendance sheet (PDF) for one session.

One row per confirmed participant (number, name, organisation, a box to sign), the
activity, date, time and place on top, page numbers at the bottom. DejaVu Sans is
embedded (:mod:`lms.common.pdf_fonts`), so every name prints as written.
"""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from lms.attendance.queries import SessionCard
from lms.common.pdf_fonts import register_fonts
from lms.common.timeutil import format_date, format_datetime, format_time
from lms.models import utcnow

MARGIN = 15 * mm
PETROL = colors.HexColor("#0b5c73")
LINE = colors.HexColor("#7a848a")
HEADER_BG = colors.HexColor("#e6f1f4")


def _numbered_canvas(footer_left: str, font: str):
    """A canvas that knows the page count, for "Pagina 2 van 3"."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            width, _height = A4
            self.saveState()
            self.setFont(font, 8.5)
            self.setFillColor(colors.HexColor("#50585e"))
            self.drawString(MARGIN, 9 * mm, footer_left)
            self.drawRightString(width - MARGIN, 9 * mm, f"Pagina {self._pageNumber} van {total}")
            self.restoreState()

    return NumberedCanvas


def attendance_sheet_pdf(card: SessionCard) -> bytes:
    """The attendance sheet of ``card`` (a session with its confirmed participants)."""
    fonts = register_fonts()
    session, activity = card.session, card.activity
    styles = {
        "kicker": ParagraphStyle(
            "kicker", fontName=fonts.bold, fontSize=10, textColor=PETROL, leading=13
        ),
        "title": ParagraphStyle(
            "title", fontName=fonts.bold, fontSize=16, leading=20, spaceAfter=4
        ),
        "fact": ParagraphStyle("fact", fontName=fonts.regular, fontSize=10, leading=14),
        "cell": ParagraphStyle("cell", fontName=fonts.regular, fontSize=10, leading=12.5),
        "head": ParagraphStyle(
            "head", fontName=fonts.bold, fontSize=9.5, leading=12, textColor=PETROL
        ),
        "small": ParagraphStyle(
            "small", fontName=fonts.regular, fontSize=9, leading=12, textColor=colors.black
        ),
    }

    def para(text: str, style: str) -> Paragraph:
        return Paragraph(escape(text), styles[style])

    story = [para("Aanwezigheidslijst", "kicker")]
    if activity.parent is not None:
        story.append(para(activity.parent.title, "fact"))
    story.append(para(activity.title, "title"))
    facts = []
    if session.title:
        facts.append(("Sessie", session.title))
    facts.append(("Datum", format_date(session.starts_at)))
    facts.append(("Uur", f"{format_time(session.starts_at)} – {format_time(session.ends_at)}"))
    if session.location:
        facts.append(("Plaats", session.location))
    if session.online_url:
        facts.append(("Online", session.online_url))
    trainers = [t.name for t in activity.trainers]
    if activity.parent is not None:
        trainers += [t.name for t in activity.parent.trainers if t.name not in trainers]
    if trainers:
        facts.append(("Lesgever" if len(trainers) == 1 else "Lesgevers", ", ".join(trainers)))
    fact_table = Table(
        [
            [Paragraph(f"<b>{escape(label)}</b>", styles["fact"]), para(value, "fact")]
            for label, value in facts
        ],
        colWidths=[28 * mm, None],
        hAlign="LEFT",
    )
    fact_table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    story += [
        fact_table,
        Spacer(0, 4 * mm),
        para(
            "Zet je handtekening naast je naam. Sta je niet op de lijst? Meld je bij de lesgever.",
            "small",
        ),
        Spacer(0, 3 * mm),
    ]

    usable = A4[0] - 2 * MARGIN
    widths = [10 * mm, 56 * mm, 54 * mm, usable - 120 * mm]
    rows = [
        [
            para("Nr.", "head"),
            para("Naam", "head"),
            para("Organisatie", "head"),
            para("Handtekening", "head"),
        ]
    ]
    for number, entry in enumerate(card.entries, start=1):
        user = entry.user
        rows.append(
            [
                para(str(number), "cell"),
                para(user.name, "cell"),
                para(user.organisation.name if user.organisation else "", "cell"),
                "",
            ]
        )
    if len(rows) == 1:
        rows.append(["", para("Nog geen bevestigde deelnemers.", "cell"), "", ""])
    table = Table(
        rows,
        colWidths=widths,
        repeatRows=1,
        rowHeights=[None] + [12 * mm] * (len(rows) - 1),
    )
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
                ("GRID", (0, 0), (-1, -1), 0.6, LINE),
                ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
                ("VALIGN", (0, 1), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    story.append(table)
    story.append(Spacer(0, 8 * mm))
    story.append(
        KeepTogether(
            [
                para(
                    f"Aantal deelnemers: {len(card.entries)}   ·   Aanwezig volgens deze lijst: "
                    "______",
                    "fact",
                ),
                Spacer(0, 6 * mm),
                para("Handtekening lesgever: ____________________________________", "fact"),
            ]
        )
    )

    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=18 * mm,
        title=f"Aanwezigheidslijst – {activity.title} – {format_date(session.starts_at)}",
        author="SAM Leerplatform",
        subject="Aanwezigheidslijst",
        creator="SAM Leerplatform",
        lang="nl-BE",
    )
    footer = (
        f"SAM Leerplatform · {_shorten(activity.title, 60)} · "
        f"afgedrukt {format_datetime(utcnow(), weekday=False)}"
    )
    doc.build(story, canvasmaker=_numbered_canvas(footer, fonts.regular))
    return buffer.getvalue()


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
