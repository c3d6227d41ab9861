"""Least privilege on a real PostgreSQL: the owner runs migrations; the desks' role works
the shop but cannot run DDL, and can only INSERT and SELECT the audit trail."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from mechanic_desktop import bootstrap
from mechanic_desktop.db.engine import make_engine
from mechanic_desktop.db.migrations import alembic_config
from mechanic_desktop.db.roles import grant_desk_role
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import DatabaseUnavailable, MaintenanceRefused
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.services import audit, customers, maintenance, staff, workflow
from tests.unit import factories
from tests.unit import workflow_factories as wf
from tests.unit.test_auth import FLOOR, GOOD

PASSWORD = "roles-Test-Password-1"


@dataclass
class Server:
    owner_url: str
    desk_url: str
    owner: str
    desk: str


@pytest.fixture
def server(pg_admin_url: str) -> Iterator[Server]:
    """An empty database owned by a fresh owner role, and a fresh desk role."""
    tag = uuid.uuid4().hex[:8]
    owner, desk, name = f"md_owner_{tag}", f"md_desk_{tag}", f"mechanic_roles_{tag}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for role in (owner, desk):
            conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'")
        conn.execute(f"CREATE DATABASE {name} OWNER {owner}")
    base = make_url(pg_admin_url).set(drivername="postgresql+psycopg", database=name,
                                      password=PASSWORD)
    yield Server(base.set(username=owner).render_as_string(hide_password=False),
                 base.set(username=desk).render_as_string(hide_password=False), owner, desk)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        for role in (desk, owner):
            conn.execute(f"DROP ROLE IF EXISTS {role}")


REFUSED = {
    "alter a table": "ALTER TABLE customers ADD COLUMN sneaky integer",
    "drop a table": "DROP TABLE stock_movements",
    "create a table": "CREATE TABLE sneaky (id integer)",
    "delete an audit row": "DELETE FROM audit_log",
    "rewrite an audit row": "UPDATE audit_log SET summary = 'nothing happened'",
    "truncate the audit trail": "TRUNCATE audit_log",
    "change the schema revision": "UPDATE alembic_version SET version_num = '0001'",
    # The ranking's day sums are derived from the tickets by triggers (0017, 0018).
    "skew the mechanic ranking": "UPDATE mechanic_work_days SET minutes = minutes * 10",
    "clear the mechanic ranking": "DELETE FROM mechanic_work_days",
    "invent a day of work": "INSERT INTO mechanic_work_days SELECT CURRENT_DATE, id, 1, 1, "
                            "600, 100000, 1 FROM mechanics",
}


def _complete_a_ticket_with_labour(uow: UnitOfWork) -> int:
    """A desk's everyday work that moves the ranking: an hour of labour, completed.
    Returns the mechanic's id."""
    sam = wf.mechanic(uow, "Sam Wrench")
    ticket_id = wf.ticket(uow, "Ada Lovelace", "1HGCM82633A004352")
    detail = workflow.get_ticket_detail(uow, ticket_id)
    version = workflow.assign_mechanics(uow, ticket_id, {sam.id: 60},
                                        detail.ticket.version).ticket.version
    version = factories.authorise(uow, ticket_id).ticket.version
    version = workflow.set_status(uow, ticket_id, "in_progress", version).ticket.version
    workflow.set_status(uow, ticket_id, "completed", version)
    return sam.id


def _ranking_minutes(engine: Engine, mechanic_id: int) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(
            "SELECT coalesce(sum(minutes), 0) FROM mechanic_work_days WHERE mechanic_id = :m"
        ), {"m": mechanic_id}).scalar_one())


def test_the_desks_role_works_the_shop_but_cannot_run_ddl_or_rewrite_the_audit(
    server: Server,
) -> None:
    maintenance.set_up_server(None, server.owner_url, server.desk)
    desk = bootstrap.connect(server.desk_url)  # at the schema's head: no DDL needed
    try:
        uow = desk.uow
        boss = staff.create_staff(uow, staff.StaffData("boss", "Bo Ss", "admin"), GOOD, GOOD,
                                  FLOOR)
        uow.actor = Actor(boss.id, "boss", "Bo Ss", Role.ADMIN)
        ada = customers.create_customer(uow, customers.CustomerData("Ada Lovelace"))
        customers.update_customer(uow, ada.id, customers.CustomerData("Ada King"), ada.version)
        customers.delete_customer(uow, ada.id)
        trail = audit.list_audit(uow, ListQuery()).rows
        assert [r.action for r in trail][-3:] == ["create", "update", "delete"]
        for what, statement in REFUSED.items():
            with desk.engine.connect() as conn, pytest.raises(ProgrammingError) as refused:
                conn.execute(text(statement))
            assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege), what
        with desk.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() >= 4
        # The triggers still keep the ranking, as the owner, for the desk's own work.
        sam = _complete_a_ticket_with_labour(uow)
        assert _ranking_minutes(desk.engine, sam) == 60
    finally:
        desk.close()


