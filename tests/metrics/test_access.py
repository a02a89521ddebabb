"""access_within_days: calendar-day waits from the care-need assessment, every exclusion counted.

Expectations are computed by hand from docs/metrics.md (the contract) and the
metric definitions it follows; each case says why its number is what it is.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core import columns as c
from core.errors import ColumnTypeError, DashboardError, InvalidInputError, MissingColumnsError
from metrics.access import access_within_days
from tests.metrics.frames import MONDAY, is_null, only_row, rows_by, subset, visit, visits, waits

COUNTS = (
    "n_visits",
    "n_urgent",
    "n_missing_urgency",
    "n_missing_visit_at",
    "n_missing_assessment",
    "n_negative_wait",
    "n_eligible",
    "n_within",
)
OUTPUT = (*COUNTS, "share", "ci_low", "ci_high", "median_wait_days", "days")


def one(frame: pl.DataFrame, **options: Any) -> dict[str, Any]:
    return only_row(access_within_days(frame, **options))


def counts(row: dict[str, Any]) -> dict[str, Any]:
    return subset(row, COUNTS)


def only(**nonzero: int) -> dict[str, int]:
    """All count columns zero except the given ones."""
    return {name: nonzero.get(name, 0) for name in COUNTS}


# --- the wait and the threshold ----------------------------------------------------------


@pytest.mark.parametrize(
    ("assessed", "seen", "days", "within"),
    [
        # Day 7 is within 7 days, day 8 is not: the assessment day is day 0 and the test is <=.
        (datetime(2024, 3, 4, 8), datetime(2024, 3, 11, 8), 7, True),
        (datetime(2024, 3, 4, 8), datetime(2024, 3, 12, 8), 7, False),
        # The same boundary with the 14-day threshold: day 14 in, day 15 out.
        (datetime(2024, 3, 4, 8), datetime(2024, 3, 18, 8), 14, True),
        (datetime(2024, 3, 4, 8), datetime(2024, 3, 19, 8), 14, False),
        # Hours are ignored: 04.03 08:00 to 11.03 16:00 is 176 h but 7 calendar days, so compliant.
        (datetime(2024, 3, 4, 8), datetime(2024, 3, 11, 16), 7, True),
        # ...and two minutes across midnight after day 7 is day 8, not "7 days and 2 minutes".
        (datetime(2024, 3, 4, 23, 59), datetime(2024, 3, 12, 0, 1), 7, False),
        # A same-day visit waits 0 days, so it is within even a zero threshold.
        (datetime(2024, 3, 4, 8), datetime(2024, 3, 4, 15), 0, True),
        (datetime(2024, 3, 4, 8), datetime(2024, 3, 5, 7), 0, False),
        # Leap day: 28.2.2024 -> 1.3.2024 is 2 days, 28.2.2023 -> 1.3.2023 is 1 day.
        (datetime(2024, 2, 28, 12), datetime(2024, 3, 1, 9), 1, False),
        (datetime(2024, 2, 28, 12), datetime(2024, 3, 1, 9), 2, True),
        (datetime(2023, 2, 28, 12), datetime(2023, 3, 1, 9), 1, True),
    ],
)
def test_a_visit_is_within_the_threshold_when_its_calendar_day_wait_is_at_most_days(
    assessed: datetime, seen: datetime, days: int, within: bool
) -> None:
    row = one(visits(visit(assessment_at=assessed, visit_at=seen)), days=days)
    assert (row["n_eligible"], row["n_within"]) == (1, int(within))


@pytest.mark.parametrize(
    ("assessed", "seen", "wait"),
    [
        # Calendar days, whatever the hours.
        (datetime(2024, 3, 4, 8), datetime(2024, 3, 11, 16), 7.0),
        (datetime(2024, 3, 4, 23, 59), datetime(2024, 3, 5, 0, 1), 1.0),
        # Seen earlier in the day than assessed: same date, so 0 days and not a negative wait.
        (datetime(2024, 3, 4, 15), datetime(2024, 3, 4, 8), 0.0),
        # Leap years.
        (datetime(2024, 2, 28, 8), datetime(2024, 3, 1, 8), 2.0),
        (datetime(2023, 2, 28, 8), datetime(2023, 3, 1, 8), 1.0),
        # Across a year end.
        (datetime(2024, 12, 30, 8), datetime(2025, 1, 2, 8), 3.0),
    ],
)
def test_the_wait_is_the_difference_of_calendar_dates(assessed: datetime, seen: datetime, wait: float) -> None:
    row = one(visits(visit(assessment_at=assessed, visit_at=seen)))
    assert (row["n_eligible"], row["median_wait_days"]) == (1, wait)


def test_the_days_column_reports_the_threshold_used() -> None:
    result = access_within_days(waits(3), days=14)
    assert result["days"].to_list() == [14]
    assert result.schema["days"] == pl.Int64


def test_the_default_threshold_is_seven_days() -> None:
    row = one(waits(7, 8))
    assert (row["days"], row["n_within"], row["n_eligible"]) == (7, 1, 2)


@pytest.mark.parametrize(
    "days",
    [
        -1,  # a negative threshold
        7.5,  # not an integer
        "7",  # not a number at all
    ],
)
def test_a_bad_threshold_is_refused(days: Any) -> None:
    with pytest.raises(InvalidInputError):
        access_within_days(waits(3), days=days)


# --- exclusions ----------------------------------------------------------------------------

LATER = MONDAY + timedelta(days=3)
EARLIER = MONDAY - timedelta(days=2)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # Each class on its own.
        (visit(urgent=True), only(n_urgent=1)),
        (visit(urgent=None), only(n_missing_urgency=1)),
        (visit(visit_at=None), only(n_missing_visit_at=1)),
        (visit(assessment_at=None), only(n_missing_assessment=1)),
        (visit(visit_at=EARLIER), only(n_negative_wait=1)),
        (visit(visit_at=LATER), only(n_eligible=1, n_within=1)),
        # The classes are tested in the contract's order, so a row lands in the first that applies.
        (visit(urgent=True, assessment_at=None), only(n_urgent=1)),
        (visit(urgent=True, visit_at=None), only(n_urgent=1)),
        (visit(urgent=True, visit_at=EARLIER), only(n_urgent=1)),
        (visit(urgent=None, visit_at=None, assessment_at=None), only(n_missing_urgency=1)),
        (visit(visit_at=None, assessment_at=None), only(n_missing_visit_at=1)),
    ],
)
def test_each_visit_falls_in_exactly_one_class(row: dict[str, Any], expected: dict[str, int]) -> None:
    assert counts(one(visits(row))) == {**expected, "n_visits": 1}


def test_the_counts_of_a_mixed_frame_add_up_to_the_visits() -> None:
    frame = visits(
        visit(urgent=True),
        visit(urgent=True),
        visit(urgent=None),
        visit(visit_at=None),
        visit(assessment_at=None),
        visit(assessment_at=None),
        visit(assessment_at=None),
        visit(visit_at=EARLIER),
        visit(visit_at=MONDAY + timedelta(days=7)),  # day 7: within
        visit(visit_at=MONDAY + timedelta(days=8)),  # day 8: not within
    )
    assert counts(one(frame)) == {
        "n_visits": 10,
        "n_urgent": 2,
        "n_missing_urgency": 1,
        "n_missing_visit_at": 1,
        "n_missing_assessment": 3,
        "n_negative_wait": 1,
        "n_eligible": 2,
        "n_within": 1,
    }


def test_the_unit_of_analysis_is_the_visit_so_one_patient_counts_several_times() -> None:
    row = one(waits(1, 2, 30, patient_id="p1"))
    assert (row["n_eligible"], row["n_within"]) == (3, 2)


def test_excluded_visits_do_not_enter_the_median_wait() -> None:
    frame = visits(
        visit(visit_at=MONDAY + timedelta(days=2)),
        visit(visit_at=MONDAY + timedelta(days=4)),
        visit(visit_at=MONDAY + timedelta(days=90), urgent=True),  # would pull the median up if counted
        visit(visit_at=MONDAY + timedelta(days=90), urgent=None),
    )
    assert one(frame)["median_wait_days"] == 3.0


# --- share, interval and median ------------------------------------------------------------


def test_share_is_within_over_eligible_with_a_wilson_interval() -> None:
    # Waits 0, 7, 8, 20: two of four eligible within 7 days. Wilson at 2/4 with z = 1.959963984540054:
    # centre (0.5 + z²/8)/(1 + z²/4) = 0.5, half-width z·sqrt(0.25/4 + z²/64)/(1 + z²/4) = 0.349961...
    row = one(waits(0, 7, 8, 20))
    assert (row["n_eligible"], row["n_within"], row["share"]) == (4, 2, 0.5)
    assert row["ci_low"] == pytest.approx(0.15003898915214947, abs=1e-12)
    assert row["ci_high"] == pytest.approx(0.8499610108478506, abs=1e-12)


def test_the_wilson_interval_is_asymmetric_away_from_one_half() -> None:
    # 1 of 3 within: p = 1/3, n = 3. Wilson by hand: centre (1/3 + z²/6)/(1 + z²/3) = 0.426917...,
    # half-width z·sqrt((1/3)(2/3)/3 + z²/36)/(1 + z²/3) = 0.365424...
    row = one(waits(1, 10, 12))
    assert row["share"] == pytest.approx(1 / 3, abs=1e-15)
    assert row["ci_low"] == pytest.approx(0.06149194472039621, abs=1e-12)
    assert row["ci_high"] == pytest.approx(0.7923403991979522, abs=1e-12)


def test_all_within_gives_share_one_and_an_upper_limit_of_one() -> None:
    row = one(waits(0, 1, 2, 3, 4, 5, 6, 7, 7, 7))
    z2 = 1.959963984540054**2
    assert row["share"] == 1.0
    assert row["ci_low"] == pytest.approx(10 / (10 + z2), abs=1e-12)  # Wilson at 10/10: n/(n + z²)
    assert row["ci_high"] == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize(
    ("days_waited", "median"),
    [
        ([0, 3, 8], 3.0),  # odd count: the middle value
        ([1, 2, 5, 10], 3.5),  # even count: the mean of the two middle values
        ([4], 4.0),  # one visit
        ([9, 0], 4.5),  # order of rows does not matter
    ],
)
def test_median_wait_is_the_median_of_eligible_waits(days_waited: list[int], median: float) -> None:
    result = access_within_days(waits(*days_waited))
    assert result.schema["median_wait_days"] == pl.Float64
    assert result["median_wait_days"].to_list() == [median]


def test_share_interval_and_median_are_null_without_eligible_visits() -> None:
    row = one(visits(visit(urgent=True), visit(assessment_at=None)))
    assert (row["n_eligible"], row["n_within"]) == (0, 0)
    assert all(is_null(row[name]) for name in ("share", "ci_low", "ci_high", "median_wait_days"))


def test_an_empty_input_gives_one_row_of_zero_counts_and_null_values() -> None:
    row = one(visits())
    assert counts(row) == only()
    assert all(is_null(row[name]) for name in ("share", "ci_low", "ci_high", "median_wait_days"))
    assert row["days"] == 7


def test_the_output_has_every_contract_column() -> None:
    assert set(OUTPUT) <= set(access_within_days(waits(1)).columns)


@pytest.mark.parametrize(
    "by",
    [
        (),  # a single summary row
        (c.UNIT_ID,),  # one row per unit
    ],
)
def test_no_identifier_column_appears_in_the_output(by: tuple[str, ...]) -> None:
    result = access_within_days(waits(1, 9), by=by)
    assert not set(result.columns) & c.IDENTIFIER_COLUMNS


# --- grouping ------------------------------------------------------------------------------


def test_by_gives_one_row_per_group_sorted_by_the_group_columns() -> None:
    frame = visits(
        visit(unit_id="u3", visit_at=MONDAY + timedelta(days=9)),
        visit(unit_id="u1", visit_at=MONDAY + timedelta(days=2)),
        visit(unit_id="u3", visit_at=MONDAY + timedelta(days=1)),
        visit(unit_id="u2", urgent=True),  # a group with no eligible visit still appears
    )
    result = access_within_days(frame, by=(c.UNIT_ID,))
    assert result[c.UNIT_ID].to_list() == ["u1", "u2", "u3"]
    groups = rows_by(result, c.UNIT_ID)
    assert (groups["u1"]["n_eligible"], groups["u1"]["n_within"], groups["u1"]["share"]) == (1, 1, 1.0)
    assert (groups["u2"]["n_visits"], groups["u2"]["n_urgent"], groups["u2"]["n_eligible"]) == (1, 1, 0)
    assert is_null(groups["u2"]["share"])
    assert (groups["u3"]["n_eligible"], groups["u3"]["n_within"], groups["u3"]["share"]) == (2, 1, 0.5)
    assert groups["u3"]["median_wait_days"] == 5.0


def test_several_by_columns_sort_on_each_in_order() -> None:
    frame = visits(
        visit(region_code="02", unit_id="u1"),
        visit(region_code="01", unit_id="u9"),
        visit(region_code="01", unit_id="u2"),
    )
    result = access_within_days(frame, by=(c.REGION_CODE, c.UNIT_ID))
    assert result.select(c.REGION_CODE, c.UNIT_ID).rows() == [("01", "u2"), ("01", "u9"), ("02", "u1")]


def test_an_empty_input_with_by_gives_no_rows() -> None:
    assert access_within_days(visits(), by=(c.UNIT_ID,)).height == 0


# --- input kinds and types -------------------------------------------------------------------


def test_lazy_input_gives_lazy_output_equal_to_the_eager_result() -> None:
    frame = visits(visit(), visit(visit_at=MONDAY + timedelta(days=8)), visit(urgent=True))
    lazy = access_within_days(frame.lazy(), by=(c.UNIT_ID,))
    assert isinstance(lazy, pl.LazyFrame)
    assert_frame_equal(lazy.collect(), access_within_days(frame, by=(c.UNIT_ID,)))


def test_eager_input_gives_eager_output() -> None:
    assert isinstance(access_within_days(waits(1)), pl.DataFrame)


@pytest.mark.parametrize(
    ("assessed_utc", "seen_utc", "within"),
    [
        # 11.3 22:30 UTC is 12.3 00:30 in Helsinki (UTC+2 in March): day 8, not day 7.
        (datetime(2024, 3, 4, 10, 0), datetime(2024, 3, 11, 22, 30), False),
        # 3.3 22:30 UTC is 4.3 00:30 in Helsinki, so the wait to 11.3 is 7 days, not 8.
        (datetime(2024, 3, 3, 22, 30), datetime(2024, 3, 11, 10, 0), True),
        # Summer time (UTC+3): 8.7 21:30 UTC is already 9.7 in Helsinki: day 8.
        (datetime(2024, 7, 1, 6, 0), datetime(2024, 7, 8, 21, 30), False),
    ],
)
def test_timezone_aware_times_are_dated_in_helsinki(assessed_utc: datetime, seen_utc: datetime, within: bool) -> None:
    frame = visits(visit(assessment_at=assessed_utc, visit_at=seen_utc)).with_columns(
        pl.col(c.VISIT_AT, c.ASSESSMENT_AT).dt.replace_time_zone("UTC")
    )
    row = one(frame, days=7)
    assert (row["n_eligible"], row["n_within"]) == (1, int(within))


def test_date_columns_are_accepted_as_times() -> None:
    frame = visits(
        visit(assessment_at=datetime(2024, 2, 28), visit_at=datetime(2024, 3, 1)),
        visit(assessment_at=datetime(2024, 3, 1), visit_at=datetime(2024, 3, 9)),
    ).with_columns(pl.col(c.VISIT_AT, c.ASSESSMENT_AT).cast(pl.Date))
    row = one(frame)
    assert (row["n_eligible"], row["n_within"], row["median_wait_days"]) == (2, 1, 5.0)


@pytest.mark.parametrize("column", [c.VISIT_AT, c.ASSESSMENT_AT, c.URGENT])
def test_a_missing_input_column_is_named_with_the_available_ones(column: str) -> None:
    frame = waits(1).drop(column)
    with pytest.raises(MissingColumnsError) as caught:
        access_within_days(frame)
    message = str(caught.value)
    assert repr(column) in message
    assert all(repr(name) in message for name in frame.columns)
    assert isinstance(caught.value, DashboardError)


def test_a_missing_by_column_is_refused_with_its_name() -> None:
    with pytest.raises(MissingColumnsError, match="'ward'"):
        access_within_days(waits(1), by=("ward",))


@pytest.mark.parametrize(
    ("column", "values"),
    [
        (c.VISIT_AT, ["2024-03-04"]),  # a time held as text
        (c.URGENT, ["yes"]),  # urgency held as text
    ],
)
def test_a_column_of_an_unusable_type_is_refused(column: str, values: list[str]) -> None:
    frame = waits(1).with_columns(pl.Series(column, values))
    with pytest.raises(ColumnTypeError):
        access_within_days(frame)


def test_a_lazy_input_is_checked_on_entry_without_collecting() -> None:
    with pytest.raises(MissingColumnsError):
        access_within_days(waits(1).drop(c.URGENT).lazy())


def test_a_date_assessment_and_a_datetime_visit_on_the_same_day_wait_zero_days() -> None:
    frame = visits(visit(assessment_at=datetime(2024, 3, 4), visit_at=datetime(2024, 3, 4, 15))).with_columns(
        pl.col(c.ASSESSMENT_AT).cast(pl.Date)
    )
    row = one(frame, days=0)
    assert (row["n_within"], row["median_wait_days"]) == (1, 0.0)
