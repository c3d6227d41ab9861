"""The bundle's filters (packaging/bundle_filters.py) and the ICU trim, without a build.

A drop rule that silently matches nothing cost 15 MB once (a regex group left open);
one that matches too much breaks the installed app. Paths are as PyInstaller names them
on Linux, Windows (backslashes turned into slashes, as build.spec does) and macOS.
"""

from __future__ import annotations

import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
FILTERS = runpy.run_path(str(ROOT / "packaging" / "bundle_filters.py"))
DROP, FOREIGN_FAKER = FILTERS["DROP"], FILTERS["FOREIGN_FAKER"]

DROPPED = [
    "libcairo.so.2",
    "libpangocairo-1.0.so.0",
    "libgdk_pixbuf-2.0.so.0",
    "libgtk-3.so.0",
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
    "PySide6/Qt/plugins/tls/libqopenssl.so",
    "PySide6/Qt/plugins/generic/libqevdevkeyboardplugin.so",
    "PySide6/Qt/plugins/platforms/libqeglfs.so",
    "PySide6/Qt/plugins/imageformats/libqtiff.so",
    "PySide6/Qt/lib/libQt6WebEngineCore.so.6",
    "PySide6/Qt/lib/libQt6Quick.so.6",
    "PySide6/Qt/lib/libQt6Network.so.6",
    "PySide6/Qt/translations/qtbase_ja.qm",
    "PySide6/Qt6Pdf.dll",
    "PySide6/plugins/imageformats/qwebp.dll",
    "PySide6/Qt/lib/QtWebEngineCore.framework/Versions/A/QtWebEngineCore",
]
KEPT = [
    "PySide6/Qt/lib/libQt6Core.so.6",
    "PySide6/Qt/lib/libQt6Gui.so.6",
    "PySide6/Qt/lib/libQt6Widgets.so.6",
    "PySide6/Qt/lib/libQt6Charts.so.6",
    "PySide6/Qt/lib/libQt6OpenGL.so.6",  # Qt Charts links it
    "PySide6/Qt/lib/libQt6Svg.so.6",
    "PySide6/Qt/lib/libQt6PrintSupport.so.6",
    "PySide6/Qt/lib/libicudata.so.73",
    "PySide6/Qt/plugins/platforms/libqxcb.so",
    "PySide6/Qt/plugins/platforms/libqwayland-generic.so",
    "PySide6/Qt/plugins/platforms/libqoffscreen.so",  # --smoke-test runs on it
    "PySide6/Qt/plugins/imageformats/libqsvg.so",
    "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
    "PySide6/Qt/plugins/printsupport/libcupsprintersupport.so",
    "PySide6/Qt/translations/qtbase_de.qm",
    "libcups.so.2",
    "libsqlite3.so.0",
    "PySide6/plugins/platforms/qwindows.dll",
    "PySide6/plugins/styles/qmodernwindowsstyle.dll",
    "PySide6/Qt6Widgets.dll",
    "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
    "PySide6/Qt/lib/QtWidgets.framework/Versions/A/QtWidgets",
    "faker/providers/sbn/sbn.py",
]


@pytest.mark.parametrize("path", DROPPED)
def test_unused_pieces_are_dropped(path: str) -> None:
    assert DROP.search(path)


@pytest.mark.parametrize("path", KEPT)
def test_pieces_the_app_uses_are_kept(path: str) -> None:
    assert not DROP.search(path)


@pytest.mark.parametrize(
    ("module", "foreign"),
    [
        ("faker.providers.address.de_DE", True),
        ("faker.providers.person.fil_PH", True),
        ("faker.providers.person.zh_CN", True),
        ("faker.providers.person.fr", True),
        ("faker.providers.person.en_US", False),
        ("faker.providers.bank.en_GB", False),  # en_US falls back to it for bank data
        ("faker.providers.lorem.en", False),
        ("faker.providers.sbn.sbn", False),
        ("faker.providers.address", False),
    ],
)
def test_only_english_faker_locales_are_kept(module: str, foreign: bool) -> None:
    assert bool(FOREIGN_FAKER.search(module)) is foreign


