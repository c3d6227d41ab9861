"""``make mutants``' budget: which tests judge a function, and that it counts processor
time, so that a busy machine keeps the same tests as an idle one."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.mutation_budget import most_direct_first, within_budget

ROOT = Path(__file__).resolve().parents[2]

DEPTHS = {"direct_slow": 0, "direct_cheap": 0, "above": 1, "far": 2}
SECONDS = {"direct_slow": 0.15, "direct_cheap": 0.02, "above": 0.05, "far": 0.01}


def test_tests_run_most_direct_first_then_cheapest() -> None:
    assert most_direct_first(["far", "above", "direct_slow", "direct_cheap"], DEPTHS,
                             SECONDS) == ["direct_cheap", "direct_slow", "above", "far"]


def test_a_function_keeps_its_most_direct_tests_while_they_fit_the_budget() -> None:
    assert within_budget(DEPTHS, DEPTHS, SECONDS, 0.2) == {"direct_cheap", "direct_slow"}
    assert within_budget(DEPTHS, DEPTHS, SECONDS, 0.22) == {
        "direct_cheap", "direct_slow", "above"}
    # The first test is kept even when it alone is over the budget.
    assert within_budget(["direct_slow"], DEPTHS, SECONDS, 0.1) == {"direct_slow"}


def test_a_domain_function_keeps_every_test_calling_it_itself() -> None:
    assert within_budget(DEPTHS, DEPTHS, SECONDS, 0.01, all_direct=True) == {
        "direct_cheap", "direct_slow"}
    assert within_budget(DEPTHS, DEPTHS, SECONDS, 0.01) == {"direct_cheap"}


def test_a_test_waiting_for_the_processor_is_timed_by_what_it_used(tmp_path: Path) -> None:
    """A sleeping test stands for one that waits on a busy machine: mutmut's wall time
    would count its 0.4 s, the budget's processor time only what it computed."""
    (tmp_path / "test_two.py").write_text(textwrap.dedent("""
        import time

        def test_waits():
            time.sleep(0.4)

        def test_computes():
            started = time.process_time()
            while time.process_time() - started < 0.06:
                pass
    """))
    script = textwrap.dedent(f"""
        import json, sys
        import pytest
        sys.path.insert(0, {str(ROOT)!r})
        from tests.mutation_budget import ProcessorTimer
        timer = ProcessorTimer()
        code = pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                            "test_two.py"], plugins=[timer])
        print(json.dumps(timer.seconds))
        sys.exit(int(code))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, text=True,
                          capture_output=True, timeout=60, check=True)
    seconds = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(seconds) == {"test_two.py::test_waits", "test_two.py::test_computes"}
    assert seconds["test_two.py::test_waits"] < 0.05
    assert 0.06 <= seconds["test_two.py::test_computes"] < 0.3
    # Both fit a 0.25 s budget, which the waiting test alone would fill by wall time.
    assert within_budget(seconds, {}, seconds, 0.25) == set(seconds)
