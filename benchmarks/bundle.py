"""The packaged app's figures (``bundle_mb``, ``frozen_startup_ratio``): what a user
downloads and how much slower the frozen build starts than the source checkout.

Both come from ``dist/MechanicDesktop`` as ``make package`` leaves it; building takes
about a minute and a half, so the bench only builds when asked (``--package``). The
figures belong to the machine, not to a backend: they are measured once per run.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "dist" / "MechanicDesktop"
EXECUTABLE = FOLDER / ("mechanic-desktop.exe" if sys.platform == "win32" else "mechanic-desktop")
NO_BUNDLE = "no bundle: run make package or pass --package"
RUNS = 5

_measured: dict[str, Any] = {}


def package(say: Callable[[str], None]) -> str | None:
    """Run ``make package``; the error (last line it printed) when it failed."""
    say("building the bundle: make package (about 1.5 min) ...")
    started = time.perf_counter()
    done = subprocess.run(["make", "package"], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["?"]
        _measured["package_error"] = f"make package failed: {last[0][:160]}"
        return str(_measured["package_error"])
    say(f"built in {time.perf_counter() - started:.0f} s")
    return None


def size_on_disk_mb(folder: Path) -> tuple[float, float]:
    """Allocated and apparent size of every file under ``folder`` (symlinks not
    followed), in MB of 10^6 bytes."""
    allocated = apparent = 0
    for path in folder.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        info = path.lstat()
        apparent += info.st_size
        blocks = getattr(info, "st_blocks", None)
        allocated += blocks * 512 if blocks is not None else info.st_size
    return allocated / 1e6, apparent / 1e6


def _smoke_s(command: list[str]) -> float:
    """Wall time of one ``--smoke-test`` run (which paints the first page and exits)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0 or "smoke test ok" not in done.stdout:
        lines = (done.stderr.strip() or done.stdout.strip()).splitlines() or ["?"]
        # The exception itself, not PyInstaller's closing "[PYI-...] Failed to execute".
        errors = [x for x in lines if "Error" in x and not x.startswith("[PYI")]
        why = (errors or lines)[-1].strip()
        raise RuntimeError(f"{Path(command[0]).name} --smoke-test failed: {why[:140]}")
    return wall


def measure() -> dict[str, Any]:
    """Size and frozen/source start-up medians (runs alternated, after one warm-up
    each so neither pays for a cold disk cache); measured once, then reused."""
    if "result" in _measured:
        result: dict[str, Any] = _measured["result"]
        return result
    if "package_error" in _measured:
        result = {"error": _measured["package_error"]}
    elif not EXECUTABLE.exists():
        result = {"error": NO_BUNDLE}
    else:
        allocated, apparent = size_on_disk_mb(FOLDER)
        result = {"bundle_mb": allocated, "apparent_mb": apparent}
        frozen = [str(EXECUTABLE), "--smoke-test"]
        source = [sys.executable, "-m", "mechanic_desktop", "--smoke-test"]
        try:
            _smoke_s(frozen)
            _smoke_s(source)
            frozen_s, source_s = [], []
            for _ in range(RUNS):
                frozen_s.append(_smoke_s(frozen))
                source_s.append(_smoke_s(source))
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            result["startup_error"] = str(exc)[:200]
        else:
            result.update(frozen_s=statistics.median(frozen_s),
                          source_s=statistics.median(source_s))
    _measured["result"] = result
    return result
