"""The linked suppression is decided when the figures are written and kept per data set, so no page decides it."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from pipeline.imports import import_extract
from pipeline.kept_decisions import keep_linked_decisions
from store import measure_tables, tables
from store.repository import read_table
from store.results import load_results
from tests.data_sources.extract_fixtures import TODAY, avohilmo_rows, write_avohilmo
from views import cells as cell_views
from views.cells import indicator_cells
from views.indicators import INDICATORS

REAL = "Kanta-Häme 2025"


def _import(engine: sa.Engine, tmp_path: Path, count: int, *, name: str = "avohilmo.csv") -> None:
    path = write_avohilmo(tmp_path / name, avohilmo_rows(count))
    import_extract(
        engine, tmp_path / "data", path, table_name="visits", imported_by="tester", dataset=REAL, today=TODAY
    )


def test_an_imports_decisions_are_kept_once_and_read_by_the_pages(
    engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import(engine, tmp_path, 3)

    assert keep_linked_decisions(engine, 5, dataset=REAL) == 1
    kept = read_table(engine, tables.linked_suppression)
    assert kept["dataset"].unique().to_list() == [REAL]
    assert sorted(kept["family"].unique().to_list()) == ["access", "remote"]  # no survey answers: no NPS
    assert kept["suppressed"].all()  # three visits: every cell of them is under the threshold
    assert keep_linked_decisions(engine, 5, dataset=REAL) == 0  # nothing changed: nothing written

    def decide(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a page decided the linked suppression the store keeps")

    monkeypatch.setattr(cell_views, "suppress_linked", decide)
    cells = indicator_cells(load_results(engine, dataset=REAL), INDICATORS["access_7d"], grain="year", threshold=5)
    assert cells.height
    assert cells["suppressed"].all()


def test_new_figures_replace_the_kept_decisions_of_their_data_set_only(engine: sa.Engine, tmp_path: Path) -> None:
    _import(engine, tmp_path, 3)
    keep_linked_decisions(engine, 5)
    before = set(read_table(engine, tables.linked_suppression)["inputs"])

    _import(engine, tmp_path, 4, name="more.csv")  # other ids: the county's counts change
    assert keep_linked_decisions(engine, 5) == 1

    after = read_table(engine, tables.linked_suppression)
    assert not set(after["inputs"]) & before
    # the old decisions are gone, not kept beside the new: one fingerprint per family
    assert after.group_by("family").agg(pl.col("inputs").n_unique())["inputs"].to_list() == [1, 1]


def test_each_threshold_keeps_its_own_decisions(engine: sa.Engine, tmp_path: Path) -> None:
    _import(engine, tmp_path, 3)
    keep_linked_decisions(engine, 5)
    keep_linked_decisions(engine, 3)
    kept = read_table(engine, tables.linked_suppression)
    assert sorted(kept["threshold"].unique().to_list()) == [3, 5]
    assert keep_linked_decisions(engine, 5) == 0


def test_a_store_without_data_sets_has_nothing_to_decide(engine: sa.Engine) -> None:
    assert keep_linked_decisions(engine, 5) == 0
    assert read_table(engine, tables.linked_suppression).is_empty()


def test_figures_deleted_since_take_their_kept_decisions_with_them(engine: sa.Engine, tmp_path: Path) -> None:
    _import(engine, tmp_path, 3)
    keep_linked_decisions(engine, 5)
    with engine.begin() as connection:
        connection.execute(tables.access_results.delete())
        connection.execute(measure_tables.remote_results.delete())

    assert keep_linked_decisions(engine, 5) == 1
    assert read_table(engine, tables.linked_suppression).is_empty()
