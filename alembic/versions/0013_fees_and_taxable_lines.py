"""fees, taxes and discounts: fee lines, taxable lines, a labour rate of tax, discounts

``ticket_fees`` holds a job's fee lines (an environmental or disposal fee, shop
supplies): a description and an amount, taxable or not; like the job's labour and parts
lines they name (job, ticket) together. Labour and parts lines gain ``taxable`` (true:
every existing line stays taxed exactly as the shop's rules taxed it, since those rules
still decide the rate). The shop settings gain ``labor_tax_rate``: NULL keeps labour,
when taxed, at the parts rate (what every shop had), so nothing is re-priced.

Discounts: every line gains ``discount_percent`` / ``discount_amount`` (at most one of
them) and ``discount_reason``; ``ticket_discounts`` holds a ticket's discount on its
approved work (at most one per ticket) and who gave it; the settings gain
``max_writer_discount``, the largest a service writer may give (0 until an administrator
sets it). SQLite rebuilds the two line tables for their new check (as 0012 did), and
puts their triggers (0017's recount of mechanics' work days) back as they were.

``fee_rules`` holds the shop's fee rules (a fixed amount, or a percentage of a job's
labour or parts up to a cap; automatic or by hand); a fee line an automatic rule put on
a job is marked ``automatic``.

Parts with no fixed price (0.00) may be priced from their cost: the settings gain
``markup_bands`` (cost bands and markups, as text; empty: none).

Canned jobs may carry fee lines: ``canned_job_lines`` gains ``amount`` and the kind
'fee' (a description in ``operation``, an amount above 0).

Revision ID: 0013
Revises: 0015
Create Date: 2026-12-07 04:10:00
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import op

import mechanic_desktop.db.types

revision: str = "0013"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = mechanic_desktop.db.types.UtcDateTime()
MONEY = mechanic_desktop.db.types.Money()
RATE = mechanic_desktop.db.types.Decimal3()
DISCOUNT_SHAPE = (
    "(discount_percent IS NULL AND discount_amount IS NULL) OR (discount_reason <> '' AND "
    "((discount_percent > 0 AND discount_amount IS NULL) OR "
    "(discount_amount > 0 AND discount_percent IS NULL)))"
)


def _discount_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("discount_percent", RATE, nullable=True),
        sa.Column("discount_amount", MONEY, nullable=True),
        sa.Column("discount_reason", sa.Text(), server_default="", nullable=False),
    ]


OLD_CANNED_SHAPE = (
    "(kind = 'labour' AND operation <> '' AND minutes >= 0 AND minutes <= 59994 "
    "AND part_id IS NULL AND quantity IS NULL) OR "
    "(kind = 'part' AND sku <> '' AND quantity > 0 AND quantity <= 10000 "
    "AND minutes IS NULL)"
)
CANNED_SHAPE = (
    "(kind = 'labour' AND operation <> '' AND minutes >= 0 AND minutes <= 59994 "
    "AND part_id IS NULL AND quantity IS NULL AND amount IS NULL) OR "
    "(kind = 'part' AND sku <> '' AND quantity > 0 AND quantity <= 10000 "
    "AND minutes IS NULL AND amount IS NULL) OR "
    "(kind = 'fee' AND operation <> '' AND amount > 0 AND minutes IS NULL "
    "AND part_id IS NULL AND quantity IS NULL)"
)


@contextmanager
def _rebuilt(table: str) -> Iterator[Any]:
    """A batch alteration of ``table``. SQLite rebuilds it: the triggers on it or naming
    it (0017's recount of mechanics' work days) are dropped first, since the rebuild
    would lose them or fail on them, and made again after, as they were."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    triggers = op.get_bind().execute(sa.text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
        "AND (tbl_name = :t OR sql LIKE '%' || :t || '%')"
    ), {"t": table}).all() if sqlite else []
    for name, _sql in triggers:
        op.execute(f'DROP TRIGGER "{name}"')
    with op.batch_alter_table(table, recreate="always" if sqlite else "auto") as batch:
        yield batch
    for _name, statement in triggers:
        op.execute(statement)


def _canned_lines(kinds: str, shape: str) -> None:
    """Canned job lines' checks for ``kinds`` and ``shape`` (SQLite rebuilds the table)."""
    with _rebuilt("canned_job_lines") as batch:
        batch.drop_constraint("kind_known", type_="check")
        batch.drop_constraint("line_shape", type_="check")
        batch.create_check_constraint("kind_known", f"kind IN ({kinds})")
        batch.create_check_constraint("line_shape", shape)


