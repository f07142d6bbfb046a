"""attendance todo: remarks and correction reasons on attendance, certificates to review.

Revision ID: p15a10000000
Revises: t14b10000000
Create Date: 2026-12-03 09:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "p15a10000000"
down_revision = "t14b10000000"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attendances") as batch:
        batch.add_column(sa.Column("remark", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("attendance_changes") as batch:
        batch.add_column(sa.Column("remark", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("reason", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("review_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("review_reason", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("review_reason")
        batch.drop_column("review_since")
    with op.batch_alter_table("attendance_changes") as batch:
        batch.drop_column("reason")
        batch.drop_column("remark")
    with op.batch_alter_table("attendances") as batch:
        batch.drop_column("remark")
