"""Reading interest lists (no writes: :mod:`lms.interest.service` writes)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from lms.extensions import db
from lms.models import EditionLink, Interest


def is_interested(
    user_id: int, *, activity_id: int | None = None, theme_id: int | None = None
) -> bool:
    return (
        db.session.scalar(
            select(Interest.id)
            .where(
                Interest.user_id == user_id,
                Interest.activity_id.is_(None)
                if activity_id is None
                else Interest.activity_id == activity_id,
                Interest.theme_id.is_(None) if theme_id is None else Interest.theme_id == theme_id,
            )
            .limit(1)
        )
        is not None
    )


def earlier_editions(activity_id: int) -> list[int]:
    """The editions ``activity_id`` follows, nearest first (“Volgende editie” links)."""
    seen: list[int] = []
    current = activity_id
    while True:
        previous = db.session.scalar(
            select(EditionLink.previous_id).where(EditionLink.activity_id == current)
        )
        if previous is None or previous in seen or previous == activity_id:
            return seen
        seen.append(previous)
        current = previous


def counts_by_activity(activity_ids: Iterable[int]) -> dict[int, int]:
    """How many people want to hear of a next edition, per activity (one query)."""
    ids = sorted(set(activity_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Interest.activity_id, func.count())
        .where(Interest.activity_id.in_(ids))
        .group_by(Interest.activity_id)
    )
    return dict(rows.all())


def counts_by_theme(theme_ids: Iterable[int]) -> dict[int, int]:
    ids = sorted(set(theme_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Interest.theme_id, func.count())
        .where(Interest.theme_id.in_(ids))
        .group_by(Interest.theme_id)
    )
    return dict(rows.all())


def interests_of_user(user_id: int) -> list[Interest]:
    return list(
        db.session.scalars(
            select(Interest)
            .where(Interest.user_id == user_id)
            .order_by(Interest.created_at, Interest.id)
        )
    )
