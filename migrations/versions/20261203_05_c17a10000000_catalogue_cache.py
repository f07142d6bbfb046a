"""catalogue cache: the catalogue_version counter and the triggers that raise it.

Every write to activities, activity_sessions, themes, activity_themes or enrolments raises
the counter in the same transaction (see lms/models/catalogue_version.py); the cached
catalogue is valid while the counter stands still.

Revision ID: c17a10000000
Revises: p15a10000000
Create Date: 2026-12-03 09:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c17a10000000"
down_revision = "p15a10000000"
branch_labels = None
depends_on = None

# Frozen copies of lms/models/catalogue_version.py as of this revision (a migration must
# not change when the application's code does).
WATCHED_TABLES = ("activities", "activity_sessions", "themes", "activity_themes", "enrolments")

POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION lms_catalogue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO catalogue_version (slot, version, epoch)
    VALUES (mod(pg_backend_pid(), 64), 1, floor(random() * 2147483647)::bigint)
    ON CONFLICT (slot) DO UPDATE SET version = catalogue_version.version + 1;
    RETURN NULL;
END
$$
"""

SQLITE_BUMP = (
    "INSERT INTO catalogue_version (slot, version, epoch) "
    "VALUES (0, 1, abs(random() % 2147483647)) "
    "ON CONFLICT (slot) DO UPDATE SET version = version + 1;"
)


def upgrade():
    op.create_table(
        "catalogue_version",
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("epoch", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("slot", name=op.f("pk_catalogue_version")),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
        for table in WATCHED_TABLES:
            op.execute(
                f"CREATE TRIGGER lms_catalogue_changed_{table} "
                f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION lms_catalogue_changed()"
            )
    elif dialect == "sqlite":
        for table in WATCHED_TABLES:
            for operation in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER lms_catalogue_{table}_{operation.lower()} "
                    f"AFTER {operation} ON {table} BEGIN {SQLITE_BUMP} END"
                )


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table in WATCHED_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS lms_catalogue_changed_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS lms_catalogue_changed()")
    elif dialect == "sqlite":
        for table in WATCHED_TABLES:
            for operation in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS lms_catalogue_{table}_{operation}")
    op.drop_table("catalogue_version")
