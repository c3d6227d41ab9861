"""Messy input gets one clear sentence and nothing else: a URL that is not one (never
echoing its password), a port that is not a number, the --user password left in the
environment, a broken character or a novel in a search box, a CSV cell of 140,000
characters."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from mechanic_desktop import app
from mechanic_desktop.db.engine import make_engine, parse_url
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import DatabaseUnavailable, ValidationError
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.services import audit, customers, parts
from mechanic_desktop.services import csv_import as ci

SECRET = "Hunter-2-Garage"


@pytest.mark.parametrize("url", [
    f"shop:{SECRET}@server/shop",
    f"shop:{SECRET}@server:5432/shop",
    f"postgres//shop:{SECRET}@server/shop",
])
def test_a_url_without_its_scheme_is_named_without_its_password(url: str) -> None:
    with pytest.raises(DatabaseUnavailable) as caught:
        parse_url(url)
    assert SECRET not in str(caught.value)
    assert "shop:***@server" in str(caught.value) and "postgresql+psycopg://" in str(
        caught.value)


def test_a_port_that_is_not_a_number_is_a_sentence_not_a_crash(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = f"postgresql+psycopg://shop:{SECRET}@server:5432x/shop"
    message = ("The port '5432x' in the database URL 'postgresql+psycopg://shop:***@server:"
               "5432x/shop' is not a number; write it as host:5432.")
    with pytest.raises(DatabaseUnavailable, match=r"^The port '5432x'") as caught:
        make_engine(bad)
    assert str(caught.value) == message
    monkeypatch.delenv("MECHANIC_DATABASE_URL", raising=False)
    assert app.main(["seed", "--database-url", bad]) == 2
    err = capsys.readouterr().err
    assert err == f"mechanic-desktop: {message}\n"


def test_the_user_password_leaves_the_environment_and_never_reaches_pg_dump(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mechanic_desktop.db.local_files import run_pg_dump
    from mechanic_desktop.ui.session import read_password

    monkeypatch.setenv("MECHANIC_PASSWORD", SECRET)
    assert read_password("boss") == SECRET
    assert "MECHANIC_PASSWORD" not in os.environ
    # Even one set some other way is not handed on.
    monkeypatch.setenv("MECHANIC_PASSWORD", SECRET)
    seen = tmp_path / "env.txt"
    fake = tmp_path / "pg_dump"
    fake.write_text(f"#!/bin/sh\nenv > '{seen}'\n", encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    run_pg_dump(make_url("postgresql+psycopg://shop:pw@server/shop"), tmp_path / "x.dump",
                str(fake))
    passed = seen.read_text(encoding="utf-8")
    assert "PGPASSWORD=pw" in passed and SECRET not in passed


@pytest.mark.parametrize(("search", "message"), [
    ("brake\ud800", "The search holds a broken character (half of one pasted); retype it."),
    ("x" * 100_000, "Search for at most 200 characters."),
])
def test_searches_that_cannot_run_say_why(uow: UnitOfWork, search: str, message: str) -> None:
    for listing in (customers.list_customers, parts.list_parts, audit.list_audit):
        with pytest.raises(ValidationError) as caught:
            listing(uow, ListQuery(search=search))
        assert caught.value.fields == {"search": message}
    assert customers.list_customers(uow, ListQuery(search="x" * 200)).rows == ()


def test_a_csv_cell_past_the_csv_modules_limit_is_a_sentence(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text("name,phone\nSam,555\n\"" + "x" * 140_000 + "\",1\n", encoding="utf-8")
    with pytest.raises(ci.CsvProblem) as caught:
        list(ci.records(ci.open_csv(path)))
    assert str(caught.value).startswith("Row 3 has a cell longer than 131,072 characters")
    header = tmp_path / "huge-header.csv"
    header.write_text("x" * 140_000 + ",phone\nSam,555\n", encoding="utf-8")
    with pytest.raises(ci.CsvProblem, match=r"^Row 1 has a cell longer"):
        ci.open_csv(header)
