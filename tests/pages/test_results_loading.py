"""Loading results for the pages: county rows at once, health-centre rows on first use and only those allowed."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from core.codes import ALL_UNITS
from core.settings import Settings
from pipeline.bootstrap import bootstrap
from store import tables
from store.measure_tables import read_measures
from store.repository import read_table
from store.results import RESULT_TABLES, load_results


@pytest.fixture(scope="module")
def engine(data_dir: Path) -> sa.Engine:
    return bootstrap(Settings.from_environment({"DASHBOARD_DATA_DIR": str(data_dir)}), sample_scale=0.03)


def stored(engine: sa.Engine, name: str) -> pl.DataFrame:
    return read_table(engine, tables.metadata.tables[name])


@pytest.mark.parametrize("name", RESULT_TABLES)
def test_both_levels_together_are_the_stored_table(engine: sa.Engine, name: str) -> None:
    results = load_results(engine)
    keys = list(stored(engine, name).columns)
    loaded = pl.concat([results.table(name, "region"), results.table(name, "unit")]).sort(keys, nulls_last=True)
    assert loaded.height
    assert loaded.equals(stored(engine, name).sort(keys, nulls_last=True))


def test_health_centre_rows_are_read_on_first_use_only(engine: sa.Engine) -> None:
    results = load_results(engine)
    assert (results.access["unit_id"] == ALL_UNITS).all()  # what was read at once
    reads: list[str] = []
    assert results.unit_rows is not None
    load = results.unit_rows
    object.__setattr__(results, "unit_rows", lambda name: reads.append(name) or load(name))
    first = results.table("access_results", "unit")
    again = results.table("access_results", "unit")
    assert first is again
    assert reads == ["access_results"]
    assert (first["unit_id"] != ALL_UNITS).all()


@pytest.mark.parametrize("allowed", [frozenset(), frozenset({"05"}), frozenset({"05", "10"})])
def test_health_centre_rows_of_other_counties_are_never_read(engine: sa.Engine, allowed: frozenset[str]) -> None:
    every_unit = load_results(engine).table("access_results", "unit")
    assert every_unit["region_code"].n_unique() > len(allowed)  # the sample has units in other counties too
    results = load_results(engine, unit_regions=allowed)
    units = results.table("access_results", "unit")
    assert set(units["region_code"].unique().to_list()) <= allowed
    assert units.height == every_unit.filter(pl.col("region_code").is_in(list(allowed))).height
    assert results.table("access_results", "region").equals(load_results(engine).table("access_results", "region"))


def test_the_age_groups_cells_are_read_with_the_rest(engine: sa.Engine) -> None:
    results = load_results(engine)
    measures = read_measures(engine, results.dataset)
    assert results.has_ages
    for name in ("access_age_results", "continuity_age_results"):
        loaded = results.table(name, "region")
        assert loaded.height
        assert loaded.equals(measures[name])
        assert results.table(name, "unit").is_empty()  # no health centre has an age split
