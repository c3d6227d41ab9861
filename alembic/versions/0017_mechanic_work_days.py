"""mechanic work per day: the mechanic ranking's figures summed ahead, kept by triggers

``mechanic_work_days`` holds, per UTC day of completion and mechanic, the tickets,
lines, minutes, labour cents and opened → completed milliseconds of billed labour
(completed or closed tickets, approved jobs): a year's ranking reads a few thousand
rows instead of every labour line of the year.

Triggers keep it in step inside the writing transaction: any change that can alter a
billed ticket's figures (its status, completion or opening time; a labour line added,
changed or removed; a job approved or no longer approved) recounts the whole UTC day
of that ticket from the tables themselves, so the table always equals a recount (no
running deltas to drift). Changes to tickets that are not billed cost one look-up.
PostgreSQL takes a transaction advisory lock on the day before recounting it, so two
desks completing tickets on the same day recount one after the other (each recount is
a fresh READ COMMITTED snapshot that sees the other's committed work).

SQLite note: a later migration that rebuilds ``service_tickets``, ``ticket_mechanics``
or ``ticket_jobs`` (batch ``recreate``) drops their triggers and must make them again.

Revision ID: 0017
Revises: 0012
Create Date: 2026-12-07 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "mechanic_work_days"
COLUMNS = "completed_on, mechanic_id, tickets, lines, minutes, labor_cents, milliseconds"
BILLED = "('completed', 'closed')"
#: Arbitrary first key of the PostgreSQL advisory locks on days ("MW").
LOCK_SPACE = 19799

# Per backend: a ticket's UTC day, one line's labour cents, its ticket's turnaround ms.
SQLITE_DAY = "date(t.completed_at)"
SQLITE_LABOUR = "(m.minutes * m.hourly_rate * 2 + 60) / 120"
SQLITE_MS = ("CAST(round((julianday(t.completed_at) - julianday(t.opened_at)) * 86400000)"
             " AS INTEGER)")
SQLITE_STATUS = "t.status || ''"
PG_DAY = "CAST(t.completed_at AS DATE)"
PG_LABOUR = "(CAST(m.minutes AS BIGINT) * CAST(m.hourly_rate * 100 AS BIGINT) * 2 + 60) / 120"
PG_MS = "CAST(round(extract(epoch FROM t.completed_at - t.opened_at) * 1000) AS BIGINT)"


def _work(day: str, labour: str, ms: str, where: str, group: str, status: str) -> str:
    """SELECT of the table's columns over billed lines of approved jobs. ``status`` is
    how the ticket's status is read: on SQLite ``t.status || ''``, which keeps the
    planner on the completion-date index (most tickets are billed: the status index
    would read nearly all of them to recount one day)."""
    return (
        f"SELECT {day}, m.mechanic_id, count(DISTINCT t.id), count(*), sum(m.minutes), "
        f"sum({labour}), sum({ms}) "
        "FROM service_tickets t JOIN ticket_mechanics m ON m.ticket_id = t.id "
        "JOIN ticket_jobs j ON j.id = m.job_id "
        f"WHERE {status} IN {BILLED} AND j.status = 'approved' "
        f"AND m.mechanic_id IS NOT NULL AND {where} GROUP BY {group}"
    )


def _sqlite_recount(day: str) -> str:
    """Trigger-body statements recounting the UTC day ``day`` ('YYYY-MM-DD' or NULL)."""
    where = f"t.completed_at >= {day} AND t.completed_at < date({day}, '+1 day')"
    return (
        f"DELETE FROM {TABLE} WHERE completed_on = {day}; "
        f"INSERT INTO {TABLE} ({COLUMNS}) "
        + _work(day, SQLITE_LABOUR, SQLITE_MS, where, "m.mechanic_id", SQLITE_STATUS) + ";"
    )


def _sqlite_billed_day(ticket: str) -> str:
    return (f"(SELECT date(completed_at) FROM service_tickets WHERE id = {ticket}"
            f" AND status IN {BILLED})")


def _sqlite_is_billed(ticket: str) -> str:
    return f"EXISTS (SELECT 1 FROM service_tickets WHERE id = {ticket} AND status IN {BILLED})"


TICKET_CHANGES_FIGURES = (
    f"(OLD.status IN {BILLED}) IS NOT (NEW.status IN {BILLED}) OR (NEW.status IN {BILLED}"
    " AND (OLD.completed_at IS NOT NEW.completed_at OR OLD.opened_at IS NOT NEW.opened_at))"
)


def sqlite_triggers() -> list[str]:
    old_day, new_day = "date(OLD.completed_at)", "date(NEW.completed_at)"
    new_if_other = (f"(CASE WHEN NEW.status IN {BILLED} AND ({new_day} IS NOT {old_day}"
                    f" OR OLD.status NOT IN {BILLED}) THEN {new_day} END)")
    old_if_billed = f"(CASE WHEN OLD.status IN {BILLED} THEN {old_day} END)"
    line_new_day = (f"(CASE WHEN NEW.ticket_id IS NOT OLD.ticket_id"
                    f" THEN {_sqlite_billed_day('NEW.ticket_id')} END)")
    return [
        "CREATE TRIGGER mechanic_work_tickets_au AFTER UPDATE OF status, completed_at, "
        f"opened_at ON service_tickets WHEN {TICKET_CHANGES_FIGURES} BEGIN "
        f"{_sqlite_recount(old_if_billed)} {_sqlite_recount(new_if_other)} END",
        f"CREATE TRIGGER mechanic_work_lines_ai AFTER INSERT ON ticket_mechanics "
        f"WHEN {_sqlite_is_billed('NEW.ticket_id')} BEGIN "
        f"{_sqlite_recount(_sqlite_billed_day('NEW.ticket_id'))} END",
        f"CREATE TRIGGER mechanic_work_lines_ad AFTER DELETE ON ticket_mechanics "
        f"WHEN {_sqlite_is_billed('OLD.ticket_id')} BEGIN "
        f"{_sqlite_recount(_sqlite_billed_day('OLD.ticket_id'))} END",
        f"CREATE TRIGGER mechanic_work_lines_au AFTER UPDATE ON ticket_mechanics "
        f"WHEN {_sqlite_is_billed('OLD.ticket_id')} OR {_sqlite_is_billed('NEW.ticket_id')} "
        f"BEGIN {_sqlite_recount(_sqlite_billed_day('OLD.ticket_id'))} "
        f"{_sqlite_recount(line_new_day)} END",
        "CREATE TRIGGER mechanic_work_jobs_au AFTER UPDATE OF status ON ticket_jobs "
        "WHEN (OLD.status = 'approved') IS NOT (NEW.status = 'approved') AND "
        f"{_sqlite_is_billed('NEW.ticket_id')} BEGIN "
        f"{_sqlite_recount(_sqlite_billed_day('NEW.ticket_id'))} END",
    ]


PG_FUNCTIONS = [
    f"""CREATE FUNCTION mechanic_work_recount(work_day date) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF work_day IS NULL THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock({LOCK_SPACE}, work_day - DATE '2000-01-01');
    DELETE FROM {TABLE} WHERE completed_on = work_day;
    INSERT INTO {TABLE} ({COLUMNS})
    {_work("work_day", PG_LABOUR, PG_MS,
           "t.completed_at >= work_day AND t.completed_at < work_day + 1", "m.mechanic_id",
           "t.status")};
