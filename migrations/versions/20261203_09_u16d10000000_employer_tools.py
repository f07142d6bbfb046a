"""employer tools: who invited a new colleague into their organisation.

``users.invited_by_id``: the organisation contact who invited this person by e-mail into
their organisation (``users.pending_organisation_id``). Choosing a password through the
invitation link then confirms the membership (the contact vouched for it); while that
contact is no longer a contact of the organisation, it waits like any request. Cleared
once the membership is decided.

Revision ID: u16d10000000
Revises: u16c10000000
Create Date: 2026-12-03 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "u16d10000000"
down_revision = "u16c10000000"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invited_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_users_invited_by_id_users"),
            "users",
            ["invited_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_users_invited_by_id_users"), type_="foreignkey")
        batch_op.drop_column("invited_by_id")
