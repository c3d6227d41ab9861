"""Print the mutation score per module from a finished ``mutmut run`` (``make mutants``).

mutmut keeps each source file's results in ``mutants/<path>.meta`` (JSON: mutant name →
the exit code of the tests run against it). A mutant is *killed* when a test failed (or
it ran past its time limit), *survived* when every test that reaches its function passed,
*no tests* when no selected test reaches it at all. The score of a module is killed out
of killed + survived + no tests, leaving out the mutants listed in ``EQUIVALENT``: changes
that cannot alter behaviour, so no test could ever kill them.

    python -m tests.mutation_score [mutants-folder]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

KILLED = {1, 3, 24, -24, 36, 152, 255}  # failed, pytest internal error, timed out
SURVIVED = {0}
NO_TESTS = {5, 33}

#: Surviving mutants judged equivalent, with why. mutmut numbers mutants per function in
#: source order, so an entry goes stale when its function changes: check with
#: ``mutmut show NAME`` that it is still the same change before trusting the list.
EQUIVALENT: dict[str, str] = {
    "mechanic_desktop.services.auth.x_lock_duration__mutmut_11":
        "the exponent's cap 20 -> 21: 30 s x 2**5 already passes the 15-minute cap, so "
        "min(lock, LONGEST_LOCK) is the same for every failure count",
    "mechanic_desktop.services.stock.x__fresh_part__mutmut_7":
        "populate_existing dropped: each unit of work opens a new session and nothing in "
        "receive/adjust loads the Part object before it, so get() reads the row anyway",
    "mechanic_desktop.services.stock.x__fresh_part__mutmut_4":
        "populate_existing=None: as _7",
    "mechanic_desktop.services.stock.x__fresh_part__mutmut_8":
        "populate_existing=False: as _7",
    "mechanic_desktop.services.stock.x__fresh_part__mutmut_10":
        "the part id in a 'gone' error raised only if the row vanished after this "
        "transaction's own UPDATE of it succeeded: unreachable",
    "mechanic_desktop.services.stock.x_adjust_stock__mutmut_64":
        "the text of an AssertionError raised only if on-hand changed while the row was "
        "locked by this transaction: unreachable",
}


def status(code: int | None) -> str:
    if code is None:
        return "not run"
    if code in KILLED:
        return "killed"
    if code in SURVIVED:
        return "survived"
    if code in NO_TESTS:
        return "no tests"
    return "other"


def module_of(meta: Path, root: Path) -> str:
    return ".".join(meta.relative_to(root).parts).removesuffix(".py.meta")


def main(root: Path = Path("mutants")) -> int:
    metas = sorted(root.rglob("*.py.meta"))
    if not metas:
        print(f"No mutmut results under {root}/: run `make mutants` first.", file=sys.stderr)
        return 1
    header = f"{'module':<42} {'mutants':>7} {'killed':>6} {'surv.':>5} {'no t.':>5} " \
             f"{'equiv.':>6} {'other':>5} {'score':>6}"
    print(header)
    print("-" * len(header))
    total: Counter[str] = Counter()
    survivors: list[str] = []
    for meta in metas:
        codes: dict[str, int | None] = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
        if not codes:
            continue
        counts: Counter[str] = Counter()
        for name, code in codes.items():
            kind = status(code)
            if kind in ("survived", "no tests") and name in EQUIVALENT:
                kind = "equivalent"
            counts[kind] += 1
            if kind in ("survived", "no tests"):
                survivors.append(name)
        if counts["not run"] == len(codes):
            continue  # not selected in this run
        total += counts
        print(_line(module_of(meta, root), len(codes), counts))
    print("-" * len(header))
    print(_line("total", sum(total.values()), total))
    print(f"\n{len(survivors)} mutants not killed: `mutmut show NAME` prints one's change, "
          "`mutmut results` lists them all.")
    return 0


def _line(name: str, size: int, counts: Counter[str]) -> str:
    judged = counts["killed"] + counts["survived"] + counts["no tests"]
    score = f"{100 * counts['killed'] / judged:5.1f}%" if judged else "    -"
    return (f"{name:<42} {size:>7} {counts['killed']:>6} {counts['survived']:>5} "
            f"{counts['no tests']:>5} {counts['equivalent']:>6} "
            f"{counts['other'] + counts['not run']:>5} {score:>6}")


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("mutants")))
