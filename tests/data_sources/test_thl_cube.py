"""THL open cube: JSON-stat parsing, the access cube into canonical rows, and the client over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pytest

from core import columns as c
from core.errors import DataSourceError, InvalidInputError
from core.regions import region_codes
from core.schema import CANONICAL_DTYPES, INDICATOR_VALUES
from data_sources.http import JsonReply
from data_sources.thl_cube import (
    DEFAULT_BASE_URL,
    AccessCubeLayout,
    JsonStatDataset,
    ThlCubeClient,
    WaitBin,
    access_values,
    cube_path,
    parse_cell,
    parse_jsonstat,
    parse_period,
    parse_wait_bin,
    profession_key,
)
from tests.data_sources.stub_server import (
    Recorded,
    StubServer,
    body,
    dripping,
    fail,
    guard_network,
    oversized,
    running_stub,
    slow,
    truncated,
)

RECORDED = Recorded()
CUBE_PATH = "/pivot/prod/fi/avohpaasy/pthjono01/fact_ahil_pthjono01.json"
EXAMPLE_PATH = "/pivot/prod/fi/avohpaasy/pthjono01/fact_reference_example.json"
CANONICAL = pl.Schema(CANONICAL_DTYPES[INDICATOR_VALUES.name])


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    guard_network(monkeypatch)


@pytest.fixture
def stub() -> Iterator[StubServer]:
    yield from running_stub()


@pytest.fixture
def client(stub: StubServer) -> Iterator[ThlCubeClient]:
    with ThlCubeClient(stub.thl_url, timeout=(2.0, 0.25), retries=2, backoff_base=0.001, backoff_max=0.01) as thl:
        yield thl


@pytest.fixture(scope="module")
def recorded_cube() -> JsonStatDataset:
    return parse_jsonstat(JsonReply("thl_cube", "recorded", RECORDED.json("thl/fact_ahil_pthjono01.json")))


@pytest.fixture(scope="module")
def recorded_values(recorded_cube: JsonStatDataset) -> pl.DataFrame:
    return access_values(recorded_cube, cube="ahil_pthjono01")


def jsonstat(dimensions: dict[str, list[str]], values: object, **extra: object) -> dict[str, object]:
    """A THL-shaped body: category keys are made-up sids, labels as given, cells as given."""
    dimension: dict[str, object] = {"id": list(dimensions), "size": [len(labels) for labels in dimensions.values()]}
    for d_index, (name, labels) in enumerate(dimensions.items()):
        sids = [str(100 * (d_index + 1) + i) for i in range(len(labels))]
        dimension[name] = {
            "category": {
                "index": {sid: i for i, sid in enumerate(sids)},
                "label": dict(zip(sids, labels, strict=True)),
            }
        }
    return {"dataset": {"version": "2.0", "class": "dataset", "label": "test", "dimension": dimension, "value": values}}


def parse(dimensions: dict[str, list[str]], values: object) -> JsonStatDataset:
    return parse_jsonstat(JsonReply("thl_cube", "GET test", jsonstat(dimensions, values)))


def cell(values: pl.DataFrame, indicator: str, region: str, period: str) -> dict[str, object]:
    rows = values.filter(
        (pl.col(c.INDICATOR_ID) == indicator) & (pl.col(c.REGION_CODE) == region) & (pl.col(c.PERIOD) == period)
    )
    assert rows.height == 1, rows
    return rows.row(0, named=True)


# -- JSON-stat -----------------------------------------------------------------------------------------


def test_the_recorded_cube_has_its_dimensions_labels_and_string_cells(recorded_cube: JsonStatDataset) -> None:
    assert [d.id for d in recorded_cube.dimensions] == ["palveluntuottaja", "aika", "ammatti", "odotusaika"]
    assert [d.size for d in recorded_cube.dimensions] == [24, 36, 2, 6]
    assert recorded_cube.dimension("odotusaika").labels[-1] == "Yhteensä"
    assert recorded_cube.dimension("aika").labels[0] == "Tammikuu 2023"
    assert all(isinstance(text, str) for text in recorded_cube.values.values())
    assert recorded_cube.label.startswith("Perusterveydenhuollon hoitoonpääsytiedot")


def test_cells_are_sparse_and_keep_the_text_as_sent(recorded_cube: JsonStatDataset) -> None:
    cells = recorded_cube.cells()
    assert cells.height == len(recorded_cube.values) < 24 * 36 * 2 * 6
    suppressed = cells.filter(pl.col("text") == "..")
    assert suppressed.height > 0
    assert suppressed["value"].null_count() == suppressed.height
    assert cells.filter(pl.col("text") == "")["value"].to_list() == [None]


def test_the_flat_index_is_row_major_over_size() -> None:
    dataset = parse({"a": ["a0", "a1"], "b": ["b0", "b1", "b2"]}, {"0": "1", "2": "3", "4": "5"})
    rows = dataset.cells().select("a", "b", "value").rows()
    assert rows == [("a0", "b0", 1.0), ("a0", "b2", 3.0), ("a1", "b1", 5.0)]


def test_a_dense_value_array_and_bare_numbers_are_accepted() -> None:
    dataset = parse({"a": ["x", "y", "z"]}, [5120, None, "0,5"])
    assert dataset.cells().select("a", "text", "value").rows() == [("x", "5120", 5120.0), ("z", "0,5", 0.5)]


def test_an_index_given_as_a_list_is_accepted() -> None:
    payload = jsonstat({"a": ["x", "y"]}, {"1": "2"})
    payload["dataset"]["dimension"]["a"]["category"]["index"] = ["100", "101"]  # type: ignore[index]
    dataset = parse_jsonstat(JsonReply("thl_cube", "GET test", payload))
    assert dataset.cells().select("a", "a_code").rows() == [("y", "101")]


def test_an_empty_cube_has_no_cells() -> None:
    assert parse({"a": ["x"]}, []).cells().is_empty()


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ([], "expected a JSON-stat object"),
        ({"dataset": {"value": {}}}, "no 'dimension' object"),
        ({"dataset": {"dimension": {"id": ["a"], "size": [1, 2]}, "value": {}}}, "'dimension.size' must list"),
        ({"dataset": {"dimension": {"id": ["a"], "size": [1]}, "value": {}}}, "dimension 'a' has no 'category'"),
        (jsonstat({"a": ["x"]}, {"1": "5"}), "cell index '1', outside 0..0"),
        (jsonstat({"a": ["x"]}, {"x": "5"}), "cell index 'x'"),
        (jsonstat({"a": ["x", "y"]}, ["1"]), "'value' lists 1 cells, but the dimensions make 2"),
        (jsonstat({"a": ["x"]}, {"0": {"v": 1}}), "cell 0: expected text or a number"),
        (jsonstat({"a": ["x"]}, None), "the dataset has no 'value'"),
    ],
)
def test_malformed_jsonstat_is_an_error(payload: object, fragment: str) -> None:
    with pytest.raises(DataSourceError, match=fragment) as excinfo:
        parse_jsonstat(JsonReply("thl_cube", "GET cube", payload))
    assert (excinfo.value.source, excinfo.value.request) == ("thl_cube", "GET cube")


def test_a_size_that_disagrees_with_the_categories_is_an_error() -> None:
    payload = jsonstat({"a": ["x", "y"]}, {})
    payload["dataset"]["dimension"]["size"] = [3]  # type: ignore[index]
    with pytest.raises(DataSourceError, match="has 2 categories, but 'size' says 3"):
        parse_jsonstat(JsonReply("thl_cube", "GET cube", payload))


def test_a_cell_that_is_not_a_number_is_an_error_when_read() -> None:
    dataset = parse({"a": ["x"]}, {"0": "n/a"})
    with pytest.raises(DataSourceError, match="cell 0: 'n/a' is neither a number nor a missing-value marker"):
        dataset.cells()


def test_an_unknown_dimension_lists_the_available_ones(recorded_cube: JsonStatDataset) -> None:
    with pytest.raises(DataSourceError, match="no dimension 'alue'; its dimensions are palveluntuottaja, aika"):
        recorded_cube.dimension("alue")


@pytest.mark.parametrize(
    ("text", "number"),
    [
        # THL's string cells
        ("5120", 5120.0),
        ("0,0", 0.0),
        ("12,5", 12.5),
        ("12.5", 12.5),
        ("-3,2", -3.2),
        ("1 234", 1234.0),
        ("1\u00a0234", 1234.0),
        # missing and suppressed
        ("", None),
        ("..", None),
        (".", None),
        ("-", None),
        ("…", None),
        (None, None),
        # the older exporter's bare numbers
        (7, 7.0),
        (0.25, 0.25),
    ],
)
def test_cells_read_as_numbers_or_missing(text: object, number: float | None) -> None:
    assert parse_cell(text) == number


@pytest.mark.parametrize("text", ["abc", "1,2,3", "nan", "inf", True])
def test_other_cell_texts_are_errors(text: object) -> None:
    with pytest.raises(DataSourceError, match="neither a number nor a missing-value marker"):
        parse_cell(text)


# -- labels ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "lower", "upper", "total"),
    [
        # ranges, with hyphens or dashes, units or none
        ("0-7 vrk", 0, 7, False),
        ("8–14 vrk", 8, 14, False),
        ("15 - 28 vrk", 15, 28, False),
        ("0-3 vrk.", 0, 3, False),
        ("8-14 dygn", 8, 14, False),
        ("29-90 days", 29, 90, False),
        ("4-10", 4, 10, False),
        ("0 vrk - 7 vrk", 0, 7, False),
        # open-ended
        ("yli 90 vrk", 91, None, False),
        ("Över 90 dygn", 91, None, False),
        ("over 90 days", 91, None, False),
        ("> 14 vrk", 15, None, False),
        ("91+ vrk", 91, None, False),
        ("91 vrk tai yli", 91, None, False),
        # from day 0
        ("alle 7 vrk", 0, 6, False),
        ("enintään 7 vrk", 0, 7, False),
        # one day
        ("0 vrk", 0, 0, False),
        # totals
        ("Yhteensä", 0, None, True),
        ("Totalt", 0, None, True),
        ("Total", 0, None, True),
    ],
)
def test_wait_classes_are_read_from_their_labels(label: str, lower: int, upper: int | None, total: bool) -> None:
    assert parse_wait_bin("s", label) == WaitBin("s", label, lower, upper, total)


@pytest.mark.parametrize("label", ["yli 3 kk", "1-3 kuukautta", "2 viikkoa", "14-7 vrk", "alle 0 vrk", "pian", ""])
def test_unreadable_wait_labels_give_none(label: str) -> None:
    assert parse_wait_bin("s", label) is None


@pytest.mark.parametrize(
    ("label", "period"),
    [
        ("2024-03", "2024-03"),
        ("2024-3", "2024-03"),
        ("2024/03", "2024-03"),
        ("2024 / 03", "2024-03"),
        ("2024M03", "2024-03"),
        ("3/2024", "2024-03"),
        ("03.2024", "2024-03"),
        ("Maaliskuu 2024", "2024-03"),
        ("2024 maaliskuu", "2024-03"),
        ("mars 2024", "2024-03"),
        ("December 2025", "2025-12"),
        ("2024", "2024"),
        ("2024Q3", "2024Q3"),
        ("Q1/2025", "2025Q1"),
        ("2024-13", None),
        ("Kevät 2024", None),
        ("viikko 12", None),
    ],
)
def test_periods_are_read_from_time_labels(label: str, period: str | None) -> None:
    assert parse_period(label) == period


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("Lääkärit", "doctor"),
        ("Läkare", "doctor"),
        ("Physicians", "doctor"),
        ("Hoitajat", "nurse"),
        ("Sairaanhoitajat ja terveydenhoitajat", "nurse"),
        ("Sjukskötare", "nurse"),
        ("Nurses", "nurse"),
        ("Kaikki ammattiryhmät", "all"),
        ("Yhteensä", "all"),
        ("Fysioterapeutit", "fysioterapeutit"),
        ("Suuhygienistit ja hammashoitajat", "nurse"),
        ("Psykologit (ml. psykoterapeutit)", "psykologit_ml_psykoterap"),
    ],
)
def test_profession_labels_map_to_keys(label: str, key: str) -> None:
    assert profession_key(label) == key


# -- the access cube into canonical rows --------------------------------------------------------------


def test_access_values_are_a_canonical_indicator_values_frame(recorded_values: pl.DataFrame) -> None:
    assert recorded_values.schema == CANONICAL
    INDICATOR_VALUES.check(recorded_values)
    assert recorded_values[c.SOURCE].unique().to_list() == ["thl_cube"]
    assert recorded_values[c.SEX].unique().to_list() == ["total"]
    assert recorded_values.select(c.INDICATOR_ID, c.REGION_CODE, c.PERIOD).is_duplicated().sum() == 0


def test_access_values_cover_the_22_areas_and_the_country_only(recorded_values: pl.DataFrame) -> None:
    assert set(recorded_values[c.REGION_CODE]) == region_codes() | {"SSS"}


def test_months_become_periods(recorded_values: pl.DataFrame) -> None:
    periods = sorted(recorded_values[c.PERIOD].unique())
    assert (periods[0], periods[-1], len(periods)) == ("2023-01", "2025-12", 36)


def test_indicators_are_named_after_the_cubes_own_wait_classes(recorded_values: pl.DataFrame) -> None:
    keys = {indicator.split(":")[1] for indicator in recorded_values[c.INDICATOR_ID].unique()}
    assert keys == {
        "visits",
        "wait_0_7_days",
        "wait_8_14_days",
        "wait_15_28_days",
        "wait_29_90_days",
        "wait_over_90_days",
        "within_7_days",
        "within_14_days",
        "within_28_days",
        "within_90_days",
    }
    professions = {indicator.split(":")[2] for indicator in recorded_values[c.INDICATOR_ID].unique()}
    assert professions == {"doctor", "nurse"}


def test_shares_are_cumulative_counts_over_the_total(
    recorded_cube: JsonStatDataset, recorded_values: pl.DataFrame
) -> None:
    cells = recorded_cube.cells().filter(
        (pl.col("palveluntuottaja") == "Pirkanmaan hyvinvointialue")
        & (pl.col("aika") == "Maaliskuu 2024")
        & (pl.col("ammatti") == "Lääkärit")
    )
    count = dict(cells.select("odotusaika", "value").iter_rows())
    total = count["Yhteensä"]
    within_14 = cell(recorded_values, "ahil_pthjono01:within_14_days:doctor", "08", "2024-03")
    assert within_14[c.NUMERATOR] == count["0-7 vrk"] + count["8-14 vrk"]
    assert within_14[c.DENOMINATOR] == total
    assert within_14[c.VALUE] == pytest.approx(100 * (count["0-7 vrk"] + count["8-14 vrk"]) / total)
    assert within_14[c.UNIT] == "%"
    visits = cell(recorded_values, "ahil_pthjono01:visits:doctor", "08", "2024-03")
    assert (visits[c.VALUE], visits[c.UNIT]) == (total, "visits")
    bin_row = cell(recorded_values, "ahil_pthjono01:wait_8_14_days:doctor", "08", "2024-03")
    assert (bin_row[c.VALUE], bin_row[c.NUMERATOR], bin_row[c.DENOMINATOR]) == (
        count["8-14 vrk"],
        count["8-14 vrk"],
        total,
    )


def test_shares_stay_within_0_and_100(recorded_values: pl.DataFrame) -> None:
    shares = recorded_values.filter(pl.col(c.UNIT) == "%")[c.VALUE].drop_nulls()
    assert shares.min() >= 0  # type: ignore[operator]
    assert shares.max() <= 100  # type: ignore[operator]


def test_the_bins_come_from_the_labels_not_from_code() -> None:
    dataset = parse(
        {
            "palveluntuottaja": ["Kainuun hyvinvointialue"],
            "aika": ["2025-01"],
            "odotusaika": ["0–3 vrk", "4–10 vrk", "yli 10 vrk"],
        },
        {"0": "30", "1": "50", "2": "20"},
    )
    values = access_values(dataset, cube="fact_test")
    rows = dict(values.select(c.INDICATOR_ID, c.VALUE).iter_rows())
    assert rows == {
        "test:visits:all": 100.0,  # no total class: the sum of the classes
        "test:wait_0_3_days:all": 30.0,
        "test:wait_4_10_days:all": 50.0,
        "test:wait_over_10_days:all": 20.0,
        "test:within_3_days:all": 30.0,
        "test:within_10_days:all": 80.0,
    }


def test_a_suppressed_class_makes_the_shares_that_need_it_null() -> None:
    dataset = parse(
        {
            "palveluntuottaja": ["Kainuun hyvinvointialue"],
            "aika": ["2025-01"],
            "odotusaika": ["0-7 vrk", "8-14 vrk", "yli 14 vrk", "Yhteensä"],
        },
        {"0": "40", "1": "..", "2": "3", "3": "50"},
    )
    rows = dict(access_values(dataset, cube="t").select(c.INDICATOR_ID, c.VALUE).iter_rows())
    assert rows["t:within_7_days:all"] == 80.0
    assert rows["t:within_14_days:all"] is None
    assert rows["t:wait_8_14_days:all"] is None
    assert rows["t:visits:all"] == 50.0


def test_a_missing_total_cell_leaves_every_share_null() -> None:
    dataset = parse(
        {"palveluntuottaja": ["Koko maa"], "aika": ["2025-01"], "odotusaika": ["0-7 vrk", "yli 7 vrk", "Yhteensä"]},
        {"0": "40", "1": "10"},
    )
    values = access_values(dataset, cube="t")
    assert values.filter(pl.col(c.UNIT) == "%")[c.VALUE].to_list() == [None]
    assert values[c.REGION_CODE].unique().to_list() == ["SSS"]


def test_the_reference_example_with_a_filtered_month_and_profession(client: ThlCubeClient) -> None:
    values = client.access_values(
        "avohpaasy", "pthjono01", "fact_reference_example", period="2024-03", profession="doctor"
    )
    keski_uusimaa = cell(values, "reference_example:within_7_days:doctor", "02", "2024-03")
    assert keski_uusimaa[c.VALUE] == pytest.approx(100 * 5120 / 7960)
    pirkanmaa_over_90 = cell(values, "reference_example:wait_over_90_days:doctor", "08", "2024-03")
    assert pirkanmaa_over_90[c.VALUE] is None  # the empty-string cell
    assert cell(values, "reference_example:within_90_days:doctor", "08", "2024-03")[c.VALUE] == pytest.approx(
        100 * (8835 + 2210 + 1320 + 690) / 13055
    )


def test_a_cube_without_its_time_dimension_needs_a_period() -> None:
    dataset = parse({"palveluntuottaja": ["Koko maa"], "odotusaika": ["0-7 vrk"]}, {"0": "1"})
    with pytest.raises(DataSourceError, match="no time dimension 'aika'; pass period="):
        access_values(dataset, cube="t")


def test_a_layout_names_other_dimension_ids() -> None:
    dataset = parse(
        {"alue": ["Lapin hyvinvointialue"], "kk": ["2025-02"], "odotus": ["0-7 vrk", "Yhteensä"]}, {"0": "6", "1": "8"}
    )
    layout = AccessCubeLayout(region="alue", period="kk", wait="odotus")
    values = access_values(dataset, cube="t", layout=layout)
    assert cell(values, "t:within_7_days:all", "21", "2025-02")[c.VALUE] == 75.0


def test_an_extra_dimension_with_one_category_is_ignored_and_with_more_is_an_error() -> None:
    dims = {"palveluntuottaja": ["Koko maa"], "aika": ["2025-01"], "measure": ["Käynnit"], "odotusaika": ["0-7 vrk"]}
    assert access_values(parse(dims, {"0": "5"}), cube="t").height > 0
    dims["measure"] = ["Käynnit", "Asiakkaat"]
    with pytest.raises(DataSourceError, match="dimension 'measure' has 2 categories"):
        access_values(parse(dims, {"0": "5"}), cube="t")


def test_tiku_value_types_keep_the_value_cell() -> None:
    dims = {"palveluntuottaja": ["Koko maa"], "aika": ["2025-01"], "odotusaika": ["0-7 vrk", "Yhteensä"]}
    payload = jsonstat(dims, {"0": "4", "1": "3", "2": "5", "3": "6", "4": "8", "5": "7", "6": "9", "7": "10"})
    dimension = payload["dataset"]["dimension"]  # type: ignore[index]
    dimension["id"].append("tiku_vtype")
    dimension["size"].append(4)
    dimension["tiku_vtype"] = {"category": {"index": {"v": 0, "ci_lower": 1, "ci_upper": 2, "n": 3}}}
    values = access_values(parse_jsonstat(JsonReply("thl_cube", "GET t", payload)), cube="t")
    assert cell(values, "t:within_7_days:all", "SSS", "2025-01")[c.VALUE] == 50.0


@pytest.mark.parametrize(
    ("dims", "fragment"),
    [
        (
            {"palveluntuottaja": ["Koko maa"], "aika": ["2025-01"], "odotusaika": ["0-7 vrk", "yli 3 kk"]},
            r"cannot read a wait-time class from label\(s\) \['yli 3 kk'\]",
        ),
        (
            {"palveluntuottaja": ["Koko maa"], "aika": ["2025-01"], "odotusaika": ["Yhteensä"]},
            "has no wait-time classes, only totals",
        ),
        (
            {"palveluntuottaja": ["Koko maa"], "aika": ["Kevät 2025"], "odotusaika": ["0-7 vrk"]},
            r"cannot read a period from time label\(s\) \['Kevät 2025'\]",
        ),
        (
            {"palveluntuottaja": ["Koko maa", "Hela landet"], "aika": ["2025-01"], "odotusaika": ["0-7 vrk"]},
            "labels 'Koko maa' and 'Hela landet' both read as 'SSS'",
        ),
        (
            {"palveluntuottaja": ["Koko maa"], "aika": ["2025-01", "1/2025"], "odotusaika": ["0-7 vrk"]},
            "both read as '2025-01'",
        ),
        ({"alue": ["Koko maa"], "aika": ["2025-01"], "odotusaika": ["0-7 vrk"]}, "no dimension 'palveluntuottaja'"),
    ],
)
def test_labels_that_cannot_be_read_are_errors(dims: dict[str, list[str]], fragment: str) -> None:
    with pytest.raises(DataSourceError, match=fragment):
        access_values(parse(dims, {"0": "1"}), cube="t")


def test_providers_that_are_not_areas_are_dropped_and_aliases_add_names() -> None:
    dims = {
        "palveluntuottaja": ["Etelä-Suomen AVI", "Valtakunnalliset palveluntuottajat", "Vantaa–Kerava"],
        "aika": ["2025-01"],
        "odotusaika": ["0-7 vrk"],
    }
    dataset = parse(dims, {"0": "1", "1": "2", "2": "3"})
    assert access_values(dataset, cube="t").is_empty()
    with_alias = access_values(dataset, cube="t", region_aliases={"Vantaa-Kerava": "04"})
    assert with_alias[c.REGION_CODE].unique().to_list() == ["04"]


def test_region_labels_in_swedish_and_english_are_matched() -> None:
    dims = {
        "palveluntuottaja": ["Birkalands välfärdsområde", "Lapland wellbeing services county", "Helsingfors stad"],
        "aika": ["2025-01"],
        "odotusaika": ["0-7 vrk"],
    }
    values = access_values(parse(dims, {"0": "1", "1": "2", "2": "3"}), cube="t")
    assert sorted(values[c.REGION_CODE].unique()) == ["08", "21", "90"]


def test_an_empty_cube_gives_an_empty_canonical_frame() -> None:
    dims = {"palveluntuottaja": ["Koko maa"], "aika": ["2025-01"], "odotusaika": ["0-7 vrk", "Yhteensä"]}
    values = access_values(parse(dims, []), cube="t")
    assert values.is_empty()
    assert values.schema == CANONICAL


# -- the client over HTTP -------------------------------------------------------------------------------


def test_the_default_base_url_is_thls_open_pivot_api() -> None:
    assert DEFAULT_BASE_URL == "https://sampo.thl.fi/pivot/prod"


def test_the_client_requests_the_cube_path_with_repeated_selectors(client: ThlCubeClient, stub: StubServer) -> None:
    dataset = client.dataset(
        "avohpaasy",
        "pthjono01",
        "ahil_pthjono01",
        row=["palveluntuottaja-600101L", "aika-700201L"],
        column=["odotusaika-910001L"],
        filter=["measure-1"],
    )
    assert dataset.request.startswith(f"GET {stub.url}{CUBE_PATH}?row=palveluntuottaja-600101L&row=aika")
    assert stub.seen(CUBE_PATH)[0].query == [
        ("row", "palveluntuottaja-600101L"),
        ("row", "aika-700201L"),
        ("column", "odotusaika-910001L"),
        ("filter", "measure-1"),
    ]


def test_the_access_values_of_the_recorded_cube_over_http(client: ThlCubeClient, recorded_values: pl.DataFrame) -> None:
    values = client.access_values("avohpaasy", "pthjono01", "fact_ahil_pthjono01")
    assert values.equals(recorded_values)


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        (("avohpaasy", "pthjono01", "../secret"), "cube name has only letters"),
        (("avoh paasy", "pthjono01", "x"), "subject name has only letters"),
        (("avohpaasy", "", "x"), "hydra name has only letters"),
    ],
)
def test_unsafe_names_are_rejected(client: ThlCubeClient, arguments: tuple[str, str, str], fragment: str) -> None:
    with pytest.raises(InvalidInputError, match=fragment):
        client.dataset(*arguments)


def test_the_language_is_part_of_the_path() -> None:
    assert cube_path("sv", "avohpaasy", "pthjono01", "fact_x") == "sv/avohpaasy/pthjono01/fact_x.json"
    with pytest.raises(InvalidInputError, match="language must be one of fi, sv, en"):
        ThlCubeClient(language="de")


def test_an_unknown_cube_is_a_404_error(client: ThlCubeClient) -> None:
    with pytest.raises(DataSourceError) as excinfo:
        client.dataset("avohpaasy", "pthjono01", "nothing")
    assert (excinfo.value.source, excinfo.value.status) == ("thl_cube", 404)
    assert "no such cube" in excinfo.value.reason


def test_a_500_then_200_is_retried(client: ThlCubeClient, stub: StubServer) -> None:
    stub.script(CUBE_PATH, fail(500))
    assert client.dataset("avohpaasy", "pthjono01", "ahil_pthjono01").values
    assert len(stub.seen(CUBE_PATH)) == 2


def test_timeouts_end_in_a_data_source_error(client: ThlCubeClient, stub: StubServer) -> None:
    stub.script(CUBE_PATH, *[slow(2.0)] * 3)
    with pytest.raises(DataSourceError, match="no answer within the timeout") as excinfo:
        client.dataset("avohpaasy", "pthjono01", "ahil_pthjono01")
    assert excinfo.value.source == "thl_cube"


def test_truncated_jsonstat_is_an_error(client: ThlCubeClient, stub: StubServer) -> None:
    stub.script(CUBE_PATH, truncated(2000))
    with pytest.raises(DataSourceError, match="not valid JSON"):
        client.dataset("avohpaasy", "pthjono01", "ahil_pthjono01")


def test_an_empty_value_array_over_http_gives_an_empty_frame(client: ThlCubeClient, stub: StubServer) -> None:
    dims = {"palveluntuottaja": ["Koko maa"], "aika": ["2025-01"], "odotusaika": ["0-7 vrk"]}
    stub.script(CUBE_PATH, body(jsonstat(dims, [])))
    assert client.access_values("avohpaasy", "pthjono01", "ahil_pthjono01").is_empty()


# -- limits: the request deadline and the largest body reach the HTTP client --------------------------


def test_a_dripping_cube_is_stopped_at_the_request_deadline(stub: StubServer) -> None:
    stub.script(CUBE_PATH, dripping(piece=16, pause=0.01))
    with (
        ThlCubeClient(stub.thl_url, timeout=(2.0, 5.0), deadline=0.4) as thl,
        pytest.raises(DataSourceError, match=r"no complete answer within the request deadline of 0\.4 s") as excinfo,
    ):
        thl.dataset("avohpaasy", "pthjono01", "ahil_pthjono01")
    assert excinfo.value.source == "thl_cube"
    assert len(stub.seen(CUBE_PATH)) == 1


def test_a_cube_over_the_body_limit_is_refused(stub: StubServer) -> None:
    stub.script(CUBE_PATH, oversized(600 * 1024 * 1024, announce=False))
    with (
        ThlCubeClient(stub.thl_url, max_bytes=100_000) as thl,
        pytest.raises(DataSourceError, match=r"larger than the limit of 100000 bytes \(DASHBOARD_REMOTE_MAX_BYTES\)"),
    ):
        thl.dataset("avohpaasy", "pthjono01", "ahil_pthjono01")
