"""Fonts for the PDFs we make (attendance sheets, certificates).

ReportLab's built-in fonts only know Latin-1, so a name like "Zoë Ağaoğlu-Łukasiewicz" or
"Nguyễn Thị Minh Khai" would lose letters. We embed DejaVu Sans, vendored in
``static/fonts/`` (with its licence): it covers Latin, Greek, Cyrillic, Arabic and Hebrew.

Chinese, Japanese and Korean need a font of several megabytes that we do not vendor: Debian's
``fonts-droid-fallback`` (installed by ``.ci/run``, and listed in README.md for production)
or any TrueType font named by ``LMS_PDF_CJK_FONT``. ReportLab embeds only TrueType outlines,
so the CFF-based Noto CJK (``.otf``/``.ttc`` from ``fonts-noto-cjk``) cannot serve. Without
such a font, :func:`fallback_fonts` logs one clear warning and those characters show as
empty boxes; everything else still renders. Every font is embedded as a subset of the
glyphs used, so a certificate with a Chinese name stays small.

Usage::

    from lms.common.pdf_fonts import register_fonts

    fonts = register_fonts()
    canvas.setFont(fonts.bold, 14)
    ParagraphStyle("body", fontName=fonts.regular)   # <b>…</b> picks fonts.bold
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"

#: TrueType fonts for Chinese, Japanese and Korean, tried in order (Debian's paths). The
#: "Full" font has the wider set of Han characters, the other one adds Hangul.
CJK_FONT_PATHS = (
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf"),
)
CJK_FONT_ENV = "LMS_PDF_CJK_FONT"

log = logging.getLogger(__name__)

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


_fallbacks: tuple[str, ...] | None = None


def _cjk_candidates() -> list[Path]:
    named = os.environ.get(CJK_FONT_ENV, "").strip()
    return ([Path(named)] if named else []) + list(CJK_FONT_PATHS)


def fallback_fonts() -> tuple[str, ...]:
    """Register the CJK fonts found on this machine once; return their ReportLab names.

    An empty tuple means none was found: a warning says which package to install, and the
    PDFs still render (with empty boxes for those characters).
    """
    global _fallbacks
    if _fallbacks is not None:
        return _fallbacks
    with _lock:
        if _fallbacks is None:
            names: list[str] = []
            for index, path in enumerate(_cjk_candidates()):
                if not path.is_file():
                    continue
                name = f"CJKFallback{index}"
                try:
                    pdfmetrics.registerFont(TTFont(name, str(path)))
                except Exception:  # a CFF font, a broken file: say so and try the next one
                    log.warning("PDF font %s cannot be used (TrueType outlines needed)", path)
                    continue
                names.append(name)
            if not names:
                log.warning(
                    "No CJK font for PDFs: Chinese, Japanese and Korean names show as boxes. "
                    "Install Debian's fonts-droid-fallback or set %s to a TrueType font.",
                    CJK_FONT_ENV,
                )
            _fallbacks = tuple(names)
    return _fallbacks
