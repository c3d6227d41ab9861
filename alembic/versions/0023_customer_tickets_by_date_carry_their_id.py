"""a customer's tickets by date carry their id (PostgreSQL)

A ticket search by a surname a few hundred customers share ("collier": 424 customers,
2,088 tickets at 1M tickets) gathers those customers' tickets from
``ix_service_tickets_customer_id_opened_at`` and sorts them by date for the page. The
index held the customer and the date, so PostgreSQL read every one of those tickets from
the table for its id: 2,017 table pages for "collier". With ``id`` as the index's last
column the gather reads the index alone where the table's pages are all-visible. Paired
plan and run of the search's statements, 9 each on the bench database: "collier" 9.8 ->
6.4 ms; "smith", "charl" and "elizabeth lozano" (which walk the date index or find a
few customers) unchanged. The customer's own ticket list pages in the index's order to
the last tie. Building it took 0.6 s on 1M tickets.

SQLite's index entries already end with the rowid, which is the ticket's id: nothing
to do there.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 22:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_service_tickets_customer_id_opened_at"


def _rebuild(columns: list[str]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name="service_tickets")
    op.create_index(INDEX, "service_tickets", columns)


def upgrade() -> None:
    _rebuild(["customer_id", "opened_at", "id"])


def downgrade() -> None:
    _rebuild(["customer_id", "opened_at"])
