"""jobs on every ticket, the customer's authorisations, parts taken or waiting

A ticket becomes an ordered list of jobs (``ticket_jobs``); its labour
(``ticket_mechanics``) and parts (``ticket_parts``) lines each name their job, together
with the ticket, so a line can never sit on one ticket while its job belongs to another.
The customer's decisions are kept in ``authorisations`` and ``authorisation_jobs``
(never edited, only added).

Every existing ticket gets one job holding all its lines, with the id of the ticket, the
first line of its description as the title and the whole description as the concern.
The job is approved and the ticket's ``authorised_total`` is its total: that work was
agreed before jobs existed, and its parts have already left the shelf (``taken``).

A mechanic may now work on several jobs of one ticket, and a labour line may have no
mechanic yet (a canned job's labour, billed at the shop's new ``labor_rate``), so
``ticket_mechanics`` gets its own id, a nullable mechanic and one line per (job,
mechanic); SQLite rebuilds the two line tables for the new keys (nothing refers to
them), PostgreSQL alters them in place.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mechanic_desktop.db.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = mechanic_desktop.db.types.Decimal2(precision=12, scale=2)
WHEN = mechanic_desktop.db.types.UtcDateTime()
DEFAULT_TITLE = "Work requested"
WORK = ["ticket_id", "mechanic_id", "minutes", "hourly_rate"]


def _first_line(dialect: str) -> str:
    """SQL for the first line of a ticket's description, at most 200 characters."""
    if dialect == "postgresql":
        line = "left(split_part(description, E'\\n', 1), 200)"
    else:
        line = "substr(description, 1, min(instr(description || char(10), char(10)) - 1, 200))"
    return f"coalesce(nullif(trim({line}), ''), '{DEFAULT_TITLE}')"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("shop_settings") as batch:
        batch.add_column(sa.Column(
            "authorisation_tolerance", MONEY, nullable=False, server_default=sa.text("0")
        ))
        batch.add_column(sa.Column(
            "estimate_valid_days", sa.Integer(), nullable=False, server_default=sa.text("30")
        ))
        batch.add_column(sa.Column(
            "labor_rate", MONEY, nullable=False, server_default=sa.text("0")
        ))
        batch.create_check_constraint("labor_rate_nonneg", "labor_rate >= 0")
        batch.create_check_constraint(
            "tolerance_nonneg", "authorisation_tolerance >= 0"
        )
        batch.create_check_constraint(
            "valid_days_range", "estimate_valid_days >= 1 AND estimate_valid_days <= 365"
        )
    op.add_column("service_tickets", sa.Column(
        "authorised_total", MONEY, nullable=False, server_default=sa.text("0")
    ))
    op.execute("UPDATE service_tickets SET authorised_total = total")

    op.create_table(
        "ticket_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("concern", sa.Text(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("correction", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.CheckConstraint("title <> ''", name=op.f("ck_ticket_jobs_title_required")),
        sa.CheckConstraint(
            "status IN ('proposed', 'approved', 'declined', 'deferred')",
            name=op.f("ck_ticket_jobs_status_known"),
        ),
        sa.CheckConstraint("position > 0", name=op.f("ck_ticket_jobs_position_positive")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["service_tickets.id"],
            name=op.f("fk_ticket_jobs_ticket_id_service_tickets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_jobs")),
        sa.UniqueConstraint("id", "ticket_id", name="uq_ticket_jobs_id_ticket"),
    )
    op.create_index(
        "ix_ticket_jobs_ticket_id_position", "ticket_jobs", ["ticket_id", "position"]
    )
    op.create_index(
        "ix_ticket_jobs_not_approved", "ticket_jobs", ["id"],
        postgresql_where=sa.text("status <> 'approved'"),
        sqlite_where=sa.text("status <> 'approved'"),
    )
    op.execute(
        "INSERT INTO ticket_jobs (id, ticket_id, position, title, concern, cause, correction,"
        " status, version, created_at, updated_at) "
        f"SELECT id, id, 1, {_first_line(dialect)}, description, '', '', 'approved', 1,"
        " opened_at, updated_at FROM service_tickets"
    )
    if dialect == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('ticket_jobs', 'id'), "
            "coalesce((SELECT max(id) FROM ticket_jobs), 0) + 1, false)"
        )

    op.add_column("ticket_mechanics", sa.Column("job_id", sa.Integer(), nullable=True))
    op.add_column("ticket_mechanics", sa.Column(
        "operation", sa.Text(), nullable=False, server_default=""
    ))
    op.execute("UPDATE ticket_mechanics SET job_id = ticket_id")
    if dialect == "postgresql":
        # SERIAL numbers the rows already there.
        op.execute("ALTER TABLE ticket_mechanics ADD COLUMN id SERIAL NOT NULL")
    with op.batch_alter_table("ticket_mechanics", recreate="always" if dialect == "sqlite"
                              else "auto") as batch:
        if dialect == "sqlite":
            # The copy leaves it out: INTEGER PRIMARY KEY numbers each row.
            batch.add_column(sa.Column("id", sa.Integer(), nullable=False))
        batch.drop_constraint("pk_ticket_mechanics", type_="primary")
        batch.alter_column("job_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("mechanic_id", existing_type=sa.Integer(), nullable=True)
        batch.create_primary_key("pk_ticket_mechanics", ["id"])
        batch.create_unique_constraint("uq_ticket_mechanics_job_id", ["job_id", "mechanic_id"])
        batch.create_foreign_key(
            "fk_ticket_mechanics_job", "ticket_jobs", ["job_id", "ticket_id"],
            ["id", "ticket_id"],
        )
    op.create_index("ix_ticket_mechanics_ticket_id", "ticket_mechanics", ["ticket_id"])
    if dialect == "sqlite":
        # The ranking's covering index (0003) now carries the job, whose status decides
        # whether the time was billed.
        op.drop_index("ix_ticket_mechanics_work", table_name="ticket_mechanics")
        op.create_index("ix_ticket_mechanics_work", "ticket_mechanics", [*WORK, "job_id"])

    op.add_column("ticket_parts", sa.Column("job_id", sa.Integer(), nullable=True))
    op.add_column("ticket_parts", sa.Column(
        "taken", sa.Boolean(), nullable=False, server_default=sa.text("false")
    ))
    true = "true" if dialect == "postgresql" else "1"
    op.execute(f"UPDATE ticket_parts SET job_id = ticket_id, taken = {true}")
    with op.batch_alter_table("ticket_parts", recreate="always" if dialect == "sqlite"
                              else "auto") as batch:
        batch.alter_column("job_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_constraint("uq_ticket_parts_ticket_id", type_="unique")
        batch.create_unique_constraint("uq_ticket_parts_job_id", ["job_id", "part_id"])
        batch.create_foreign_key(
            "fk_ticket_parts_job", "ticket_jobs", ["job_id", "ticket_id"], ["id", "ticket_id"]
        )
    op.create_index("ix_ticket_parts_ticket_id", "ticket_parts", ["ticket_id"])

    op.create_table(
        "authorisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("authorised_by", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("contact", sa.String(length=254), nullable=False),
        sa.Column("authorised_at", WHEN, nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.CheckConstraint("authorised_by <> ''", name=op.f("ck_authorisations_name_required")),
        sa.CheckConstraint(
            "method IN ('in_person', 'phone', 'email', 'text', 'paper')",
            name=op.f("ck_authorisations_method_known"),
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_authorisations_amount_nonneg")),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["staff_users.id"],
            name=op.f("fk_authorisations_recorded_by_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["service_tickets.id"],
            name=op.f("fk_authorisations_ticket_id_service_tickets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorisations")),
    )
    op.create_index("ix_authorisations_ticket_id", "authorisations", ["ticket_id"])
    op.create_table(
        "authorisation_jobs",
        sa.Column("authorisation_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("job_total", MONEY, nullable=False),
        sa.CheckConstraint(
            "decision IN ('approved', 'declined', 'deferred')",
            name=op.f("ck_authorisation_jobs_decision_known"),
        ),
        sa.ForeignKeyConstraint(
            ["authorisation_id"], ["authorisations.id"],
            name=op.f("fk_authorisation_jobs_authorisation_id_authorisations"),
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["ticket_jobs.id"], name=op.f("fk_authorisation_jobs_job_id_ticket_jobs"),
        ),
        sa.PrimaryKeyConstraint("authorisation_id", "job_id", name=op.f("pk_authorisation_jobs")),
    )
    op.create_index("ix_authorisation_jobs_job_id", "authorisation_jobs", ["job_id"])


def downgrade() -> None:
    """Back to one flat list of lines per ticket. Lines of a ticket's other jobs fold
    into it: a mechanic's time on several jobs adds up, and parts of the same kind
    merge into one line at the first line's price; labour with no mechanic is lost."""
    dialect = op.get_bind().dialect.name
    op.drop_table("authorisation_jobs")
    op.drop_table("authorisations")

    op.drop_index("ix_ticket_parts_ticket_id", table_name="ticket_parts")
    op.execute(
        "UPDATE ticket_parts SET quantity = (SELECT sum(o.quantity) FROM ticket_parts o "
        "WHERE o.ticket_id = ticket_parts.ticket_id AND o.part_id = ticket_parts.part_id) "
        "WHERE id = (SELECT min(o.id) FROM ticket_parts o "
        "WHERE o.ticket_id = ticket_parts.ticket_id AND o.part_id = ticket_parts.part_id)"
    )
    op.execute(
        "DELETE FROM ticket_parts WHERE id <> (SELECT min(o.id) FROM ticket_parts o "
        "WHERE o.ticket_id = ticket_parts.ticket_id AND o.part_id = ticket_parts.part_id)"
    )
    with op.batch_alter_table("ticket_parts", recreate="always" if dialect == "sqlite"
                              else "auto") as batch:
        batch.drop_constraint("fk_ticket_parts_job", type_="foreignkey")
        batch.drop_constraint("uq_ticket_parts_job_id", type_="unique")
        batch.create_unique_constraint("uq_ticket_parts_ticket_id", ["ticket_id", "part_id"])
        batch.drop_column("taken")
        batch.drop_column("job_id")

    op.drop_index("ix_ticket_mechanics_ticket_id", table_name="ticket_mechanics")
    if dialect == "sqlite":
        op.drop_index("ix_ticket_mechanics_work", table_name="ticket_mechanics")
        op.create_index("ix_ticket_mechanics_work", "ticket_mechanics", WORK)
    op.execute(
        "UPDATE ticket_mechanics SET minutes = (SELECT sum(o.minutes) FROM ticket_mechanics o "
        "WHERE o.ticket_id = ticket_mechanics.ticket_id "
        "AND o.mechanic_id = ticket_mechanics.mechanic_id) "
        "WHERE job_id = (SELECT min(o.job_id) FROM ticket_mechanics o "
        "WHERE o.ticket_id = ticket_mechanics.ticket_id "
        "AND o.mechanic_id = ticket_mechanics.mechanic_id)"
    )
    op.execute(
        "DELETE FROM ticket_mechanics WHERE job_id <> (SELECT min(o.job_id) "
        "FROM ticket_mechanics o WHERE o.ticket_id = ticket_mechanics.ticket_id "
        "AND o.mechanic_id = ticket_mechanics.mechanic_id)"
    )
    op.execute("DELETE FROM ticket_mechanics WHERE mechanic_id IS NULL")
    with op.batch_alter_table("ticket_mechanics", recreate="always" if dialect == "sqlite"
                              else "auto") as batch:
        batch.drop_constraint("fk_ticket_mechanics_job", type_="foreignkey")
        batch.drop_constraint("uq_ticket_mechanics_job_id", type_="unique")
        batch.drop_constraint("pk_ticket_mechanics", type_="primary")
        batch.alter_column("mechanic_id", existing_type=sa.Integer(), nullable=False)
        batch.create_primary_key("pk_ticket_mechanics", ["ticket_id", "mechanic_id"])
        batch.drop_column("operation")
        batch.drop_column("job_id")
        batch.drop_column("id")

    op.drop_index("ix_ticket_jobs_not_approved", table_name="ticket_jobs")
    op.drop_index("ix_ticket_jobs_ticket_id_position", table_name="ticket_jobs")
    op.drop_table("ticket_jobs")
    op.drop_column("service_tickets", "authorised_total")
    with op.batch_alter_table("shop_settings") as batch:
        batch.drop_constraint("valid_days_range", type_="check")
        batch.drop_constraint("tolerance_nonneg", type_="check")
        batch.drop_constraint("labor_rate_nonneg", type_="check")
        batch.drop_column("labor_rate")
        batch.drop_column("estimate_valid_days")
        batch.drop_column("authorisation_tolerance")
