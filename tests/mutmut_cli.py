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

    python -m tests.mutmut_cli run [MUTANT-PATTERN ...]   # or any other mutmut command
"""

from __future__ import annotations

import ast
import bisect
import itertools
import sys
from collections.abc import Iterable
from pathlib import Path

import libcst as cst
import mutmut.__main__ as mutmut_main
from mutmut.configuration import config
from mutmut.mutation import mutators
from mutmut.mutation.file_mutation import (
    FailedTypeCheckMutant,
    MutatedMethodLocation,
    group_by_path,
)
from mutmut.type_checking import run_type_checker
from mutmut.utils.file_utils import change_cwd
from mutmut.utils.format_utils import get_mutant_name, is_mutated_method_name


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


def main() -> None:
    operators = mutators.mutation_operators
    assert isinstance(operators, list)
    # In place: mutmut's file_mutation holds a reference to this very list.
    operators[:] = [
        (kind, wrapped_strings_only if op is mutators.operator_string else op)
        for kind, op in operators
    ]
    setattr(mutmut_main, "filter_mutants_with_type_checker", filter_mutants_with_type_checker)  # noqa: B010
    sys.exit(mutmut_main.cli())


if __name__ == "__main__":
    main()
