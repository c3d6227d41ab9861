"""``python -m benchmarks [--scale 0.05] [--backend sqlite] [--reseed]``: seed (once)
and measure both backends, print a table with the targets, write results.json."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from benchmarks import bundle, cache
from benchmarks.metrics import METRICS, Bench
from mechanic_desktop.bootstrap import connect
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import DatabaseUnavailable

RESULTS = Path(__file__).resolve().parent / "results.json"
SCALE_ENV = "MECHANIC_BENCH_SCALE"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--scale", type=float, default=float(os.environ.get(SCALE_ENV, "1")),
        help="fraction of the full 200k-customer / 1M-ticket shop (default 1, or "
        f"${SCALE_ENV}); each scale has its own cached database",
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append",
                        help="only this backend (repeatable; default both)")
    parser.add_argument("--reseed", action="store_true", help="seed again even if cached")
    parser.add_argument("--repetitions", type=int, default=7, help="runs per timing")
    parser.add_argument("--only", action="extend", nargs="+",
                        help="only these metrics (repeatable)")
    parser.add_argument("--soak-seconds", type=float, default=20.0,
                        help="length of the 8-desk soak (default 20; make soak runs 60)")
    parser.add_argument("--package", action="store_true",
                        help="build dist/MechanicDesktop (make package, ~1.5 min) before "
                        "measuring the bundle")
    return parser.parse_args(argv)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure_backend(backend: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    try:
        db = cache.ensure(backend, url, args.scale, reseed=args.reseed, say=say)
    except (DatabaseUnavailable, psycopg.OperationalError) as exc:
        # No server to measure is a finding to print, not a crash.
        return {"error": f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:200]}"}
    # lock=False: the bench starts the app itself (ui_probe, start-up) on this file.
    context = connect(url, migrate=False, lock=False)
    bench = Bench(backend, url, context.engine, UnitOfWork(context.engine), args.repetitions)
    bench.options["soak_seconds"] = args.soak_seconds
    figures: dict[str, Any] = {}
    try:
        for m in METRICS:
            if args.only and m.name not in args.only:
                continue
            say(f"[{backend}] measuring {m.name} ...")
            started = time.perf_counter()
            result = m.measure(bench)
            figures[m.name] = {
                "value": None if result.value is None else round(result.value, 3),
                "unit": m.unit, "target": m.target, "note": result.note,
                "describe": m.describe,
                "seconds": round(time.perf_counter() - started, 1),
            }
            figures[m.name].update(result.fields)
            if m.targets:
                figures[m.name]["target"] = m.targets.get(backend, m.target)
    finally:
        context.close()
    return {
        "url": context.description,
        "plan": asdict(db.plan),
        "seed_seconds": None if db.seed_seconds is None else round(db.seed_seconds, 1),
        "reseeded": db.reseeded,
        "metrics": figures,
        "searches": bench.memo.get("searches", []),
        "startup": bench.memo.get("startup"),
    }


def _cell(figure: dict[str, Any] | None) -> str:
    if not figure:
        return "—"
    value = figure["value"]
    if value is None:
        return "null"
    target = figure["target"]
    mark = "" if target is None else (" ok" if value <= target else " MISS")
    return f"{value:,.2f}{mark}"


def print_table(results: dict[str, Any]) -> None:
    backends = list(results["backends"])
    header = f"{'metric':<24} {'target':>11} " + " ".join(f"{b:>16}" for b in backends)
    print(header)
    print("-" * len(header))
    for m in METRICS:
        cells = []
        for b in backends:
            cells.append(_cell(results["backends"][b].get("metrics", {}).get(m.name)))
        if all(c == "—" for c in cells):
            continue
        target = "—" if m.target is None else f"≤ {m.target:g} {m.unit}"
        if m.targets:
            target = "≤ " + "/".join(f"{m.targets.get(b, m.target):g}" for b in backends) + (
                f" {m.unit}")
        print(f"{m.name:<24} {target:>11} " + " ".join(f"{c:>16}" for c in cells))
    seeds = [f"{b} {r.get('seed_seconds')} s" for b, r in results["backends"].items()
             if "error" not in r]
    print(f"seed time (when seeded): {', '.join(seeds)}")
    for b, r in results["backends"].items():
        if "error" in r:
            print(f"{b}: not measured: {r['error']}")
            continue
        for name, figure in r["metrics"].items():
            if figure["note"]:
                print(f"{b} {name}: {figure['note']}")


#: A 1-minute load average above this (runnable processes, all cores) means others were
#: busy on the machine: the figures, start-up ones above all, then read slower than they are.
BUSY_LOAD = 1.0


def load_average() -> float | None:
    """The 1-minute load average (None where the platform has none, e.g. Windows)."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def reference_loop_s(runs: int = 5) -> float:
    """Processor seconds of one fixed loop (``sum(range(10**7))``), the quickest of
    ``runs``: the machine's speed, next to the figures. Hosts differ, and a shared host
    slows down when its other tenants are busy, which the load average cannot see:
    0.13–0.15 s was this project's usual machine, 0.20–0.23 s a slow day's."""
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        sum(range(10**7))
        best = min(best, time.process_time() - started)
    return round(best, 3)


def load_line(results: dict[str, Any]) -> str:
    """``load average 0.31 at start, 0.52 at end``, with a warning when either was high."""
    start, end = results["load_average"]["start"], results["load_average"]["end"]
    if start is None or end is None:
        return "load average: not known on this platform"
    line = f"load average {start:.2f} at start, {end:.2f} at end"
    speed = results["machine"].get("reference_loop_s")
    if speed is not None:
        line = f"reference loop {speed:.3f} s (0.13–0.15 usual); " + line
    if max(start, end) > BUSY_LOAD:
        line += (f" — WARNING: above {BUSY_LOAD:g}, the machine was busy; figures (start-up "
                 "above all) read slower than on a quiet machine")
    return line


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    where = cache.urls(args.scale)
    started_load = load_average()
    speed = reference_loop_s()
    say(f"load average at start: {started_load}; reference loop {speed:.3f} s")
    results: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": args.scale,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "reference_loop_s": speed},
        "backends": {},
        "load_average": {"start": started_load, "end": None},
    }
    if args.package:
        bundle.package(say)
    for backend in args.backend or ["sqlite", "postgresql"]:
        results["backends"][backend] = measure_backend(backend, where[backend], args)
    results["load_average"]["end"] = load_average()
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(load_line(results))
    print_table(results)
    print(load_line(results))
    print(f"written {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
