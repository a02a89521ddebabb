"""suppress_small_counts: rows with a small or unknown count are blanked and marked."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core import columns as c
from core.errors import DashboardError, InvalidInputError, MissingColumnsError
from metrics.privacy import suppress_complements, suppress_small_counts


def cells(**columns: list[Any]) -> pl.DataFrame:
    """An aggregate table as the metrics produce it: Int64 counts, Float64 values, text keys."""

    def dtype(name: str) -> type[pl.DataType]:
        if name == c.SUPPRESSED:
            return pl.Boolean
        if name == "n" or name.startswith("n_"):
            return pl.Int64
        if name in {"share", "nps"}:
            return pl.Float64
        return pl.String

    return pl.DataFrame(columns, schema={name: dtype(name) for name in columns})


def test_rows_below_the_threshold_are_nulled_and_marked() -> None:
    frame = cells(
        region_code=["01", "02", "03", "04", "05", "06"],
        n=[3, 5, 4, 10, 0, None],
        share=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
    )
    result = suppress_small_counts(frame, count_columns=("n",), value_columns=("share",))
    expected = cells(
        region_code=["01", "02", "03", "04", "05", "06"],
        # 3 and 4 are below 5, 0 is below anything, and an unknown count is suppressed too.
        n=[None, 5, None, 10, None, None],
        share=[None, 0.2, None, 0.4, None, None],
        suppressed=[True, False, True, False, True, True],
    )
    assert_frame_equal(result, expected, check_column_order=False)


@pytest.mark.parametrize(
    ("count", "threshold", "suppressed"),
    [
        # The default threshold 5: 4 is suppressed, 5 is shown.
        (4, 5, True),
        (5, 5, False),
        # Threshold 10.
        (9, 10, True),
        (10, 10, False),
        # Threshold 1 suppresses only zero (and unknown) counts.
        (0, 1, True),
        (1, 1, False),
        (None, 1, True),
    ],
)
def test_the_threshold_is_the_smallest_count_shown(count: int | None, threshold: int, suppressed: bool) -> None:
    result = suppress_small_counts(cells(n=[count]), count_columns=("n",), threshold=threshold)
    assert result[c.SUPPRESSED].to_list() == [suppressed]
    assert result["n"].to_list() == [None if suppressed else count]


def test_the_default_threshold_is_five() -> None:
    result = suppress_small_counts(cells(n=[4, 5]), count_columns=("n",))
    assert result[c.SUPPRESSED].to_list() == [True, False]


def test_any_small_count_column_suppresses_the_row_and_all_its_counts() -> None:
    frame = cells(n_eligible=[10, 10, 3], n_within=[3, 7, 3], share=[0.3, 0.7, 1.0])
    result = suppress_small_counts(frame, count_columns=("n_eligible", "n_within"), value_columns=("share",))
    expected = cells(
        n_eligible=[None, 10, None],
        n_within=[None, 7, None],
        share=[None, 0.7, None],
        suppressed=[True, False, True],
    )
    assert_frame_equal(result, expected, check_column_order=False)


def test_an_existing_suppressed_column_is_combined_with_or() -> None:
    frame = cells(n=[10, 10, 3, 3], suppressed=[True, False, False, True])
    result = suppress_small_counts(frame, count_columns=("n",))
    assert result[c.SUPPRESSED].to_list() == [True, False, True, True]
    assert result.columns.count(c.SUPPRESSED) == 1


def test_columns_not_named_are_left_as_they_are() -> None:
    frame = cells(region_code=["01", "02"], n=[2, 20], share=[0.5, 0.25], nps=[10.0, -5.0])
    result = suppress_small_counts(frame, count_columns=("n",), value_columns=("share",))
    # nps was not named as a value column, so it is kept even in the suppressed row.
    assert result.select("region_code", "nps").rows() == [("01", 10.0), ("02", -5.0)]
    assert result["share"].to_list() == [None, 0.25]


def test_dtypes_are_kept_and_the_marker_is_boolean() -> None:
    frame = cells(n=[2, 20], share=[0.5, 0.25])
    result = suppress_small_counts(frame, count_columns=("n",), value_columns=("share",))
    assert (result.schema["n"], result.schema["share"], result.schema[c.SUPPRESSED]) == (
        pl.Int64,
        pl.Float64,
        pl.Boolean,
    )


def test_nothing_small_means_nothing_changes_but_the_marker() -> None:
    frame = cells(region_code=["01", "02"], n=[5, 50], share=[0.5, 0.25])
    result = suppress_small_counts(frame, count_columns=("n",), value_columns=("share",))
    assert_frame_equal(result.drop(c.SUPPRESSED), frame)
    assert result[c.SUPPRESSED].to_list() == [False, False]


def test_lazy_input_gives_lazy_output_equal_to_the_eager_result() -> None:
    frame = cells(n=[1, 9], share=[0.1, 0.9])
    lazy = suppress_small_counts(frame.lazy(), count_columns=("n",), value_columns=("share",))
    assert isinstance(lazy, pl.LazyFrame)
    assert_frame_equal(lazy.collect(), suppress_small_counts(frame, count_columns=("n",), value_columns=("share",)))


@pytest.mark.parametrize(
    "threshold",
    [
        0,  # would suppress nothing, not even a zero count
        -5,  # negative
        2.5,  # not an integer
    ],
)
def test_a_threshold_below_one_or_not_an_integer_is_refused(threshold: Any) -> None:
    with pytest.raises(InvalidInputError):
        suppress_small_counts(cells(n=[1]), count_columns=("n",), threshold=threshold)


@pytest.mark.parametrize(
    ("count_columns", "value_columns", "missing"),
    [
        (("n", "n_within"), (), "n_within"),  # a count column
        (("n",), ("share",), "share"),  # a value column
    ],
)
def test_a_missing_column_is_named(
    count_columns: tuple[str, ...], value_columns: tuple[str, ...], missing: str
) -> None:
    with pytest.raises(MissingColumnsError) as caught:
        suppress_small_counts(cells(n=[1]), count_columns=count_columns, value_columns=value_columns)
    assert repr(missing) in str(caught.value)
    assert isinstance(caught.value, DashboardError)


# --- secondary suppression -------------------------------------------------------------------------------------------


def _parts(counts: list[int | None], threshold: int = 5, group: list[str] | None = None) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "region_code": group or ["05"] * len(counts),
            "unit_id": [f"U{index}" for index in range(len(counts))],
            "n": counts,
            "value": [0.5] * len(counts),
        },
        schema_overrides={"n": pl.Int64},
    )
    return suppress_small_counts(frame, count_columns=["n"], threshold=threshold, value_columns=["value"])


def test_a_lone_suppressed_part_takes_the_smallest_other_part_with_it() -> None:
    # 3 is hidden; 40 + 12 + 3 = 55 is shown as the county total, so 12 (the smallest other) goes too.
    result = suppress_complements(_parts([40, 3, 12]), by=["region_code"], count_column="n", value_columns=["value"])
    assert result["suppressed"].to_list() == [False, True, True]
    assert result["n"].to_list() == [40, None, None]
    assert result["value"].to_list() == [0.5, None, None]


def test_two_suppressed_parts_need_nothing_more() -> None:
    result = suppress_complements(_parts([40, 3, 2, 12]), by=["region_code"], count_column="n")
    assert result["suppressed"].to_list() == [False, True, True, False]


def test_groups_are_handled_separately() -> None:
    frame = _parts([40, 3, 12, 30, 20], group=["05", "05", "05", "13", "13"])
    result = suppress_complements(frame, by=["region_code"], count_column="n")
    assert result["suppressed"].to_list() == [False, True, True, False, False]


def test_the_total_row_is_never_a_part() -> None:
    frame = pl.concat([_parts([40, 3, 12]), _parts([55]).with_columns(pl.lit("").alias("unit_id"))])
    result = suppress_complements(frame, by=["region_code"], count_column="n", exclude=pl.col("unit_id") == "")
    assert result["suppressed"].to_list() == [False, True, True, False]


def test_a_group_of_one_part_is_left_alone() -> None:
    result = suppress_complements(_parts([3]), by=["region_code"], count_column="n")
    assert result["suppressed"].to_list() == [True]


@given(st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=12))
def test_no_group_is_left_with_exactly_one_suppressed_part(counts: list[int]) -> None:
    result = suppress_complements(_parts(counts), by=["region_code"], count_column="n")
    hidden = int(result["suppressed"].sum())
    assert hidden != 1 or len(counts) == 1
    # primary suppression is kept, and only whole cells are hidden
    assert all(row["suppressed"] for row in result.iter_rows(named=True) if row["n"] is None)
    assert all(hidden_now or count >= 5 for count, hidden_now in zip(counts, result["suppressed"], strict=True))


def _counties(n: list[int]) -> pl.DataFrame:
    frame = pl.DataFrame({"region": [f"{index:02d}" for index in range(len(n))], "period": "2023Q2", "n": n})
    return suppress_small_counts(frame.with_columns(pl.col("n").alias("true_n")), count_columns=["n"])


def test_hidden_parts_holding_fewer_than_the_threshold_together_take_another_part_with_them() -> None:
    # Counties of 0 and 2 patients are hidden; the country (not a row here) is 42, so the other counties' 40
    # would tell that the two hidden ones hold 2 together: each is 0 to 2. A third part joins them.
    decided = suppress_complements(
        _counties([0, 2, 15, 25]), by=["period"], count_column="n", hidden_total="true_n", threshold=5
    )
    assert decided[c.SUPPRESSED].to_list() == [True, True, True, False]


def test_without_the_true_counts_only_a_lone_hidden_part_takes_a_partner() -> None:
    decided = suppress_complements(_counties([0, 2, 15, 25]), by=["period"], count_column="n")
    assert decided[c.SUPPRESSED].to_list() == [True, True, False, False]


@given(st.lists(st.integers(min_value=0, max_value=30), min_size=2, max_size=8))
def test_hidden_parts_hold_the_threshold_together_or_every_part_is_hidden(n: list[int]) -> None:
    decided = suppress_complements(_counties(n), by=["period"], count_column="n", hidden_total="true_n", threshold=5)
    hidden = decided.filter(pl.col(c.SUPPRESSED))
    if hidden.height and hidden.height < decided.height:
        assert hidden["true_n"].sum() >= 5
        assert hidden.height >= 2
