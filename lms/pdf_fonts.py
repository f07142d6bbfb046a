"""Fonts for the PDFs we make (attendance sheets, certificates).

ReportLab's built-in fonts only know Latin-1, so a name like "Zoë Ağaoğlu-Łukasiewicz" or
"Nguyễn Thị Minh Khai" would lose letters. We embed DejaVu Sans, vendored in
``static/fonts/`` (with its licence) so the PDFs do not depend on the system's fonts.

Usage::

    from lms.pdf_fonts import register_fonts

    fonts = register_fonts()
    canvas.setFont(fonts.bold, 14)
    ParagraphStyle("body", fontName=fonts.regular)   # <b>…</b> picks fonts.bold
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"


@dataclass(frozen=True)
class PdfFonts:
    regular: str
    bold: str


_lock = threading.Lock()
_registered: PdfFonts | None = None


def register_fonts() -> PdfFonts:
    """Register DejaVu Sans (regular and bold) with ReportLab once; return their names.

    Safe to call from every request and from several threads.
    """
    global _registered
    if _registered is not None:
        return _registered
    with _lock:
        if _registered is None:
            pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
            pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
            # Paragraph markup <b> and <i> map onto the family (no italic vendored).
            addMapping(REGULAR, 0, 0, REGULAR)
            addMapping(REGULAR, 1, 0, BOLD)
            addMapping(REGULAR, 0, 1, REGULAR)
            addMapping(REGULAR, 1, 1, BOLD)
            _registered = PdfFonts(regular=REGULAR, bold=BOLD)
    return _registered
