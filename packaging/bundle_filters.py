"""What the PyInstaller bundle leaves out, and why (build.spec loads this file).

Kept apart from build.spec so the rules can be tested without building
(tests/unit/test_bundle_filters.py): a filter that silently matches nothing costs
megabytes, and one that matches too much breaks the installed app.
"""

from __future__ import annotations

import re
import runpy
import sys
from collections.abc import Callable
from pathlib import Path

#: A TOC entry as PyInstaller keeps it: (name in the bundle, source path, kind).
Entry = tuple[str, str, str]
HERE = Path(__file__).resolve().parent
ICU_DATA = re.compile(r"(^|/)libicudata\.so\.\d+$")

UNUSED_QT = [
    "QtWebEngineCore", "QtWebEngineWidgets", "QtWebEngineQuick", "QtWebChannel",
    "QtWebSockets", "QtWebView", "QtQuick", "QtQuickWidgets", "QtQuick3D",
    "QtQuickControls2", "QtQml", "Qt3DCore", "Qt3DRender", "Qt3DInput", "Qt3DLogic",
    "Qt3DAnimation", "Qt3DExtras", "QtMultimedia", "QtMultimediaWidgets",
    "QtSpatialAudio", "QtPdf", "QtPdfWidgets", "QtVirtualKeyboard", "QtBluetooth",
    "QtNfc", "QtPositioning", "QtLocation", "QtSensors", "QtSerialPort", "QtSerialBus",
    "QtTextToSpeech", "QtRemoteObjects", "QtScxml", "QtStateMachine", "QtDesigner",
    "QtHelp", "QtUiTools", "QtTest", "QtDataVisualization", "QtGraphs", "QtHttpServer",
    "QtOpenGLWidgets", "QtSql", "QtNetwork", "QtNetworkAuth", "QtShaderTools", "QtConcurrent",
    "QtCanvasPainter",
    # QtCharts links the OpenGL *libraries*, but its Python module never imports this
    # 9 MB binding.
    "QtOpenGL",
]
# A locale segment is "xx" or "xx(x)_YY" (not a provider's own module such as sbn.sbn).
FOREIGN_FAKER = re.compile(
    r"faker[./]providers[./]\w+[./](?!en_US\b|en_GB\b|en\b)([a-z]{2}|[a-z]{2,3}_[A-Z]{2})\b"
)
# Library / plugin / translation file names to drop (matched anywhere in the path).
DROP = re.compile(
    r"(Qt6?(WebEngine|WebChannel|WebSockets|WebView|Quick|Qml|3D|Multimedia|SpatialAudio"
    r"|Pdf|VirtualKeyboard|Bluetooth|Nfc|Positioning|Location|Sensors|Serial|TextToSpeech"
    r"|RemoteObjects|Scxml|StateMachine|Designer|Help|UiTools|Test|DataVisualization"
    r"|Graphs|HttpServer|Sql|Network|ShaderTools|Concurrent|CanvasPainter|Labs))"
    r"|QtWebEngineProcess|qtwebengine_|resources/qtwebengine|/qml/"
    r"|plugins/(multimedia|position|sensors|sqldrivers|qmltooling|texttospeech|webview"
    r"|geoservices|canbus|virtualkeyboard|renderers|sceneparsers|assetimporters"
    r"|designer|scenegraph|networkinformation|tls|egldeviceintegrations|generic)/"
    # The GTK theme plugin drags in GTK, cairo and pango (~15 MB); Fusion is used instead.
    r"|platformthemes/libqgtk3|(^|/)lib(gtk-3|gdk-3|atk|cairo|pango|gdk_pixbuf|epoxy|fribidi"
    r"|datrie|thai|pixman|atspi)[-.\w]*\.so"
    # Platforms a desktop never uses (offscreen stays: the --smoke-test runs on it).
    r"|platforms/libq(eglfs|linuxfb|minimal|minimalegl|vkkhrdisplay|vnc)\."
    r"|wayland-graphics-integration-client/.*-server\."
    r"|imageformats/.*(tga|wbmp|webp|tiff|pdf|icns)"
    r"|translations/(?!qtbase_(en|de|fr|es)\b)",
    re.IGNORECASE,
)


def is_system_library(dest: str) -> bool:
    """A shared library PyInstaller put at the bundle's top as someone's dependency."""
    return "/" not in dest and dest.startswith("lib") and not dest.startswith("libpython")


def without_orphans(
    binaries: list[Entry], imports: Callable[[str], set[str]] | None = None
) -> list[Entry]:
    """Drop the system libraries that only the filtered-out pieces linked to.

    PyInstaller collected them as dependencies of, say, the GTK theme plugin; once that
    plugin is gone nothing loads them. A library stays if any remaining binary needs it
    (``imports`` gives a binary's whole chain, as ldd does). Linux only: that is where
    the system's GTK stack is pulled in; Windows and macOS bundles keep what
    PyInstaller found.
    """
    if imports is None:
        if not sys.platform.startswith("linux"):
            return binaries
        from PyInstaller.depend import bindepend

        def imports(src: str) -> set[str]:
            return {name for name, _path in bindepend.get_imports(src)}

    needed: set[str] = set()
    for dest, src, _kind in binaries:
        if not is_system_library(dest):
            needed |= imports(src)
    return [b for b in binaries if not is_system_library(b[0]) or b[0] in needed]


def with_trimmed_icu(binaries: list[Entry], work: Path) -> list[Entry]:
    """Linux: swap PySide6's 32 MB ICU data library for the part Qt reads (trim_icu.py)."""
    if not sys.platform.startswith("linux"):
        return binaries
    trim = runpy.run_path(str(HERE / "linux" / "trim_icu.py"))["trim"]
    swapped = []
    for dest, src, kind in binaries:
        smaller = trim(Path(src), work) if ICU_DATA.search(dest) else None
        swapped.append((dest, str(smaller or src), kind))
    return swapped
