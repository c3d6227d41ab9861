"""invoices, credit notes and payments; invoice and credit-note prefixes

A posted invoice (``invoices``) keeps its totals as columns and the document it prints
as a frozen JSON ``snapshot``; a credit note (``credit_notes``) cancels one invoice in
full; ``payments`` are entries added, never edited (a refund is negative, with a
reason). ``document_counters`` holds the last number of each gapless sequence, locked
by the posting transaction. Tickets closed before this revision have no invoice: they
print as they did and reopen without a credit note.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mechanic_desktop.db.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_counters",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.CheckConstraint("last_number >= 0", name=op.f("ck_document_counters_last_nonneg")),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_document_counters")),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=30), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("posted_at", mechanic_desktop.db.types.UtcDateTime(), nullable=False),
        sa.Column("posted_by", sa.Integer(), nullable=True),
        sa.Column(
            "parts_total", mechanic_desktop.db.types.Decimal2(precision=12, scale=2), nullable=False
        ),
        sa.Column(
            "labor_total", mechanic_desktop.db.types.Decimal2(precision=12, scale=2), nullable=False
        ),
        sa.Column(
            "tax_total", mechanic_desktop.db.types.Decimal2(precision=12, scale=2), nullable=False
        ),
        sa.Column(
            "total", mechanic_desktop.db.types.Decimal2(precision=12, scale=2), nullable=False
        ),
        sa.Column("on_account", sa.Boolean(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.CheckConstraint("number > 0", name=op.f("ck_invoices_number_positive")),
        sa.CheckConstraint(
            "parts_total >= 0 AND labor_total >= 0 AND tax_total >= 0 AND total >= 0",
            name=op.f("ck_invoices_totals_nonneg"),
        ),
        sa.ForeignKeyConstraint(
            ["posted_by"], ["staff_users.id"], name=op.f("fk_invoices_posted_by_staff_users")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["service_tickets.id"],
            name=op.f("fk_invoices_ticket_id_service_tickets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("number", name=op.f("uq_invoices_number")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoices_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("taken_at", mechanic_desktop.db.types.UtcDateTime(), nullable=False),
        sa.Column(
            "amount", mechanic_desktop.db.types.Decimal2(precision=12, scale=2), nullable=False
        ),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("taken_by", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint("amount > 0 OR reason <> ''", name=op.f("ck_payments_refund_reason")),
        sa.CheckConstraint(
            "method IN ('cash', 'card', 'cheque', 'bank_transfer')",
            name=op.f("ck_payments_method_known"),
        ),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_payments_amount_nonzero")),
        sa.ForeignKeyConstraint(
            ["taken_by"], ["staff_users.id"], name=op.f("fk_payments_taken_by_staff_users")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["service_tickets.id"],
            name=op.f("fk_payments_ticket_id_service_tickets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index("ix_payments_taken_at", ["taken_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_payments_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "credit_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=30), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", mechanic_desktop.db.types.UtcDateTime(), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column(
            "amount", mechanic_desktop.db.types.Decimal2(precision=12, scale=2), nullable=False
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint("reason <> ''", name=op.f("ck_credit_notes_reason_required")),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_credit_notes_amount_nonneg")),
        sa.CheckConstraint("number > 0", name=op.f("ck_credit_notes_number_positive")),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_credit_notes_invoice_id_invoices")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["staff_users.id"], name=op.f("fk_credit_notes_issued_by_staff_users")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["service_tickets.id"],
            name=op.f("fk_credit_notes_ticket_id_service_tickets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_notes")),
        sa.UniqueConstraint("invoice_id", name=op.f("uq_credit_notes_invoice_id")),
        sa.UniqueConstraint("number", name=op.f("uq_credit_notes_number")),
    )
    with op.batch_alter_table("credit_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_notes_ticket_id"), ["ticket_id"], unique=False)

    op.add_column(
        "shop_settings",
        sa.Column(
            "invoice_prefix", sa.String(length=10), server_default=sa.text("'INV-'"), nullable=False
        ),
    )
    op.add_column(
        "shop_settings",
        sa.Column(
            "credit_note_prefix",
            sa.String(length=10),
            server_default=sa.text("'CN-'"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.drop_column("credit_note_prefix")
        batch_op.drop_column("invoice_prefix")

    with op.batch_alter_table("credit_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_notes_ticket_id"))

    op.drop_table("credit_notes")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_ticket_id"))
        batch_op.drop_index("ix_payments_taken_at")

    op.drop_table("payments")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_ticket_id"))

    op.drop_table("invoices")
    op.drop_table("document_counters")
