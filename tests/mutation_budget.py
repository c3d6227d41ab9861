"""Which tests judge a mutated function in ``make mutants``: the budget, in processor time.

The stats run times every test once; a function then keeps its most direct tests for as
long as their time adds up to at most the budget. That time used to be mutmut's own,
wall-clock: on a machine other work keeps busy the same tests measured three to four
times their idle time, fewer fitted, and the score fell with the load (docs/mutation.md,
session 7). Processor time is what a test costs whatever else runs, so the same tests
judge a function at load 1 or 10. Kept free of mutmut so that the suite can test it.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterable, Mapping
from typing import Any

import pytest


class ProcessorTimer:
    """A pytest plugin: each test's processor time (all threads) in its call phase, by
    node id, as mutmut notes its wall time (``call.duration``)."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.seconds: dict[str, float] = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: Any) -> Generator[None, None, None]:
        started = time.process_time()
        yield
        node_id = str(item.nodeid).removeprefix(self.prefix)
        self.seconds[node_id] = self.seconds.get(node_id, 0.0) + time.process_time() - started


def most_direct_first(tests: Iterable[str], depths: Mapping[str, int],
                      seconds: Mapping[str, float]) -> list[str]:
    """Fewest mutated functions above first, then the cheapest, then by name."""
    return sorted(tests, key=lambda t: (depths.get(t, 0), seconds.get(t, 0.0), t))


def within_budget(tests: Iterable[str], depths: Mapping[str, int],
                  seconds: Mapping[str, float], budget: float, *,
                  all_direct: bool = False) -> set[str]:
    """The tests a function keeps: most direct first while their time adds up to at most
    ``budget`` (the first always kept); with ``all_direct`` (a ``domain/`` function) also
    every test that calls it itself, outside the budget: those are its unit tests."""
    tests = list(tests)
    keep = {t for t in tests if depths.get(t, 0) == 0} if all_direct else set()
    spent = 0.0
    for test in most_direct_first(tests, depths, seconds):
        if test in keep:
            continue
        cost = seconds.get(test, 0.0)
        if keep and spent + cost > budget:
            break
        spent += cost
        keep.add(test)
    return keep
