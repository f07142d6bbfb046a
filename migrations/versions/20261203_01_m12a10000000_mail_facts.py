"""mail facts (placeholder: filled in by the change that needs it).

Revision ID: m12a10000000
Revises: 57d424f2085e
Create Date: 2026-12-03 09:40:00

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "m12a10000000"
down_revision = "57d424f2085e"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
