"""recommended work on the vehicle: jobs taken up on a later ticket, or dismissed

A declined or deferred job is recommended work on its vehicle until a job on a later
ticket takes it up (``ticket_jobs.follow_up_of``, at most one job per recommendation: a
unique index, so two desks cannot both add it) or the customer says no for good
(``dismissed_at`` and ``dismissed_by``). A partial index holds the open ones, for the
follow-up report.

Every existing job starts with all three NULL: its declined and deferred jobs become
open recommendations. SQLite adds the columns in place (a column with REFERENCES and a
NULL default may be added there; rebuilding ``ticket_jobs`` would trip the foreign keys
of the lines that name it), PostgreSQL adds them with named constraints.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-07 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mechanic_desktop.db.types

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = mechanic_desktop.db.types.UtcDateTime()
OPEN_RECOMMENDATION = "status IN ('declined', 'deferred') AND dismissed_at IS NULL"
FOREIGN_KEYS = (
    ("follow_up_of", "ticket_jobs", "fk_ticket_jobs_follow_up_of_ticket_jobs"),
    ("dismissed_by", "staff_users", "fk_ticket_jobs_dismissed_by_staff_users"),
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column, table, name in FOREIGN_KEYS:
        if sqlite:
            op.add_column("ticket_jobs", sa.Column(
                column, sa.Integer(), sa.ForeignKey(f"{table}.id"), nullable=True,
            ), inline_references=True)
        else:
            op.add_column("ticket_jobs", sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(name, "ticket_jobs", table, [column], ["id"])
    op.add_column("ticket_jobs", sa.Column("dismissed_at", WHEN, nullable=True))
    op.create_index("uq_ticket_jobs_follow_up_of", "ticket_jobs", ["follow_up_of"],
                    unique=True)
    op.create_index(
        "ix_ticket_jobs_recommended", "ticket_jobs", ["ticket_id"],
        sqlite_where=sa.text(OPEN_RECOMMENDATION),
        postgresql_where=sa.text(OPEN_RECOMMENDATION),
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_jobs_recommended", table_name="ticket_jobs")
    op.drop_index("uq_ticket_jobs_follow_up_of", table_name="ticket_jobs")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a column that holds a foreign key only by rebuilding the table.
        with op.batch_alter_table("ticket_jobs") as batch:
            for column in ("dismissed_at", "dismissed_by", "follow_up_of"):
                batch.drop_column(column)
        return
    for _column, _table, name in FOREIGN_KEYS:
        op.drop_constraint(name, "ticket_jobs", type_="foreignkey")
    op.drop_column("ticket_jobs", "dismissed_at")
    op.drop_column("ticket_jobs", "dismissed_by")
    op.drop_column("ticket_jobs", "follow_up_of")
