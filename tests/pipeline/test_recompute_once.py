"""A recomputation builds each data set's named-provider cells and list sizes once: with the visits' aggregates when
the data set has visits, from the assignments alone otherwise; and the figures are those the imports stored."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from pipeline.aggregates import RESULTS_BY_TABLE
from pipeline.recompute import recompute_aggregates
from store import tables
from store.repository import read_table
from tests.pipeline.test_import_assignments import REAL, _assignments, _import, _visits

NAMED_TABLES = ("named_provider_results", "list_size_results")


def stored(engine: sa.Engine) -> dict[str, pl.DataFrame]:
    result = {}
    for name in NAMED_TABLES:
        frame = read_table(engine, tables.metadata.tables[name])
        result[name] = frame.sort(frame.columns)
    return result


def counting_assignments(calls: list[str]) -> dict[str, Callable[..., dict[str, pl.DataFrame]]]:
    """The dashboard's aggregators, with the assignments' counting its runs."""
    own = RESULTS_BY_TABLE["assignments"]

    def assignments(frame: pl.LazyFrame, **others: pl.LazyFrame) -> dict[str, pl.DataFrame]:
        calls.append("assignments")
        return own(frame, **others)

    return {**RESULTS_BY_TABLE, "assignments": assignments}


def test_with_visits_the_assignments_are_aggregated_once_with_them_and_the_figures_stay(
    engine: sa.Engine, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    _import(engine, data_dir, _visits(tmp_path / "visits.csv"), "visits")
    _import(engine, data_dir, _assignments(tmp_path / "list.csv"), "assignments")  # its cells: the assignments' path
    imported = stored(engine)
    assert all(frame.height for frame in imported.values())
    calls: list[str] = []

    written = recompute_aggregates(engine, aggregators=counting_assignments(calls))

    assert calls == []  # the visits' aggregator built them
    assert set(NAMED_TABLES) <= set(written)
    after = stored(engine)
    for name in NAMED_TABLES:
        assert after[name].equals(imported[name]), name


def test_without_visits_the_assignments_are_aggregated_on_their_own(engine: sa.Engine, tmp_path: Path) -> None:
    _import(engine, tmp_path / "data", _assignments(tmp_path / "list.csv"), "assignments")
    imported = stored(engine)
    calls: list[str] = []

    recompute_aggregates(engine, aggregators=counting_assignments(calls))

    assert calls == ["assignments"]
    assert (
        stored(engine)["list_size_results"]
        .filter(pl.col("dataset") == REAL)
        .equals(imported["list_size_results"].filter(pl.col("dataset") == REAL))
    )
