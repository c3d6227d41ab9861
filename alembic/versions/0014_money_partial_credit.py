"""partial credit notes, shop-defined payment methods, what each ticket owes

A credit note may credit part of an invoice (chosen lines or an amount): several per
invoice, their sum within its total; the one reaching the total ``cancels`` the
invoice (a partial unique index keeps that to one). ``payments.method`` takes the
shop's own methods (``shop_settings.payment_methods``, one per line) besides the four
built in, so the check only asks for one. ``service_tickets.owed`` keeps
Σ invoices − Σ credit notes − Σ payments per ticket (filled here from the entries) so
receivables and customer credit read only the tickets not settled.

Revision ID: 0014
Revises: 0017
Create Date: 2026-12-07 04:10:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import mechanic_desktop.db.types

revision: str = "0014"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OWED = (
    "UPDATE service_tickets SET owed ="
    " COALESCE((SELECT SUM(i.total) FROM invoices i WHERE i.ticket_id = service_tickets.id), 0)"
    " - COALESCE((SELECT SUM(c.amount) FROM credit_notes c"
    " WHERE c.ticket_id = service_tickets.id), 0)"
    " - COALESCE((SELECT SUM(p.amount) FROM payments p"
    " WHERE p.ticket_id = service_tickets.id), 0)"
    " WHERE id IN (SELECT ticket_id FROM invoices UNION SELECT ticket_id FROM payments)"
)


def _batch(table: str) -> Any:
    sqlite = op.get_bind().dialect.name == "sqlite"
    return op.batch_alter_table(table, recreate="always" if sqlite else "auto")


def upgrade() -> None:
    op.add_column("service_tickets", sa.Column(
        "owed", mechanic_desktop.db.types.Decimal2(precision=12, scale=2),
        server_default=sa.text("0"), nullable=False,
    ))
    op.execute(_OWED)
    op.create_index("ix_service_tickets_owed", "service_tickets",
                    ["customer_id", "owed", "closed_at"],
                    sqlite_where=sa.text("owed <> 0"), postgresql_where=sa.text("owed <> 0"))
    op.add_column("shop_settings", sa.Column(
        "payment_methods", sa.Text(), server_default=sa.text("''"), nullable=False))
    if op.get_bind().dialect.name == "sqlite":  # covering: revenue reads no invoice rows
        op.create_index("ix_invoices_revenue", "invoices",
                        ["posted_at", "parts_total", "labor_total", "tax_total", "total"])
    else:
        op.create_index("ix_invoices_posted_at", "invoices", ["posted_at"],
                        postgresql_include=["parts_total", "labor_total", "tax_total", "total"])

    op.add_column("credit_notes", sa.Column(
        "cancels", sa.Boolean(), server_default=sa.text("true"), nullable=False))
    op.add_column("credit_notes", sa.Column(
        "lines", sa.Text(), server_default=sa.text("'[]'"), nullable=False))
    with _batch("credit_notes") as batch:
        batch.drop_constraint("uq_credit_notes_invoice_id", type_="unique")
    op.create_index("ix_credit_notes_invoice_id", "credit_notes", ["invoice_id"])
    op.create_index("ix_credit_notes_issued_at", "credit_notes", ["issued_at"])
    op.create_index("uq_credit_notes_cancels_invoice", "credit_notes", ["invoice_id"],
                    unique=True, sqlite_where=sa.text("cancels"),
                    postgresql_where=sa.text("cancels"))

    with _batch("payments") as batch:
        batch.drop_constraint("method_known", type_="check")
        batch.create_check_constraint("method_given", "method <> ''")


def downgrade() -> None:
    """Payments in a shop's own method become bank transfers noted with the method; the
    partial credit notes of an invoice stay as they are (the unique key comes back only
    where one note per invoice remains)."""
    op.execute("UPDATE payments SET note = method || ': ' || note, method = 'bank_transfer'"
               " WHERE method NOT IN ('cash', 'card', 'cheque', 'bank_transfer')")
    with _batch("payments") as batch:
        batch.drop_constraint("method_given", type_="check")
        batch.create_check_constraint(
            "method_known", "method IN ('cash', 'card', 'cheque', 'bank_transfer')")
    op.drop_index("uq_credit_notes_cancels_invoice", table_name="credit_notes")
    op.drop_index("ix_credit_notes_issued_at", table_name="credit_notes")
    op.drop_index("ix_credit_notes_invoice_id", table_name="credit_notes")
    with _batch("credit_notes") as batch:
        batch.drop_column("lines")
        batch.drop_column("cancels")
        batch.create_unique_constraint("uq_credit_notes_invoice_id", ["invoice_id"])
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_invoices_revenue", table_name="invoices")
    else:
        op.drop_index("ix_invoices_posted_at", table_name="invoices")
    with op.batch_alter_table("shop_settings") as batch:
        batch.drop_column("payment_methods")
    op.drop_index("ix_service_tickets_owed", table_name="service_tickets")
    if op.get_bind().dialect.name == "sqlite":
        # In place (SQLite 3.35+): a rebuilt table would lose service_tickets' triggers.
        op.execute("ALTER TABLE service_tickets DROP COLUMN owed")
    else:
        op.drop_column("service_tickets", "owed")
