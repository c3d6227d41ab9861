"""special order: parts lines the shelf could not cover wait "to order"

An approved job's part whose stock is short may be split: what the shelf has is taken
on the job's ordinary line, the rest goes on a second line of the same part marked
``ordered`` (never taken) until the stock arrives and is taken from it. So a job holds
at most one ordinary and one ordered line of a part: the unique key gains ``ordered``,
and a check keeps an ordered line from being taken. SQLite rebuilds the table for the
new key (as 0006 did); PostgreSQL alters it in place.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 02:30:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _batch() -> Any:
    sqlite = op.get_bind().dialect.name == "sqlite"
    return op.batch_alter_table("ticket_parts", recreate="always" if sqlite else "auto")


def upgrade() -> None:
    op.add_column("ticket_parts", sa.Column(
        "ordered", sa.Boolean(), nullable=False, server_default=sa.text("false")
    ))
    with _batch() as batch:
        batch.drop_constraint("uq_ticket_parts_job_id", type_="unique")
        batch.create_unique_constraint("uq_ticket_parts_job_id",
                                       ["job_id", "part_id", "ordered"])
        batch.create_check_constraint("ordered_not_taken",
                                      "NOT (ordered AND taken)")


def downgrade() -> None:
    """Each ordered line folds into the job's ordinary line of its part (or becomes
    it): the quantity is kept, as still to be taken."""
    op.execute(
        "UPDATE ticket_parts SET quantity = quantity + (SELECT o.quantity FROM ticket_parts o"
        " WHERE o.job_id = ticket_parts.job_id AND o.part_id = ticket_parts.part_id"
        " AND o.ordered) WHERE NOT ordered AND EXISTS (SELECT 1 FROM ticket_parts o"
        " WHERE o.job_id = ticket_parts.job_id AND o.part_id = ticket_parts.part_id"
        " AND o.ordered)"
    )
    op.execute(
        "DELETE FROM ticket_parts WHERE ordered AND EXISTS (SELECT 1 FROM ticket_parts o"
        " WHERE o.job_id = ticket_parts.job_id AND o.part_id = ticket_parts.part_id"
        " AND NOT o.ordered)"
    )
    with _batch() as batch:
        batch.drop_constraint("ordered_not_taken", type_="check")
        batch.drop_constraint("uq_ticket_parts_job_id", type_="unique")
        batch.create_unique_constraint("uq_ticket_parts_job_id", ["job_id", "part_id"])
        batch.drop_column("ordered")
