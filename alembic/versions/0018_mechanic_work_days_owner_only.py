"""mechanic work per day: written only by its triggers, never by a desk directly

``mechanic_work_days`` (0017) is derived: its triggers recount a day from the tickets and
labour lines. On a shared PostgreSQL server the desks' role could still INSERT, UPDATE or
DELETE its rows by hand and so skew the mechanic ranking without touching a ticket. Here
the recount runs with its owner's rights (``SECURITY DEFINER``, with a fixed
``search_path`` so no one can slip a table of their own in front of it) and every other
role loses the right to write the table; ``db/roles.py`` keeps it read-only for the desks
when ``set-up-server`` runs again. SQLite has no roles: nothing to do there.

Revision ID: 0018
Revises: 0013
Create Date: 2026-12-07 06:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECOUNT = "mechanic_work_recount(date)"
#: Every role but the owner loses the right to write the table (the desks' role has a
#: name only the shop knows, so it is found among the grants).
REVOKE_WRITERS = """DO $$
DECLARE grantee_name text;
BEGIN
    FOR grantee_name IN
        SELECT DISTINCT grantee FROM information_schema.role_table_grants
        WHERE table_schema = current_schema() AND table_name = 'mechanic_work_days'
          AND privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
          AND grantee <> current_user
    LOOP
        EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON mechanic_work_days FROM %I',
                       grantee_name);
    END LOOP;
END $$"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER FUNCTION {RECOUNT} SECURITY DEFINER "
               "SET search_path = public, pg_temp")
    op.execute(REVOKE_WRITERS)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # The desks get their rights back when set-up-server runs (db/roles.py) again.
    op.execute(f"ALTER FUNCTION {RECOUNT} SECURITY INVOKER RESET search_path")
