"""sessions end: no schema change.

Ending every session of a person on logout, password change and deactivation uses the
``users.session_version`` column the foundation schema already has (it is part of
``User.get_id()``, so of the session and of the remember-me cookie; the user loader in
lms/web.py refuses a stale one). Login throttling per account and address lives in the
rate-limit store (RATELIMIT_STORAGE_URI), not in the database. So this revision only
keeps its place in the chain.

Revision ID: t14a10000000
Revises: m12a10000000
Create Date: 2026-12-03 09:40:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "t14a10000000"
down_revision = "m12a10000000"
branch_labels = None
depends_on = None


def upgrade():
    """Nothing to change: ``users.session_version`` exists (see the docstring)."""


def downgrade():
    """Nothing to undo."""
