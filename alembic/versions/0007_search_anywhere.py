"""search anywhere in a field: indexes for word starts and fragments

Customers are found by any word of the name, any run of digits of the phone, any part
of the e-mail; parts by any word of the name and any part of the SKU; tickets by words
of the description and of their jobs' titles; vehicles by any part of the plate
(``db/search.py``).

PostgreSQL: ``pg_trgm`` GIN indexes on the columns that had none (names and ticket
descriptions had them since 0001; a word-start regular expression uses them too).
SQLite: FTS5 tables with their base table as content, kept in step by triggers (so
every write updates them in its own transaction): word tokens for names and
descriptions, trigrams for phone digits, e-mails, plates and SKUs. Building them reads
every row once: on the benchmark's 200k customers / 1M tickets, see the README.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 01:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGRAM_INDEXES = (
    ("ix_customers_phone_digits_trgm", "customers", "phone_digits"),
    ("ix_customers_email_trgm", "customers", "email"),
    ("ix_vehicles_plate_trgm", "vehicles", "plate"),
    ("ix_parts_sku_trgm", "parts", "sku"),
    ("ix_ticket_jobs_title_trgm", "ticket_jobs", "title"),
)

#: (FTS5 table, base table, columns, tokenizer options)
WORDS = "tokenize='unicode61', prefix='2 3'"
TRIGRAMS = "tokenize='trigram'"
SQLITE_FTS = (
    ("customers_name_fts", "customers", ("name_key",), WORDS),
    ("customers_contact_fts", "customers", ("phone_digits", "email"), TRIGRAMS),
    ("vehicles_plate_fts", "vehicles", ("plate",), TRIGRAMS),
    ("parts_name_fts", "parts", ("name_key",), WORDS),
    ("parts_sku_fts", "parts", ("sku",), TRIGRAMS),
    ("service_tickets_fts", "service_tickets", ("description",), WORDS),
    ("ticket_jobs_fts", "ticket_jobs", ("title",), WORDS),
)


def fts_statements(fts: str, base: str, columns: tuple[str, ...], options: str) -> list[str]:
    """An external-content FTS5 table over ``base`` with its three triggers, then filled."""
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    insert = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"
    delete = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{base}', "
        f"content_rowid='id', {options})",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {base} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {base} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {base} BEGIN {delete} {insert} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, table, column in TRIGRAM_INDEXES:
            op.create_index(
                name,
                table,
                [column],
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )
    elif dialect == "sqlite":
        for fts, base, columns, options in SQLITE_FTS:
            for statement in fts_statements(fts, base, columns, options):
                op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for name, table, _column in TRIGRAM_INDEXES:
            op.drop_index(name, table_name=table)
    elif dialect == "sqlite":
        for fts, _base, _columns, _options in SQLITE_FTS:
            for trigger in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{trigger}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
