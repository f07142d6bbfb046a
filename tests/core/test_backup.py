"""``lms backup`` and ``lms restore`` round-trip on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text

from config import normalise_database_url
from lms import create_app
from lms.extensions import db
from lms.models import Activity, ActivitySession, User

# A backup copies what is committed; a restore replaces the database file.
pytestmark = pytest.mark.commits


def _empty_database_url(backend: str, source_url: str, tmp_path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/restored.db"
    url = normalise_database_url(source_url)
    base, _, name = url.rpartition("/")
    target = f"{name}_restore"
    engine = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target}"'))
        conn.execute(text(f'CREATE DATABASE "{target}"'))
    engine.dispose()
    return f"{base}/{target}"


def test_backup_restores_into_an_empty_database(
    app, backend, tmp_path, create_user, create_activity
):
    trainer = create_user(email="trainer@example.org", name="Nguyễn Thị Minh Khai")
    create_activity(title="Wonen op maat", sessions=3, trainers=[trainer])
    path = tmp_path / "lms.common.backup"

    result = app.test_cli_runner().invoke(args=["lms", "backup", str(path)])
    assert result.exit_code == 0, result.output
    assert path.stat().st_size > 0

    target = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=_empty_database_url(
            backend, app.config["SQLALCHEMY_DATABASE_URI"], tmp_path
        ),
    )
    with target.app_context():
        result = target.test_cli_runner().invoke(args=["lms", "restore", str(path)])
        assert result.exit_code == 0, result.output
        user = db.session.scalar(select(User).where(User.email == "trainer@example.org"))
        assert user.name == "Nguyễn Thị Minh Khai"
        activity = db.session.scalar(select(Activity).where(Activity.title == "Wonen op maat"))
        assert activity.trainers == [user]
        assert db.session.scalar(select(func.count(ActivitySession.id))) == 3

        # A second restore into the now non-empty database is refused.
        again = target.test_cli_runner().invoke(args=["lms", "restore", str(path)])
        assert again.exit_code == 1
        assert "bevat al gegevens" in again.output
        db.session.remove()
        db.engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(app, tmp_path):
    path = tmp_path / "not-a-backup"
    path.write_bytes(b"hello")
    db.session.execute(text("DELETE FROM user_roles"))
    db.session.execute(text("DELETE FROM users"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["lms", "restore", str(path)])
    assert result.exit_code == 1
    assert "geen" in result.output and "back-up" in result.output
