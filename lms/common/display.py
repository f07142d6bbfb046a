"""How a number, a percentage, an amount of money, a duration or a date reads: one module.

Every page, template filter, PDF and mail takes its numbers from here, so one value never
reads two ways on two pages. The forms are Babel's (``babel.numbers``, ``babel.dates``) in
the reader's language (Flask-Babel's locale: Dutch as Belgians write it, or British English),
with the Dutch habits this platform chose:

- **percentages** are rounded half-up to one decimal (:func:`rounded_pct`: 2/3 is 66,7; Babel
  alone would round half-even) and written without a trailing ``,0``: ``75 %``, ``66,7 %``;
- **hours** read one way everywhere: hours and minutes, ``9 u 36 min``, ``3 u``, ``45 min``
  (``9 h 36 min`` in English), whether the value is counted in minutes (attendance) or in
  hours (a certificate's credited hours, an activity's nominal hours);
- **money** is ``€ 45,00`` (Belgian notation), ``gratis`` for nothing;
- **dates** are :mod:`lms.common.display_dates` (Dutch month abbreviations people here use, "3 mrt
  2026"; British English when chosen), re-exported here.

Documents that are always Dutch (mail, certificate PDFs, exports for Dutch Excel) pass
``locale="nl_BE"`` (or render under ``force_locale("nl")``). Outside a request the locale is
Dutch. This module takes no request object: it is part of the rules floor.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel.numbers import format_currency, format_decimal
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from lms.common.display_dates import (
    display_date,
    display_datetime,
    display_month,
    display_period,
    display_short_date,
    display_weekday,
)

DUTCH = "nl_BE"
ENGLISH = "en_GB"

PCT_QUANTUM = Decimal("0.1")
HOURS_QUANTUM = Decimal("0.01")


def locale_name(locale: str | None = None) -> str:
    """``locale`` if given, else the reader's: ``en_GB`` for English, else ``nl_BE``."""
    if locale:
        return locale
    current = get_locale()
    return ENGLISH if current is not None and current.language == "en" else DUTCH


def _decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value or 0))


def snapshot_date(value: Any) -> str:
    """A ``YYYY-MM-DD`` string kept in a snapshot, as ``3 maart 2026`` (``3 March 2026``)."""
    if not value:
        return ""
    return display_date(date.fromisoformat(str(value)), weekday=False)


# --- Numbers -------------------------------------------------------------------------------


def number(value: Any, *, decimals: int = 2, locale: str | None = None) -> str:
    """``12``, ``2,5``, ``1.234,56`` (``1,234.56``): at most ``decimals`` decimals, rounded
    half-up, no trailing zeros."""
    quantum = Decimal(1).scaleb(-decimals)
    rounded = _decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return format_decimal(rounded, format=pattern, locale=locale_name(locale))


def amount(value: Any, locale: str | None = None) -> str:
    """An amount with its two decimals and no sign, as a form shows it: ``1.250,00``."""
    return format_decimal(_decimal(value), format="#,##0.00", locale=locale_name(locale))


def export_number(value: Any, *, decimals: int = 2) -> str:
    """A number for a Dutch spreadsheet (CSV): decimal comma, no grouping: ``1234,5``."""
    quantum = Decimal(1).scaleb(-decimals)
    rounded = _decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    pattern = "0" + ("." + "#" * decimals if decimals else "")
    return format_decimal(rounded, format=pattern, locale=DUTCH)


# --- Percentages ---------------------------------------------------------------------------


def rounded_pct(value: float | Decimal | int) -> Decimal:
    """The one rounding rule for percentages: half-up to one decimal (2/3 is 66.7).

    Pages, certificate PDFs, reports and the API all go through it, so a percentage never
    reads differently in two places.
    """
    return _decimal(value).quantize(PCT_QUANTUM, rounding=ROUND_HALF_UP)


def pct_number(part: int, whole: int) -> float:
    """``part`` of ``whole`` as a JSON number, rounded by :func:`rounded_pct`."""
    if whole <= 0:
        return 0.0
    return float(rounded_pct(Decimal(part) * 100 / Decimal(whole)))


def pct(value: float | Decimal | int, locale: str | None = None) -> str:
    """The number of a percentage: ``75``, ``66,7`` (``66.7``), without the sign."""
    return format_decimal(rounded_pct(value), format="#,##0.#", locale=locale_name(locale))


def percent(value: float | Decimal | int | None, locale: str | None = None) -> str:
    """A percentage with its sign: ``66,7 %`` (Dutch and English alike), ``–`` for none."""
    if value is None:
        return "–"
    return f"{pct(value, locale)} %"


def rate(ratio: Decimal | float | None, locale: str | None = None) -> str:
    """A ratio (``0.667``) as a percentage: ``66,7 %``; ``–`` when there is none."""
    return "–" if ratio is None else percent(_decimal(ratio) * 100, locale)


# --- Hours ---------------------------------------------------------------------------------


def minutes_to_hours(minutes: int) -> Decimal:
    """Minutes as hours with two decimals (half-up): what the rules compute with."""
    return (Decimal(minutes) / Decimal(60)).quantize(HOURS_QUANTUM, rounding=ROUND_HALF_UP)


def duration(minutes: Any, locale: str | None = None) -> str:
    """The one way hours read: ``9 u 36 min``, ``3 u``, ``45 min``, ``0 u`` (``9 h 36 min``)."""
    if locale is not None:
        with force_locale(locale):
            return duration(minutes)
    hours, rest = divmod(max(int(minutes or 0), 0), 60)
    if hours and rest:
        return _("%(hours)d u %(minutes)d min", hours=hours, minutes=rest)
    if hours or not rest:  # nothing at all reads "0 u"
        return _("%(hours)d u", hours=hours)
    return _("%(minutes)d min", minutes=rest)


def hours(value: Any, locale: str | None = None) -> str:
    """Hours counted as a number of hours (``Decimal("21.17")``), read as :func:`duration`:
    ``21 u 10 min``."""
    minutes = (_decimal(value) * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return duration(int(minutes), locale)


# --- Money ---------------------------------------------------------------------------------


def money(value: Any, locale: str | None = None) -> str:
    """``€ 45,00`` (``€45.00``); ``gratis`` (``free``) for nothing."""
    if value is None or value == 0:
        return _("gratis")
    # Babel puts a no-break space after the sign; pages and mails here always wrote a space.
    return format_currency(_decimal(value), "EUR", locale=locale_name(locale)).replace("\xa0", " ")


__all__ = [
    "amount",
    "display_date",
    "display_datetime",
    "display_month",
    "display_period",
    "display_short_date",
    "display_weekday",
    "duration",
    "export_number",
    "hours",
    "minutes_to_hours",
    "money",
    "number",
    "pct",
    "pct_number",
    "percent",
    "rate",
    "rounded_pct",
    "snapshot_date",
]
