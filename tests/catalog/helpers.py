"""Helpers for the catalogue and read-API tests: times relative to now, reading cards."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from lms.models import utcnow


def in_days(days: int, hour: int = 9) -> datetime:
    """A whole hour ``days`` from now (UTC)."""
    return utcnow().replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(days=days)


def span(days: int, hours: int = 3, hour: int = 9) -> tuple[datetime, datetime]:
    start = in_days(days, hour)
    return start, start + timedelta(hours=hours)


def card_titles(html: str) -> list[str]:
    """The titles of the catalogue's cards, in order."""
    titles = re.findall(r'<h3 id="cat-title-\d+">(.*?)</h3>', html, flags=re.S)
    return [re.sub(r"<[^>]+>", "", t).strip() for t in titles]


def card_of(html: str, title: str) -> str:
    """The HTML of the card with this title."""
    for card in re.findall(r"<article class=\"card cat-card\".*?</article>", html, flags=re.S):
        if f">{title}<" in card:
            return card
    raise AssertionError(f"no card titled {title!r}")


def text_of(fragment: str) -> str:
    """Visible text with tags removed and whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()
