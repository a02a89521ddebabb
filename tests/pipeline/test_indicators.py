"""Published series: recorded copies load offline; a refresh fetches what changed and survives failures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from core.errors import InvalidInputError
from core.settings import Settings
from data_sources.sotkanet import SotkanetClient
from data_sources.thl_cube import ThlCubeClient
from pipeline.indicators import (
    load_recorded_indicators,
    refresh_all,
    refresh_sotkanet,
    refresh_thl_cube,
    refresh_years,
)
from store import tables
from store.engine import create_store_engine
from store.migrations import migrate
from store.repository import read_table
from tests.data_sources.stub_server import (
    Recorded,
    Reply,
    StubServer,
    body,
    cut_off,
    dripping,
    fail,
    guard_network,
    hung,
    oversized,
    running_stub,
    truncated,
)
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


def client_for(stub: StubServer, **options: object) -> SotkanetClient:
    settings: dict[str, object] = {
        "timeout": (2.0, 0.5),
        "retries": 1,
        "backoff_base": 0.001,
        "backoff_max": 0.01,
    } | options
    return SotkanetClient(stub.sotkanet_url, **settings)  # type: ignore[arg-type]


def test_recorded_series_load_without_any_network(engine: sa.Engine) -> None:
    assert load_recorded_indicators(engine, now=NOW) > 0
    values = read_table(engine, tables.indicator_values, source="sotkanet", indicator_id="6411")
    assert set(values["region_code"].to_list()) >= {"01", "13", "90", "SSS"}
    meta = read_table(engine, tables.indicators, source="sotkanet", indicator_id="6411").row(0, named=True)
    assert meta["licence"] == "CC BY 4.0"
    assert meta["fetched_at"] == NOW


def test_the_bundled_copies_are_marked_recorded(engine: sa.Engine) -> None:
    """All are bundled copies; the Sotkanet ones hold THL's published values and carry the day they were
    copied, the constructed cube carries none (its charts keep the sample badge)."""
    load_recorded_indicators(engine, now=NOW)
    stored = read_table(engine, tables.indicators)
    flags = stored.group_by("source").agg(pl.col("recorded").all(), pl.col("retrieved").unique())
    assert {row[0]: (row[1], row[2]) for row in flags.iter_rows()} == {
        "sotkanet": (True, [dt.date(2026, 8, 18)]),
        "thl_cube": (True, [None]),
    }
    sotkanet = stored.filter(pl.col("source") == "sotkanet")
    assert sorted(sotkanet["indicator_id"].to_list()) == ["1080", "4909", "5081", "5186", "5502", "6411"]
    assert sotkanet["data_updated"].null_count() == sotkanet.height  # THL's update date of a copy is not known


def test_a_refresh_skips_series_whose_data_updated_is_unchanged(engine: sa.Engine, stub: StubServer) -> None:
    with client_for(stub) as client:
        refresh_sotkanet(engine, client, [6411], years=[2024, 2025], now=NOW)
        fetched = len(stub.seen("/rest/1.1/json"))
        assert fetched > 0
        outcome = refresh_sotkanet(engine, client, [6411], years=[2024, 2025], now=NOW)
    assert (outcome.updated, outcome.unchanged, outcome.ok) == ([], ["6411"], True)
    assert len(stub.seen("/rest/1.1/json")) == fetched  # the second refresh asked for no data


def test_a_refresh_replaces_a_bundled_copy_even_when_its_update_date_matches(
    engine: sa.Engine, stub: StubServer
) -> None:
    """The copy's metadata is constructed, so its update date cannot say whether THL has published newer values:
    the live series always replaces it, and is then no longer a copy."""
    load_recorded_indicators(engine, now=NOW)
    with client_for(stub) as client:
        outcome = refresh_sotkanet(engine, client, [6411], years=[2024, 2025], now=NOW)
    assert (outcome.updated, outcome.unchanged) == (["6411"], [])
    meta = read_table(engine, tables.indicators, indicator_id="6411").select("recorded", "retrieved", "data_updated")
    assert meta.rows() == [(False, None, dt.date(2026, 4, 9))]  # the live answer's update date


def test_a_refresh_fetches_a_series_it_does_not_have(engine: sa.Engine, stub: StubServer) -> None:
    with client_for(stub) as client:
        outcome = refresh_sotkanet(engine, client, [6411], years=[2024, 2025], now=NOW)
    assert outcome.updated == ["6411"]
    assert read_table(engine, tables.indicators, indicator_id="6411")["recorded"].to_list() == [False]
    periods = set(read_table(engine, tables.indicator_values, indicator_id="6411")["period"].to_list())
    assert periods == {"2024", "2025"}
    status = read_table(engine, tables.source_status).row(0, named=True)
    assert (status["last_success_at"], status["last_error"]) == (NOW, None)


def test_a_failed_refresh_keeps_the_last_good_data_and_says_why(engine: sa.Engine, stub: StubServer) -> None:
    with client_for(stub) as client:
        refresh_sotkanet(engine, client, [6411], years=[2024], now=NOW)
    before = dump(engine)
    stub.script("/rest/1.1/indicators/6411", fail(503), fail(503), fail(503))
    later = NOW + dt.timedelta(days=1)
    with client_for(stub) as client:
        outcome = refresh_sotkanet(engine, client, [6411], years=[2024], now=later)
    assert not outcome.ok
    assert "503" in outcome.failed["6411"]
    after = dump(engine)
    assert after["indicator_values"] == before["indicator_values"]
    status = read_table(engine, tables.source_status).row(0, named=True)
    assert status["last_success_at"] == NOW  # "as of" the last good refresh
    assert status["last_attempt_at"] == later
    assert "503" in status["last_error"]


def cube_client(stub: StubServer, **options: object) -> ThlCubeClient:
    settings: dict[str, object] = {
        "timeout": (2.0, 0.5),
        "retries": 1,
        "backoff_base": 0.001,
        "backoff_max": 0.01,
    } | options
    return ThlCubeClient(stub.thl_url, **settings)  # type: ignore[arg-type]


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


# -- answers that must not replace the last good data ---------------------------------------------------
# Every test first stores a good series, then lets Sotkanet announce a newer update (so the series is fetched)
# and answers it badly. Deadlines are fractions of a second against servers that would run for minutes or
# forever, so a test can only pass by the client stopping; the assertions are on outcomes and reasons.

RECORDED_BODIES = Recorded()
LATER = NOW + dt.timedelta(days=1)
DATA = "/rest/1.1/json"


def newer_metadata(indicator_id: int = 6411) -> Reply:
    """The recorded metadata with a later update date, so that a refresh fetches the series again."""
    return body(RECORDED_BODIES.json(f"sotkanet/indicator_{indicator_id}.json") | {"data-updated": "2027-01-01"})


def stored_series(engine: sa.Engine, source: str = "sotkanet") -> pl.DataFrame:
    return read_table(engine, tables.indicator_values, source=source).sort(["indicator_id", "region_code", "period"])


def assert_kept_and_failed(engine: sa.Engine, before: pl.DataFrame, source: str, fragment: str) -> None:
    assert stored_series(engine, source).equals(before), "the last good series must stay"
    status = read_table(engine, tables.source_status, source=source).row(0, named=True)
    assert status["last_success_at"] == NOW  # the page still says "as of" the last good refresh
    assert status["last_attempt_at"] == LATER
    assert fragment in status["last_error"]


@pytest.mark.parametrize(
    "rows",
    [
        [],  # Sotkanet's "200 []"
        [{"indicator": 6411, "region": 658, "year": 2024, "gender": "total"}],  # rows without any value
    ],
)
def test_an_answer_without_values_keeps_the_last_good_series_and_is_a_failure(
    engine: sa.Engine, stub: StubServer, rows: list[object]
) -> None:
    with client_for(stub) as client:
        assert refresh_sotkanet(engine, client, [6411], years=[2024], now=NOW).ok
    before = stored_series(engine)
    assert before.height > 0
    stub.script("/rest/1.1/indicators/6411", newer_metadata())
    stub.script(DATA, body(rows))
    with client_for(stub) as client:
        outcome = refresh_sotkanet(engine, client, [6411], years=[2024], now=LATER)
    assert (outcome.ok, outcome.updated) == (False, [])
    assert "the answer has no values" in outcome.failed["6411"]
    assert_kept_and_failed(engine, before, "sotkanet", "the answer has no values")


def test_an_empty_answer_for_a_series_never_stored_is_a_failure_too(engine: sa.Engine, stub: StubServer) -> None:
    stub.script(DATA, body([]))
    with client_for(stub) as client:
        outcome = refresh_sotkanet(engine, client, [6411], years=[2024], now=NOW)
    assert "the answer has no values" in outcome.failed["6411"]
    assert read_table(engine, tables.indicators, source="sotkanet").is_empty()


@pytest.mark.parametrize(
    ("reply", "limits", "fragment"),
    [
        (dripping(piece=8, pause=0.01), {"deadline": 0.5}, "no complete answer within the request deadline"),
        (oversized(600 * 1024 * 1024), {"max_bytes": 100_000}, "more than the limit of 100000 bytes"),
        (oversized(600 * 1024 * 1024, announce=False), {"max_bytes": 100_000}, "larger than the limit"),
        (cut_off(100), {}, "connection failed"),  # shorter than its Content-Length, on both attempts
        (truncated(100), {}, "not valid JSON"),
    ],
    ids=["dripping", "announced-oversized", "streamed-oversized", "cut-short", "broken-json"],
)
def test_a_faulty_data_answer_keeps_the_last_good_series_and_says_why(
    engine: sa.Engine, stub: StubServer, reply: Reply, limits: dict[str, float], fragment: str
) -> None:
    with client_for(stub) as client:
        refresh_sotkanet(engine, client, [6411], years=[2024], now=NOW)
    before = stored_series(engine)
    stub.script("/rest/1.1/indicators/6411", newer_metadata())
    stub.script(DATA, reply, reply)
    with client_for(stub, **limits) as client:
        outcome = refresh_sotkanet(engine, client, [6411], years=[2024], now=LATER)
    assert fragment in outcome.failed["6411"]
    assert_kept_and_failed(engine, before, "sotkanet", fragment)


def test_a_hung_indicator_fails_at_the_request_deadline_and_the_next_one_is_fetched(
    engine: sa.Engine, stub: StubServer
) -> None:
    stub.script("/rest/1.1/indicators/6411", hung(), hung())
    with client_for(stub, timeout=(2.0, 30.0), deadline=0.3) as client:
        outcome = refresh_sotkanet(engine, client, [6411, 5081], years=[2024], now=NOW)
    assert "no complete answer within the request deadline of 0.3 s" in outcome.failed["6411"]
    assert outcome.updated == ["5081"]
    assert len(stub.seen("/rest/1.1/indicators/6411")) == 1  # the read timeout was cut to the deadline


def test_the_refresh_deadline_stops_the_refresh_and_keeps_what_was_saved(engine: sa.Engine, stub: StubServer) -> None:
    stub.script("/rest/1.1/indicators/5081", hung())
    with client_for(stub, timeout=(2.0, 30.0), deadline=60.0) as client:
        outcome = refresh_sotkanet(engine, client, [6411, 5081, 1080], years=[2024], now=NOW, deadline=1.5)
    assert outcome.updated == ["6411"]
    assert "the refresh's deadline (DASHBOARD_REFRESH_DEADLINE) passed" in outcome.failed["5081"]
    assert "not fetched: the refresh's deadline of 1.5 s" in outcome.failed["1080"]
    assert stub.seen("/rest/1.1/indicators/1080") == []  # not asked for
    assert set(stored_series(engine)["indicator_id"].to_list()) == {"6411"}  # saved before the deadline, kept
    status = read_table(engine, tables.source_status, source="sotkanet").row(0, named=True)
    assert "1080" in status["last_error"]


def jsonstat_body(**changes: object) -> Reply:
    cube = RECORDED_BODIES.json("thl/fact_ahil_pthjono01.json")
    cube["dataset"] = cube["dataset"] | changes
    return body(cube)


def test_an_empty_cube_keeps_the_last_good_series_and_is_a_failure(engine: sa.Engine, stub: StubServer) -> None:
    with cube_client(stub) as client:
        assert refresh_thl_cube(engine, client, now=NOW).ok
    before = stored_series(engine, "thl_cube")
    stub.script(CUBE_PATH, jsonstat_body(value=[]))
    with cube_client(stub) as client:
        outcome = refresh_thl_cube(engine, client, now=LATER)
    assert "the answer has no values" in outcome.failed["ahil_pthjono01"]
    assert outcome.updated == []
    assert_kept_and_failed(engine, before, "thl_cube", "the answer has no values")


def test_a_cube_series_without_values_keeps_its_last_good_data(engine: sa.Engine, stub: StubServer) -> None:
    with cube_client(stub) as client:
        refresh_thl_cube(engine, client, now=NOW)
    before = stored_series(engine, "thl_cube")
    cube = RECORDED_BODIES.json("thl/fact_ahil_pthjono01.json")["dataset"]
    wait = cube["dimension"]["odotusaika"]["category"]
    total = next(code for code, label in wait["label"].items() if label.casefold() in {"yhteensä", "total"})
    sizes, ids = cube["dimension"]["size"], cube["dimension"]["id"]
    axis = ids.index("odotusaika")
    stride = 1
    for size in sizes[axis + 1 :]:
        stride *= size
    position = wait["index"][total] if isinstance(wait["index"], dict) else wait["index"].index(total)
    values = {
        key: ".." if (int(key) // stride) % sizes[axis] == position else cell for key, cell in cube["value"].items()
    }
    stub.script(CUBE_PATH, jsonstat_body(value=values))  # every total suppressed: the visits series is empty
    with cube_client(stub) as client:
        outcome = refresh_thl_cube(engine, client, now=LATER)
    empty = [series for series in outcome.failed if ":visits:" in series]
    assert empty
    assert all("the answer has no values" in outcome.failed[series] for series in empty)
    kept = stored_series(engine, "thl_cube").filter(pl.col("indicator_id").is_in(empty))
    assert kept.equals(before.filter(pl.col("indicator_id").is_in(empty)))


def test_an_oversized_cube_is_refused_and_keeps_the_last_good_series(engine: sa.Engine, stub: StubServer) -> None:
    with cube_client(stub) as client:
        refresh_thl_cube(engine, client, now=NOW)
    before = stored_series(engine, "thl_cube")
    stub.script(CUBE_PATH, oversized(600 * 1024 * 1024, announce=False))
    with cube_client(stub, max_bytes=200_000) as client:
        outcome = refresh_thl_cube(engine, client, now=LATER)
    assert "larger than the limit of 200000 bytes" in outcome.failed["ahil_pthjono01"]
    assert_kept_and_failed(engine, before, "thl_cube", "larger than the limit")


def test_a_hung_cube_fails_at_the_refresh_deadline(engine: sa.Engine, stub: StubServer) -> None:
    stub.script(CUBE_PATH, hung())
    with cube_client(stub, timeout=(2.0, 30.0), deadline=60.0) as client:
        outcome = refresh_thl_cube(engine, client, now=NOW, deadline=0.3)
    assert "the refresh's deadline (DASHBOARD_REFRESH_DEADLINE) passed" in outcome.failed["ahil_pthjono01"]


def settings_for(stub: StubServer, tmp_path: Path, **changes: object) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url="sqlite://",
        sotkanet_url=stub.sotkanet_url,
        thl_url=stub.thl_url,
        sotkanet_indicators=(6411,),
        **changes,  # type: ignore[arg-type]
    )


def test_a_full_refresh_uses_the_settings_limits(engine: sa.Engine, stub: StubServer, tmp_path: Path) -> None:
    sotkanet, cube = refresh_all(engine, settings_for(stub, tmp_path), years=[2024], now=NOW)
    assert (sotkanet.updated, cube.updated) == (["6411"], ["ahil_pthjono01"])
    sotkanet, cube = refresh_all(engine, settings_for(stub, tmp_path, remote_max_bytes=1000), years=[2024], now=LATER)
    assert "more than the limit of 1000 bytes" in cube.failed["ahil_pthjono01"]
    assert "more than the limit of 1000 bytes" in sotkanet.failed["6411"]  # its metadata answer is refused too


def test_a_full_refresh_shares_one_deadline(engine: sa.Engine, stub: StubServer, tmp_path: Path) -> None:
    stub.script("/rest/1.1/indicators/6411", hung())
    settings = settings_for(stub, tmp_path, refresh_deadline=0.5)
    sotkanet, cube = refresh_all(engine, settings, years=[2024], now=NOW)
    assert "the refresh's deadline (DASHBOARD_REFRESH_DEADLINE) passed" in sotkanet.failed["6411"]
    assert "not fetched: the refresh's deadline" in cube.failed["ahil_pthjono01"]
    assert stub.seen(CUBE_PATH) == []


def test_a_refresh_of_one_source_asks_nothing_of_the_other(engine: sa.Engine, stub: StubServer, tmp_path: Path) -> None:
    (cube,) = refresh_all(engine, settings_for(stub, tmp_path), sources=("thl",), now=NOW)
    assert (cube.source, cube.updated) == ("thl_cube", ["ahil_pthjono01"])
    assert [request for request in stub.requests if request.path.startswith("/rest/")] == []


def test_a_refresh_asks_sotkanet_for_the_years_from_2019_to_this_year_by_default(
    engine: sa.Engine, stub: StubServer, tmp_path: Path
) -> None:
    (sotkanet,) = refresh_all(engine, settings_for(stub, tmp_path), sources=("sotkanet",), now=NOW)
    assert sotkanet.updated == ["6411"]
    asked = {int(value) for request in stub.seen("/rest/1.1/json") for name, value in request.query if name == "years"}
    assert asked == set(range(2019, dt.date.today().year + 1))
    assert refresh_years(dt.date(2026, 1, 2)) == range(2019, 2027)


def test_an_unknown_source_is_refused(engine: sa.Engine, stub: StubServer, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="sources must be some of sotkanet, thl, got 'kela'"):
        refresh_all(engine, settings_for(stub, tmp_path), sources=("kela",), now=NOW)
    assert stub.requests == []
