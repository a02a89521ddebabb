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

from core.settings import DEFAULT_SOTKANET_INDICATORS, PROJECT_ROOT, Settings
from pipeline.bootstrap import bootstrap
from pipeline.indicators import load_recorded_indicators
from store import tables
from store.engine import create_store_engine
from store.migrations import migrate
from store.repository import read_table, save_indicator_series
from tests.data_sources.stub_server import guard_network
from tests.store.conftest import dump

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


def made_up_series(indicator_id: str, value: float) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source": ["sotkanet"],
            "indicator_id": [indicator_id],
            "region_code": ["SSS"],
            "period": ["2024"],
            "sex": ["total"],
            "value": [value],
        }
    )


def test_a_store_from_an_older_version_gets_thls_copies_instead_of_its_made_up_series(tmp_path: Path) -> None:
    """Its first start loaded made-up series (bundled, no retrieval date): the next start swaps them for THL's
    copies, drops the dropped candidates, and keeps a series fetched live since."""
    settings = Settings.from_environment({"DASHBOARD_DATA_DIR": str(tmp_path)})
    engine = bootstrap(settings, sample_scale=0.03)
    with engine.begin() as connection:  # as the older version left the store
        connection.execute(tables.indicator_values.delete().where(tables.indicator_values.c.source == "sotkanet"))
        connection.execute(tables.indicators.delete().where(tables.indicators.c.source == "sotkanet"))
    first_start = dt.datetime(2026, 1, 5, 12, 0)
    for indicator_id in ("2676", "6411"):
        record = {"source": "sotkanet", "indicator_id": indicator_id, "recorded": True}
        save_indicator_series(engine, record, made_up_series(indicator_id, 99.9), fetched_at=first_start)
    live = {"source": "sotkanet", "indicator_id": "5502", "data_updated": dt.date(2026, 9, 1)}
    save_indicator_series(engine, live, made_up_series("5502", 0.31), fetched_at=dt.datetime(2026, 9, 2, 8, 0))
    engine.dispose()

    engine = bootstrap(settings, sample_scale=0.03)
    meta = read_table(engine, tables.indicators, source="sotkanet").sort("indicator_id")
    assert meta.select("indicator_id", "recorded", "retrieved").rows() == [
        ("1080", True, dt.date(2026, 8, 18)),
        ("4909", True, dt.date(2026, 8, 18)),
        ("5081", True, dt.date(2026, 8, 18)),
        ("5186", True, dt.date(2026, 8, 18)),
        ("5502", False, None),  # fetched live: kept
        ("6411", True, dt.date(2026, 8, 18)),
    ]
    values = stored(engine)
    assert values.filter(pl.col("indicator_id") == "5502").select("value").to_series().to_list() == [0.31]
    expected = published().filter(pl.col("indicator_id") != "5502")
    assert values.filter(pl.col("indicator_id") != "5502").equals(expected)
    before = dump(engine)
    engine.dispose()

    again = bootstrap(settings, sample_scale=0.03)  # nothing made up is left: the next start changes nothing
    assert dump(again) == before
    again.dispose()
