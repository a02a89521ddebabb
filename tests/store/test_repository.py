"""Writes validate first and run in one transaction; reads return typed frames."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import sqlalchemy as sa

from core.errors import DataSourceError, InvalidInputError, MissingColumnsError
from store import tables
from store.engine import create_store_engine
from store.repository import read_table, record_source_attempt, save_indicator_series
from tests.store.conftest import dump

FETCHED = dt.datetime(2025, 3, 1, 12, 0)
INDICATOR = {
    "source": "sotkanet",
    "indicator_id": "5502",
    "title_fi": "Kiireettömät käynnit 7 vrk",
    "title_sv": "Icke-brådskande besök 7 d",
    "title_en": "Non-urgent visits within 7 days",
    "data_updated": dt.date(2025, 2, 20),
    "decimals": 1,
    "limits": "[5, 1]",
    "licence": "CC BY 4.0",
}


def values(*rows: tuple[str, str, float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source": ["sotkanet"] * len(rows),
            "indicator_id": ["5502"] * len(rows),
            "region_code": [row[0] for row in rows],
            "period": [row[1] for row in rows],
            "sex": ["total"] * len(rows),
            "value": [row[2] for row in rows],
        },
        schema_overrides={"value": pl.Float64},
    )


def test_an_indicator_series_round_trips(engine: sa.Engine) -> None:
    save_indicator_series(engine, INDICATOR, values(("01", "2024", 61.5), ("02", "2024", None)), fetched_at=FETCHED)
    stored = read_table(engine, tables.indicator_values, order_by=["region_code"])
    assert stored.select("region_code", "period", "value").rows() == [("01", "2024", 61.5), ("02", "2024", None)]
    meta = read_table(engine, tables.indicators).row(0, named=True)
    assert meta["title_sv"] == "Icke-brådskande besök 7 d"
    assert meta["data_updated"] == dt.date(2025, 2, 20)
    assert meta["fetched_at"] == FETCHED


def test_saving_a_series_again_replaces_it_without_duplicates(engine: sa.Engine) -> None:
    save_indicator_series(engine, INDICATOR, values(("01", "2024", 61.5), ("02", "2024", 50.0)), fetched_at=FETCHED)
    save_indicator_series(engine, INDICATOR, values(("01", "2024", 62.0)), fetched_at=FETCHED)
    stored = read_table(engine, tables.indicator_values)
    assert stored.select("region_code", "value").rows() == [("01", 62.0)]
    assert read_table(engine, tables.indicators).height == 1


def test_nan_is_stored_as_null(engine: sa.Engine) -> None:
    save_indicator_series(engine, INDICATOR, values(("01", "2024", float("nan"))), fetched_at=FETCHED)
    assert read_table(engine, tables.indicator_values)["value"].to_list() == [None]


def test_a_row_of_another_series_is_refused_and_nothing_changes(engine: sa.Engine) -> None:
    save_indicator_series(engine, INDICATOR, values(("01", "2024", 61.5)), fetched_at=FETCHED)
    before = dump(engine)
    stray = values(("01", "2025", 1.0)).with_columns(pl.lit("9999").alias("indicator_id"))
    with pytest.raises(InvalidInputError, match="another series"):
        save_indicator_series(engine, INDICATOR, pl.concat([values(("01", "2025", 2.0)), stray]), fetched_at=FETCHED)
    assert dump(engine) == before


def test_a_failure_half_way_through_a_write_rolls_everything_back(engine: sa.Engine) -> None:
    save_indicator_series(engine, INDICATOR, values(("01", "2024", 61.5)), fetched_at=FETCHED)
    before = dump(engine)
    duplicate_key = values(("01", "2025", 1.0), ("01", "2025", 2.0))  # the database refuses the second row
    with pytest.raises(sa.exc.IntegrityError):
        save_indicator_series(engine, INDICATOR, duplicate_key, fetched_at=FETCHED)
    assert dump(engine) == before


def test_a_frame_missing_a_required_column_names_it(engine: sa.Engine) -> None:
    with pytest.raises(MissingColumnsError, match="'region_code'"):
        save_indicator_series(engine, INDICATOR, values(("01", "2024", 1.0)).drop("region_code"), fetched_at=FETCHED)


def test_a_failed_refresh_keeps_the_last_success_time(engine: sa.Engine) -> None:
    record_source_attempt(engine, "sotkanet", at=FETCHED)
    later = FETCHED + dt.timedelta(days=1)
    record_source_attempt(engine, "sotkanet", at=later, error="HTTP 503")
    status = read_table(engine, tables.source_status).row(0, named=True)
    assert status["last_success_at"] == FETCHED
    assert status["last_attempt_at"] == later
    assert status["last_error"] == "HTTP 503"


def test_an_unreachable_database_gives_a_clear_error() -> None:
    with pytest.raises(DataSourceError, match="not reachable"):
        create_store_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
