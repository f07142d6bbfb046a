"""certificates scripts (placeholder: filled in by the change that needs it).

Revision ID: u16e10000000
Revises: u16d10000000
Create Date: 2026-12-03 10:00:00

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "u16e10000000"
down_revision = "u16d10000000"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
