"""the tickets-by-date index carries each ticket's customer (PostgreSQL)

A ticket search by a name thousands of customers share ("smith": 5,671 at 1M tickets)
walks ``ix_service_tickets_opened_at_id`` newest first and keeps the tickets of those
customers. The index held only the date and id, so every ticket walked was read from
the table to learn its customer (21,000 of them for "charl"). With the customer in the
index (``INCLUDE``), the walk reads the index alone where the table's pages are marked
all-visible: about 2 ms less for such a search (14.6 against 16.9 ms for "charl", 16.8
against 18.7 for "smith", interleaved runs on the bench database). Rebuilding it took
0.5 s on 1M tickets. SQLite's index already leads to the row itself: nothing to do.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 15:55:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_service_tickets_opened_at_id"


def _rebuild(include: list[str]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name="service_tickets")
    op.create_index(INDEX, "service_tickets", ["opened_at", "id"],
                    postgresql_include=include)


def upgrade() -> None:
    _rebuild(["customer_id"])


def downgrade() -> None:
    _rebuild([])