def test_an_old_schema_is_upgraded_by_the_owner_never_by_the_desks(server: Server) -> None:
    from alembic import command

    owner = make_engine(server.owner_url)
    try:
        with owner.begin() as conn:
            command.upgrade(alembic_config(conn), "0002")
            grant_desk_role(conn, server.desk)
    finally:
        owner.dispose()
    with pytest.raises(DatabaseUnavailable, match=f"'{server.desk}' may not change tables"):
        bootstrap.connect(server.desk_url)
    with pytest.raises(DatabaseUnavailable, match="Use the database owner's account"):
        maintenance.upgrade_shop_schema(None, server.desk_url)
    still = maintenance.probe_connection(None, server.desk_url)
    assert still.kind is maintenance.ProbeKind.SCHEMA_OLD and still.revision == "0002"
    assert maintenance.upgrade_shop_schema(None, server.owner_url).usable
    desk = bootstrap.connect(server.desk_url)
    try:
        # The upgrade alone (set-up-server not run again) takes back the desks' right to
        # write the ranking that the 0002-era default privileges gave them, and leaves
        # them able to do the work the ranking counts.
        with desk.engine.connect() as conn, pytest.raises(ProgrammingError) as refused:
            conn.execute(text(REFUSED["clear the mechanic ranking"]))
        assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege)
        boss = staff.create_staff(desk.uow, staff.StaffData("boss", "Bo Ss", "admin"), GOOD,
                                  GOOD, FLOOR)
        desk.uow.actor = Actor(boss.id, "boss", "Bo Ss", Role.ADMIN)
        sam = _complete_a_ticket_with_labour(desk.uow)
        assert _ranking_minutes(desk.engine, sam) == 60
    finally:
        desk.close()


def test_the_desks_role_must_not_be_the_owner(server: Server) -> None:
    with pytest.raises(MaintenanceRefused, match="must not be the owner"):
        maintenance.set_up_server(None, server.owner_url, server.owner)


def test_setting_up_the_server_is_audited_in_its_database(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each step's row, in the database set up, naming who did it from where: before
    sign-in, then again (after an upgrade, say) by a signed-in administrator."""
    from mechanic_desktop.db.engine import describe, parse_url
    from mechanic_desktop.db.probe import _revisions

    monkeypatch.setattr(maintenance.socket, "gethostname", lambda: "bench-3")
    head, where = _revisions()[0], describe(parse_url(server.owner_url))
    first = maintenance.set_up_server(None, server.owner_url, server.desk)
    assert (first.kind, first.revision) == (maintenance.ProbeKind.OK, head)
    engine = make_engine(server.owner_url)
    try:
        boss = wf.actor(engine, "boss", "Bo Ss", Role.ADMIN)
        maintenance.set_up_server(UnitOfWork(engine, actor=boss), server.owner_url,
                                  server.desk)
        with engine.connect() as conn:
            rows = [tuple(r) for r in conn.execute(text(
                "SELECT staff_user_id, action, entity, entity_id, summary FROM audit_log "
                "ORDER BY id"))]
    finally:
        engine.dispose()
    before, boss_at = "before sign-in, at bench-3", "by boss at bench-3"
    assert rows == [
        (None, "upgrade schema", "database", None,
         f"upgraded {where} as {server.owner} from schema none to {head} ({before})"),
        (None, "grant desk role", "database", None,
         f"{server.desk} may use {where} ({before})"),
        (None, "upgrade schema", "database", None,
         f"upgraded {where} as {server.owner} from schema {head} to {head} ({boss_at})"),
        (None, "grant desk role", "database", None,
         f"{server.desk} may use {where} ({boss_at})"),
    ]
