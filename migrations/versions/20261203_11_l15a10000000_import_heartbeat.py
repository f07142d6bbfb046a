"""import job heartbeat: import_jobs.progress_at, when the worker last wrote its progress,
so a job whose worker died (a server restarted mid-import) is found and queued again.

Revision ID: l15a10000000
Revises: u16e10000000
Create Date: 2026-12-03 14:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "l15a10000000"
down_revision = "u16e10000000"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("import_jobs", sa.Column("progress_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("import_jobs") as batch:
        batch.drop_column("progress_at")
