"""Declarative base, shared column types and helpers for every model.

Times are stored as aware UTC everywhere. SQLite has no time zone type, so
:class:`UTCDateTime` normalises on the way in and re-attaches UTC on the way out;
PostgreSQL stores ``timestamptz``. Code above this layer only ever sees aware
datetimes in UTC.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Enum, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, registry

#: Stable constraint names, so Alembic can drop or alter them on SQLite (batch mode) too.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: The largest value of an ``Integer`` column (a 32-bit signed integer on PostgreSQL): ids
#: from URLs or input beyond it are "not found", never a database error.
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    """The current time, aware, in UTC: the application's one clock (tests patch it)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """An aware datetime stored in UTC; naive values are refused to catch mistakes early."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store aware datetimes (UTC)")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum_cls: type[enum.Enum], length: int = 24) -> Enum:
    """Store a ``StrEnum`` by its value in a VARCHAR (portable, readable in SQL)."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        validate_strings=True,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


#: The Flask-SQLAlchemy handle. Defined here so the schema imports nothing above it;
#: :mod:`lms.extensions` re-exports it beside the other extensions.
db = SQLAlchemy(model_class=Base)
