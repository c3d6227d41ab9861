"""``make ab``: an earlier revision's searches and the working tree's, timed alternately
in one process on the same database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from benchmarks import ab
from benchmarks.metrics import Search
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.services import customers
from mechanic_desktop.services.customers import CustomerData


def test_the_revision_and_the_working_tree_list_the_same_rows_timed_in_turn(
    uow: UnitOfWork, engine: Engine, tmp_path: Path,
) -> None:
    for name in ("Kate Smith", "John Smithers", "Ann Lee"):
        customers.create_customer(uow, CustomerData(name))
    loaded = ab.load_revision("HEAD", tmp_path)
    assert loaded.__name__ == ab.BASE and (tmp_path / ab.BASE / "db" / "search.py").exists()
    assert "mechanic_desktop" not in (tmp_path / ab.BASE / "db" / "search.py").read_text()
    url = engine.url.render_as_string(hide_password=False)
    old, new = ab.SearchRunner(ab.BASE, url), ab.SearchRunner("mechanic_desktop", url)
    found = [Search("customers by surname", "customers", "smith"),
             Search("tickets by surname", "tickets", "smith")]
    try:
        results = ab.interleaved(old, new, found, repetitions=3)
        _refuses_different_rows(old, new, found[0])
    finally:
        old.close()
        new.close()
    assert [(r[0].text, r[0].area) for r in results] == [("smith", "customers"),
                                                         ("smith", "tickets")]
    assert all(r[1] > 0 and r[2] > 0 for r in results)
    told = ab.report(results, "HEAD")
    assert "customers 'smith'" in told and "95th percentile" in told


def _refuses_different_rows(old: ab.SearchRunner, new: ab.SearchRunner,
                            search: Search) -> None:
    def one_more(asked: Search) -> int:
        return new(asked) + 1

    with pytest.raises(AssertionError, match="listed 2 rows before and 3 after"):
        ab.interleaved(old, one_more, [search], repetitions=1)
    # Unless the change is meant to find more: then the report says how many.
    [(reported, _, _)] = ab.interleaved(old, one_more, [search], repetitions=1,
                                        rows_may_differ=True)
    assert reported.label.endswith("; 2 -> 3 rows")
