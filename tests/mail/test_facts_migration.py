"""The migration that gives the outbox its facts keeps queued mail sendable."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, select, text

from config import normalise_database_url
from lms import create_app
from lms.extensions import db
from lms.mail.rendering import render_outbox_mail
from lms.models import OutboxMail

BEFORE = "57d424f2085e"
FACTS = "m12a10000000"
ICS = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


def _database(backend: str, tmp_path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/facts.db"
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL not set")
    base, _, name = normalise_database_url(url).rpartition("/")
    engine = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}_facts"'))
        conn.execute(text(f'CREATE DATABASE "{name}_facts"'))
    engine.dispose()
    return f"{base}/{name}_facts"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_mail_queued_before_the_migration_is_sent_as_it_was(backend, tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=_database(backend, tmp_path))
    with app.app_context():
        upgrade(revision=BEFORE)
        now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO outbox_mails (kind, to_email, to_name, subject, body_text, "
                    "body_html, ics, ics_method, status, attempts, last_error, "
                    "next_attempt_at, created_at) VALUES ('enrolment_confirmed', "
                    "'an@example.org', 'An', 'Je bent ingeschreven: Wonen op maat', "
                    "'Dag An, tot dan.', '<p>Dag An</p>', :ics, 'REQUEST', 'queued', 0, '', "
                    ":now, :now)"
                ),
                {"ics": ICS, "now": now},
            )
        upgrade(revision=FACTS)
        row = db.session.scalar(select(OutboxMail).where(OutboxMail.to_email == "an@example.org"))
        assert row.facts is None
        rendered = render_outbox_mail(row)
        assert rendered.subject == "Je bent ingeschreven: Wonen op maat"
        assert (rendered.text, rendered.html) == ("Dag An, tot dan.", "<p>Dag An</p>")
        assert (rendered.invitation.method, rendered.invitation.ics) == ("REQUEST", ICS)

        # Mail queued with facts only keeps its subject as body when going back.
        row.facts = {"recipient_name": "An"}
        row.body_text = None
        db.session.commit()
        db.session.remove()
        downgrade(revision=BEFORE)
        with db.engine.connect() as connection:
            bodies = connection.execute(text("SELECT body_text FROM outbox_mails")).scalars().all()
        assert bodies == ["Je bent ingeschreven: Wonen op maat"]
        db.engine.dispose()
