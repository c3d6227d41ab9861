"""canned jobs: the shop's library of named jobs with their labour and parts

``canned_jobs`` holds a job's name, the customer's concern it answers and whether it is
offered; ``canned_job_lines`` its labour (an operation and minutes) and parts (a part
id and quantity, with the SKU the part had when chosen, so that a part deleted since
can still be named when the job is added to a ticket: the part id is then NULL). Fees
wait for a fee line on tickets. Tickets copy a canned job; nothing refers back to it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mechanic_desktop.db.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = mechanic_desktop.db.types.UtcDateTime()


def _keyed(length: int) -> sa.String:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "canned_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", _keyed(200), nullable=False),
        sa.Column("concern", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.CheckConstraint("name <> ''", name=op.f("ck_canned_jobs_name_required")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_jobs")),
        sa.UniqueConstraint("name", name=op.f("uq_canned_jobs_name")),
    )
    op.create_index("ix_canned_jobs_name_key_id", "canned_jobs", ["name_key", "id"])
    op.create_table(
        "canned_job_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("canned_job_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("operation", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("part_id", sa.Integer(), nullable=True),
        sa.Column("sku", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('labour', 'part')",
                           name=op.f("ck_canned_job_lines_kind_known")),
        sa.CheckConstraint(
            "(kind = 'labour' AND operation <> '' AND minutes >= 0 AND minutes <= 59994 "
            "AND part_id IS NULL AND quantity IS NULL) OR "
            "(kind = 'part' AND sku <> '' AND quantity > 0 AND quantity <= 10000 "
            "AND minutes IS NULL)",
            name=op.f("ck_canned_job_lines_line_shape"),
        ),
        sa.ForeignKeyConstraint(
            ["canned_job_id"], ["canned_jobs.id"],
            name=op.f("fk_canned_job_lines_canned_job_id_canned_jobs"),
        ),
        sa.ForeignKeyConstraint(
            ["part_id"], ["parts.id"], name=op.f("fk_canned_job_lines_part_id_parts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_job_lines")),
    )
    op.create_index(
        "ix_canned_job_lines_canned_job_id_position", "canned_job_lines",
        ["canned_job_id", "position"],
    )
    op.create_index("ix_canned_job_lines_part_id", "canned_job_lines", ["part_id"])


def downgrade() -> None:
    op.drop_index("ix_canned_job_lines_part_id", table_name="canned_job_lines")
    op.drop_index("ix_canned_job_lines_canned_job_id_position", table_name="canned_job_lines")
    op.drop_table("canned_job_lines")
    op.drop_index("ix_canned_jobs_name_key_id", table_name="canned_jobs")
    op.drop_table("canned_jobs")
