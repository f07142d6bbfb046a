"""enrolment rush (placeholder: filled in by the change that needs it).

Revision ID: r17a10000000
Revises: l15a10000000
Create Date: 2026-12-03 14:00:00

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "r17a10000000"
down_revision = "l15a10000000"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
