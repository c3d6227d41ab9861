"""The measured figures. Each is one function registered with ``@metric``; adding a
figure to the table and to results.json is writing one more such function.

Query figures call the services exactly as the UI's DB worker does (a unit of work per
call, first page of 200 rows) and report the median of several runs after a warm-up,
so one scheduler hiccup on a 2-core machine does not decide a figure.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text

from mechanic_desktop.db.models import Customer, Part, ServiceTicket, StaffUser, Vehicle
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import LoginFailed
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import auth, customers, parts, staff, tickets, vehicles

ROOT = Path(__file__).resolve().parents[1]
PAGE = 200  # rows per page, as the UI's paged table model asks
#: The account the benchmarks sign in with (--user, password in MECHANIC_PASSWORD).
BENCH_USER = "bench"
BENCH_PASSWORD = "Bench-Mark-Torque-Wrench-Pit-Stop-7"
_TEMPORARY = "Temporary-Bench-Password-Wheel-Nut-3"


@dataclass
class Result:
    value: float | None
    note: str = ""
    #: More of the figure for results.json (e.g. ``invariants_held``), beside value.
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class Bench:
    """What a metric function gets: one backend's seeded database and shared scratch."""

    backend: str
    url: str
    engine: Engine
    uow: UnitOfWork
    repetitions: int
    memo: dict[str, Any] = field(default_factory=dict)
    #: Command-line settings some figures take (``soak_seconds``).
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    target: float | None
    describe: str
    measure: Callable[[Bench], Result]
    #: Per-backend targets where the backends are held to different ones.
    targets: dict[str, float] | None = None


METRICS: list[Metric] = []


def metric(
    name: str, unit: str, target: float | None, describe: str,
    targets: dict[str, float] | None = None,
) -> Callable[[Callable[[Bench], Result]], Callable[[Bench], Result]]:
    """Register a figure: ``target`` is the most it may be (None: no target yet);
    ``targets`` overrides it per backend."""

    def register(fn: Callable[[Bench], Result]) -> Callable[[Bench], Result]:
        METRICS.append(Metric(name, unit, target, describe, fn, targets))
        return fn

    return register


