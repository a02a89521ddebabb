"""Sotkanet connector: the contract methods over real HTTP against the recorded bodies, and every failure mode."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import polars as pl
import pytest

from core import columns as c
from core.errors import DataSourceError, InvalidInputError
from core.regions import region_by_code, region_codes
from core.schema import CANONICAL_DTYPES, INDICATOR_VALUES
from data_sources.http import JsonReply
from data_sources.sotkanet import (
    DEFAULT_BASE_URL,
    IndicatorMetadata,
    Localized,
    SotkanetClient,
    YearRange,
    parse_indicator,
    plain_text,
)
from tests.data_sources.stub_server import (
    NetworkBlocked,
    Recorded,
    StubServer,
    body,
    fail,
    guard_network,
    hung,
    oversized,
    rate_limited,
    running_stub,
    slow,
    truncated,
)

DATA = "/rest/1.1/json"
REGIONS = "/rest/1.1/regions"
RECORDED = Recorded()
AREAS = region_codes() | {"91", "SSS"}  # the 22 compared areas, Åland, the whole country


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    guard_network(monkeypatch)


@pytest.fixture
def stub() -> Iterator[StubServer]:
    yield from running_stub()


@pytest.fixture
def client(stub: StubServer) -> Iterator[SotkanetClient]:
    with SotkanetClient(
        stub.sotkanet_url, timeout=(2.0, 0.25), retries=2, backoff_base=0.001, backoff_max=0.01
    ) as sotkanet:
        yield sotkanet


def data_row(region: int, *, year: int = 2024, gender: str = "total", **values: float) -> dict[str, object]:
    return {"indicator": 2676, "region": region, "year": year, "gender": gender, **values}


# -- the contract ------------------------------------------------------------------------------------


def test_the_default_base_url_is_sotkanet_and_tests_never_reach_it() -> None:
    assert DEFAULT_BASE_URL == "https://sotkanet.fi/rest/1.1"
    with SotkanetClient(timeout=1.0) as sotkanet, pytest.raises(NetworkBlocked):
        sotkanet.regions()


def test_the_client_sends_a_user_agent_so_sotkanet_does_not_answer_403(
    client: SotkanetClient, stub: StubServer
) -> None:
    client.regions()
    assert stub.seen(REGIONS)[0].headers["User-Agent"].startswith("care-continuity-dashboard/")


# -- regions() ---------------------------------------------------------------------------------------


def test_regions_give_county_codes_and_the_country_and_nothing_for_other_categories(client: SotkanetClient) -> None:
    regions = client.regions()
    by_category = dict(regions.group_by("category").agg(pl.col(c.REGION_CODE).drop_nulls().unique().sort()).iter_rows())
    assert sorted(by_category["HYVINVOINTIALUE"]) == sorted(region_codes() | {"91"})
    assert by_category["MAA"] == ["SSS"]
    for category in ("KUNTA", "MAAKUNTA", "SAIRAANHOITOPIIRI", "ALUEHALLINTOVIRASTO", "ERVA"):
        assert by_category[category] == []


def test_recorded_county_ids_are_the_ids_of_regions_csv(client: SotkanetClient) -> None:
    counties = client.regions().filter(pl.col("category") == "HYVINVOINTIALUE")
    for sotkanet_id, code in counties.select("sotkanet_id", c.REGION_CODE).iter_rows():
        assert region_by_code(code).sotkanet_id == sotkanet_id


def test_regions_keep_titles_in_three_languages_and_parents(client: SotkanetClient) -> None:
    alajarvi = client.regions().filter(pl.col("sotkanet_id") == 2).row(0, named=True)
    assert (alajarvi["code"], alajarvi["title_fi"], alajarvi["title_sv"]) == ("005", "Alajärvi", "Alajärvi")
    assert 658 in alajarvi["member_of"]
    helsinki = client.regions().filter(pl.col(c.REGION_CODE) == "90").row(0, named=True)
    assert (helsinki["title_fi"], helsinki["title_sv"], helsinki["title_en"]) == (
        "Helsingin kaupunki",
        "Helsingfors stad",
        "City of Helsinki",
    )


@pytest.mark.parametrize(("code", "expected"), [("2", "02"), ("02", "02"), ("90", "90"), ("99", "02")])
def test_county_codes_are_padded_or_found_by_id(
    client: SotkanetClient, stub: StubServer, code: str, expected: str
) -> None:
    row = {"id": 966, "code": code, "category": "HYVINVOINTIALUE", "title": {"fi": "K"}, "memberOf": [658]}
    stub.script(REGIONS, body([row]))
    assert client.regions()[c.REGION_CODE].to_list() == [expected]


def test_an_empty_region_list_is_an_error(client: SotkanetClient, stub: StubServer) -> None:
    stub.script(REGIONS, body([]))
    with pytest.raises(DataSourceError, match="the region list is empty"):
        client.regions()


def test_regions_are_fetched_once_per_client(client: SotkanetClient, stub: StubServer) -> None:
    client.data(2676, years=[2024])
    client.data(2676, years=[2023])
    client.regions()
    assert len(stub.seen(REGIONS)) == 1
    assert len(stub.seen("/rest/1.1/indicators/2676")) == 1
    assert len(stub.seen(DATA)) == 2


# -- indicators() and indicator() ----------------------------------------------------------------------


def test_indicators_list_ids_titles_in_three_languages_and_classifications(client: SotkanetClient) -> None:
    indicators = client.indicators()
    assert indicators["indicator_id"].to_list() == [4, 5, 1080, 1552, 2676, 3176, 4909, 5081, 5186, 5502, 6411]
    first = indicators.row(0, named=True)
    assert first["title_en"].startswith("Hospital care for mental disorders")
    assert first["title_sv"].startswith("0 - 17-åringar")
    assert first["organization_id"] == 2
    assert first["sexes"] == ["male", "female", "total"]
    assert "Kunta" in first["region_categories"]


def test_metadata_of_the_real_recorded_body(client: SotkanetClient) -> None:
    meta = client.indicator(4)
    assert meta.id == 4
    assert meta.data_updated == dt.date(2016, 11, 2)
    assert meta.range == YearRange(1996, 2015)
    assert meta.range.years() == range(1996, 2016)
    assert meta.decimals == 1
    assert meta.unit is not None
    assert (meta.unit.code, meta.unit.title.en) == ("PER1000", "Per 1 000 inhabitants")
    assert meta.title.sv.startswith("0 - 17-åringar")
    assert meta.limits.en.startswith("Individual level data")
    assert meta.organization is not None
    assert meta.organization.id == 2
    assert meta.licence == "CC BY 4.0"
    assert meta.sexes == ("male", "female", "total")
    assert "<p id=suhteutus>" in meta.description.fi  # kept as sent; plain() removes it


def test_region_categories_fall_back_to_the_title_when_values_are_empty(client: SotkanetClient) -> None:
    assert client.indicator(2676).region_categories == ("Kunta", "hyvinvointialue", "koko maa")


def test_an_indicator_id_may_be_a_string(client: SotkanetClient) -> None:
    assert client.indicator("2676").id == 2676


def test_an_unknown_indicator_is_a_404_error(client: SotkanetClient) -> None:
    with pytest.raises(DataSourceError) as excinfo:
        client.indicator(999999)
    assert excinfo.value.status == 404
    assert "unknown indicator id" in excinfo.value.reason


def test_the_store_record_holds_plain_text_in_three_languages(client: SotkanetClient) -> None:
    record = client.indicator(2676).store_record()
    assert record["source"] == "sotkanet"
    assert record["indicator_id"] == "2676"
    assert record["data_updated"] == dt.date(2026, 3, 18)
    assert record["unit"] == "PERCENT"
    assert record["decimals"] == 1
    for language in ("fi", "sv", "en"):
        assert record[f"title_{language}"]
        assert "<" not in str(record[f"description_{language}"])
    assert set(json.loads(str(record["limits"]))) == {"fi", "sv", "en"}


def test_metadata_without_optional_fields_is_read() -> None:
    meta = parse_indicator(JsonReply("sotkanet", "GET x", {"id": 7, "title": {"fi": "T"}, "decimals": "2"}))
    assert meta == IndicatorMetadata(id=7, title=Localized(fi="T"), decimals=2)
    assert meta.licence.startswith("unknown")


@pytest.mark.parametrize(
    ("metadata", "fragment"),
    [
        ([], "expected a JSON object"),
        ({"id": "x"}, "id: expected a whole number"),
        ({"id": 1, "data-updated": "yesterday"}, "'data-updated' is not an ISO date"),
        ({"id": 1, "title": {"fi": 5}}, "title.fi: expected text"),
        ({"id": 1, "primaryValueType": {"code": ""}}, "primaryValueType.code must be a non-empty string"),
    ],
)
def test_malformed_metadata_is_an_error(
    client: SotkanetClient, stub: StubServer, metadata: object, fragment: str
) -> None:
    stub.script("/rest/1.1/indicators/1", body(metadata))
    with pytest.raises(DataSourceError, match=fragment):
        client.indicator(1)


# -- data() ------------------------------------------------------------------------------------------------


def test_data_is_a_canonical_indicator_values_frame(client: SotkanetClient) -> None:
    frame = client.data(2676, years=range(2019, 2026))
    assert frame.schema == pl.Schema(CANONICAL_DTYPES[INDICATOR_VALUES.name])
    INDICATOR_VALUES.check(frame)
    assert frame[c.SOURCE].unique().to_list() == ["sotkanet"]
    assert frame[c.INDICATOR_ID].unique().to_list() == ["2676"]
    assert frame[c.SEX].unique().to_list() == ["total"]
    assert sorted(frame[c.PERIOD].unique()) == [str(year) for year in range(2019, 2026)]
    assert frame.select(c.REGION_CODE, c.PERIOD, c.SEX).is_duplicated().sum() == 0


def test_data_sends_one_indicator_and_repeated_years_and_genders(client: SotkanetClient, stub: StubServer) -> None:
    client.data(1552, years=[2024, 2023, 2024], genders=("female", "total"))
    assert stub.seen(DATA)[0].query == [
        ("indicator", "1552"),
        ("years", "2023"),
        ("years", "2024"),
        ("genders", "total"),
        ("genders", "female"),
    ]


def test_data_keeps_the_counties_aland_and_the_country_and_drops_other_areas(client: SotkanetClient) -> None:
    frame = client.data(2676, years=[2024])
    raw = [row for row in RECORDED.json("sotkanet/data_2676.json") if row["year"] == 2024]
    assert set(frame[c.REGION_CODE]) == AREAS
    assert frame.height == len(AREAS) == len(raw) - 5  # municipality, region, hospital district, AVI and ERVA rows


def test_value_maps_to_value_and_absvalue_to_numerator(client: SotkanetClient) -> None:
    raw = next(r for r in RECORDED.json("sotkanet/data_2676.json") if r["region"] == 970 and r["year"] == 2023)
    row = client.data(2676, years=[2023]).filter(pl.col(c.REGION_CODE) == "08").row(0, named=True)
    assert (row[c.VALUE], row[c.NUMERATOR], row[c.DENOMINATOR]) == (raw["value"], raw["absValue"], None)
    assert row[c.UNIT] == "PERCENT"


def test_rows_with_only_absvalue_are_kept(client: SotkanetClient) -> None:
    aland = client.data(1552, years=[2024]).filter(pl.col(c.REGION_CODE) == "91").row(0, named=True)
    assert aland[c.VALUE] is None
    assert aland[c.NUMERATOR] is not None
    assert aland[c.NUMERATOR] > 0


def test_rows_with_only_value_have_no_numerator(client: SotkanetClient) -> None:
    frame = client.data(5502, years=[2024])  # THL's COCI: a value without absValue
    assert frame[c.VALUE].null_count() == 0
    assert frame[c.NUMERATOR].null_count() == frame.height


def test_the_unit_is_the_indicators_value_type(client: SotkanetClient) -> None:
    assert client.data(1552, years=[2024])[c.UNIT].unique().to_list() == ["PER1000"]


def test_without_a_metadata_page_the_unit_is_empty(client: SotkanetClient, stub: StubServer) -> None:
    stub.script("/rest/1.1/indicators/2676", fail(404))
    frame = client.data(2676, years=[2024])
    assert frame.height == len(AREAS)
    assert frame[c.UNIT].null_count() == frame.height


def test_a_failing_metadata_page_fails_data(client: SotkanetClient, stub: StubServer) -> None:
    stub.script("/rest/1.1/indicators/2676", *[fail(500)] * 3)
    with pytest.raises(DataSourceError, match="/indicators/2676") as excinfo:
        client.data(2676, years=[2024])
    assert excinfo.value.status == 500
    assert stub.seen(DATA) == []


def test_every_requested_sex_is_returned(client: SotkanetClient) -> None:
    frame = client.data(1552, years=[2024], genders=("male", "female", "total"))
    assert frame.group_by(c.SEX).len().sort(c.SEX).rows() == [("female", 23 + 1), ("male", 24), ("total", 24)]


def test_a_total_only_indicator_asked_for_men_gives_an_empty_frame(client: SotkanetClient) -> None:
    frame = client.data(2676, years=[2024], genders="male")
    assert frame.is_empty()
    assert frame.schema == pl.Schema(CANONICAL_DTYPES[INDICATOR_VALUES.name])


def test_survey_years_without_data_give_an_empty_frame(client: SotkanetClient) -> None:
    assert client.data(5186, years=[2023]).is_empty()


def test_a_pre_2023_region_id_is_placed_and_an_unknown_id_dropped(client: SotkanetClient, stub: StubServer) -> None:
    stub.script(DATA, body([data_row(886, value=40.0), data_row(424242, value=1.0), data_row(658, value=45.0)]))
    frame = client.data(2676, years=[2024])
    assert frame.select(c.REGION_CODE, c.VALUE).rows() == [("02", 40.0), ("SSS", 45.0)]


def test_the_current_region_id_wins_over_the_old_one(client: SotkanetClient, stub: StubServer) -> None:
    stub.script(DATA, body([data_row(886, value=40.0), data_row(966, value=41.0)]))
    assert client.data(2676, years=[2024]).select(c.REGION_CODE, c.VALUE).rows() == [("02", 41.0)]


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [
        ({"indicator": 2676}, "expected a JSON array of data rows, got dict"),
        ([data_row(966) | {"indicator": 5}], "belongs to indicator 5, but 2676 was asked for"),
        ([data_row(966, gender="all")], "gender must be one of total, male, female"),
        ([data_row(966) | {"value": "41,2"}], "value: expected a number"),
        ([data_row(966) | {"year": None}], "year: expected a whole number"),
        (["row"], "data row #0: expected a JSON object"),
    ],
)
def test_malformed_data_is_an_error_naming_the_request(
    client: SotkanetClient, stub: StubServer, rows: object, fragment: str
) -> None:
    stub.script(DATA, body(rows))
    with pytest.raises(DataSourceError, match=fragment) as excinfo:
        client.data(2676, years=[2024])
    assert excinfo.value.request == f"GET {stub.sotkanet_url}/json?indicator=2676&years=2024&genders=total"


@pytest.mark.parametrize(
    ("indicator_id", "years", "genders"),
    [
        (0, [2024], "total"),  # ids are positive
        ("abc", [2024], "total"),
        (True, [2024], "total"),
        (2676, [], "total"),  # at least one year
        (2676, ["2024"], "total"),
        (2676, [1850], "total"),
        (2676, [2024], ()),  # at least one gender
        (2676, [2024], ("all",)),
        (2676, [2024], "Total"),
    ],
)
def test_invalid_arguments_fail_before_any_request(
    client: SotkanetClient, stub: StubServer, indicator_id: object, years: object, genders: object
) -> None:
    with pytest.raises(InvalidInputError):
        client.data(indicator_id, years=years, genders=genders)  # type: ignore[arg-type]
    assert stub.requests == []


def test_a_single_year_is_accepted(client: SotkanetClient) -> None:
    assert client.data(2676, years=2024)[c.PERIOD].unique().to_list() == ["2024"]  # type: ignore[arg-type]


# -- failure modes over HTTP ------------------------------------------------------------------------


def test_data_survives_a_500_then_200(client: SotkanetClient, stub: StubServer) -> None:
    stub.script(DATA, fail(500))
    assert client.data(2676, years=[2024]).height == len(AREAS)
    assert len(stub.seen(DATA)) == 2


def test_data_survives_a_429_with_retry_after(client: SotkanetClient, stub: StubServer) -> None:
    stub.script(DATA, rate_limited("0"))
    assert client.data(2676, years=[2024]).height == len(AREAS)


def test_data_timeouts_end_in_a_data_source_error(client: SotkanetClient, stub: StubServer) -> None:
    stub.script(DATA, *[slow(2.0)] * 3)
    with pytest.raises(DataSourceError) as excinfo:
        client.data(2676, years=[2024])
    error = excinfo.value
    assert (error.source, error.status) == ("sotkanet", None)
    assert error.request.endswith("/json?indicator=2676&years=2024&genders=total")
    assert "no answer within the timeout" in error.reason


def test_truncated_data_json_is_an_error(client: SotkanetClient, stub: StubServer) -> None:
    stub.script(DATA, truncated(300))
    with pytest.raises(DataSourceError, match="not valid JSON"):
        client.data(2676, years=[2024])


def test_an_empty_data_array_gives_an_empty_canonical_frame(client: SotkanetClient, stub: StubServer) -> None:
    stub.script(DATA, body([]))
    frame = client.data(2676, years=[2024])
    assert frame.is_empty()
    assert frame.schema == pl.Schema(CANONICAL_DTYPES[INDICATOR_VALUES.name])


def test_a_403_explains_the_user_agent(client: SotkanetClient, stub: StubServer) -> None:
    stub.script(REGIONS, fail(403))
    with pytest.raises(DataSourceError, match="refuses requests without a User-Agent") as excinfo:
        client.regions()
    assert excinfo.value.status == 403


# -- small pieces ---------------------------------------------------------------------------------------


def test_a_missing_language_falls_back_to_finnish_then_english() -> None:
    assert Localized(fi="Koko maa", en="Whole country").get("sv") == "Koko maa"
    assert Localized(en="Whole country").get("sv") == "Whole country"
    with pytest.raises(InvalidInputError, match="language must be one of"):
        Localized().get("de")


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("Yksi.<p id=suhteutus>Kaksi.</p> ", "Yksi.\nKaksi."),
        ("A<br />B<BR>C", "A\nB\nC"),
        ("Tom &amp; Jerry <b>x</b>", "Tom & Jerry x"),
        ("  ", ""),
    ],
)
def test_plain_text_drops_sotkanets_html(html: str, text: str) -> None:
    assert plain_text(html) == text


# -- limits: the request deadline and the largest body reach the HTTP client -----------------------------


def test_a_hung_data_request_fails_at_the_request_deadline(stub: StubServer) -> None:
    stub.script(DATA, *[hung()] * 4)
    with (
        SotkanetClient(stub.sotkanet_url, timeout=(2.0, 30.0), retries=3, deadline=0.4) as sotkanet,
        pytest.raises(DataSourceError, match=r"no complete answer within the request deadline of 0\.4 s") as excinfo,
    ):
        sotkanet.data(2676, years=[2024])
    assert excinfo.value.request.endswith("/json?indicator=2676&years=2024&genders=total")
    assert len(stub.seen(DATA)) == 1


def test_data_over_the_body_limit_is_refused_before_it_is_read(stub: StubServer) -> None:
    stub.script(DATA, oversized(600 * 1024 * 1024))
    with (
        SotkanetClient(stub.sotkanet_url, max_bytes=20_000) as sotkanet,
        pytest.raises(DataSourceError, match=r"more than the limit of 20000 bytes .*none of it was read"),
    ):
        sotkanet.data(2676, years=[2024])
