"""Pages of long lists (catalogue, admin lists): the page's figures and its links.

:func:`paginate` counts and fetches a page in two queries whatever the page; the catalogue
builds its :class:`Page` from its own single query (a window count).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from lms.extensions import db

T = TypeVar("T")

PER_PAGE = 50
MAX_PAGE = 100_000


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.page * self.per_page, self.total)

    def page_numbers(self, around: int = 2) -> list[int | None]:
        """Page numbers to link, ``None`` where a gap is (``1 … 4 5 6 … 20``)."""
        shown = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        numbers: list[int | None] = []
        for number in sorted(n for n in shown if 1 <= n <= self.pages):
            if numbers and number - (numbers[-1] or 0) > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers


def page_number(value: Any) -> int:
    """A page number from the query string: 1 for anything that is not a positive number."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def paginate(query: Select, page: int, per_page: int = PER_PAGE, *, unique: bool = False) -> Page:
    """Count the rows of ``query`` and fetch page ``page`` (the last page when beyond it)."""
    total = int(
        db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    )
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)
    result = db.session.execute(query.limit(per_page).offset((page - 1) * per_page))
    if unique:
        result = result.unique()
    rows = list(result.all())
    items = [row[0] if len(row) == 1 else row for row in rows]
    return Page(items=items, page=page, per_page=per_page, total=total)
