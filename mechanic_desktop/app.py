"""Command line: open the app (default), ``seed`` a database with demo data, or
``set-up-server`` (a shared server's schema and the desks' role, as its owner)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mechanic_desktop import __version__
from mechanic_desktop.config import database_url
from mechanic_desktop.domain.errors import DatabaseUnavailable, DomainError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mechanic-desktop", description="Run a car-repair shop's day."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--database-url",
        help="database to open: sqlite:///path/shop.sqlite3 or "
        "postgresql+psycopg://user@host/db (default: MECHANIC_DATABASE_URL, else a local file)",
    )
    parser.add_argument(
        "--exit-after-first-paint",
        action="store_true",
        help="quit once the main window shows its first page (with --user), or else once "
        "the first window (sign-in or first run) has painted (start-up measurements)",
    )
    parser.add_argument(
        "--user",
        metavar="NAME",
        help="sign in as NAME without the sign-in dialog (for automation); the password "
        "is read from MECHANIC_PASSWORD, else one line of standard input",
    )
    parser.add_argument(
        "--no-demo-offer",
        action="store_true",
        help="do not offer demo data when the database is empty",
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="self-check: temporary database, migrations, own account, sign-in, main "
        "window offscreen; prints the time and exits 0 when all works",
    )
    parser.add_argument(
        "--check-bundle",
        action="store_true",
        help="self-check of what loads only when needed (validators, demo data, PDF, "
        "printing, charts, PostgreSQL driver); prints one line each, exits 0 when all load",
    )
    sub = parser.add_subparsers(dest="command")
    seed = sub.add_parser("seed", help="fill a database with realistic demo data")
    seed.add_argument("--customers", type=int, default=200)
    seed.add_argument("--tickets", type=int, default=1000)
    seed.add_argument("--mechanics", type=int, default=12)
    seed.add_argument("--parts", type=int, default=500)
    seed.add_argument("--random-seed", type=int, default=1)
    seed.add_argument("--database-url", dest="seed_database_url", default=None)
    setup = sub.add_parser(
        "set-up-server",
        help="as the database owner: create or upgrade the shop's schema on a PostgreSQL "
        "server and give the desks' role its rights (see README)")
    setup.add_argument("--database-url", dest="setup_database_url", required=True,
                       help="postgresql+psycopg://OWNER@server/shop")
    setup.add_argument("--desk-role", required=True,
                       help="the server role every workstation connects with")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.smoke_test:
        from mechanic_desktop.ui.smoke import run_smoke_test

        return run_smoke_test()
    if args.check_bundle:
        from mechanic_desktop.ui.bundle_check import run_bundle_check

        return run_bundle_check()
    url = database_url(getattr(args, "seed_database_url", None) or args.database_url)
    if args.command == "seed":
        return run_seed(url, args)
    if args.command == "set-up-server":
        return run_set_up_server(args.setup_database_url, args.desk_role)
    from mechanic_desktop.ui.application import run_gui

    return run_gui(url, args)


def run_set_up_server(url: str, desk_role: str) -> int:
    from mechanic_desktop.services.maintenance import set_up_server

    try:
        result = set_up_server(None, url, desk_role)
    except DomainError as exc:
        print(f"mechanic-desktop: {exc}", file=sys.stderr)
        return 2
    print(f"{result.sentence} The role '{desk_role}' can now use it.")
    return 0 if result.usable else 2


def run_seed(url: str, args: argparse.Namespace) -> int:
    from mechanic_desktop.bootstrap import connect
    from mechanic_desktop.db.seed import SeedPlan, data_already_held, seed

    try:
        context = connect(url)
    except DatabaseUnavailable as exc:
        print(f"mechanic-desktop: {exc}", file=sys.stderr)
        return 2
    try:
        held = data_already_held(context.engine)
        if held is not None:
            print(
                f"mechanic-desktop: {context.description} already holds a shop's data ({held}); "
                "seed fills only an empty database. Name a new one with --database-url, or "
                "add demo data in the app as an administrator.",
                file=sys.stderr,
            )
            return 2
        plan = SeedPlan(
            customers=args.customers,
            tickets=args.tickets,
            mechanics=args.mechanics,
            parts=args.parts,
            random_seed=args.random_seed,
        )
        report = seed(context.engine, plan, progress=lambda msg: print(msg, flush=True))
    finally:
        context.close()
    print(report)
    return 0
