"""Dates and times as the reader of a page reads them: Dutch, or English when chosen.

:mod:`lms.common.timeutil` writes the Dutch forms by hand ("3 mrt 2026", the abbreviations
people here use, not CLDR's "3 mrt. 2026"); documents that are always Dutch (mail, PDFs,
exports) call it directly. Pages go through these functions, the template filters
``date``, ``short_date``, ``datetime`` and ``period``: with the English interface they ask
Babel for British English (day before month, a 24-hour clock, as in Belgium). Mail is
rendered with the locale forced to Dutch (:func:`lms.mail.rendering.render_bodies`).
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date as babel_format_date
from flask_babel import get_locale

from lms.common import timeutil

#: The English of the interface for dates: closest to Belgian habits.
ENGLISH = "en_GB"


def _english() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "en"


def _day(value: datetime | date) -> date:
    return timeutil.to_local(value).date() if isinstance(value, datetime) else value


def display_date(value: datetime | date, *, weekday: bool = True, year: bool = True) -> str:
    """``dinsdag 3 maart 2026`` / ``Tuesday 3 March 2026`` (Brussels date)."""
    if not _english():
        return timeutil.format_date(value, weekday=weekday, year=year)
    pattern = ("EEEE " if weekday else "") + "d MMMM" + (" y" if year else "")
    return babel_format_date(_day(value), pattern, locale=ENGLISH)


def display_weekday(value: date) -> str:
    """``maandag`` / ``Monday``."""
    if not _english():
        return timeutil.DAY_NAMES[value.weekday()]
    return babel_format_date(value, "EEEE", locale=ENGLISH)


def display_short_date(value: datetime | date) -> str:
    """``3 mrt 2026`` / ``3 Mar 2026``."""
    if not _english():
        return timeutil.format_short_date(value)
    return babel_format_date(_day(value), "d MMM y", locale=ENGLISH)


def display_datetime(value: datetime, *, weekday: bool = True) -> str:
    """``dinsdag 3 maart 2026 om 09:30`` / ``Tuesday 3 March 2026 at 09:30``."""
    if not _english():
        return timeutil.format_datetime(value, weekday=weekday)
    return f"{display_date(value, weekday=weekday)} at {timeutil.format_time(value)}"


def display_period(start: datetime, end: datetime) -> str:
    """A session's date and hours (or two dates and times when it spans days)."""
    if not _english():
        return timeutil.format_period(start, end)
    if timeutil.to_local(start).date() == timeutil.to_local(end).date():
        return f"{display_date(start)}, {timeutil.format_time(start)}–{timeutil.format_time(end)}"
    return f"{display_datetime(start)} – {display_datetime(end)}"


def display_month(year: int, month: int) -> str:
    """``december 2026`` / ``December 2026``."""
    if not _english():
        return timeutil.format_month(year, month)
    return babel_format_date(date(year, month, 1), "MMMM y", locale=ENGLISH)
