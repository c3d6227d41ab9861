"""Least privilege on a shared PostgreSQL server: an owner and the desks' own role.

The **owner** owns the database and its tables; only it runs migrations ("Create the
shop database", "Upgrade its schema", ``mechanic-desktop set-up-server``). The **desk
role** is what every workstation connects with: it reads and writes the shop's rows,
may only INSERT and SELECT the audit trail, may not change the schema revision or the
ranking's day sums (derived from the tickets by triggers), and —
not owning any table — cannot ALTER, DROP or TRUNCATE them (the server refuses). So a
desk's saved password cannot rewrite staff accounts' history or the audit trail.

``grant_desk_role`` runs as the owner after the schema exists and can be run again at
any time; default privileges give the desk role the same rights on tables a later
upgrade adds.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

#: Tables the desks may read and append to, never change: the audit trail. Tables they
#: may only read: the schema revision (which only migrations write) and the mechanic
#: ranking's day sums, which only their triggers write (as the owner, migration 0018).
APPEND_ONLY = ("audit_log",)
READ_ONLY = ("alembic_version", "mechanic_work_days")


def grant_desk_role(conn: Connection, desk_role: str) -> None:
    """Give ``desk_role`` exactly what the desks need on this database (as its owner)."""
    role = conn.dialect.identifier_preparer.quote(desk_role)
    database = conn.dialect.identifier_preparer.quote(
        str(conn.execute(text("SELECT current_database()")).scalar_one()))
    # An older schema may not have every table yet (the upgrade that adds one revokes
    # the desks' writes itself).
    read_only = [t for t in READ_ONLY
                 if conn.execute(text("SELECT to_regclass(:t)"), {"t": t}).scalar()]
    for statement in (
        f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        # PostgreSQL 15 gives the database owner the public schema, so this closes the
        # one way a role that owns nothing could still run DDL (before 15 a superuser
        # must run it: README).
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"REVOKE CREATE ON SCHEMA public FROM {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        # setval() after demo data needs UPDATE on the id sequences.
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
        *(f"REVOKE UPDATE, DELETE, TRUNCATE ON {t} FROM {role}" for t in APPEND_ONLY),
        *(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {t} FROM {role}" for t in read_only),
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}",
    ):
        conn.execute(text(statement))