def upgrade() -> None:
    op.create_table(
        "ticket_fees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("taxable", sa.Boolean(), nullable=False),
        sa.Column("added_at", WHEN, nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        *_discount_columns(),
        sa.CheckConstraint(DISCOUNT_SHAPE, name=op.f("ck_ticket_fees_discount_shape")),
        sa.CheckConstraint("description <> ''",
                           name=op.f("ck_ticket_fees_description_required")),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_ticket_fees_amount_nonneg")),
        sa.ForeignKeyConstraint(["ticket_id"], ["service_tickets.id"],
                                name=op.f("fk_ticket_fees_ticket_id_service_tickets")),
        sa.ForeignKeyConstraint(["job_id", "ticket_id"],
                                ["ticket_jobs.id", "ticket_jobs.ticket_id"],
                                name="fk_ticket_fees_job"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_fees")),
    )
    op.create_index("ix_ticket_fees_ticket_id", "ticket_fees", ["ticket_id"])
    op.create_index("ix_ticket_fees_job_id", "ticket_fees", ["job_id"])
    for table in ("ticket_mechanics", "ticket_parts"):
        op.add_column(table, sa.Column(
            "taxable", sa.Boolean(), nullable=False, server_default=sa.text("true")
        ))
        for column in _discount_columns():
            op.add_column(table, column)
        with _rebuilt(table) as batch:
            batch.create_check_constraint("discount_shape", DISCOUNT_SHAPE)
    op.create_table(
        "ticket_discounts",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("given_by", sa.Integer(), nullable=True),
        sa.Column("given_at", WHEN, nullable=False),
        *_discount_columns(),
        sa.CheckConstraint(DISCOUNT_SHAPE, name=op.f("ck_ticket_discounts_discount_shape")),
        sa.CheckConstraint("discount_percent IS NOT NULL OR discount_amount IS NOT NULL",
                           name=op.f("ck_ticket_discounts_discount_given")),
        sa.ForeignKeyConstraint(["ticket_id"], ["service_tickets.id"],
                                name=op.f("fk_ticket_discounts_ticket_id_service_tickets")),
        sa.ForeignKeyConstraint(["given_by"], ["staff_users.id"],
                                name=op.f("fk_ticket_discounts_given_by_staff_users")),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_discounts")),
    )
    op.create_table(
        "fee_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("amount", MONEY, nullable=True),
        sa.Column("percent", RATE, nullable=True),
        sa.Column("base", sa.String(length=10), nullable=True),
        sa.Column("cap", MONEY, nullable=True),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("taxable", sa.Boolean(), nullable=False),
        sa.CheckConstraint("name <> ''", name=op.f("ck_fee_rules_name_required")),
        sa.CheckConstraint(
            "(amount > 0 AND percent IS NULL AND base IS NULL AND cap IS NULL) OR "
            "(amount IS NULL AND percent > 0 AND base IN ('labour', 'parts') "
            "AND (cap IS NULL OR cap > 0))",
            name=op.f("ck_fee_rules_rule_shape"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_rules")),
        sa.UniqueConstraint("name", name=op.f("uq_fee_rules_name")),
    )
    op.add_column("canned_job_lines", sa.Column("amount", MONEY, nullable=True))
    _canned_lines("'labour', 'part', 'fee'", CANNED_SHAPE)
    op.add_column("shop_settings", sa.Column("labor_tax_rate", RATE, nullable=True))
    op.add_column("shop_settings", sa.Column(
        "max_writer_discount", RATE, nullable=False, server_default=sa.text("0")))
    op.add_column("shop_settings", sa.Column(
        "markup_bands", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("shop_settings") as batch:
        batch.create_check_constraint(
            "labor_tax_nonneg", "labor_tax_rate IS NULL OR labor_tax_rate >= 0"
        )
        batch.create_check_constraint(
            "max_discount_range", "max_writer_discount >= 0"
        )


def downgrade() -> None:
    """Fee lines and discounts are dropped (an older app cannot show them); untaxed
    lines become taxed again under the shop's rules; a separate labour rate of tax is
    forgotten."""
    with op.batch_alter_table("shop_settings") as batch:
        batch.drop_constraint("max_discount_range", type_="check")
        batch.drop_constraint("labor_tax_nonneg", type_="check")
        batch.drop_column("max_writer_discount")
        batch.drop_column("markup_bands")
        batch.drop_column("labor_tax_rate")
    op.drop_table("ticket_discounts")
    op.drop_table("fee_rules")
    op.execute("DELETE FROM canned_job_lines WHERE kind = 'fee'")
    _canned_lines("'labour', 'part'", OLD_CANNED_SHAPE)
    with _rebuilt("canned_job_lines") as batch:
        batch.drop_column("amount")
    for table in ("ticket_parts", "ticket_mechanics"):
        with _rebuilt(table) as batch:
            batch.drop_constraint("discount_shape", type_="check")
            for column in ("discount_reason", "discount_amount", "discount_percent",
                           "taxable"):
                batch.drop_column(column)
    op.drop_index("ix_ticket_fees_job_id", table_name="ticket_fees")
    op.drop_index("ix_ticket_fees_ticket_id", table_name="ticket_fees")
    op.drop_table("ticket_fees")
