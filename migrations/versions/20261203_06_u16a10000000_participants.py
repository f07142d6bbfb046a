"""participants: import_jobs, a CSV user import previewed, confirmed and applied in the
background with its progress and report (lms/models/import_job.py).

Revision ID: u16a10000000
Revises: c17a10000000
Create Date: 2026-12-03 09:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "u16a10000000"
down_revision = "c17a10000000"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filename", sa.String(length=255), server_default="", nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "preview",
                "queued",
                "running",
                "done",
                "failed",
                name="importjobstatus",
                native_enum=False,
                length=20,
            ),
            server_default="preview",
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("processed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("allowed_role_removals", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("report", sa.Text(), server_default="", nullable=False),
        sa.Column("error", sa.Text(), server_default="", nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_import_jobs_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
        sa.UniqueConstraint("token", name=op.f("uq_import_jobs_token")),
    )
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_jobs_created_by_id"), ["created_by_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_jobs_created_by_id"))
    op.drop_table("import_jobs")
