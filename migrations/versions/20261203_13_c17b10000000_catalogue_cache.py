"""catalogue cache: trainers and people's names raise the catalogue's version too.

The activity page (kept whole for visitors, see lms/catalog/page_cache.py) shows its
trainers by name: ``activity_trainers`` gets the same triggers as the other watched
tables, and an UPDATE that sets ``users.name`` raises the version (other writes to
``users``, such as a login, do not). The triggers of the watched tables are recreated as
well, in case a table rebuild of an earlier migration on SQLite dropped them.

Revision ID: c17b10000000
Revises: r17a10000000
Create Date: 2026-12-03 14:00:00

"""

from alembic import op

revision = "c17b10000000"
down_revision = "r17a10000000"
branch_labels = None
depends_on = None

# Frozen copies of lms/models/catalogue_version.py as of this revision (a migration must
# not change when the application's code does).
WATCHED_TABLES = (
    "activities",
    "activity_sessions",
    "themes",
    "activity_themes",
    "enrolments",
    "activity_trainers",
)
WATCHED_COLUMNS = (("users", "name"),)

SQLITE_BUMP = (
    "INSERT INTO catalogue_version (slot, version, epoch) "
    "VALUES (0, 1, abs(random() % 2147483647)) "
    "ON CONFLICT (slot) DO UPDATE SET version = version + 1;"
)


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":  # the function exists since c17a10000000
        for table in WATCHED_TABLES:
            name = f"lms_catalogue_changed_{table}"
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(
                f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION lms_catalogue_changed()"
            )
        for table, column in WATCHED_COLUMNS:
            name = f"lms_catalogue_changed_{table}_{column}"
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(
                f"CREATE TRIGGER {name} AFTER UPDATE OF {column} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION lms_catalogue_changed()"
            )
    elif dialect == "sqlite":
        for table in WATCHED_TABLES:
            for operation in ("INSERT", "UPDATE", "DELETE"):
                name = f"lms_catalogue_{table}_{operation.lower()}"
                op.execute(f"DROP TRIGGER IF EXISTS {name}")
                op.execute(
                    f"CREATE TRIGGER {name} AFTER {operation} ON {table} BEGIN {SQLITE_BUMP} END"
                )
        for table, column in WATCHED_COLUMNS:
            name = f"lms_catalogue_{table}_update_{column}"
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(
                f"CREATE TRIGGER {name} AFTER UPDATE OF {column} ON {table} BEGIN {SQLITE_BUMP} END"
            )


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "DROP TRIGGER IF EXISTS lms_catalogue_changed_activity_trainers ON activity_trainers"
        )
        op.execute("DROP TRIGGER IF EXISTS lms_catalogue_changed_users_name ON users")
    elif dialect == "sqlite":
        for operation in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS lms_catalogue_activity_trainers_{operation}")
        op.execute("DROP TRIGGER IF EXISTS lms_catalogue_users_update_name")
