"""Backups of the whole database, and restoring one into an empty database.

SQLite: SQLite's online backup API (consistent while the app runs). PostgreSQL: the
server's own tools, ``pg_dump --format=custom`` and ``pg_restore`` (consistent snapshot,
portable across versions). The file's first bytes say which kind it is, so a restore
refuses a backup of the other kind with a clear message.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from lms.extensions import db
from lms.models import User

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """The backup or restore could not be done; the message says why, in Dutch."""


@dataclass
class BackupResult:
    path: Path
    size: int
    kind: str


def _url():
    return make_url(db.engine.url.render_as_string(hide_password=False))


def _libpq_url() -> str:
    """The database URL as pg_dump understands it (no SQLAlchemy driver suffix), without
    the password: that goes in ``PGPASSWORD`` (:func:`_libpq_env`), because a command
    line is visible to every user of the machine (``ps``)."""
    url = _url().set(drivername="postgresql")._replace(password=None)
    return url.render_as_string(hide_password=False)


def _libpq_env() -> dict[str, str]:
    env = dict(os.environ)
    password = _url().password
    if password:
        env["PGPASSWORD"] = str(password)
    return env


def _sqlite_path() -> Path:
    database = _url().database
    if not database or database == ":memory:":
        raise BackupError("Een SQLite-databank in het geheugen kan niet worden geback-upt.")
    return Path(database)


def backup(path: Path) -> BackupResult:
    """Write a backup of the current database to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        source = sqlite3.connect(_sqlite_path())
        target = sqlite3.connect(path)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        kind = "sqlite"
    elif dialect == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(path), _libpq_url()])
        kind = "postgresql"
    else:
        raise BackupError(f"Back-ups van {dialect} worden niet ondersteund.")
    return BackupResult(path=path, size=path.stat().st_size, kind=kind)


def database_is_empty() -> bool:
    """No tables, or no users: safe to restore into."""
    if "users" not in inspect(db.engine).get_table_names():
        return True
    return db.session.scalar(select(User.id).limit(1)) is None


def restore(path: Path, *, force: bool = False) -> str:
    """Restore ``path`` into the current database, which must be empty unless ``force``."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"Bestand {path} bestaat niet.")
    head = path.read_bytes()[:16]
    dialect = db.engine.dialect.name
    if not force and not database_is_empty():
        raise BackupError(
            "De databank bevat al gegevens. Herstel in een lege databank, of gebruik "
            "--force om alles te overschrijven."
        )
    db.session.remove()
    if dialect == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError("Dit is geen SQLite-back-up.")
        db.engine.dispose()
        target = _sqlite_path()
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(path, target)
        return "sqlite"
    if dialect == "postgresql":
        if not head.startswith(PGDUMP_MAGIC):
            raise BackupError("Dit is geen PostgreSQL-back-up (pg_dump --format=custom).")
        db.engine.dispose()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--dbname",
                _libpq_url(),
                str(path),
            ]
        )
        return "postgresql"
    raise BackupError(f"Herstellen in {dialect} wordt niet ondersteund.")


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is niet geïnstalleerd (PostgreSQL-clienttools).")
    result = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, check=False, env=_libpq_env()
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} mislukte: {result.stderr.strip()}")
