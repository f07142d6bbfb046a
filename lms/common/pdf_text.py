"""Text in any script on a ReportLab canvas: a font per run, Arabic joined, right-to-left order.

ReportLab draws the characters it is given, left to right, in one font. A name such as
"محمد عبد الله" or "王小明 (Wang)" needs three things first, done here:

* **Shaping**: Arabic letters take their joined form (initial, medial, final) and lam-alef
  its ligature. ``arabic-reshaper`` maps them onto Unicode presentation forms, which the
  fonts we embed carry (DejaVu Sans). Hebrew needs no shaping.
* **Order**: ``python-bidi`` (the Unicode bidirectional algorithm) turns the logical order
  into the visual order that is drawn left to right, per line, after wrapping.
* **Font fallback**: each character is drawn in the first font of a *chain* that has it
  (for the name: DejaVu Serif Bold, then DejaVu Sans Bold for Arabic and Hebrew, then the
  CJK font of :func:`lms.common.pdf_fonts.fallback_fonts`); spaces stay in the run they are in.

A PDF keeps what is drawn, so text extracted from it comes in presentation forms and visual
order: NFKC and the bidirectional algorithm give the logical text back (see the tests).
Wrapping breaks at spaces and between CJK characters, and inside a word longer than a line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from arabic_reshaper import ArabicReshaper
from bidi import get_display
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

#: Fonts tried in order for each character; the first is the run's own font.
FontChain = Sequence[str]

_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
# Han, kana, Hangul and CJK punctuation: a line may break between any two of them.
_CJK = re.compile("[\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")

# DejaVu has lam-alef but not the one-glyph "Allah" ligature (U+FDF2): keep that one off.
_reshaper = ArabicReshaper(configuration={"ARABIC LIGATURE ALLAH": False})


@lru_cache(maxsize=64)
def _charmap(font_name: str) -> frozenset[int]:
    font = pdfmetrics.getFont(font_name)
    face = getattr(font, "face", None)
    return frozenset(getattr(face, "charToGlyph", {}) or ())


def has_glyph(font_name: str, char: str) -> bool:
    """Whether ``font_name`` (a registered TrueType font) draws ``char``."""
    return ord(char) in _charmap(font_name)


def visual(text: str) -> str:
    """One line in drawing order: Arabic joined, right-to-left runs reversed."""
    if not _RTL.search(text):
        return text
    if _ARABIC.search(text):
        text = _reshaper.reshape(text)
    return get_display(text)


def runs(text: str, chain: FontChain) -> list[tuple[str, str]]:
    """``text`` (one line, logical order) as (characters, font) runs in drawing order."""
    return list(_runs(text, tuple(chain)))


@lru_cache(maxsize=2048)
def _runs(text: str, chain: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    # Cached: wrapping measures the same beginnings of a line again and again.
    result: list[tuple[str, str]] = []
    current = chain[0]
    for char in visual(text):
        if char.isspace() or unicodedata.category(char).startswith("M"):
            font = current if has_glyph(current, char) or char.isspace() else chain[0]
        else:
            font = next((name for name in chain if has_glyph(name, char)), chain[0])
        if result and result[-1][1] == font:
            result[-1] = (result[-1][0] + char, font)
        else:
            result.append((char, font))
        current = font
    return tuple(result)


def width(text: str, chain: FontChain, size: float) -> float:
    """The drawn width of one line of ``text``."""
    return sum(pdfmetrics.stringWidth(part, font, size) for part, font in runs(text, chain))


def _tokens(text: str) -> list[str]:
    """Pieces a line may end after: a word with its trailing spaces, or one CJK character."""
    tokens: list[str] = []
    piece = ""
    for char in text:
        if char.isspace():
            piece += char
        elif piece and (piece[-1].isspace() or _CJK.match(char) or _CJK.match(piece[-1])):
            tokens.append(piece)
            piece = char
        else:
            piece += char
    if piece:
        tokens.append(piece)
    return tokens


def wrap(text: str, chain: FontChain, size: float, max_width: float) -> list[str]:
    """``text`` broken into lines (logical order) no wider than ``max_width``."""
    text = " ".join(text.split())
    if width(text, chain, size) <= max_width:
        return [text]
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        candidate = line + token
        if not line or width(candidate.rstrip(), chain, size) <= max_width:
            line = candidate
        else:
            lines.append(line.rstrip())
            line = token
        # A word longer than the line itself: break it between characters.
        while width(line.rstrip(), chain, size) > max_width and len(line.rstrip()) > 1:
            cut = len(line.rstrip()) - 1
            while cut > 1 and width(line[:cut], chain, size) > max_width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def fit(
    text: str,
    chain: FontChain,
    *,
    largest: float,
    smallest: float,
    max_width: float,
    max_lines: int = 1,
) -> tuple[float, list[str]]:
    """The largest size from ``largest`` down to ``smallest`` at which ``text`` takes at most
    ``max_lines`` lines; below that, the text wraps at ``smallest`` into as many as it needs,
    of balanced lengths (not a full line and a last word alone)."""
    size = largest
    while size >= smallest:
        lines = wrap(text, chain, size, max_width)
        if len(lines) <= max_lines:
            return size, lines
        size -= 0.5
    lines = wrap(text, chain, smallest, max_width)
    narrower = max_width
    while narrower > max_width / 2:
        narrower -= 12
        trial = wrap(text, chain, smallest, narrower)
        if len(trial) > len(lines):
            break
        lines = trial
    return smallest, lines


def draw(
    canvas: Canvas, x: float, y: float, text: str, chain: FontChain, size: float, align: str
) -> None:
    """Draw one line at baseline ``y``: ``align`` "left" from ``x``, "centre" or "right" on it."""
    parts = runs(text, chain)
    total = sum(pdfmetrics.stringWidth(part, font, size) for part, font in parts)
    if align == "centre":
        x -= total / 2
    elif align == "right":
        x -= total
    for part, font in parts:
        canvas.setFont(font, size)
        canvas.drawString(x, y, part)
        x += pdfmetrics.stringWidth(part, font, size)


def draw_lines(
    canvas: Canvas,
    x: float,
    y: float,
    lines: Sequence[str],
    chain: FontChain,
    size: float,
    leading: float,
    align: str = "centre",
) -> float:
    """Draw ``lines`` from baseline ``y`` down; return the baseline after the last one."""
    for line in lines:
        draw(canvas, x, y, line, chain, size, align)
        y -= leading
    return y
