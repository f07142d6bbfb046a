"""membership: confirmed organisation memberships and verified e-mail addresses.

``users.organisation_id`` keeps its meaning for everything that reads it (contacts' views,
reports, the member price) but now holds *confirmed* memberships only; a membership a
person asks for waits in ``users.pending_organisation_id`` until the organisation's
contact or a coordinator confirms it. Every existing membership stays confirmed (nothing
to move). "Mijn organisatie staat er niet bij" is kept in
``users.requested_organisation_name`` for the coordinators.

``users.email_verified_at``: existing accounts are verified (their creation time, or now),
so nobody already using the platform has to confirm anything. ``users.pending_email`` holds
a new address until its link is followed. Organisation names with control or invisible
characters (typed before names were checked) are cleaned.

Revision ID: t14b10000000
Revises: t14a10000000
Create Date: 2026-12-03 09:40:00

"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "t14b10000000"
down_revision = "t14a10000000"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("pending_email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("pending_organisation_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("membership_requested_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("requested_organisation_name", sa.String(length=200), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_users_pending_organisation_id"),
            ["pending_organisation_id"],
            unique=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_users_pending_organisation_id_organisations"),
            "organisations",
            ["pending_organisation_id"],
            ["id"],
            ondelete="SET NULL",
        )
    # Everyone who has an account today keeps using it: their address counts as verified.
    users = sa.table(
        "users",
        sa.column("email_verified_at", sa.DateTime(timezone=True)),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    op.execute(
        users.update()
        .where(users.c.email_verified_at.is_(None))
        .values(email_verified_at=sa.func.coalesce(users.c.created_at, sa.func.current_timestamp()))
    )
    _clean_organisation_names()


def _clean_organisation_names():
    """Names typed before names were checked may hold control or invisible characters
    (they broke spreadsheets): such a character becomes a space, spaces are collapsed, and
    a name that would then clash with another gets a number."""
    organisations = sa.table("organisations", sa.column("id", sa.Integer), sa.column("name"))
    connection = op.get_bind()
    rows = connection.execute(sa.select(organisations.c.id, organisations.c.name)).all()
    taken = {(name or "").lower() for _id, name in rows}
    for organisation_id, name in rows:
        cleaned = " ".join(
            "".join(
                " " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") else ch
                for ch in name or ""
            ).split()
        )
        if cleaned == name:
            continue
        cleaned = cleaned[:190] or "Organisatie"
        candidate, n = cleaned, 2
        while candidate.lower() in taken:
            candidate, n = f"{cleaned} ({n})", n + 1
        taken.add(candidate.lower())
        connection.execute(
            organisations.update()
            .where(organisations.c.id == organisation_id)
            .values(name=candidate)
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_users_pending_organisation_id_organisations"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_users_pending_organisation_id"))
        batch_op.drop_column("requested_organisation_name")
        batch_op.drop_column("membership_requested_at")
        batch_op.drop_column("pending_organisation_id")
        batch_op.drop_column("pending_email")
        batch_op.drop_column("email_verified_at")
