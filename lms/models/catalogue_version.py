"""The catalogue's version: a counter the database raises whenever the offer changes.

Every statement that writes ``activities``, ``activity_sessions``, ``themes``,
``activity_themes``, ``enrolments`` or ``activity_trainers``, or sets a person's ``name``
(a trainer's name is on the activity page) raises it through a trigger, inside the writing
transaction: whoever changes the offer (a service, the CLI, a bulk statement of a fast
path, a hand-written SQL fix) changes the version in the same commit, and nobody has to
remember to. A reader that sees the new rows also sees the new version, so a page
rendered after reading the version is never newer-looking than it is.

**Slots.** One row per slot, not one row: a transaction locks the row it raises until it
commits, and on PostgreSQL each connection raises its own slot (its backend id modulo
:data:`SLOTS`), so two transactions writing different activities do not queue behind
one counter. The version is the sum over the slots: it only ever grows, commit by
commit. SQLite has one writer at a time and uses slot 0.

**Epoch.** A slot row gets a random ``epoch`` when it is (re)created, so a database
emptied and refilled (tests, a restore) never repeats an earlier (epoch, version) pair
with other content behind it.

Readers: :func:`lms.catalog.cache.fingerprint`. The triggers are created with the tables
(``db.create_all``) and by the migrations ``20261203_05_c17a10000000_catalogue_cache``
and ``20261203_13_c17b10000000_catalogue_cache`` (trainers and names).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, event
from sqlalchemy.orm import Mapped, mapped_column

from lms.models.base import db

#: Number of slots on PostgreSQL (see the module docstring).
SLOTS = 64  # written out in the trigger function below

#: Tables whose changes the catalogue (and the activity page) shows.
WATCHED_TABLES = (
    "activities",
    "activity_sessions",
    "themes",
    "activity_themes",
    "enrolments",
    "activity_trainers",
)
#: Columns of other tables the activity page shows (a trainer's name): only an UPDATE
#: that sets them raises the version (a login, which writes ``last_login_at``, does not).
WATCHED_COLUMNS = (("users", "name"),)


class CatalogueVersion(db.Model):
    __tablename__ = "catalogue_version"

    slot: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    epoch: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


_POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION lms_catalogue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO catalogue_version (slot, version, epoch)
    VALUES (mod(pg_backend_pid(), 64), 1, floor(random() * 2147483647)::bigint)
    ON CONFLICT (slot) DO UPDATE SET version = catalogue_version.version + 1;
    RETURN NULL;
END
$$
"""

_SQLITE_BUMP = (
    "INSERT INTO catalogue_version (slot, version, epoch) "
    "VALUES (0, 1, abs(random() % 2147483647)) "
    "ON CONFLICT (slot) DO UPDATE SET version = version + 1;"
)


def trigger_statements(dialect: str) -> list[str]:
    """The SQL that (re)creates the triggers on ``dialect`` (``postgresql`` or ``sqlite``)."""
    if dialect == "postgresql":
        statements = [_POSTGRESQL_FUNCTION]
        for table in WATCHED_TABLES:
            name = f"lms_catalogue_changed_{table}"
            statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            statements.append(
                f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION lms_catalogue_changed()"
            )
        for table, column in WATCHED_COLUMNS:
            name = f"lms_catalogue_changed_{table}_{column}"
            statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            statements.append(
                f"CREATE TRIGGER {name} AFTER UPDATE OF {column} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION lms_catalogue_changed()"
            )
        return statements
    if dialect == "sqlite":
        statements = []
        for table in WATCHED_TABLES:
            for operation in ("INSERT", "UPDATE", "DELETE"):
                name = f"lms_catalogue_{table}_{operation.lower()}"
                statements.append(f"DROP TRIGGER IF EXISTS {name}")
                statements.append(
                    f"CREATE TRIGGER {name} AFTER {operation} ON {table} BEGIN {_SQLITE_BUMP} END"
                )
        for table, column in WATCHED_COLUMNS:
            name = f"lms_catalogue_{table}_update_{column}"
            statements.append(f"DROP TRIGGER IF EXISTS {name}")
            statements.append(
                f"CREATE TRIGGER {name} AFTER UPDATE OF {column} ON {table} "
                f"BEGIN {_SQLITE_BUMP} END"
            )
        return statements
    return []  # another database: no triggers, the catalogue cache must then stay off


def drop_statements(dialect: str) -> list[str]:
    """The SQL that removes the triggers (and PostgreSQL's function)."""
    if dialect == "postgresql":
        statements = [
            f"DROP TRIGGER IF EXISTS lms_catalogue_changed_{table} ON {table}"
            for table in WATCHED_TABLES
        ]
        statements += [
            f"DROP TRIGGER IF EXISTS lms_catalogue_changed_{table}_{column} ON {table}"
            for table, column in WATCHED_COLUMNS
        ]
        return [*statements, "DROP FUNCTION IF EXISTS lms_catalogue_changed()"]
    if dialect == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS lms_catalogue_{table}_{operation}"
            for table in WATCHED_TABLES
            for operation in ("insert", "update", "delete")
        ] + [
            f"DROP TRIGGER IF EXISTS lms_catalogue_{table}_update_{column}"
            for table, column in WATCHED_COLUMNS
        ]
    return []


def _create_triggers(_metadata: Any, connection: Any, **_kw: Any) -> None:
    for statement in trigger_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


if not event.contains(db.metadata, "after_create", _create_triggers):
    event.listen(db.metadata, "after_create", _create_triggers)