def test_orphaned_system_libraries_are_pruned() -> None:
    binaries = [
        ("PySide6/Qt/lib/libQt6Gui.so.6", "/x/libQt6Gui.so.6", "BINARY"),
        ("libfreetype.so.6", "/lib/libfreetype.so.6", "BINARY"),
        ("libpng16.so.16", "/lib/libpng16.so.16", "BINARY"),
        ("libcairo.so.2", "/lib/libcairo.so.2", "BINARY"),  # its user was filtered out
        ("libpython3.11.so.1.0", "/lib/libpython3.11.so.1.0", "BINARY"),  # the bootloader's
        ("lib-dynload/_ssl.so", "/py/_ssl.so", "EXTENSION"),
    ]
    chains = {
        "/x/libQt6Gui.so.6": {"libfreetype.so.6", "libpng16.so.16"},  # png via freetype
        "/py/_ssl.so": {"libssl.so.3"},
    }
    kept = FILTERS["without_orphans"](binaries, imports=lambda src: chains.get(src, set()))
    assert [dest for dest, _src, _kind in kept] == [
        "PySide6/Qt/lib/libQt6Gui.so.6",
        "libfreetype.so.6",
        "libpng16.so.16",
        "libpython3.11.so.1.0",
        "lib-dynload/_ssl.so",
    ]


def _icu_data_library() -> Path | None:
    import PySide6

    found = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    return found[0] if found else None


def _readelf(*args: str) -> str:
    return subprocess.run(["readelf", *args], capture_output=True, text=True, check=True).stdout


def test_trimmed_icu_keeps_soname_and_symbol_and_halves_the_size(tmp_path: Path) -> None:
    library = _icu_data_library() if sys.platform.startswith("linux") else None
    if library is None:
        pytest.skip("PySide6 carries its own ICU on Linux only")
    tools = [t for t in ("readelf", "icupkg", "cc") if shutil.which(t) is None]
    if tools:
        if IN_CI:
            pytest.fail(f"CI must have {', '.join(tools)} (.ci/run installs them)")
        pytest.skip(f"{', '.join(tools)} not installed")
    trim = runpy.run_path(str(ROOT / "packaging" / "linux" / "trim_icu.py"))["trim"]
    smaller = trim(library, tmp_path)
    assert smaller is not None and smaller.name == library.name
    assert smaller.stat().st_size < 0.6 * library.stat().st_size
    assert f"[{library.name}]" in _readelf("-d", str(smaller))
    symbol = _readelf("--dyn-syms", "-W", str(library)).split()[-1]
    assert symbol.startswith("icudt") and symbol in _readelf("--dyn-syms", "-W", str(smaller))
    items = subprocess.run(
        ["icupkg", "-l", str(tmp_path / "out" / f"{symbol.removesuffix('_dat')}l.dat")],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    assert not [i for i in items if i.startswith(("brkitr/", "curr/", "lang/"))]
    assert any(i.startswith("coll/") for i in items)
    assert any(i.startswith("zone/") for i in items)


def test_without_icupkg_or_a_compiler_the_build_keeps_the_full_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing to run here
    trim = runpy.run_path(str(ROOT / "packaging" / "linux" / "trim_icu.py"))["trim"]
    assert trim(tmp_path / "libicudata.so.73", tmp_path / "work") is None
    assert "readelf, icupkg, cc not found; keeping the full ICU data" in capsys.readouterr().out
    swap = FILTERS["with_trimmed_icu"]
    entry = ("PySide6/Qt/lib/libicudata.so.73", "/wheel/libicudata.so.73", "BINARY")
    assert swap([entry], tmp_path / "work") == [entry]  # not trimmed, not lost
