"""`make run`'s check of Qt's xcb plugin (packaging/linux/qt_platform_deps.py), fed the
``ldd`` output of a fresh Debian desktop: it names the right packages and installs them
as root, through sudo, or prints the one command that does."""

from __future__ import annotations

import runpy
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPS = runpy.run_path(str(ROOT / "packaging" / "linux" / "qt_platform_deps.py"))
PLUGIN = Path("/venv/PySide6/Qt/plugins/platforms/libqxcb.so")

#: ldd of PySide6 6.10's libqxcb.so on a fresh Debian 12 desktop (abridged).
FRESH = """\
\tlinux-vdso.so.1 (0x00007fd4ea0cd000)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007fd4e9fff000)
\tlibxkbcommon-x11.so.0 => not found
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-util.so.1 => /lib/x86_64-linux-gnu/libxcb-util.so.1 (0x00007fd4e9f0d000)
\tlibxcb-keysyms.so.1 => not found
\tlibglib-2.0.so.0 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007fd4e821e000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\t/lib64/ld-linux-x86-64.so.2 (0x00007fd4ea0cf000)
"""
FRESH_PACKAGES = ["libxkbcommon-x11-0", "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1",
                  "libglib2.0-0"]
COMPLETE = "\n".join(line for line in FRESH.splitlines() if "not found" not in line)


def test_ldd_output_names_the_missing_libraries_once() -> None:
    assert DEPS["missing_libraries"](FRESH) == [
        "libxkbcommon-x11.so.0", "libxcb-cursor.so.0", "libxcb-icccm.so.4",
        "libxcb-keysyms.so.1", "libglib-2.0.so.0"]
    assert DEPS["missing_libraries"](COMPLETE) == []


@pytest.mark.parametrize(("soname", "package"), [
    ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libX11-xcb.so.1", "libx11-xcb1"),
    ("libX11.so.6", "libx11-6"),
    ("libEGL.so.1", "libegl1"),
    ("libdbus-1.so.3", "libdbus-1-3"),
    ("libglib-2.0.so.0", "libglib2.0-0"),
    ("libz.so.1", "zlib1g"),
])
def test_library_file_names_map_to_debian_packages(soname: str, package: str) -> None:
    assert DEPS["package_name"](soname) == package


def test_t64_package_names_are_used_where_the_archive_has_only_those() -> None:
    archive = {"libxcb-cursor0", "libglib2.0-0t64"}  # Ubuntu 24.04
    packages, unknown = DEPS["packages_for"](
        ["libxcb-cursor.so.0", "libglib-2.0.so.0", "libgthread-2.0.so.0", "libweird.so.3"],
        archive.__contains__)
    assert (packages, unknown) == (["libxcb-cursor0", "libglib2.0-0t64"], ["libweird.so.3"])


class Machine:
    """A fake system: ldd answers FRESH until apt-get installs; commands are recorded."""

    def __init__(self, tools: Sequence[str] = ("ldd", "apt-get", "apt-cache", "sudo"),
                 failures: int = 0) -> None:
        self.tools, self.failures = set(tools), failures
        self.installed = False
        self.ran: list[list[str]] = []
        self.said: list[str] = []

    def which(self, name: str) -> str | None:
        return f"/usr/bin/{name}" if name in self.tools else None

    def run(self, command: Sequence[str]) -> tuple[int, str]:
        if command[0] == "ldd":
            return 0, COMPLETE if self.installed else FRESH
        if command[0] == "apt-cache":
            return 0, f"Package: {command[-1]}\n"
        raise AssertionError(command)

    def run_shown(self, command: Sequence[str]) -> tuple[int, str]:
        self.ran.append(list(command))
        if "install" in command:
            if self.failures:
                self.failures -= 1
                return 100, ""
            self.installed = True
        return 0, ""

    def ensure(self, **options: object) -> int:
        return int(DEPS["ensure"](PLUGIN, run=self.run, run_shown=self.run_shown,
                                  which=self.which, say=self.said.append, **options))


INSTALL = ["apt-get", "install", "-y", "--no-install-recommends", *FRESH_PACKAGES]


def test_root_installs_with_apt_get_and_the_app_starts() -> None:
    machine = Machine()
    assert machine.ensure(is_root=True) == 0
    assert machine.ran == [INSTALL]


def test_a_user_installs_through_sudo_and_stale_package_lists_are_refreshed() -> None:
    machine = Machine(failures=1)
    assert machine.ensure(is_root=False, interactive=True) == 0
    assert machine.ran == [["sudo", *INSTALL], ["sudo", "apt-get", "update"], ["sudo", *INSTALL]]
    no_terminal = Machine()
    assert no_terminal.ensure(is_root=False, interactive=False) == 0
    assert no_terminal.ran == [["sudo", "-n", *INSTALL]]  # never hangs on a password prompt


def test_without_sudo_or_when_apt_fails_it_prints_the_one_command() -> None:
    machine = Machine(tools=("ldd", "apt-get", "apt-cache"))
    assert machine.ensure(is_root=False) == 1
    assert machine.ran == []
    assert machine.said[-1] == ("Install them with:\n    su -c 'apt-get install -y "
                                "--no-install-recommends " + " ".join(FRESH_PACKAGES) + "'")
    broken = Machine(failures=2)
    assert broken.ensure(is_root=True) == 1
    assert broken.said[-1].startswith("That did not work. Install them with:\n    apt-get ")
    check = Machine()
    assert check.ensure(is_root=True, check_only=True) == 1 and check.ran == []


def test_nothing_to_do_is_silent_and_other_systems_are_told_what_is_missing() -> None:
    done = Machine()
    done.installed = True
    assert done.ensure(is_root=True) == 0 and done.said == [] and done.ran == []
    fedora = Machine(tools=("ldd",))
    assert fedora.ensure(is_root=True) == 1
    assert "libxcb-cursor.so.0" in fedora.said[0] and "package manager" in fedora.said[1]
