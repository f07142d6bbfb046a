"""Shared JSON shapes: times are ISO 8601 with the Brussels offset."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def number(value: Decimal | float | int | None) -> float | int | None:
    if value is None:
        return None
    as_float = float(value)
    return int(as_float) if as_float.is_integer() else round(as_float, 2)


def user_summary(user: Any) -> dict[str, Any]:
    return {"email": user.email, "name": user.name}
