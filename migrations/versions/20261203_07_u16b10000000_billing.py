"""billing: the amount and invoice details of a paid enrolment, and remembered details.

``enrolment_charges`` keeps, per enrolment, what was shown and accepted on the
confirmation page (see lms/models/billing.py); ``billing_profiles`` the last invoice
details per person. Both are new tables: no existing row changes, so no data migration
(enrolments made before have no charge and are not on the billing list).

Revision ID: u16b10000000
Revises: u16a10000000
Create Date: 2026-12-03 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "u16b10000000"
down_revision = "u16a10000000"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "enrolment_charges",
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(8, 2), nullable=False),
        sa.Column("member_price", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("invoice_to", sa.String(length=20), nullable=False),
        sa.Column("organisation_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("reference", sa.String(length=120), server_default="", nullable=False),
        sa.Column("billing_email", sa.String(length=254), nullable=False),
        sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seat_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancellation_billable", sa.Boolean(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["enrolment_id"], ["enrolments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("enrolment_id"),
    )
    op.create_table(
        "billing_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("invoice_to", sa.String(length=20), nullable=False),
        sa.Column("organisation_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("reference", sa.String(length=120), server_default="", nullable=False),
        sa.Column("billing_email", sa.String(length=254), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade():
    op.drop_table("billing_profiles")
    op.drop_table("enrolment_charges")
