"""Intake questions and answers, interest lists, and the link between editions.

New tables only (``intake_questions``, ``intake_answers``, ``interests``,
``edition_links``): the ``activities`` table is left alone, so SQLite keeps the catalogue
triggers that a batch rebuild of that table would drop.

Revision ID: u16c10000000
Revises: u16b10000000
Create Date: 2026-12-03 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "u16c10000000"
down_revision = "u16b10000000"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "intake_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("text", "choice", name="questionkind", native_enum=False, length=24),
            server_default="text",
            nullable=False,
        ),
        sa.Column("options", sa.Text(), server_default="", nullable=False),
        sa.Column("required", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_intake_questions_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_questions")),
    )
    op.create_index(
        "ix_intake_questions_activity_position",
        "intake_questions",
        ["activity_id", "position"],
        unique=False,
    )
    op.create_table(
        "intake_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), server_default="", nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_intake_answers_enrolment_id_enrolments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["intake_questions.id"],
            name=op.f("fk_intake_answers_question_id_intake_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_answers")),
        sa.UniqueConstraint(
            "enrolment_id", "question_id", name=op.f("uq_intake_answers_enrolment_id_question_id")
        ),
    )
    op.create_index(
        op.f("ix_intake_answers_enrolment_id"), "intake_answers", ["enrolment_id"], unique=False
    )
    op.create_index(
        op.f("ix_intake_answers_question_id"), "intake_answers", ["question_id"], unique=False
    )
    op.create_table(
        "interests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(activity_id IS NULL) <> (theme_id IS NULL)",
            name=op.f("ck_interests_activity_or_theme"),
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_interests_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["themes.id"],
            name=op.f("fk_interests_theme_id_themes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_interests_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interests")),
        sa.UniqueConstraint(
            "user_id",
            "activity_id",
            "theme_id",
            name=op.f("uq_interests_user_id_activity_id_theme_id"),
        ),
    )
    op.create_index("ix_interests_activity_id", "interests", ["activity_id"], unique=False)
    op.create_index("ix_interests_theme_id", "interests", ["theme_id"], unique=False)
    op.create_index(op.f("ix_interests_user_id"), "interests", ["user_id"], unique=False)
    op.create_table(
        "edition_links",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_edition_links_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["previous_id"],
            ["activities.id"],
            name=op.f("fk_edition_links_previous_id_activities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("activity_id", name=op.f("pk_edition_links")),
    )
    op.create_index(
        op.f("ix_edition_links_previous_id"), "edition_links", ["previous_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_edition_links_previous_id"), table_name="edition_links")
    op.drop_table("edition_links")
    op.drop_index(op.f("ix_interests_user_id"), table_name="interests")
    op.drop_index("ix_interests_theme_id", table_name="interests")
    op.drop_index("ix_interests_activity_id", table_name="interests")
    op.drop_table("interests")
    op.drop_index(op.f("ix_intake_answers_question_id"), table_name="intake_answers")
    op.drop_index(op.f("ix_intake_answers_enrolment_id"), table_name="intake_answers")
    op.drop_table("intake_answers")
    op.drop_index("ix_intake_questions_activity_position", table_name="intake_questions")
    op.drop_table("intake_questions")