END $$""",
    f"""CREATE FUNCTION mechanic_work_day_of(ticket integer) RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT CAST(completed_at AS DATE) FROM service_tickets
    WHERE id = ticket AND status IN {BILLED}
$$""",
    f"""CREATE FUNCTION mechanic_work_tickets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status IN {BILLED} THEN
        PERFORM mechanic_work_recount(CAST(OLD.completed_at AS DATE));
    END IF;
    IF NEW.status IN {BILLED} AND (OLD.status NOT IN {BILLED}
            OR CAST(OLD.completed_at AS DATE) IS DISTINCT FROM CAST(NEW.completed_at AS DATE))
    THEN
        PERFORM mechanic_work_recount(CAST(NEW.completed_at AS DATE));
    END IF;
    RETURN NULL;
END $$""",
    """CREATE FUNCTION mechanic_work_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM mechanic_work_recount(mechanic_work_day_of(NEW.ticket_id));
    ELSE
        PERFORM mechanic_work_recount(mechanic_work_day_of(OLD.ticket_id));
        IF TG_OP = 'UPDATE' THEN
            IF NEW.ticket_id <> OLD.ticket_id THEN
                PERFORM mechanic_work_recount(mechanic_work_day_of(NEW.ticket_id));
            END IF;
        END IF;
    END IF;
    RETURN NULL;
