"""shop documents: e-mail, tax number, invoice terms, paper size and a logo

The letterhead of every printed document grows the shop's e-mail and tax number and an
optional logo (PNG or JPEG, at most 256 KiB, kept in the database so every desk prints
it); invoices end with the shop's terms; documents are laid out on Letter or A4.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 04:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("shop_settings", schema=None) as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=False,
                                   server_default=sa.text("''")))
        batch.add_column(sa.Column("tax_number", sa.String(length=40), nullable=False,
                                   server_default=sa.text("''")))
        batch.add_column(sa.Column("invoice_terms", sa.Text(), nullable=False,
                                   server_default=sa.text("''")))
        batch.add_column(sa.Column("paper_size", sa.String(length=6), nullable=False,
                                   server_default=sa.text("'letter'")))
        batch.add_column(sa.Column("logo", sa.LargeBinary(), nullable=True))
        batch.create_check_constraint("paper_size", "paper_size IN ('letter', 'a4')")
        batch.create_check_constraint("logo_size", "logo IS NULL OR length(logo) <= 262144")


def downgrade() -> None:
    with op.batch_alter_table("shop_settings", schema=None) as batch:
        batch.drop_constraint("logo_size", type_="check")
        batch.drop_constraint("paper_size", type_="check")
        batch.drop_column("logo")
        batch.drop_column("paper_size")
        batch.drop_column("invoice_terms")
        batch.drop_column("tax_number")
        batch.drop_column("email")
