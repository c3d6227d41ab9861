"""The benchmark databases: seeded once, kept between runs, reseeded only when missing,
incomplete, made by another schema head, or asked for.

Seeding a million tickets takes about a minute per backend, so each database carries a
marker (a JSON file beside the SQLite cache) naming the schema head and the plan it was
seeded with; a run reuses the database when the marker and the row counts agree.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from mechanic_desktop.bootstrap import connect
from mechanic_desktop.db.migrations import alembic_dir, current_revision, head_revision
from mechanic_desktop.db.models import Customer, ServiceTicket
from mechanic_desktop.db.seed import SeedPlan, seed

CACHE_DIR = Path(__file__).resolve().parent / ".cache"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/mechanic_bench"
PG_URL_ENV = "MECHANIC_BENCH_PG_URL"

#: The shop the benchmarks model at scale 1: 200k customers, a million tickets.
FULL = SeedPlan(customers=200_000, tickets=1_000_000, mechanics=40, parts=2_000, random_seed=1)


def plan_for(scale: float) -> SeedPlan:
    return SeedPlan(
        customers=max(50, round(FULL.customers * scale)),
        tickets=max(200, round(FULL.tickets * scale)),
        mechanics=max(5, round(FULL.mechanics * scale)),
        parts=max(50, round(FULL.parts * scale)),
        random_seed=FULL.random_seed,
    )


def scale_tag(scale: float) -> str:
    return "" if scale == 1 else "_s" + f"{scale:g}".replace(".", "_")


@dataclass
class Database:
    backend: str
    url: str
    plan: SeedPlan
    seed_seconds: float | None = None
    reseeded: bool = False


def _marker_path(backend: str, url: str) -> Path:
    name = make_url(url).database or backend
    return CACHE_DIR / f"{backend}-{Path(name).stem}.json"


def _read_marker(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def schema_fingerprint() -> str:
    """The migrations' content, so an edited (not only a new) migration reseeds too."""
    digest = hashlib.sha256()
    for path in sorted((alembic_dir() / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    return f"{head_revision()}:{digest.hexdigest()[:16]}"


def _is_complete(engine: Engine, plan: SeedPlan, marker: dict[str, object] | None) -> bool:
    if marker is None or marker.get("head") != schema_fingerprint():
        return False
    if marker.get("plan") != asdict(plan):
        return False
    with engine.connect() as conn:
        if current_revision(conn) != head_revision():
            return False
        customers = conn.scalar(select(func.count()).select_from(Customer))
        tickets = conn.scalar(select(func.count()).select_from(ServiceTicket))
    return customers == plan.customers and tickets == plan.tickets


def _pg_admin(url: str) -> str:
    return make_url(url).set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )


def _recreate(backend: str, url: str) -> None:
    if backend == "sqlite":
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = make_url(url).database
    with psycopg.connect(_pg_admin(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _exists(backend: str, url: str) -> bool:
    if backend == "sqlite":
        return Path(make_url(url).database or "").exists()
    name = make_url(url).database
    with psycopg.connect(_pg_admin(url), autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return row is not None


def urls(scale: float) -> dict[str, str]:
    """Where each backend's benchmark database lives at this scale."""
    tag = scale_tag(scale)
    pg = make_url(os.environ.get(PG_URL_ENV) or DEFAULT_PG_URL)
    pg = pg.set(drivername="postgresql+psycopg", database=f"{pg.database}{tag}")
    return {
        "sqlite": f"sqlite:///{CACHE_DIR / f'shop{tag}.sqlite3'}",
        "postgresql": pg.render_as_string(hide_password=False),
    }


def ensure(
    backend: str, url: str, scale: float, *, reseed: bool, say: Callable[[str], None]
) -> Database:
    """The seeded database for ``backend``, seeding it first when it is not usable."""
    plan = plan_for(scale)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    marker_path = _marker_path(backend, url)
    marker = _read_marker(marker_path)
    if not reseed and _exists(backend, url):
        context = connect(url, migrate=False)
        try:
            if _is_complete(context.engine, plan, marker):
                seconds = marker.get("seed_seconds") if marker else None
                return Database(
                    backend, url, plan, float(seconds) if isinstance(seconds, float) else None
                )
        finally:
            context.close()
    say(f"[{backend}] seeding {plan.customers:,} customers / {plan.tickets:,} tickets ...")
    marker_path.unlink(missing_ok=True)
    _recreate(backend, url)
    context = connect(url)
    try:
        started = time.perf_counter()
        report = seed(context.engine, plan, progress=lambda m: say(f"[{backend}]   {m}"))
        seconds = time.perf_counter() - started
        say(f"[{backend}] {report}")
        if backend == "postgresql":
            # A long-lived database has been vacuumed by autovacuum; a fresh load has not
            # (no visibility map, so no index-only scans): measure the former.
            with context.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM (ANALYZE)"
                )
    finally:
        context.close()
    marker_path.write_text(
        json.dumps({"head": schema_fingerprint(), "plan": asdict(plan), "seed_seconds": seconds,
                    "report": report}, indent=2)
    )
    return Database(backend, url, plan, seconds, reseeded=True)