def timed_ms(fn: Callable[[], object], repetitions: int) -> list[float]:
    """Wall times of ``repetitions`` calls after one warm-up call, in milliseconds."""
    fn()
    times = []
    for _ in range(repetitions):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def median_ms(fn: Callable[[], object], repetitions: int) -> float:
    return statistics.median(timed_ms(fn, repetitions))


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile (of 20 values: the second largest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


# --------------------------------------------------------------------------- queries

#: The tickets table as the UI first shows it: newest first.
TICKETS_DEFAULT = ListQuery(sort="opened", descending=True, limit=PAGE)


@metric("first_page_ms", "ms", 50, "tickets, first page, default sort (newest first)")
def first_page(b: Bench) -> Result:
    return Result(median_ms(lambda: tickets.list_tickets(b.uow, TICKETS_DEFAULT), b.repetitions))


@dataclass(frozen=True)
class Search:
    label: str
    area: str  # customers | vehicles | tickets | parts
    text: str


def searches(engine: Engine) -> list[Search]:
    """The searches a front desk types (prefixes, and words and digits inside fields),
    with values taken from the seeded data at fixed fractions of the table so every run
    asks the same questions."""
    with engine.connect() as conn:
        n_customers = int(conn.scalar(select(func.max(Customer.id))) or 1)
        n_vehicles = int(conn.scalar(select(func.max(Vehicle.id))) or 1)
        n_tickets = int(conn.scalar(select(func.max(ServiceTicket.number))) or 1)

        def customer(fraction: float) -> Any:
            return conn.execute(
                select(Customer.name_key, Customer.surname_key, Customer.phone_digits)
                .where(Customer.id >= max(1, int(n_customers * fraction)))
                .order_by(Customer.id)
                .limit(1)
            ).one()

        def vehicle(fraction: float) -> Any:
            return conn.execute(
                select(Vehicle.vin, Vehicle.plate)
                .where(Vehicle.id >= max(1, int(n_vehicles * fraction)))
                .order_by(Vehicle.id)
                .limit(1)
            ).one()

        c = [customer(f) for f in (0.11, 0.29, 0.47, 0.63, 0.81, 0.97)]
        v = [vehicle(f) for f in (0.13, 0.37, 0.59, 0.71, 0.89)]
        # The surname most customers share: the slowest kind of ticket search.
        common = conn.scalar(
            select(Customer.surname_key)
            .group_by(Customer.surname_key)
            .order_by(func.count().desc(), Customer.surname_key)
            .limit(1)
        ) or c[0].surname_key
        # A part name of four words or more ("moog brake pad set, front").
        names = conn.scalars(select(Part.name_key).order_by(Part.id).limit(200)).all()
        long_name = next((n for n in names if len(n.split()) >= 4), names[0] if names else "a b")
        words = [w.strip(",") for w in long_name.split()]
    found = [
        Search("customer name prefix (3 letters)", "customers", c[0].name_key[:3]),
        Search("customer name prefix (5 letters)", "customers", c[1].name_key[:5]),
        Search("customer full name", "customers", c[2].name_key),
        Search("customer surname", "customers", c[3].surname_key),
        Search("customer surname", "customers", c[4].surname_key),
        Search("customer phone, area code + exchange", "customers", c[0].phone_digits[:6]),
        Search("customer phone, full number", "customers", c[5].phone_digits),
        Search("customer phone, 7 digits", "customers", c[2].phone_digits[:7]),
        Search("vehicle VIN, last 6", "vehicles", v[0].vin[-6:]),
        Search("vehicle VIN, last 8", "vehicles", v[1].vin[-8:]),
        Search("vehicle VIN, middle fragment", "vehicles", v[2].vin[3:9]),
        Search("vehicle plate", "vehicles", v[3].plate),
        Search("vehicle plate prefix", "vehicles", v[4].plate[:4]),
        Search("ticket number", "tickets", str(n_tickets // 3)),
        Search("ticket number with #", "tickets", f"#{n_tickets - 17}"),
        Search("ticket number", "tickets", str(max(1, n_tickets // 50))),
        Search("tickets by customer surname", "tickets", c[4].surname_key),
        Search("tickets by customer name prefix", "tickets", c[1].name_key[:5]),
        Search("tickets by plate", "tickets", v[3].plate),
        Search("tickets by customer full name", "tickets", c[2].name_key),
        # Inside fields (issue 18): digits at the end of a phone, a word in the middle of
        # a part's name, a common surname on tickets, two words narrowing.
        Search("customer phone, last 4 digits", "customers", c[1].phone_digits[-4:]),
        Search("part name, a word in the middle", "parts", words[2]),
        Search("tickets by the commonest surname", "tickets", common),
        Search("customer, surname + last 4 of phone", "customers",
               f"{c[3].surname_key} {c[3].phone_digits[-4:]}"),
        Search("part name, 2 words", "parts", f"{words[1]} {words[-1]}"),
    ]
    return found


def run_search(uow: UnitOfWork, search: Search) -> int:
    query = ListQuery(search=search.text, limit=PAGE)
    if search.area == "customers":
        return len(customers.list_customers(uow, query).rows)
    if search.area == "vehicles":
        return len(vehicles.list_vehicles(uow, query).rows)
    if search.area == "parts":
        return len(parts.list_parts(uow, query).rows)
    query = ListQuery(search=search.text, sort="opened", descending=True, limit=PAGE)
    return len(tickets.list_tickets(uow, query).rows)


SEARCH_TARGET_MS = 20


def statements_of(b: Bench, search: Search) -> list[tuple[float, str, Any]]:
    """The SELECTs ``search`` sends when it runs once more: (client-side ms, SQL,
    parameters). A statement sent in a pipeline is timed near 0 here: its answer was
    already in."""
    from sqlalchemy import event

    timings: list[tuple[float, str, Any]] = []
    started: list[float] = []

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        started.append(time.perf_counter())

    def after(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        timings.append(((time.perf_counter() - started.pop()) * 1000, statement, parameters))

    event.listen(b.engine, "before_cursor_execute", before)
    event.listen(b.engine, "after_cursor_execute", after)
    try:
        run_search(b.uow, search)
    finally:
        event.remove(b.engine, "before_cursor_execute", before)
        event.remove(b.engine, "after_cursor_execute", after)
    return [t for t in timings if t[1].lstrip().upper().startswith("SELECT")]


def explain_slowest_statement(b: Bench, search: Search) -> str:
    """The statement that took longest when ``search`` ran once more, with the plan the
    database chose for it (PostgreSQL: as executed, with timings)."""
    selects = statements_of(b, search)
    if not selects:
        return "(no statement ran)"
    ms, statement, parameters = max(selects, key=lambda t: t[0])
    explain = ("EXPLAIN QUERY PLAN " if b.backend == "sqlite"
               else "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ")
    raw = b.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(explain + statement, parameters)
        plan = "\n".join("    " + " ".join(str(c) for c in row[-1:]) for row in cursor.fetchall())
    finally:
        raw.close()
    return f"{ms:.1f} ms: {' '.join(statement.split())[:600]}\n  plan:\n{plan}"


def database_share(b: Bench, search: Search, wall_ms: float) -> str:
    """How much of a search's ``wall_ms`` the database itself spends on its statements
    (each the fastest of 3 runs; PostgreSQL: planning and running, from ``EXPLAIN
    ANALYZE`` without per-node timing; SQLite: the statement run and read on a bare
    connection) and so how much is the app's own Python: building the statements,
    the driver and SQLAlchemy executing them, turning rows into records. What bounds a
    search over target, measured."""
    selects = statements_of(b, search)
    planned = ran = 0.0
    raw = b.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for _, statement, parameters in selects:
            best: tuple[float, float] | None = None
            for _ in range(3):
                if b.backend == "postgresql":
                    cursor.execute("EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON, FORMAT JSON) "
                                   + statement, parameters)
                    found = cursor.fetchone()[0][0]
                    took = (float(found["Planning Time"]), float(found["Execution Time"]))
                else:
                    started = time.perf_counter()
                    cursor.execute(statement, parameters).fetchall()
                    took = (0.0, (time.perf_counter() - started) * 1000)
                best = took if best is None or sum(took) < sum(best) else best
            if best is not None:
                planned, ran = planned + best[0], ran + best[1]
    finally:
        raw.rollback()
        raw.close()
    database = planned + ran
    how = f" (planning {planned:.1f}, running {ran:.1f})" if b.backend == "postgresql" else ""
    return (f"'{search.text}' {wall_ms:.1f} ms = {len(selects)} statements in the database "
            f"{database:.1f} ms{how} + the app {max(wall_ms - database, 0.0):.1f} ms")


@metric("search_p95_ms", "ms", SEARCH_TARGET_MS,
        "95th percentile of the front desk's searches (median of runs each)")
def search_p95(b: Bench) -> Result:
    results: list[dict[str, Any]] = []
    found = searches(b.engine)
    for s in found:
        ms = median_ms(partial(run_search, b.uow, s), max(3, b.repetitions // 2))
        results.append({"label": s.label, "area": s.area, "text": s.text,
                        "rows": run_search(b.uow, s), "ms": round(ms, 2)})
    b.memo["searches"] = results
    at = max(range(len(results)), key=lambda i: results[i]["ms"])
    slowest = results[at]
    value = p95([r["ms"] for r in results])
    note = f"slowest: {slowest['label']} '{slowest['text']}' {slowest['ms']:.1f} ms"
    if value > SEARCH_TARGET_MS:
        note += "\n  its slowest statement, " + explain_slowest_statement(b, found[at])
        # Where the time of every search at or over the 95th percentile goes.
        over = sorted((i for i, r in enumerate(results) if r["ms"] >= value),
                      key=lambda i: -results[i]["ms"])
        note += "".join("\n  " + database_share(b, found[i], results[i]["ms"]) for i in over)
    return Result(value, note)


@metric("sort_ms", "ms", 50, "tickets, first page sorted by status")
def sort_by_status(b: Bench) -> Result:
    query = ListQuery(sort="status", limit=PAGE)
    return Result(median_ms(lambda: tickets.list_tickets(b.uow, query), b.repetitions))


@metric("jump_to_end_ms", "ms", 50, "tickets, last page of that sort (status descending)")
def jump_to_end(b: Bench) -> Result:
    query = ListQuery(sort="status", descending=True, limit=PAGE)
    return Result(median_ms(lambda: tickets.list_tickets(b.uow, query), b.repetitions))


# --------------------------------------------------------------------------- processes


def _offscreen_env() -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["MECHANIC_PASSWORD"] = BENCH_PASSWORD
    return env


def ensure_bench_account(engine: Engine) -> None:
    """A real administrator account in the benchmark's database, signed in as by the
    app's ``--user`` (the app has no way to start without a password)."""
    uow = UnitOfWork(engine)
    try:
        if not auth.login(uow, BENCH_USER, BENCH_PASSWORD).must_change_password:
            return
    except LoginFailed:
        pass  # missing, locked, deactivated or another password: set it up again
    with uow:
        user_id = uow.session.scalar(select(StaffUser.id).where(StaffUser.username == BENCH_USER))
    data = staff.StaffData(BENCH_USER, "Benchmark Runner", Role.ADMIN)
    if user_id is None and auth.needs_first_admin(uow):
        staff.create_first_admin(uow, data, BENCH_PASSWORD, BENCH_PASSWORD)
        return
    # No actor: the program's own set-up work, as migrations and seeding are.
    if user_id is None:
        user_id = staff.create_staff(uow, data, _TEMPORARY, _TEMPORARY).id
    else:
        staff.set_staff_active(uow, user_id, True)
        staff.reset_password(uow, user_id, _TEMPORARY, _TEMPORARY)
    uow.actor = auth.login(uow, BENCH_USER, _TEMPORARY).actor
    staff.change_own_password(uow, _TEMPORARY, BENCH_PASSWORD, BENCH_PASSWORD)


def _timed_run(command: list[str]) -> tuple[float, str]:
    """Wall time of a child process and what it printed."""
    started = time.perf_counter()
    done = subprocess.run(command, check=True, cwd=ROOT, env=_offscreen_env(), timeout=120,
                          capture_output=True, text=True)
    return time.perf_counter() - started, done.stdout


def _painted_at(stdout: str) -> tuple[float, float]:
    """The wall-clock time and the processor seconds used by then, from a child's
    ``... painted ... (at EPOCH, cpu MS)`` line."""
    for line in stdout.splitlines():
        if "painted" in line and "(at " in line:
            at, cpu = line.rsplit("(at ", 1)[1].rstrip(")").split(", cpu ")
            return float(at), float(cpu) / 1000
    raise ValueError("the child did not report when it painted")


def _to_paint(command: list[str]) -> tuple[float, float, float, str]:
    """Seconds from starting ``command`` to its first paint, the processor seconds it
    used by then, the seconds to its exit (which adds tearing the interpreter down: not
    start-up, and longer the more was loaded), and what it printed."""
    started = time.time()
    wall, stdout = _timed_run(command)
    at, cpu = _painted_at(stdout)
    return at - started, cpu, wall, stdout


def _login_hash_s(stdout: str) -> float:
    """The app's ``login_hash_ms N`` line: argon2id is slow on purpose, not start-up."""
    for line in stdout.splitlines():
        if line.startswith("login_hash_ms "):
            return float(line.split()[1]) / 1000
    raise ValueError("the app did not report login_hash_ms")


def compile_byte_code() -> None:
    """Write the app's byte-code (``__pycache__``) before timing its start. The warm-up
    runs would write it, but not where PYTHONDONTWRITEBYTECODE is set (as on the shared
    machine): every start then compiles the app's modules from source, which no
    user's start does (an installed app carries its byte-code; ``make run`` writes it
    the first time), while the baseline's PySide6 and SQLAlchemy come compiled."""
    import compileall

    for folder in ("mechanic_desktop", "benchmarks"):
        compileall.compile_dir(ROOT / folder, quiet=1)


def startup(b: Bench) -> dict[str, Any]:
    """Start the app signed in with --user, the app up to its first window (sign-in), and
    the baseline, in turns; once per run."""
    if "startup" in b.memo:
        result: dict[str, Any] = b.memo["startup"]
        return result
    ensure_bench_account(b.engine)
    app = [sys.executable, "-m", "mechanic_desktop", "--database-url", b.url,
           "--exit-after-first-paint", "--no-demo-offer", "--user", BENCH_USER]
    # Without --user the app stops once its first window (the sign-in window) painted.
    first = [sys.executable, "-m", "mechanic_desktop", "--database-url", b.url,
             "--exit-after-first-paint", "--no-demo-offer"]
    baseline = [sys.executable, str(ROOT / "benchmarks" / "baseline_app.py"), b.url]
    runs = max(3, b.repetitions // 2)
    compile_byte_code()
    try:
        _timed_run(app)  # warm the disk cache for all three
        _timed_run(first)
        _timed_run(baseline)
        app_times, hash_times, first_times, base_times = [], [], [], []
        exits: dict[str, list[float]] = {"app": [], "first": [], "baseline": []}
        cpus: dict[str, list[float]] = {"app": [], "first": [], "baseline": []}
        for _ in range(runs):
            painted, cpu, wall, out = _to_paint(app)
            hashed = _login_hash_s(out)
            app_times.append(painted - hashed)
            cpus["app"].append(cpu - hashed)
            exits["app"].append(wall - hashed)
            hash_times.append(hashed)
            painted, cpu, wall, _out = _to_paint(baseline)
            base_times.append(painted)
            cpus["baseline"].append(cpu)
            exits["baseline"].append(wall)
            painted, cpu, wall, _out = _to_paint(first)
            first_times.append(painted)
            cpus["first"].append(cpu)
            exits["first"].append(wall)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, ValueError) as exc:
        stderr = getattr(exc, "stderr", "") or ""
        if isinstance(stderr, bytes):
            stderr = stderr.decode(errors="replace")
        last = stderr.strip().splitlines()[-1:] or [str(exc)]
        result = {"error": f"app did not start and exit: {last[0][:120]}"}
    else:
        result = {"app_s": statistics.median(app_times),
                  "login_hash_s": statistics.median(hash_times),
                  "first_window_s": statistics.median(first_times),
                  "baseline_s": statistics.median(base_times),
                  # Start to exit, as measured before session 6 (teardown included).
                  "to_exit_s": {k: statistics.median(v) for k, v in exits.items()},
                  # Processor time to the paint (all threads; the app's less the hash).
                  "cpu_s": {k: statistics.median(v) for k, v in cpus.items()}}
    b.memo["startup"] = result
    return result


def _beside_fields(figures: dict[str, Any], who: str) -> dict[str, float]:
    """The same ratio by processor time to the paint, and by wall time to the exit."""
    cpu, ended = figures["cpu_s"], figures["to_exit_s"]
    return {"cpu_ratio": round(cpu[who] / cpu["baseline"], 3),
            "to_exit_ratio": round(ended[who] / ended["baseline"], 3)}


def _beside(figures: dict[str, Any], who: str) -> str:
    cpu, ended = figures["cpu_s"], figures["to_exit_s"]
    fields = _beside_fields(figures, who)
    return (f"processor time {cpu[who] * 1000:.0f} / {cpu['baseline'] * 1000:.0f} ms = "
            f"{fields['cpu_ratio']:.2f} (steady when others load the machine); to the exit "
            f"{ended[who] * 1000:.0f} / {ended['baseline'] * 1000:.0f} ms = "
            f"{fields['to_exit_ratio']:.2f} (as measured before, teardown included)")


@metric("startup_ratio", "×", 1.3,
        "app start to first painted page, password hash left out ÷ empty PySide6+SQLAlchemy "
        "window (medians)")
def startup_ratio(b: Bench) -> Result:
    figures = startup(b)
    if "error" in figures:
        return Result(None, figures["error"])
    app_s, base_s = figures["app_s"], figures["baseline_s"]
    hashed_ms = figures["login_hash_s"] * 1000
    return Result(app_s / base_s, f"app {app_s * 1000:.0f} ms (+ {hashed_ms:.0f} ms password "
                  f"hash) / baseline {base_s * 1000:.0f} ms to the first paint; "
                  + _beside(figures, "app"), _beside_fields(figures, "app"))


@metric("first_window_ratio", "×", 1.1,
        "app start to its first window (sign-in) painted ÷ empty PySide6+SQLAlchemy window "
        "(medians)")
def first_window_ratio(b: Bench) -> Result:
    figures = startup(b)
    if "error" in figures:
        return Result(None, figures["error"])
    first_s, base_s = figures["first_window_s"], figures["baseline_s"]
    return Result(first_s / base_s, f"sign-in window {first_s * 1000:.0f} ms / baseline "
                  f"{base_s * 1000:.0f} ms to the first paint; " + _beside(figures, "first"),
                  _beside_fields(figures, "first"))


SIGNIN_RUNS = 3


@metric("signin_to_main_ms", "ms", 150,
        "Sign in pressed after 2 s of typing to the main window's first page painted, "
        "password check left out (median of 3 app starts)")
def signin_to_main(b: Bench) -> Result:
    ensure_bench_account(b.engine)
    command = [sys.executable, "-m", "benchmarks.signin_probe", b.url, BENCH_USER]
    compile_byte_code()
    found: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="mechanic-signin-") as folder:
        env = _offscreen_env()
        env["MECHANIC_SETTINGS_FILE"] = str(Path(folder) / "settings.ini")
        for _ in range(SIGNIN_RUNS):
            try:
                done = subprocess.run(command, cwd=ROOT, env=env, timeout=120,
                                      capture_output=True, text=True, check=False)
            except subprocess.TimeoutExpired:
                return Result(None, "sign-in probe timed out")
            lines = [x for x in done.stdout.splitlines() if x.startswith("{")]
            figures = json.loads(lines[-1]) if lines else {
                "error": (done.stderr.strip().splitlines() or ["?"])[-1]}
            if "error" in figures:
                return Result(None, f"sign-in probe failed: {figures['error'][:150]}")
            found.append(figures)
    value = statistics.median(f["signin_to_main_ms"] for f in found)
    login = statistics.median(f["login_ms"] for f in found)
    runs = ", ".join(f"{f['signin_to_main_ms']:.0f}" for f in found)
    return Result(value, f"runs {runs} ms; + {login:.0f} ms password check left out",
                  {"runs": found})


@metric("login_hash_ms", "ms", None,
        "argon2id check of the --user password at start-up (left out of startup_ratio)")
def login_hash(b: Bench) -> Result:
    figures = startup(b)
    if "error" in figures:
        return Result(None, figures["error"])
    return Result(figures["login_hash_s"] * 1000, "median over the start-up runs")


def ui_probe(b: Bench, module: str = "ui_probe") -> dict[str, Any]:
    """Run a real window (``benchmarks.<module>``) in a child process once; its JSON line
    serves the figures read from it."""
    if module not in b.memo:
        ensure_bench_account(b.engine)
        command = [sys.executable, "-m", f"benchmarks.{module}", b.url]
        try:
            done = subprocess.run(command, cwd=ROOT, env=_offscreen_env(), timeout=300,
                                  capture_output=True, text=True, check=False)
            lines = [x for x in done.stdout.splitlines() if x.startswith("{")]
            b.memo[module] = (json.loads(lines[-1]) if lines else
                              {"error": (done.stderr.strip().splitlines() or ["?"])[-1]})
        except (subprocess.TimeoutExpired, ValueError) as exc:
            b.memo[module] = {"error": str(exc)[:200]}
    probe: dict[str, Any] = b.memo[module]
    return probe


def _probe_figure(b: Bench, key: str, module: str = "ui_probe") -> Result:
    probe = ui_probe(b, module)
    if "error" in probe:
        return Result(None, f"UI probe failed: {probe['error'][:150]}")
    return Result(probe[key], probe.get(f"{key}_note", ""))


@metric("rss_growth_mb", "MB", None,
        "RSS growth: scroll 10,000 ticket rows + 20 searches, from first paint")
def rss_growth(b: Bench) -> Result:
    return _probe_figure(b, "rss_growth_mb")


@metric("peak_rss_mb", "MB", None, "peak RSS of the app over that session")
def peak_rss(b: Bench) -> Result:
    return _probe_figure(b, "peak_rss_mb")


@metric("idle_cpu_percent", "%", None, "CPU while the window sits idle for 5 s")
def idle_cpu(b: Bench) -> Result:
    return _probe_figure(b, "idle_cpu_percent")


@metric("gc_pause_max_ms", "ms", 16,
        "longest pause of Python's cycle collector over that session (collected on the "
        "GUI thread, start-up's objects frozen: ui/collector.py); within one frame at 60 Hz")
def gc_pause_max(b: Bench) -> Result:
    return _probe_figure(b, "gc_pause_max_ms")


@metric("refresh_after_edit_ms", "ms", 50,
        "one customer edited in a customers table with 1,000 rows loaded: commit → its "
        "row repainted (median of 20; only that row is read again)")
def refresh_after_edit(b: Bench) -> Result:
    return _probe_figure(b, "refresh_after_edit_ms", "refresh_probe")


# --------------------------------------------------------------------------- reports


def _report_period(b: Bench) -> Any:
    """The last 365 days of the seeded history (its newest completion is the 'now')."""
    from datetime import timedelta

    from mechanic_desktop.services.reports import Period

    if "report_period" not in b.memo:
        with b.engine.connect() as conn:
            newest = conn.scalar(select(func.max(ServiceTicket.completed_at)))
        end = newest.replace(tzinfo=UTC) if newest is not None else datetime.now(UTC)
        b.memo["report_period"] = Period(end - timedelta(days=365), end + timedelta(seconds=1),
                                         "last 365 days")
    return b.memo["report_period"]


@metric("report_ms", "ms", 300,
        "slower of: mechanic ranking, revenue per month (last 365 days of history)")
def report_ms(b: Bench) -> Result:
    from mechanic_desktop.services import reports

    period = _report_period(b)
    ranking = median_ms(lambda: reports.mechanic_ranking(b.uow, period), b.repetitions)
    revenue = median_ms(lambda: reports.revenue(b.uow, period, "month"), b.repetitions)
    return Result(max(ranking, revenue),
                  f"ranking {ranking:.0f} ms, revenue {revenue:.0f} ms over {period.label}")


@metric("receivables_report_ms", "ms", 300,
        "accounts receivable aged 0-30/31-60/61-90/90+ days with phones (every customer "
        "who owes), over the seeded invoices and payments; median")
def receivables_report_ms(b: Bench) -> Result:
    from mechanic_desktop.services import money_reports

    found: list[Any] = []
    value = median_ms(lambda: found.append(money_reports.receivables(b.uow)), b.repetitions)
    rec = found[-1]
    with b.engine.connect() as conn:
        invoices = int(conn.scalar(text("SELECT count(*) FROM invoices")) or 0)
        payments = int(conn.scalar(text("SELECT count(*) FROM payments")) or 0)
    owing = sum(r.tickets for r in rec.rows)
    return Result(value, f"{len(rec.rows):,} customers owe {rec.total:,.2f} on {owing:,} "
                  f"tickets; {invoices:,} invoices and {payments:,} payments in the database",
                  {"customers": len(rec.rows), "tickets_owing": owing, "invoices": invoices,
                   "payments": payments})


@metric("export_rows_per_s", "rows/s", None,
        "customers list streamed to CSV, every row, 1000-row pages (higher is better)")
def export_rows_per_s(b: Bench) -> Result:
    import tempfile

    from mechanic_desktop.services import csv_export

    query = ListQuery(sort="name")
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "customers.csv"
        started = time.perf_counter()
        rows = csv_export.to_file(target, lambda out: csv_export.write_list(
            out, lambda q: customers.list_customers(b.uow, q), query,
            [("Name", lambda r: r.name), ("Phone", lambda r: r.phone),
             ("E-mail", lambda r: r.email), ("Vehicles", lambda r: r.vehicle_count),
             ("Open tickets", lambda r: r.open_tickets)]))
        seconds = time.perf_counter() - started
        size = target.stat().st_size
    return Result(rows / seconds, f"{rows:,} rows, {size / 1e6:.1f} MB in {seconds:.1f} s")


@metric("propagation_p95_ms", "ms", 500,
        "commit at one desk → visible in another process's customers table model "
        "(PostgreSQL LISTEN/NOTIFY), 100 changes one at a time")
def propagation_p95_ms(b: Bench) -> Result:
    if b.backend != "postgresql":
        return Result(None, "live updates exist on PostgreSQL only")
    from benchmarks import propagation

    latencies = propagation.measure(b.url, 100)
    return Result(propagation.p95(latencies),
                  f"median {statistics.median(latencies):.0f} ms, max "
                  f"{max(latencies):.0f} ms over {len(latencies)} changes")


# --------------------------------------------------------------------------- writes


def _signed_in(b: Bench) -> UnitOfWork:
    """A unit of work signed in as the bench administrator: the app never writes
    without an actor, and the audit entry and permission check are part of the cost."""
    if "signed_in" not in b.memo:
        ensure_bench_account(b.engine)
        uow = UnitOfWork(b.engine)
        uow.actor = auth.login(uow, BENCH_USER, BENCH_PASSWORD).actor
        b.memo["signed_in"] = uow
    signed: UnitOfWork = b.memo["signed_in"]
    return signed


@metric("add_part_p95_ms", "ms", 10,
        "add one part line to an open ticket via add_part_lines (own transaction, version "
        "checked), 95th percentile of 200 after 20 warm-up; target 10 SQLite / 20 PostgreSQL",
        targets={"sqlite": 10, "postgresql": 20})
def add_part_p95(b: Bench) -> Result:
    from benchmarks import write_ops

    times, counts = write_ops.add_part_samples(_signed_in(b))
    return Result(p95(times), f"median {statistics.median(times):.1f} ms, max "
                  f"{max(times):.1f} ms; {counts.get('new', 0)} new lines, "
                  f"{counts.get('raised', 0)} raised ones, each undone untimed; on the "
                  "benchmark database itself (its stock ends unchanged)",
                  {"samples": len(times), **counts})


@metric("add_canned_job_p95_ms", "ms", 30,
        "add the starter library's 4-line brake job (labour, pads, rotors, brake fluid) to "
        "an open ticket via add_canned_job (one transaction, version checked), 95th "
        "percentile of 100 after 10 warm-up; target 30 SQLite / 50 PostgreSQL",
        targets={"sqlite": 30, "postgresql": 50})
def add_canned_job_p95(b: Bench) -> Result:
    from benchmarks import write_ops

    times, counts = write_ops.add_canned_job_samples(_signed_in(b))
    return Result(p95(times), f"median {statistics.median(times):.1f} ms, max "
                  f"{max(times):.1f} ms; a {counts['lines']}-line job, each removed again "
                  "untimed", {"samples": len(times), **counts})


@metric("post_invoice_p95_ms", "ms", 30,
        "close a completed ticket, posting its invoice (gapless number under the counter "
        "row's lock, frozen snapshot), 95th percentile of 100 after 10 warm-up; each is "
        "credited and completed again untimed; target 30 SQLite / 50 PostgreSQL",
        targets={"sqlite": 30, "postgresql": 50})
def post_invoice_p95(b: Bench) -> Result:
    from benchmarks import write_ops

    times, counts = write_ops.post_invoice_samples(_signed_in(b))
    return Result(p95(times), f"median {statistics.median(times):.1f} ms, max "
                  f"{max(times):.1f} ms; {counts['lines'] / (len(times) + counts['warm']):.1f} "
                  "lines a ticket", {"samples": len(times), **counts})


def _contended(b: Bench) -> dict[str, Any]:
    from benchmarks import write_ops

    if "contended" not in b.memo:
        b.memo["contended"] = write_ops.guarded(lambda: write_ops.contended(b.url))
    found: dict[str, Any] = b.memo["contended"]
    return found


def _invariant_note(found: dict[str, Any]) -> tuple[bool, str]:
    from benchmarks.write_ops import workloads

    bad = {k: found[k] for k in workloads().ANOMALY_KEYS if found.get(k)}
    held = found["anomalies"] == 0
    return held, ("every invariant held" if held else f"INVARIANTS BROKEN: {bad}") + (
        f" ({found['tickets']} tickets)")


@metric("contended_part_ops_per_s", "ops/s", None,
        "8 desk processes add/change/remove lines of 50 hot parts on 40 tickets for 10 s: "
        "successful writes per second (higher is better), then the invariants")
def contended_part_ops(b: Bench) -> Result:
    if b.backend != "postgresql":
        return Result(None, "PostgreSQL only (SQLite serialises writers by design)")
    found = _contended(b)
    if "error" in found:
        return Result(None, found["error"])
    held, invariants = _invariant_note(found["invariants"])
    return Result(
        found["ops_per_s"],
        f"{found['ops']:.0f} writes in {found['seconds']:.1f} s, {found['conflicts']:.0f} "
        f"stale-version conflicts, {found['retries']:.0f} retries, {found['refused']:.0f} "
        f"refused; {invariants}; database {found['database']}",
        {"invariants_held": held, "conflicts": found["conflicts"],
         "retries": found["retries"], "refused": found["refused"]},
    )


def _soak(b: Bench, rtt_ms: float | None = None) -> dict[str, Any]:
    """The 8-desk soak, run once per bench: straight to the server, or (``rtt_ms``)
    with the latency proxy between the desks and the server."""
    from benchmarks import write_ops

    key = "soak" if rtt_ms is None else "wan_soak"
    if key not in b.memo:
        seconds = float(b.options.get("soak_seconds", 20))
        b.memo[key] = write_ops.guarded(
            lambda: write_ops.soak(b.url, 8, seconds, rtt_ms=rtt_ms))
    found: dict[str, Any] = b.memo[key]
    return found


@metric("soak_ops", "ops", None,
        "tests/workloads desks: 8 processes of mixed writes for --soak-seconds (20 s; "
        "make soak runs 60 s), successful writes summed")
def soak_ops(b: Bench) -> Result:
    if b.backend != "postgresql":
        return Result(None, "PostgreSQL only, as make soak's concurrent run")
    found = _soak(b)
    if "error" in found:
        return Result(None, found["error"])
    retries = (f"{found['retries']:.0f} retries" if found["retries_reported"] else
               "retries not reported by tests/workloads desk")
    return Result(
        found["ops"],
        f"{found['desks']} desks × {found['seconds']:g} s: {found['conflicts']:.0f} "
        f"conflicts, {found['refused']:.0f} refused, {found['no-ops']:.0f} no-ops; {retries}",
        {"conflicts": found["conflicts"], "refused": found["refused"],
         "no_ops": found["no-ops"], "seconds": found["seconds"]},
    )


@metric("soak_anomalies", "", 0, "broken invariants after that soak (tests/workloads.check)")
def soak_anomalies(b: Bench) -> Result:
    if b.backend != "postgresql":
        return Result(None, "PostgreSQL only, as make soak's concurrent run")
    found = _soak(b)
    if "error" in found:
        return Result(None, found["error"])
    held, invariants = _invariant_note(found["invariants"])
    return Result(found["invariants"]["anomalies"],
                  f"{invariants}; database {found['database']}",
                  {"invariants_held": held, "check": found["invariants"]})


# --------------------------------------------------------------------------- distance


def _wan(b: Bench) -> dict[str, Any]:
    """Every action through the latency proxy, once per run (benchmarks/wan.py)."""
    from benchmarks import wan

    if "wan" not in b.memo:
        b.memo["wan"] = wan.guarded(lambda: wan.measure(b.url, b.repetitions, _say))
    found: dict[str, Any] = b.memo["wan"]
    return found


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _trips_note(figure: dict[str, Any]) -> str:
    over = "" if figure["round_trips"] <= figure["budget"] else " OVER BUDGET"
    return (f"{figure['round_trips']} round trips (budget {figure['budget']}{over}; proxy "
            f"saw {figure['proxy_turns']}): " + " | ".join(figure["statements"]))


def _wan_metric(name: str, action: str, target: float, what: str, key: str = "median_ms"
                ) -> None:
    def measure(b: Bench) -> Result:
        if b.backend != "postgresql":
            return Result(None, "the network is PostgreSQL's: SQLite is a file on this desk")
        found = _wan(b)
        if "error" in found:
            return Result(None, found["error"])
        figure = found[action]
        note = _trips_note(figure) if figure["statements"] else (
            f"proxy saw {figure['proxy_turns']} round trips")
        if action == "startup":
            note += (f"; sign-in took {figure['login_ms']:.0f} ms of it (argon2id hashing "
                     "on purpose included)")
        return Result(figure[key], f"at {found['rtt_ms']:g} ms round trip; {note}",
                      {"round_trips": figure["round_trips"], "budget": figure["budget"],
                       "statements": figure["statements"],
                       "proxy_turns": figure["proxy_turns"]})

    metric(name, "ms", target, f"{what}, through a loopback proxy adding a 20 ms round "
           f"trip ({'p95' if key == 'p95_ms' else 'median'}; PostgreSQL only)")(measure)


_wan_metric("wan_startup_ms", "startup", 1000,
            "connect + sign in + first page of tickets")
_wan_metric("wan_first_page_ms", "first_page", 150, "tickets, first page")
_wan_metric("wan_search_p95_ms", "search", 150, "the front desk's searches", "p95_ms")
_wan_metric("wan_open_ticket_ms", "open_ticket", 150, "open a ticket (its detail)")
_wan_metric("wan_add_part_p95_ms", "add_part", 150, "add one part line", "p95_ms")
_wan_metric("wan_status_change_ms", "status_change", 150, "In progress → Open")
_wan_metric("wan_save_ticket_ms", "save_ticket", 150, "the ticket editor's Save")
_wan_metric("wan_post_invoice_ms", "post_invoice", 150, "close a ticket, posting its invoice")


@metric("round_trips", "", 5, "most exchanges with the server of any desk action above "
        "(budget: reads 3, writes 5; PostgreSQL only)")
def round_trips(b: Bench) -> Result:
    if b.backend != "postgresql":
        return Result(None, "PostgreSQL only")
    found = _wan(b)
    if "error" in found:
        return Result(None, found["error"])
    actions = {k: v for k, v in found.items() if isinstance(v, dict) and v.get("statements")}
    lines = [f"{k}: {v['round_trips']} (budget {v['budget']})" for k, v in actions.items()]
    over = [k for k, v in actions.items() if v["round_trips"] > v["budget"]]
    for k, v in actions.items():
        _say(f"round trips of {k} ({v['round_trips']}):\n    " + "\n    ".join(v["statements"]))
    return Result(max(v["round_trips"] for v in actions.values()),
                  "; ".join(lines) + (f"; over budget: {', '.join(over)}" if over else ""),
                  {k: v["round_trips"] for k, v in actions.items()})


def _wan_soak(b: Bench) -> dict[str, Any]:
    from benchmarks import wan

    return _soak(b, wan.rtt_ms())


@metric("wan_soak_ops", "ops", None,
        "the soak_ops desks (8 processes, --soak-seconds) through a loopback proxy adding "
        "a 20 ms round trip ($MECHANIC_BENCH_RTT_MS): successful writes summed")
def wan_soak_ops(b: Bench) -> Result:
    if b.backend != "postgresql":
        return Result(None, "the network is PostgreSQL's: SQLite is a file on this desk")
    found = _wan_soak(b)
    if "error" in found:
        return Result(None, found["error"])
    return Result(
        found["ops"],
        f"{found['desks']} desks × {found['seconds']:g} s at {found['rtt_ms']:g} ms round "
        f"trip: {found['conflicts']:.0f} conflicts, {found['refused']:.0f} refused, "
        f"{found['no-ops']:.0f} no-ops; proxy saw {found['proxy_turns']} round trips on "
        f"{found['proxy_connections']} connections",
        {"conflicts": found["conflicts"], "refused": found["refused"],
         "no_ops": found["no-ops"], "seconds": found["seconds"], "rtt_ms": found["rtt_ms"],
         "proxy_turns": found["proxy_turns"]},
    )


@metric("wan_soak_anomalies", "", 0,
        "broken invariants after that soak through the proxy (tests/workloads.check)")
def wan_soak_anomalies(b: Bench) -> Result:
    if b.backend != "postgresql":
        return Result(None, "the network is PostgreSQL's: SQLite is a file on this desk")
    found = _wan_soak(b)
    if "error" in found:
        return Result(None, found["error"])
    held, invariants = _invariant_note(found["invariants"])
    return Result(found["invariants"]["anomalies"],
                  f"{invariants}; database {found['database']}",
                  {"invariants_held": held, "check": found["invariants"]})


# --------------------------------------------------------------------------- bundle


@metric("bundle_mb", "MB", 150, "dist/MechanicDesktop (make package) on disk, 10^6 bytes")
def bundle_mb(b: Bench) -> Result:
    from benchmarks import bundle

    found = bundle.measure()
    if "error" in found:
        return Result(None, found["error"])
    return Result(found["bundle_mb"], f"apparent size {found['apparent_mb']:.1f} MB; the "
                  "same bundle for every backend")


@metric("frozen_startup_ratio", "×", 1.1,
        "bundle's --smoke-test ÷ source checkout's --smoke-test, wall time (medians of 5)")
def frozen_startup_ratio(b: Bench) -> Result:
    from benchmarks import bundle

    found = bundle.measure()
    if "error" in found or "startup_error" in found:
        return Result(None, found.get("error") or found["startup_error"])
    frozen_s, source_s = found["frozen_s"], found["source_s"]
    return Result(frozen_s / source_s, f"frozen {frozen_s * 1000:.0f} ms / source "
                  f"{source_s * 1000:.0f} ms (temporary SQLite, whatever the backend)")
