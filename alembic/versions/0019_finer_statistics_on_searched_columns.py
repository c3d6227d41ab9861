"""finer planner statistics on the columns a search matches anywhere (PostgreSQL)

A search's second group ("contains, but does not start with") is paged in the list's
order, and PostgreSQL chooses between walking that order's index and fetching every
match to sort them by how many rows it expects the pattern to match. With the default
statistics (100 sampled values), one phone number in the sample that happened to hold
"765584" made it expect 2,000 customers where 60 had it, all in the first group: it
walked all 200,000 customers' names for nothing (106 ms, against 5 ms by the trigram
index). With 1,000 values the estimate follows the data (20 expected, the index used).
The columns are those matched by trigram ``LIKE``/regex in customers', vehicles' and
parts' lists; tickets look their matches up first (db/repositories.py). ANALYZE then
takes about 1.4 s on 200,000 customers, once here and when autovacuum runs it.
SQLite has no such statistics: nothing to do there.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 15:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Sampled values per column (PostgreSQL's default is 100).
TARGET = 1000
COLUMNS = {
    "customers": ("name_key", "phone_digits", "email"),
    "vehicles": ("plate", "vin"),
    "parts": ("name_key", "sku"),
}


def _set(target: int) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        altered = ", ".join(f"ALTER COLUMN {c} SET STATISTICS {target}" for c in columns)
        op.execute(f"ALTER TABLE {table} {altered}")
        op.execute(f"ANALYZE {table}")


def upgrade() -> None:
    _set(TARGET)


def downgrade() -> None:
    _set(-1)  # the server's default again
