"""The bundled Sotkanet copies hold exactly THL's published values, read through the loader the app uses.

THL's published values (``sotkanet_published_2020_2025.csv``, retrieved from the live Sotkanet API) are looked
for in ``../shared/reference/`` beside the repository, or in the folder named by ``DASHBOARD_SEEDS_DIR``;
without the file these tests skip (or fail, when ``DASHBOARD_REQUIRE_SEEDS=1``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from core.settings import DEFAULT_SOTKANET_INDICATORS, PROJECT_ROOT
from pipeline.indicators import load_recorded_indicators
from store import tables
from store.engine import create_store_engine
from store.migrations import migrate
from store.repository import read_table
from tests.data_sources.stub_server import guard_network

PUBLISHED_FILE = "sotkanet_published_2020_2025.csv"
KEY = ["indicator_id", "region_code", "period", "sex"]


def published_csv_path() -> Path:
    folders = [Path(os.environ["DASHBOARD_SEEDS_DIR"])] if os.environ.get("DASHBOARD_SEEDS_DIR") else []
    folders.append(PROJECT_ROOT.parent / "shared" / "reference")
    for folder in folders:
        if (folder / PUBLISHED_FILE).is_file():
            return folder / PUBLISHED_FILE
    message = f"{PUBLISHED_FILE} not found (set DASHBOARD_SEEDS_DIR to the folder holding it)"
    if os.environ.get("DASHBOARD_REQUIRE_SEEDS") == "1":
        pytest.fail(message)
    pytest.skip(message)


def published() -> pl.DataFrame:
    """THL's published rows, as text first so that nothing is parsed differently from the file."""
    raw = pl.read_csv(published_csv_path(), infer_schema=False)
    return raw.select(
        pl.col("sotkanet_indicator").alias("indicator_id"),
        "region_code",
        pl.col("year").alias("period"),
        pl.col("gender").alias("sex"),
        pl.col("value").cast(pl.Float64),
        pl.col("abs_value").cast(pl.Float64).alias("numerator"),
    ).sort(KEY)


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sa.Engine]:
    guard_network(monkeypatch)  # the copies load offline
    engine = create_store_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    migrate(engine)
    load_recorded_indicators(engine)
    yield engine
    engine.dispose()


def stored(engine: sa.Engine) -> pl.DataFrame:
    return (
        read_table(engine, tables.indicator_values, source="sotkanet")
        .select(*KEY, pl.col("value").cast(pl.Float64), pl.col("numerator").cast(pl.Float64))
        .sort(KEY)
    )


def test_every_bundled_value_equals_thls_published_value(engine: sa.Engine) -> None:
    """Every row of the file and no other row (an area and year THL did not publish stays missing), each value
    and count exactly as published."""
    expected, actual = published(), stored(engine)
    assert expected.height == 655  # the whole file was read
    assert actual.select(KEY).equals(expected.select(KEY)), "the stored (indicator, area, year) rows differ"
    differing = actual.join(expected, on=KEY, suffix="_published").filter(
        (pl.col("value") != pl.col("value_published")) | pl.col("numerator").ne_missing(pl.col("numerator_published"))
    )
    assert differing.is_empty(), differing


def test_the_copies_are_the_default_refresh_set_and_carry_their_retrieval_date(engine: sa.Engine) -> None:
    retrieved = pl.read_csv(published_csv_path(), infer_schema=False).select(
        pl.col("sotkanet_indicator").cast(pl.Int64), pl.col("retrieved").str.to_date()
    )
    meta = read_table(engine, tables.indicators, source="sotkanet")
    copies = dict(zip(meta["indicator_id"].cast(pl.Int64).to_list(), meta["retrieved"].to_list(), strict=True))
    assert copies == dict(retrieved.unique().iter_rows())
    assert set(copies.values()) == {dt.date(2026, 8, 18)}
    assert sorted(copies) == sorted(DEFAULT_SOTKANET_INDICATORS)
