"""Print the mutation score per module from a finished ``mutmut run`` (``make mutants``).

mutmut keeps each source file's results in ``mutants/<path>.meta`` (JSON: mutant name →
the exit code of its run). A mutant is caught by **mypy** when the changed code does not
type-check (``make test`` runs mypy strict, so it could never be merged); **killed** when
a test failed or ran past its time limit; **survived** when every test that reaches its
function passed; **no tests** when no selected test reaches its function at all. The
mutants listed in docs/mutation.md as equivalent (no behaviour changes, so no test could
kill them) are counted apart. A module's **score** is mypy + killed out of all but the
equivalent; **tests** is killed out of the mutants that reached the tests.

    python -m tests.mutation_score [--survivors] [mutants-folder]
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

KILLED = {1, 3, 24, -24, 36, 152, 255}  # failed, pytest internal error, timed out
TYPE_CHECK = {37}
SURVIVED = {0}
NO_TESTS = {5, 33}
EQUIVALENTS_DOC = Path(__file__).resolve().parent.parent / "docs" / "mutation.md"


def equivalent_mutants(doc: Path = EQUIVALENTS_DOC) -> dict[str, str]:
    """The mutants docs/mutation.md lists as equivalent: table rows whose first cell is a
    mutant's name in backticks, with why in the last cell."""
    found: dict[str, str] = {}
    for line in doc.read_text("utf-8").splitlines():
        row = re.match(r"\|\s*`([\w.]+__mutmut_\d+)`\s*\|.*\|\s*([^|]+?)\s*\|\s*$", line)
        if row:
            found[row[1]] = row[2]
    return found


def status(code: int | None) -> str:
    if code is None:
        return "not run"
    for kind, codes in (("killed", KILLED), ("mypy", TYPE_CHECK), ("survived", SURVIVED),
                        ("no tests", NO_TESTS)):
        if code in codes:
            return kind
    return "other"


def module_of(meta: Path, root: Path) -> str:
    return ".".join(meta.relative_to(root).parts).removesuffix(".py.meta")


def score(counts: Counter[str]) -> tuple[str, str]:
    """(all: mypy + killed of all judged, tests: killed of those that reached the tests)."""
    tested = counts["killed"] + counts["survived"] + counts["no tests"]
    judged = tested + counts["mypy"]
    caught = counts["killed"] + counts["mypy"]
    return (f"{100 * caught / judged:5.1f}%" if judged else "    -",
            f"{100 * counts['killed'] / tested:5.1f}%" if tested else "    -")


def main(argv: list[str]) -> int:
    show = "--survivors" in argv
    args = [a for a in argv if a != "--survivors"]
    root = Path(args[0]) if args else Path("mutants")
    metas = sorted(root.rglob("*.py.meta"))
    if not metas:
        print(f"No mutmut results under {root}/: run `make mutants` first.", file=sys.stderr)
        return 1
    equivalent = equivalent_mutants()
    header = (f"{'module':<40} {'mutants':>7} {'mypy':>5} {'killed':>6} {'surv.':>5} "
              f"{'no t.':>5} {'equiv.':>6} {'other':>5} {'score':>6} {'tests':>6}")
    print(header)
    print("-" * len(header))
    total: Counter[str] = Counter()
    survivors: dict[str, list[str]] = {}
    for meta in metas:
        codes: dict[str, int | None] = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
        counts: Counter[str] = Counter()
        for name, code in codes.items():
            kind = status(code)
            if kind in ("survived", "no tests") and name in equivalent:
                kind = "equivalent"
            counts[kind] += 1
            if kind in ("survived", "no tests"):
                survivors.setdefault(module_of(meta, root), []).append(name)
        if not codes or counts["not run"] == len(codes):
            continue  # nothing to mutate, or not selected in this run
        total += counts
        print(_line(module_of(meta, root), len(codes), counts))
    print("-" * len(header))
    print(_line("total", sum(total.values()), total))
    left = sum(len(names) for names in survivors.values())
    print(f"\n{left} mutants not killed: `mutmut show NAME` prints one's change, "
          "`python -m tests.mutation_score --survivors` lists them by module.")
    if show:
        for module, names in survivors.items():
            print(f"\n{module}:")
            for name in sorted(names, key=_natural):
                print(f"    {name.removeprefix(module + '.')}")
    return 0


def _natural(name: str) -> tuple[str, int]:
    stem, _, number = name.rpartition("_")
    return stem, int(number) if number.isdigit() else 0


def _line(name: str, size: int, counts: Counter[str]) -> str:
    everything, by_tests = score(counts)
    return (f"{name:<40} {size:>7} {counts['mypy']:>5} {counts['killed']:>6} "
            f"{counts['survived']:>5} {counts['no tests']:>5} {counts['equivalent']:>6} "
            f"{counts['other'] + counts['not run']:>5} {everything:>6} {by_tests:>6}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
