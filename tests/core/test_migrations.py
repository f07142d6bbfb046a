"""Migrations build the same schema as the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text

from config import normalise_database_url
from lms import create_app
from lms.extensions import db


def _fresh_postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return None
    url = normalise_database_url(url)
    base, _, _name = url.rpartition("/")
    name = f"{_name}_migrations"  # beside the test database, so parallel runs do not collide
    engine = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{base}/{name}"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_on_an_empty_database_matches_the_models(backend, tmp_path):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/migrated.db"
    else:
        url = _fresh_postgres_url()
        if url is None:
            pytest.skip("TEST_DATABASE_URL not set")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
            rules = connection.execute(text("SELECT count(*) FROM certification_rules")).scalar()
        assert differences == []
        assert "users" in inspect(db.engine).get_table_names()
        assert rules == 6  # the default learning policy
        db.engine.dispose()
