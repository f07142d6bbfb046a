"""restructuring (placeholder: filled in by the change that needs it).

Revision ID: s13a10000000
Revises: c17b10000000
Create Date: 2026-12-03 14:00:00

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "s13a10000000"
down_revision = "c17b10000000"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
