"""mail facts: the outbox stores what a mail reports; the worker renders it when it sends.

New rows carry ``facts`` (JSON) and no bodies. Rows queued before this migration keep
their rendered ``body_text``/``body_html``/``ics`` and are sent as they are, so nothing
in the queue is lost by upgrading.

Revision ID: m12a10000000
Revises: 57d424f2085e
Create Date: 2026-12-03 09:40:00

"""

from alembic import op
import sqlalchemy as sa

revision = "m12a10000000"
down_revision = "57d424f2085e"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_mails") as batch:
        batch.add_column(sa.Column("facts", sa.JSON(), nullable=True))
        batch.alter_column("body_text", existing_type=sa.Text(), nullable=True)


def downgrade():
    # Mail queued with facts has no rendered body; the old schema cannot render it. Such
    # rows keep their subject as the body, so the old worker still sends something true.
    op.execute(sa.text("UPDATE outbox_mails SET body_text = subject WHERE body_text IS NULL"))
    with op.batch_alter_table("outbox_mails") as batch:
        batch.alter_column("body_text", existing_type=sa.Text(), nullable=False)
        batch.drop_column("facts")
