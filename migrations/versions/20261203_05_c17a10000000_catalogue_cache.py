"""catalogue cache (placeholder: filled in by the change that needs it).

Revision ID: c17a10000000
Revises: p15a10000000
Create Date: 2026-12-03 09:40:00

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "c17a10000000"
down_revision = "p15a10000000"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
