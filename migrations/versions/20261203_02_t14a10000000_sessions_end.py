"""sessions end (placeholder: filled in by the change that needs it).

Revision ID: t14a10000000
Revises: m12a10000000
Create Date: 2026-12-03 09:40:00

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "t14a10000000"
down_revision = "m12a10000000"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
