"""Qt widgets, dialogs and table models. Database work goes through ``operations``.

Importing this package loads PySide6 and turns off PySide6's scan of every module
imported after it (``qt_imports.skip_feature_scan``): every ``ui`` module imports it
first, so the scan never sees the app's own modules.
"""

from mechanic_desktop.ui.qt_imports import skip_feature_scan

skip_feature_scan()
