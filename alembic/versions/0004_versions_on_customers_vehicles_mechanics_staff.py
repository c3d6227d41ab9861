"""version columns on customers, vehicles, mechanics and staff accounts

Every editable record carries a version, so a save made from a copy read before another
desk's save is refused instead of overwriting it (tickets, parts and settings already
had one). Existing rows start at version 1.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("customers", "vehicles", "mechanics", "staff_users")


def upgrade() -> None:
    for table in TABLES:
        # The default fills the rows already there (and bulk inserts that name no version).
        # A plain ADD COLUMN on both backends: SQLite needs no table rebuild for it (a
        # rebuild would have to drop tables that others refer to).
        op.add_column(
            table,
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")),
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "version")
