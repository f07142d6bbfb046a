"""The membership migration keeps every existing member confirmed and every existing
account verified, and cleans organisation names that hold control characters."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from lms import create_app
from lms.extensions import db


def test_existing_members_stay_confirmed_and_accounts_verified(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/old.db")
    with app.app_context():
        upgrade(revision="t14a10000000")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organisations (id, name, is_member, created_at) VALUES "
                    "(1, 'Samenlevingsopbouw Gent', 1, '2026-01-01 00:00:00'), "
                    "(2, 'Samenlevingsopbouw\tGent', 0, '2026-01-01 00:00:00'), "
                    "(3, 'Buurt' || char(0) || 'werk', 0, '2026-01-01 00:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO users (id, email, name, organisation_id, active, "
                    "session_version, created_at) VALUES "
                    "(1, 'an@example.org', 'An', 1, 1, 1, '2026-02-01 10:00:00')"
                )
            )
        upgrade(revision="t14b10000000")
        with db.engine.connect() as connection:
            user = connection.execute(
                text(
                    "SELECT organisation_id, pending_organisation_id, email_verified_at "
                    "FROM users WHERE id = 1"
                )
            ).one()
            names = dict(connection.execute(text("SELECT id, name FROM organisations")).all())
        assert user.organisation_id == 1 and user.pending_organisation_id is None
        assert user.email_verified_at is not None
        assert names == {
            1: "Samenlevingsopbouw Gent",
            2: "Samenlevingsopbouw Gent (2)",
            3: "Buurt werk",
        }
        downgrade(revision="t14a10000000")
        with db.engine.connect() as connection:
            columns = [row[1] for row in connection.execute(text("PRAGMA table_info(users)"))]
        assert "email_verified_at" not in columns and "pending_organisation_id" not in columns
        db.engine.dispose()
