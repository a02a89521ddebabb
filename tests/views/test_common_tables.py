"""The table behind a chart: the country beside each area, the chart's units, the language's number format."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from i18n import t
from views.common import FIGURE_SPACE, national_beside, table_for_page, table_headers, table_values

#: A county and the country over two quarters, the county's second quarter hidden; and a target row.
TREND = pl.DataFrame(
    {
        "region_code": ["05", "05", "SSS", "SSS", "05"],
        "period": ["2025Q1", "2025Q2", "2025Q1", "2025Q2", "2025Q4"],
        "value": [0.6561, None, 0.5123, 0.4987, 0.8],
        "ci_low": [0.61, None, 0.50, 0.49, None],
        "ci_high": [0.70, None, 0.52, 0.51, None],
        "n": [1234, None, 20456, 19876, None],
        "suppressed": [False, True, False, False, None],
        "suppressed_by": [None, "secondary", None, None, None],
        "label": ["Varsinais-Suomi", "Varsinais-Suomi", "Koko maa", "Koko maa", "Tavoite 80 %"],
        "group": [None, None, None, None, "Alueen tavoite"],
    }
)


def test_the_countrys_value_stands_beside_each_areas_row_of_the_same_period() -> None:
    beside = national_beside(TREND)
    assert beside["label"].to_list() == ["Varsinais-Suomi", "Varsinais-Suomi", "Tavoite 80 %"]
    assert beside["national_value"].to_list() == [0.5123, 0.4987, None]  # a target has no national counterpart


def test_a_national_row_without_an_area_row_of_its_period_stays_a_row() -> None:
    frame = TREND.filter(~((pl.col("region_code") == "05") & (pl.col("period") == "2025Q2")))
    beside = national_beside(frame)
    assert beside.filter(pl.col("region_code") == "SSS")["period"].to_list() == ["2025Q2"]


@pytest.mark.parametrize(
    "frame",
    [
        TREND.filter(pl.col("region_code") == "SSS"),  # only the country
        TREND.filter(pl.col("region_code") == "05"),  # only the county
        TREND.with_columns(pl.lit(0.5).alias("national_value")),  # the view put it beside already
        TREND.drop("region_code"),  # no areas to tell apart
    ],
)
def test_nothing_moves_when_there_is_nothing_to_put_beside(frame: pl.DataFrame) -> None:
    assert national_beside(frame).equals(frame)


@given(st.lists(st.sampled_from(["01", "02", "SSS"]), min_size=1, max_size=12), st.integers(1, 4))
def test_every_area_row_is_kept_once_and_national_rows_only_move(codes: list[str], periods: int) -> None:
    frame = pl.DataFrame(
        {
            "region_code": codes,
            "period": [f"2025Q{1 + i % periods}" for i in range(len(codes))],
            "value": [float(i) for i in range(len(codes))],
        }
    )
    beside = national_beside(frame)
    areas = frame.filter(pl.col("region_code") != "SSS")
    assert sorted(beside.filter(pl.col("region_code") != "SSS")["value"].to_list()) == sorted(areas["value"])
    assert beside.height <= frame.height


@pytest.mark.parametrize(
    ("language", "value", "national", "n"),
    [
        ("fi", "65,6", "51,2", "1\u202f234"),
        ("sv", "65,6", "51,2", "1\u202f234"),
        ("en", "65.6", "51.2", "1,234"),
    ],
)
def test_the_page_table_writes_numbers_as_the_language_does(language: str, value: str, national: str, n: str) -> None:
    shown, numbers = table_for_page(TREND, language, percent=True)
    first = shown.with_columns(pl.col(numbers).str.strip_chars_start(FIGURE_SPACE)).row(0, named=True)
    assert first[t("table.value", language)] == value
    assert first[t("table.national_value", language)] == national
    assert first[t("table.n", language)] == n
    assert t("table.n", language) in numbers
    assert t("table.label", language) not in numbers


def test_a_hidden_value_shows_the_marker_and_a_missing_one_a_dash() -> None:
    shown, numbers = table_for_page(TREND, "fi", percent=True)
    shown = shown.with_columns(pl.col(numbers).str.strip_chars_start(FIGURE_SPACE))
    hidden, target = shown.row(1, named=True), shown.row(2, named=True)
    assert hidden["Arvo"] == ".."
    assert hidden["n"] == ".."
    assert target["Arvo"] == "80,0"
    assert target["n"] == "–"


def test_the_page_table_leaves_out_empty_columns_and_the_rule_column() -> None:
    shown, _ = table_for_page(TREND.with_columns(pl.lit(None, pl.Float64).alias("ci_low")), "en", percent=True)
    assert t("table.ci_low", "en") not in shown.columns
    assert t("table.suppressed_by", "en") not in shown.columns


def test_downloads_keep_the_area_code_the_rule_in_words_and_numbers_as_numbers() -> None:
    values = table_values(TREND, "fi", percent=True, keys=("region_code",))
    assert values.columns[0] == "region_code"
    assert values["value"].to_list()[:2] == [65.6, None]
    assert values["suppressed_by"].to_list()[1] == t("suppression_rule.secondary", "fi")
    assert table_headers(values.columns, "sv")["suppressed_by"] == t("table.suppressed_by", "sv")


def test_shares_of_a_score_are_percentages_even_when_the_score_is_not() -> None:
    frame = pl.DataFrame({"value": [12.5], "promoter_share": [0.4567], "n": [200]})
    values = table_values(frame, "en", percent=False)
    assert values.row(0) == (12.5, 200, 45.7)  # a percentage has one decimal, as the chart's


def test_the_scatters_access_share_is_a_percentage_and_its_index_keeps_two_decimals() -> None:
    frame = pl.DataFrame({"label": ["A"], "x": [0.4391], "n_x": [500], "y": [0.3456], "n_y": [400]})
    assert table_values(frame, "en", percent=True).row(0) == ("A", 43.9, 500, 0.35, 400)
    assert table_values(frame, "en", percent=False).row(0) == ("A", 0.44, 500, 0.35, 400)  # x in days when access is T3


def test_a_number_column_is_padded_to_one_width_so_it_sorts_by_size() -> None:
    frame = pl.DataFrame({"label": ["a", "b", "c"], "value": [0.095, 0.656, None], "n": [987, 1234, None]})
    shown, numbers = table_for_page(
        frame.with_columns(pl.Series("suppressed", [False, False, True])), "fi", percent=True
    )
    for name in numbers:
        assert shown[name].str.len_chars().n_unique() == 1, name
    assert shown["Arvo"].to_list() == [f"{FIGURE_SPACE}9,5", "65,6", f"{FIGURE_SPACE * 2}.."]
    assert shown["n"].to_list() == [f"{FIGURE_SPACE * 2}987", "1\u202f234", f"{FIGURE_SPACE * 3}.."]
