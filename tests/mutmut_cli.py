"""mutmut's command line as ``make mutants`` runs it: mutmut 3.8 with two changes.

- String literals are changed one way only. mutmut turns every string into three
  mutants: wrapped in "XX", upper-cased and lower-cased. The wrapped one already tells
  whether any test reads the text; the case changes add two test runs per string, and
  where case does not matter (SQL keywords, ``casefold`` comparisons) they are
  equivalent mutants nobody can kill. Left out, a full run is ~2,000 test runs shorter.
- mypy's errors are matched to the mutants they belong to through the standard ``ast``
  module's line numbers instead of libcst's position metadata, which took over ten
  minutes for the ~400,000 lines of mutated code here (the same functions are found:
  those whose names mutmut gave them).
- Each mutant is judged by the tests that reach its function most directly, within a
  budget: the stats run notes, per test, through how many other mutated functions it
  first entered each function (its depth) and its processor time; a function keeps its
  tests ordered by depth, then by time, for as long as their processor time adds up to
  at most ``MUTANTS_TEST_SECONDS`` (default 0.25 s; the first is always kept), and a
  mutant's tests run in that order (``tests/mutation_budget.py``: processor time, not
  wall time, so that the machine's load does not change which tests are kept). A
  function of ``domain/`` also keeps every test that calls it itself: those are its
  unit tests (a property test of ``spread`` alone takes 0.26 s). Without the budget a
  survivor in a shared function (``_validate``, ``_detail``) paid for every one of the
  100–200 tests that go through it, the slow role matrix included.
  ``MUTANTS_TEST_SECONDS=0`` runs every test that reaches the function
  (``mutants/mutmut-stats.json`` keeps that full map).
- Test sessions of mutants skip what only costs time there: assertion rewriting
  (``--assert=plain``: a failing assert still fails) and the Faker plugin.
- mutmut's clean run of every test is skipped when the stats run has just run them all
  (it stops the run if any test fails): it was the same tests again, a minute here.

    python -m tests.mutmut_cli run [MUTANT-PATTERN ...]   # or any other mutmut command
"""

from __future__ import annotations

import ast
import bisect
import itertools
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import libcst as cst
import mutmut.__main__ as mutmut_main
import mutmut.mutation.trampoline as mutmut_trampoline
import mutmut.stats as mutmut_stats
from mutmut.configuration import config
from mutmut.core import MutmutCallStack
from mutmut.mutation import mutators
from mutmut.mutation.file_mutation import (
    FailedTypeCheckMutant,
    MutatedMethodLocation,
    group_by_path,
)
from mutmut.runners.harness import PytestRunner
from mutmut.state import state
from mutmut.type_checking import run_type_checker
from mutmut.utils.file_utils import change_cwd
from mutmut.utils.format_utils import (
    get_mutant_name,
    is_mutated_method_name,
    mangled_name_from_mutant_name,
)
from mutmut.workers.isolation import ForkRunner

from tests import mutation_budget


def wrapped_strings_only(node: cst.BaseString) -> Iterable[cst.BaseString]:
    """mutmut's string mutants, but only its first: the text wrapped in "XX"."""
    return itertools.islice(mutators.operator_string(node), 1)


