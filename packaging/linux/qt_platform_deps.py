"""Before `make run` on Linux: install the system libraries Qt's xcb platform plugin needs.

PySide6's wheels carry Qt but not the X11 libraries its xcb plugin links against. A fresh
Debian/Ubuntu desktop lacks some of them (Qt 6.5+ needs libxcb-cursor0; libxcb-icccm4 and
libxcb-keysyms1 are often missing too), and the app then dies at start with "Could not
load the Qt platform plugin" and a core dump. So `make run` first asks ``ldd`` which
libraries of the installed PySide6's plugin are "not found", maps them to Debian package
names and installs those with apt-get (through sudo when not root). Where it cannot (no
apt-get, no sudo, sudo wants a password and there is no terminal, apt-get fails) it prints
the one command that does and exits non-zero, so make stops before the crash.

Standard library only (it runs before the app's own imports, and never imports Qt):
``python packaging/linux/qt_platform_deps.py [--check]``; ``--check`` only reports.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

#: Libraries whose Debian package name does not follow from the file name
#: (the rule: ``libfoo.so.1`` → ``libfoo1``, ``libfoo-2.so.0`` → ``libfoo-2-0``).
SONAME_PACKAGES = {
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libgio-2.0.so.0": "libglib2.0-0",
    "libz.so.1": "zlib1g",
    "libGLdispatch.so.0": "libglvnd0",
    "libbrotlidec.so.1": "libbrotli1",
    "libbrotlicommon.so.1": "libbrotli1",
}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$", re.MULTILINE)
_SONAME = re.compile(r"^(?P<stem>.+?)\.so\.(?P<major>\d+)")

#: ``run(command) -> (exit status, output)``.
Run = Callable[[Sequence[str]], tuple[int, str]]


def plugin_path(platform: str = "xcb") -> Path | None:
    """The platform plugin of the PySide6 this Python would import (found, not imported:
    importing it is what crashes)."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations)))
    plugin = path / "Qt" / "plugins" / "platforms" / f"libq{platform}.so"
    return plugin if plugin.is_file() else None


def missing_libraries(ldd_output: str) -> list[str]:
    """The libraries ``ldd`` reports as "not found", each once, in its order."""
    return list(dict.fromkeys(_NOT_FOUND.findall(ldd_output)))


def package_name(soname: str) -> str:
    """The Debian package that usually ships ``soname`` (by the Debian naming policy)."""
    if soname in SONAME_PACKAGES:
        return SONAME_PACKAGES[soname]
    match = _SONAME.match(soname)
    if match is None:
        return soname.lower()
    stem, major = match["stem"].lower(), match["major"]
    return f"{stem}-{major}" if stem[-1].isdigit() else f"{stem}{major}"


def packages_for(sonames: Sequence[str], available: Callable[[str], bool]
                 ) -> tuple[list[str], list[str]]:
    """(packages to install, libraries no package was found for). Ubuntu 24.04 and
    Debian 13 renamed many library packages with a ``t64`` suffix: that name is tried
    when the plain one is not in the archive."""
    packages: list[str] = []
    unknown: list[str] = []
    for soname in sonames:
        name = package_name(soname)
        found = next((c for c in (name, name + "t64") if available(c)), None)
        if found is None:
            unknown.append(soname)
        elif found not in packages:
            packages.append(found)
    return packages, unknown


def install_command(packages: Sequence[str], is_root: bool, has_sudo: bool,
                    interactive: bool) -> list[str] | None:
    """apt-get as root, or through sudo (``-n`` when no one could type a password);
    None when neither is possible."""
    command = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    if is_root:
        return command
    if has_sudo:
        return ["sudo", *([] if interactive else ["-n"]), *command]
    return None


def _run(command: Sequence[str]) -> tuple[int, str]:
    done = subprocess.run(list(command), capture_output=True, text=True, check=False)
    return done.returncode, done.stdout + done.stderr


def _run_shown(command: Sequence[str]) -> tuple[int, str]:
    """Run with the terminal attached (sudo's password prompt, apt-get's progress)."""
    return subprocess.run(list(command), check=False).returncode, ""


def _available(run: Run) -> Callable[[str], bool]:
    def available(name: str) -> bool:
        status, output = run(["apt-cache", "show", "--no-all-versions", name])
        return status == 0 and "Package:" in output
    return available


def ensure(
    plugin: Path,
    *,
    check_only: bool = False,
    run: Run = _run,
    run_shown: Run = _run_shown,
    which: Callable[[str], str | None] = shutil.which,
    is_root: bool = False,
    interactive: bool = False,
    say: Callable[[str], None] = print,
) -> int:
    """0 when the plugin's libraries are all there (or were just installed), else 1 after
    saying what is missing and the command that installs it."""
    if which("ldd") is None:
        return 0  # cannot tell; the app reports a plugin it cannot load itself
    missing = missing_libraries(run(["ldd", str(plugin)])[1])
    if not missing:
        return 0
    say("Qt's window-system plugin needs libraries this system lacks: "
        + ", ".join(missing) + ".")
    if which("apt-get") is None:
        say("Install the packages that provide them with your system's package manager, "
            "then run `make run` again.")
        return 1
    available = _available(run) if which("apt-cache") else (lambda _name: True)
    packages, unknown = packages_for(missing, available)
    if unknown:
        say("No Debian package was found for: " + ", ".join(unknown) + ".")
    if not packages:
        return 1
    command = install_command(packages, is_root, which("sudo") is not None, interactive)
    apt = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    shown = shlex.join(command) if command else f"su -c {shlex.quote(shlex.join(apt))}"
    if check_only or command is None:
        say(f"Install them with:\n    {shown}")
        return 1
    say(f"Installing: {shown}")
    if run_shown(command)[0] != 0:
        # Package lists of a fresh install can be stale (404s): refresh them once.
        update = [*command[: command.index("apt-get")], "apt-get", "update"]
        if run_shown(update)[0] != 0 or run_shown(command)[0] != 0:
            say(f"That did not work. Install them with:\n    {shown}")
            return 1
    still = missing_libraries(run(["ldd", str(plugin)])[1])
    if still:
        say("Still missing after the install: " + ", ".join(still) + ".")
        return 1
    return 0


def main(argv: Sequence[str] = ()) -> int:
    if not sys.platform.startswith("linux"):
        return 0
    platform = os.environ.get("QT_QPA_PLATFORM", "xcb").split(":")[0] or "xcb"
    if platform != "xcb":
        return 0  # offscreen, wayland, …: another plugin, not this check's business
    plugin = plugin_path()
    if plugin is None:
        return 0
    return ensure(plugin, check_only="--check" in argv, is_root=os.geteuid() == 0,
                  interactive=sys.stdin.isatty())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
