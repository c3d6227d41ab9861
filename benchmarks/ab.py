"""The front desk's searches timed on an earlier revision and on the working tree, call by
call in one process: ``make ab REV=<revision>``.

On a shared host the same search moves by a third from one ``make bench`` run to the
next, more than most changes move it. Alternating the two versions' calls in one process
on the same database cancels that drift; two separate runs do not. The earlier
revision's ``mechanic_desktop`` is taken from git and imported under another name, so
both are loaded at once. Both must run on the bench database as it is: revisions whose
migrations differ from the working tree's may fail or measure the wrong thing.
"""

from __future__ import annotations

import argparse
import importlib
import io
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks import cache
from benchmarks.metrics import Search, p95, searches
from mechanic_desktop.db.engine import make_engine

ROOT = Path(__file__).resolve().parents[1]
#: The earlier revision's package is imported under this name.
BASE = "mechanic_base"


def load_revision(revision: str, into: Path) -> ModuleType:
    """``mechanic_desktop`` as it was at ``revision``, imported as ``mechanic_base``
    (its own imports renamed to match)."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision, "mechanic_desktop"],
        cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4 on
            tar.extractall(into, filter="data")
        else:
            tar.extractall(into)  # our own repository's archive
    package = into / BASE
    (into / "mechanic_desktop").rename(package)
    for path in package.rglob("*.py"):
        path.write_text(re.sub(r"\bmechanic_desktop\b", BASE, path.read_text()))
    for name in [m for m in sys.modules if m == BASE or m.startswith(BASE + ".")]:
        del sys.modules[name]  # an earlier revision loaded before
    sys.path.insert(0, str(into))
    return importlib.import_module(BASE)


class SearchRunner:
    """Runs a search as ``benchmarks.metrics.run_search`` does, with ``package``'s
    services on its own engine (``close`` disposes of it); a call returns how many rows
    it listed."""

    def __init__(self, package: str, url: str) -> None:
        self.engine = importlib.import_module(f"{package}.db.engine").make_engine(url)
        self.uow = importlib.import_module(f"{package}.db.unit_of_work").UnitOfWork(
            self.engine)
        self.query = importlib.import_module(f"{package}.domain.records").ListQuery
        self.services = {area: importlib.import_module(f"{package}.services.{area}")
                         for area in ("customers", "vehicles", "parts", "tickets")}

    def __call__(self, search: Search) -> int:
        listing = getattr(self.services[search.area], f"list_{search.area}")
        if search.area == "tickets":
            asked = self.query(search=search.text, sort="opened", descending=True, limit=200)
        else:
            asked = self.query(search=search.text, limit=200)
        return len(listing(self.uow, asked).rows)

    def close(self) -> None:
        self.engine.dispose()


def interleaved(old: Callable[[Search], int], new: Callable[[Search], int],
                found: list[Search], repetitions: int, *, rows_may_differ: bool = False,
                ) -> list[tuple[Search, float, float]]:
    """Each search's median wall time (ms) on each side, the two alternated call by
    call (which goes first alternating too), after one warm-up call each. A search
    listing different rows on the two sides is a finding: it raises, unless the change
    is meant to find more or fewer (``rows_may_differ``: the label then says how many)."""
    results = []
    for search in found:
        before, after = old(search), new(search)
        shown = search
        if before != after:
            told = f"'{search.text}' ({search.area}) listed {before} rows before and {after} after"
            if not rows_may_differ:
                raise AssertionError(told)
            shown = replace(search, label=f"{search.label}; {before} -> {after} rows")
        times: dict[Any, list[float]] = {old: [], new: []}
        for i in range(repetitions):
            for side in ((old, new) if i % 2 == 0 else (new, old)):
                started = time.perf_counter()
                side(search)
                times[side].append((time.perf_counter() - started) * 1000)
        results.append((shown, statistics.median(times[old]), statistics.median(times[new])))
    return results


def report(results: list[tuple[Search, float, float]], revision: str) -> str:
    lines = [f"{'before':>8} {'after':>8} {'change':>8}  search   ({revision} -> working tree)"]
    for search, before, after in results:
        lines.append(f"{before:8.2f} {after:8.2f} {100 * (after - before) / before:+7.1f}%  "
                     f"{search.area} '{search.text}' ({search.label})")
    befores, afters = [r[1] for r in results], [r[2] for r in results]
    if befores:
        lines.append(f"95th percentile {p95(befores):.2f} -> {p95(afters):.2f} ms; "
                     f"all searches {sum(befores):.1f} -> {sum(afters):.1f} ms")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ab", description=__doc__)
    parser.add_argument("revision", help="the earlier revision (a commit, tag or HEAD~2)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--area", choices=("customers", "vehicles", "parts", "tickets"),
                        help="only this list's searches")
    parser.add_argument("--repetitions", type=int, default=15, help="calls per side")
    parser.add_argument("--rows-may-differ", action="store_true",
                        help="a change meant to list other rows: report, do not fail")
    args = parser.parse_args(argv)
    url = cache.urls(1.0)[args.backend]
    looking = make_engine(url)
    found = [s for s in searches(looking) if args.area in (None, s.area)]
    looking.dispose()
    with tempfile.TemporaryDirectory() as folder:
        load_revision(args.revision, Path(folder))
        old, new = SearchRunner(BASE, url), SearchRunner("mechanic_desktop", url)
        try:
            results = interleaved(old, new, found, args.repetitions,
                                  rows_may_differ=args.rows_may_differ)
        finally:
            old.close()
            new.close()
    print(report(results, args.revision))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
