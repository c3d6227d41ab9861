"""The bench's header line: the machine's load and its speed next to the figures, so a
figure taken on a busy or a slow host is read as such."""

from __future__ import annotations

from benchmarks.__main__ import load_line, reference_loop_s


def test_the_line_gives_speed_and_load_and_warns_when_busy() -> None:
    quiet = {"load_average": {"start": 0.4, "end": 0.9}, "machine": {"reference_loop_s": 0.2}}
    assert load_line(quiet) == ("reference loop 0.200 s (0.13–0.15 usual); "
                                "load average 0.40 at start, 0.90 at end")
    busy = {"load_average": {"start": 0.4, "end": 1.3}, "machine": {}}
    assert load_line(busy).startswith("load average 0.40 at start, 1.30 at end — WARNING")
    unknown = {"load_average": {"start": None, "end": 0.1}, "machine": {}}
    assert load_line(unknown) == "load average: not known on this platform"


def test_the_reference_loop_is_timed_on_the_processor() -> None:
    assert 0.001 < reference_loop_s(runs=1) < 10
