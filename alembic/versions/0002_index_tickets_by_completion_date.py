"""index tickets by completion date

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 07:46:46.375763
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_tickets", schema=None) as batch_op:
        batch_op.create_index("ix_service_tickets_completed_at", ["completed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("service_tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_service_tickets_completed_at")
