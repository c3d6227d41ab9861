"""sign-in counters for unknown user names; the workstation of each audit row

An unknown user name now locks on the same schedule as a real account (else trying a
name tells whether it exists), so its counter needs a home: ``sign_in_throttle`` keys it
by a short hash of the name, never the name itself (which may be a password typed in
the wrong box). Failed sign-ins have no actor, so ``audit_log.workstation`` records
which computer they came from (and, for every other row, where the actor sat).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mechanic_desktop.db.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_throttle",
        sa.Column("name_key", sa.String(length=16), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", mechanic_desktop.db.types.UtcDateTime(), nullable=True),
        sa.CheckConstraint(
            "failed_logins >= 0", name=op.f("ck_sign_in_throttle_failed_nonneg")
        ),
        sa.PrimaryKeyConstraint("name_key", name=op.f("pk_sign_in_throttle")),
    )
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("workstation", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("workstation")
    op.drop_table("sign_in_throttle")
