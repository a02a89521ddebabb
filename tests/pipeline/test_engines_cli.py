"""``python -m pipeline aggregate --engine processes|dask`` stores the figures ``--engine local`` stores: every
result table, the other measures' (remote share, ages, heavy users, named providers) too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from store import buckets, measure_tables
from store.datasets import SAMPLE_DATASET
from store.repository import read_table
from tests.pipeline.test_cli import aggregates, assert_same_aggregates, run, store


def every_aggregate(engine: sa.Engine) -> dict[str, pl.DataFrame]:
    """The four indicators' and the COC distribution's tables, and every other measure's, rows sorted by the
    columns that are not floats."""
    frames = aggregates(engine)
    for table in measure_tables.MEASURE_TABLES:
        frame = read_table(engine, table)
        frames[table.name] = frame.sort([name for name, dtype in frame.schema.items() if not dtype.is_float()])
    return frames


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A store filled by ``bootstrap`` (the small sample: visits, slots, answers, named providers)."""
    folder = tmp_path_factory.mktemp("engines")
    done = run(folder, "bootstrap")
    assert done.returncode == 0, done.stderr
    yield folder
    store(folder).dispose()


@pytest.mark.slow
@pytest.mark.parametrize(
    "arguments", [["--engine", "processes", "--workers", "2"], ["--engine", "dask", "--workers", "2"]]
)
def test_a_bucketed_engine_stores_what_the_single_process_stores(data_dir: Path, arguments: list[str]) -> None:
    engine = store(data_dir)
    done = run(data_dir, "aggregate", "--engine", "local")
    assert done.returncode == 0, done.stderr
    single = every_aggregate(engine)
    for name in ("remote_results", "access_age_results", "continuity_age_results", "named_provider_results"):
        assert single[name].height > 0, name  # the sample has ages and named providers: each table is compared
    done = run(data_dir, "aggregate", *arguments)
    assert done.returncode == 0, done.stderr
    assert "piece(s) done" in done.stderr  # progress per bucket
    assert_same_aggregates(every_aggregate(engine), single)
    assert buckets.read_layout(buckets.dataset_root(data_dir, SAMPLE_DATASET), "visits") is not None


def test_a_scheduler_is_refused_for_an_engine_without_one(data_dir: Path) -> None:
    done = run(data_dir, "aggregate", "--engine", "processes", "--scheduler", "tcp://127.0.0.1:8786")
    assert done.returncode == 1
    assert "--scheduler is for the dask engine only" in done.stderr
