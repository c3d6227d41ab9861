"""``mechanic-desktop --smoke-test``: the installed (or frozen) app checks itself.

It makes a temporary database, runs the migrations, creates its own administrator there
through the staff service, signs in with it exactly as ``--user`` does (no step is
skipped), shows the main window offscreen and exits once the first page has painted.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

SMOKE_USER = "smoke-test"


def run_smoke_test() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from mechanic_desktop.bootstrap import connect
    from mechanic_desktop.config import ENV_SETTINGS, sqlite_url
    from mechanic_desktop.domain.errors import DomainError
    from mechanic_desktop.services import staff
    from mechanic_desktop.ui.application import run_gui
    from mechanic_desktop.ui.session import PASSWORD_ENV

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mechanic-smoke-") as folder:
        url = sqlite_url(Path(folder) / "smoke.sqlite3")
        password = secrets.token_urlsafe(24)
        try:
            context = connect(url)
            try:
                staff.create_first_admin(
                    context.uow,
                    staff.StaffData(SMOKE_USER, "Smoke Test", "admin"),
                    password,
                    password,
                )
            finally:
                context.close()
        except DomainError as exc:
            print(f"smoke test failed: {exc}", file=sys.stderr)
            return 1
        os.environ[PASSWORD_ENV] = password
        # The check must not move the window or change anything else a user has set.
        own_settings = ENV_SETTINGS not in os.environ
        if own_settings:
            os.environ[ENV_SETTINGS] = str(Path(folder) / "settings.ini")
        try:
            code = run_gui(
                url,
                argparse.Namespace(
                    user=SMOKE_USER, exit_after_first_paint=True, no_demo_offer=True
                ),
            )
        finally:
            os.environ.pop(PASSWORD_ENV, None)
            if own_settings:
                os.environ.pop(ENV_SETTINGS, None)
    elapsed = (time.perf_counter() - started) * 1000
    if code != 0:
        print(f"smoke test failed with exit code {code}", file=sys.stderr)
        return code
    print(f"smoke test ok in {elapsed:.0f} ms", flush=True)
    return 0