END $$""",
    """CREATE FUNCTION mechanic_work_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM mechanic_work_recount(mechanic_work_day_of(NEW.ticket_id));
    RETURN NULL;
END $$""",
]
PG_TRIGGERS = [
    "CREATE TRIGGER mechanic_work_tickets_au AFTER UPDATE OF status, completed_at, opened_at "
    "ON service_tickets FOR EACH ROW WHEN ("
    f"(OLD.status IN {BILLED}) IS DISTINCT FROM (NEW.status IN {BILLED}) OR "
    f"(NEW.status IN {BILLED} AND (OLD.completed_at IS DISTINCT FROM NEW.completed_at "
    "OR OLD.opened_at IS DISTINCT FROM NEW.opened_at))) "
    "EXECUTE FUNCTION mechanic_work_tickets()",
    "CREATE TRIGGER mechanic_work_lines_aiud AFTER INSERT OR UPDATE OR DELETE "
    "ON ticket_mechanics FOR EACH ROW EXECUTE FUNCTION mechanic_work_lines()",
    "CREATE TRIGGER mechanic_work_jobs_au AFTER UPDATE OF status ON ticket_jobs FOR EACH ROW "
    "WHEN ((OLD.status = 'approved') IS DISTINCT FROM (NEW.status = 'approved')) "
    "EXECUTE FUNCTION mechanic_work_jobs()",
]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        TABLE,
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("mechanic_id", sa.Integer(), nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.BigInteger(), nullable=False),
        sa.Column("labor_cents", sa.BigInteger(), nullable=False),
        sa.Column("milliseconds", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mechanic_id"], ["mechanics.id"], ondelete="CASCADE",
            name=op.f("fk_mechanic_work_days_mechanic_id_mechanics"),
        ),
        sa.PrimaryKeyConstraint("completed_on", "mechanic_id", name=op.f("pk_mechanic_work_days")),
    )
    if sqlite:
        op.execute(f"INSERT INTO {TABLE} ({COLUMNS}) " + _work(
            SQLITE_DAY, SQLITE_LABOUR, SQLITE_MS, "t.completed_at IS NOT NULL",
            f"{SQLITE_DAY}, m.mechanic_id", SQLITE_STATUS))
        for statement in sqlite_triggers():
            op.execute(statement)
        return
    op.execute(f"INSERT INTO {TABLE} ({COLUMNS}) " + _work(
        PG_DAY, PG_LABOUR, PG_MS, "t.completed_at IS NOT NULL", f"{PG_DAY}, m.mechanic_id",
        "t.status"))
    for statement in PG_FUNCTIONS + PG_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("tickets_au", "lines_ai", "lines_ad", "lines_au", "jobs_au"):
            op.execute(f"DROP TRIGGER IF EXISTS mechanic_work_{name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS mechanic_work_tickets_au ON service_tickets")
        op.execute("DROP TRIGGER IF EXISTS mechanic_work_lines_aiud ON ticket_mechanics")
        op.execute("DROP TRIGGER IF EXISTS mechanic_work_jobs_au ON ticket_jobs")
        for function in ("jobs()", "lines()", "tickets()", "day_of(integer)",
                         "recount(date)"):
            op.execute(f"DROP FUNCTION IF EXISTS mechanic_work_{function}")
    op.drop_table(TABLE)
