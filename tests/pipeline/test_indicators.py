"""Published series: recorded copies load offline; a refresh fetches what changed and survives failures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from data_sources.sotkanet import SotkanetClient
from data_sources.thl_cube import ThlCubeClient
from pipeline.indicators import load_recorded_indicators, refresh_sotkanet, refresh_thl_cube
from store import tables
from store.engine import create_store_engine
from store.migrations import migrate
from store.repository import read_table
from tests.data_sources.stub_server import StubServer, fail, guard_network, running_stub, truncated
from tests.store.conftest import dump

NOW = dt.datetime(2026, 11, 23, 9, 0)
CUBE_PATH = "/pivot/prod/fi/avohpaasy/pthjono01/fact_ahil_pthjono01.json"


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    guard_network(monkeypatch)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def stub() -> Iterator[StubServer]:
    yield from running_stub()


def client_for(stub: StubServer) -> SotkanetClient:
    return SotkanetClient(stub.sotkanet_url, timeout=(2.0, 0.5), retries=1, backoff_base=0.001, backoff_max=0.01)


def test_recorded_series_load_without_any_network(engine: sa.Engine) -> None:
    assert load_recorded_indicators(engine, now=NOW) > 0
    values = read_table(engine, tables.indicator_values, source="sotkanet", indicator_id="2676")
    assert set(values["region_code"].to_list()) >= {"01", "13", "90", "SSS"}
    meta = read_table(engine, tables.indicators, source="sotkanet", indicator_id="2676").row(0, named=True)
    assert meta["licence"] == "CC BY 4.0"
    assert meta["fetched_at"] == NOW


def test_the_bundled_copies_are_marked_recorded(engine: sa.Engine) -> None:
    """Their numbers are made up in THL's formats: charts of them carry the sample badge."""
    load_recorded_indicators(engine, now=NOW)
    flags = read_table(engine, tables.indicators).group_by("source").agg(pl.col("recorded").all())
    assert dict(flags.iter_rows()) == {"sotkanet": True, "thl_cube": True}


def test_a_refresh_skips_series_whose_data_updated_is_unchanged(engine: sa.Engine, stub: StubServer) -> None:
    with client_for(stub) as client:
        refresh_sotkanet(engine, client, [2676], years=[2024, 2025], now=NOW)
        fetched = len(stub.seen("/rest/1.1/json"))
        assert fetched > 0
        outcome = refresh_sotkanet(engine, client, [2676], years=[2024, 2025], now=NOW)
    assert (outcome.updated, outcome.unchanged, outcome.ok) == ([], ["2676"], True)
    assert len(stub.seen("/rest/1.1/json")) == fetched  # the second refresh asked for no data


def test_a_refresh_replaces_a_bundled_copy_even_when_its_update_date_matches(
    engine: sa.Engine, stub: StubServer
) -> None:
    """The copy's update date looks like THL's; its numbers are made up, so the live series always replaces it."""
    load_recorded_indicators(engine, now=NOW)
    with client_for(stub) as client:
        outcome = refresh_sotkanet(engine, client, [2676], years=[2024, 2025], now=NOW)
    assert (outcome.updated, outcome.unchanged) == (["2676"], [])
    assert read_table(engine, tables.indicators, indicator_id="2676")["recorded"].to_list() == [False]


def test_a_refresh_fetches_a_series_it_does_not_have(engine: sa.Engine, stub: StubServer) -> None:
    with client_for(stub) as client:
        outcome = refresh_sotkanet(engine, client, [2676], years=[2024, 2025], now=NOW)
    assert outcome.updated == ["2676"]
    assert read_table(engine, tables.indicators, indicator_id="2676")["recorded"].to_list() == [False]
    periods = set(read_table(engine, tables.indicator_values, indicator_id="2676")["period"].to_list())
    assert periods == {"2024", "2025"}
    status = read_table(engine, tables.source_status).row(0, named=True)
    assert (status["last_success_at"], status["last_error"]) == (NOW, None)


def test_a_failed_refresh_keeps_the_last_good_data_and_says_why(engine: sa.Engine, stub: StubServer) -> None:
    with client_for(stub) as client:
        refresh_sotkanet(engine, client, [2676], years=[2024], now=NOW)
    before = dump(engine)
    stub.script("/rest/1.1/indicators/2676", fail(503), fail(503), fail(503))
    later = NOW + dt.timedelta(days=1)
    with client_for(stub) as client:
        outcome = refresh_sotkanet(engine, client, [2676], years=[2024], now=later)
    assert not outcome.ok
    assert "503" in outcome.failed["2676"]
    after = dump(engine)
    assert after["indicator_values"] == before["indicator_values"]
    status = read_table(engine, tables.source_status).row(0, named=True)
    assert status["last_success_at"] == NOW  # "as of" the last good refresh
    assert status["last_attempt_at"] == later
    assert "503" in status["last_error"]


def cube_client(stub: StubServer) -> ThlCubeClient:
    return ThlCubeClient(stub.thl_url, timeout=(2.0, 0.5), retries=1, backoff_base=0.001, backoff_max=0.01)


def test_a_cube_refresh_stores_its_series(engine: sa.Engine, stub: StubServer) -> None:
    with cube_client(stub) as client:
        outcome = refresh_thl_cube(engine, client, now=NOW)
    assert outcome.ok
    assert not any(read_table(engine, tables.indicators, source="thl_cube")["recorded"].to_list())
    stored = read_table(engine, tables.indicator_values, source="thl_cube")
    assert "ahil_pthjono01:within_7_days:doctor" in set(stored["indicator_id"].to_list())


def test_broken_cube_json_keeps_the_last_good_data(engine: sa.Engine, stub: StubServer) -> None:
    with cube_client(stub) as client:
        refresh_thl_cube(engine, client, now=NOW)
    before = dump(engine)["indicator_values"]
    stub.script(CUBE_PATH, truncated(200))
    with cube_client(stub) as client:
        outcome = refresh_thl_cube(engine, client, now=NOW + dt.timedelta(hours=1))
    assert "not valid JSON" in outcome.failed["ahil_pthjono01"]
    assert dump(engine)["indicator_values"] == before
    status = read_table(engine, tables.source_status, source="thl_cube").row(0, named=True)
    assert status["last_success_at"] == NOW