def mutated_functions(path: Path) -> list[MutatedMethodLocation]:
    """The mutant functions of a mutated file, in line order."""
    tree = ast.parse(path.read_text("utf-8"))
    found = [
        MutatedMethodLocation(path, node.name, node.lineno, node.end_lineno or node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and is_mutated_method_name(node.name)
    ]
    return sorted(found, key=lambda m: m.line_number_start)


def filter_mutants_with_type_checker() -> dict[str, FailedTypeCheckMutant]:
    """mutmut's own function of this name, with the matching done by line number."""
    caught: dict[str, FailedTypeCheckMutant] = {}
    with change_cwd(Path("mutants")):
        errors = run_type_checker(config().type_check_command)
        for path, errors_of_file in group_by_path(errors).items():
            functions = mutated_functions(path)
            starts = [m.line_number_start for m in functions]
            for error in errors_of_file:
                at = bisect.bisect_right(starts, error.line_number) - 1
                if at < 0 or error.line_number > functions[at].line_number_end:
                    raise RuntimeError(f"mypy error outside any mutant: {error}")
                mutant = functions[at]
                name = get_mutant_name(path.relative_to(Path(".").absolute()),
                                       mutant.function_name)
                caught[name] = FailedTypeCheckMutant(mutant, name, error)
    return caught


DEPTHS_FILE = Path("mutants/mutmut-depths.json")
SECONDS_FILE = Path("mutants/mutmut-processor-seconds.json")
# function (mutmut's mangled name) -> test node id -> fewest mutated functions above it
_depths: dict[str, dict[str, int]] = {}
_depths_of_test: dict[str, int] = {}
_record_hit = mutmut_stats.record_trampoline_hit


def record_hit_with_depth(name: str, caller: str | None = None) -> None:
    """mutmut's stats hook, also noting how deep in mutated code the function was entered."""
    depth = MutmutCallStack.get()[1]
    if depth < _depths_of_test.get(name, depth + 1):
        _depths_of_test[name] = depth
    _record_hit(name, caller)


class DepthCollector:
    """A pytest plugin for the stats run: files each test's depths under its node id."""

    def pytest_runtest_teardown(self, item: object, nextitem: object) -> None:
        node_id = str(getattr(item, "nodeid", "")).removeprefix("mutants/")
        for name, depth in _depths_of_test.items():
            seen = _depths.setdefault(name, {})
            seen[node_id] = min(depth, seen.get(node_id, depth))
        _depths_of_test.clear()


_execute_pytest = PytestRunner.execute_pytest


#: Each test's processor time in the stats run (``mutation_budget.ProcessorTimer``).
_timer = mutation_budget.ProcessorTimer(prefix="mutants/")


def execute_pytest(self: PytestRunner, params: list[str], **kwargs: Any) -> int:
    plugins = kwargs.get("plugins")
    if isinstance(plugins, list) and plugins:  # only the stats run passes plugins
        kwargs["plugins"] = [*plugins, DepthCollector(), _timer]
    return _execute_pytest(self, params, **kwargs)


_collect_or_load_stats = mutmut_main.collect_or_load_stats


def test_budget() -> float:
    return float(os.environ.get("MUTANTS_TEST_SECONDS", "0.25"))


def test_seconds() -> dict[str, float]:
    """Each test's processor time in the stats run; mutmut's wall time for any it lacks."""
    return {**state().duration_by_test, **_timer.seconds}


def most_direct_first(function: str, tests: Iterable[str]) -> list[str]:
    return mutation_budget.most_direct_first(tests, _depths.get(function, {}), test_seconds())


def collect_stats_within_budget(*args: Any, **kwargs: Any) -> None:
    """mutmut's stats step (which saves the full map of tests), then each function keeps,
    in memory, its most direct tests within the budget."""
    _collect_or_load_stats(*args, **kwargs)
    if _depths:  # the stats run has just passed every test
        DEPTHS_FILE.write_text(json.dumps(_depths, sort_keys=True), "utf-8")
        SECONDS_FILE.write_text(json.dumps(_timer.seconds, sort_keys=True), "utf-8")
        setattr(ForkRunner, "run_clean_tests", lambda self, *, tests: 0)  # noqa: B010
    else:
        if DEPTHS_FILE.exists():
            _depths.update(json.loads(DEPTHS_FILE.read_text("utf-8")))
        if SECONDS_FILE.exists():
            _timer.seconds.update(json.loads(SECONDS_FILE.read_text("utf-8")))
    budget = test_budget()
    if budget <= 0:
        return
    seconds = test_seconds()
    before = after = 0
    for function, tests in state().tests_by_mangled_function_name.items():
        keep = mutation_budget.within_budget(
            tests, _depths.get(function, {}), seconds, budget,
            all_direct=".domain." in function)
        before += len(tests)
        after += len(keep)
        tests.intersection_update(keep)
    print(f"    {after} of {before} function-test pairs kept within {budget} s of "
          "processor time a function")


_regular_run_args = PytestRunner._pytest_args_regular_run


def regular_run_args(self: PytestRunner, tests: Iterable[str]) -> list[str]:
    """A mutant's test session: its tests most direct first, without the plugins and
    assertion rewriting that only cost time here."""
    tests = list(tests)
    name = os.environ.get("MUTANT_UNDER_TEST", "")
    if tests and "__mutmut_" in name:
        function = mangled_name_from_mutant_name(name)
        tests = most_direct_first(function, tests)
        return [*QUICK_SESSION, *_regular_run_args(self, tests)]
    return _regular_run_args(self, tests)


#: pytest-qt and pytest-alembic cannot be left out: they are required_plugins, and a
#: session that refuses to start would count as a killed mutant.
QUICK_SESSION = ["--assert=plain", "-p", "no:faker"]


def main() -> None:
    operators = mutators.mutation_operators
    assert isinstance(operators, list)
    # In place: mutmut's file_mutation holds a reference to this very list.
    operators[:] = [
        (kind, wrapped_strings_only if op is mutators.operator_string else op)
        for kind, op in operators
    ]
    setattr(mutmut_main, "filter_mutants_with_type_checker", filter_mutants_with_type_checker)  # noqa: B010
    setattr(mutmut_main, "collect_or_load_stats", collect_stats_within_budget)  # noqa: B010
    setattr(mutmut_trampoline, "record_trampoline_hit", record_hit_with_depth)  # noqa: B010
    setattr(PytestRunner, "execute_pytest", execute_pytest)  # noqa: B010
    setattr(PytestRunner, "_pytest_args_regular_run", regular_run_args)  # noqa: B010
    sys.exit(mutmut_main.cli())


if __name__ == "__main__":
    main()
