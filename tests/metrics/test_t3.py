"""t3 and t3_summary: the third free non-urgent slot, read from each book as it was at the measurement time.

The default measurement in these cases is Monday 4.3.2024 08:00 and the
default snapshot was captured an hour earlier (see tests/metrics/frames.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core import columns as c
from core.errors import ColumnTypeError, DashboardError, InvalidInputError, MissingColumnsError
from metrics.access import t3, t3_summary
from tests.metrics.frames import CAPTURED, MONDAY, book, collected, free_slots, is_null, only_row, rows_by, slot, slots


def one(frame: pl.DataFrame, **options: Any) -> dict[str, Any]:
    options.setdefault("measured_at", MONDAY)
    return only_row(t3(frame, **options))


# --- the third slot ---------------------------------------------------------------------------


def test_t3_is_the_calendar_days_from_the_measurement_date_to_the_third_free_slot() -> None:
    frame = slots(
        *free_slots(
            datetime(2024, 3, 8, 9),  # rows out of order on purpose
            datetime(2024, 3, 4, 10),
            datetime(2024, 3, 7, 9),
            datetime(2024, 3, 5, 9),
        )
    )
    row = one(frame)
    assert (row["n_free"], row["t3_days"], row["censored"]) == (4, 3, False)
    assert row["third_slot_at"] == datetime(2024, 3, 7, 9)
    assert (row[c.MEASURED_AT], row["snapshot_at"], row[c.BOOK_ID]) == (MONDAY, CAPTURED, "b1")


def test_three_free_slots_later_the_same_day_give_t3_zero() -> None:
    frame = slots(*free_slots(datetime(2024, 3, 4, 9), datetime(2024, 3, 4, 13), datetime(2024, 3, 4, 16)))
    row = one(frame)
    assert (row["t3_days"], row["censored"]) == (0, False)


def test_t3_counts_calendar_days_across_a_month_end_and_a_leap_day() -> None:
    # Measured 27.2.2024; the third slot is on 1.3.2024: 27.2 -> 29.2 -> 1.3 is 3 days in a leap year.
    measured = datetime(2024, 2, 27, 8)
    frame = slots(
        *free_slots(datetime(2024, 2, 28, 9), datetime(2024, 2, 29, 9), datetime(2024, 3, 1, 9), captured_at=measured)
    )
    assert one(frame, measured_at=measured)["t3_days"] == 3


@pytest.mark.parametrize(
    ("exclude_same_day", "n_free", "t3_days", "third"),
    [
        # Same-day slots count by default (IHI): three free slots this afternoon give 0.
        (False, 6, 0, datetime(2024, 3, 4, 12)),
        # CHOP-style: same-day slots are skipped, so the third is Monday 11.3: 7 days.
        (True, 3, 7, datetime(2024, 3, 11, 9)),
    ],
)
def test_exclude_same_day_skips_slots_on_the_measurement_date(
    exclude_same_day: bool, n_free: int, t3_days: int, third: datetime
) -> None:
    frame = slots(
        *free_slots(
            datetime(2024, 3, 4, 10),
            datetime(2024, 3, 4, 11),
            datetime(2024, 3, 4, 12),
            datetime(2024, 3, 5, 9),
            datetime(2024, 3, 6, 9),
            datetime(2024, 3, 11, 9),
        )
    )
    row = one(frame, exclude_same_day=exclude_same_day)
    assert (row["n_free"], row["t3_days"], row["third_slot_at"]) == (n_free, t3_days, third)


def test_parallel_slots_at_the_same_time_count_separately() -> None:
    # Three free slots at 09:00 tomorrow (three nurses' parallel times in one book): n_free 3, t3 1.
    slot_at = datetime(2024, 3, 5, 9)
    row = one(slots(*free_slots(slot_at, slot_at, slot_at)))
    assert (row["n_free"], row["t3_days"], row["third_slot_at"]) == (3, 1, slot_at)


def test_timezone_aware_slots_are_dated_in_helsinki() -> None:
    helsinki = ZoneInfo("Europe/Helsinki")
    frame = slots(
        *free_slots(
            datetime(2024, 3, 4, 21, 30),  # 23:30 on 4.3 in Helsinki
            datetime(2024, 3, 5, 21, 30),  # 23:30 on 5.3
            datetime(2024, 3, 6, 22, 30),  # 00:30 on 7.3 in Helsinki, still 6.3 in UTC
            captured_at=datetime(2024, 3, 4, 5),
        )
    ).with_columns(pl.col(c.CAPTURED_AT, c.SLOT_AT).dt.replace_time_zone("UTC"))
    row = one(frame, measured_at=datetime(2024, 3, 4, 8, tzinfo=helsinki))
    assert (row["n_free"], row["t3_days"]) == (3, 3)


@pytest.mark.parametrize("n_slots", [0, 1, 2])
def test_fewer_than_three_free_slots_is_censored_with_null_t3(n_slots: int) -> None:
    times = [datetime(2024, 3, 5, 9), datetime(2024, 3, 6, 9)][:n_slots]
    # A booked slot keeps the book in the snapshot even when it has no free slot.
    frame = slots(slot(datetime(2024, 3, 5, 10), status="booked"), *free_slots(*times))
    row = one(frame)
    assert (row["n_free"], row["censored"]) == (n_slots, True)
    assert row["t3_days"] is None
    assert row["third_slot_at"] is None


# Three free slots on 5.3, 6.3 and 8.3 give t3 = 4. The extra slot on the measurement day would make
# the third slot 6.3 (t3 = 2) if it were counted.
BASE = (datetime(2024, 3, 5, 9), datetime(2024, 3, 6, 9), datetime(2024, 3, 8, 9))


@pytest.mark.parametrize(
    ("extra", "n_free", "t3_days"),
    [
        # Only free slots count: booked and held ones are not available.
        (slot(datetime(2024, 3, 4, 10), status="booked"), 3, 4),
        (slot(datetime(2024, 3, 4, 10), status="held"), 3, 4),
        # Urgent (päivystys) template slots are not T3 slots.
        (slot(datetime(2024, 3, 4, 10), slot_type="urgent"), 3, 4),
        # A slot before the measurement time has passed.
        (slot(datetime(2024, 3, 4, 7, 59)), 3, 4),
        # A slot exactly at the measurement time is still bookable (slot_at >= m).
        (slot(datetime(2024, 3, 4, 8, 0)), 4, 2),
        # A free non-urgent slot later today counts.
        (slot(datetime(2024, 3, 4, 10)), 4, 2),
    ],
)
def test_only_free_non_urgent_slots_at_or_after_the_measurement_time_count(
    extra: dict[str, Any], n_free: int, t3_days: int
) -> None:
    row = one(slots(extra, *free_slots(*BASE)))
    assert (row["n_free"], row["t3_days"]) == (n_free, t3_days)


@pytest.mark.parametrize(
    ("horizon_end", "n_free", "t3_days"),
    [
        # No horizon: all four slots count and the third is on Friday 8.3 at 23:00.
        (None, 4, 4),
        # A date means through the end of that day, so the 23:00 slot on 8.3 counts.
        (date(2024, 3, 8), 3, 4),
        # A datetime is inclusive.
        (datetime(2024, 3, 8, 23, 0), 3, 4),
        (datetime(2024, 3, 8, 22, 59), 2, None),
        # A date before the third slot leaves two: censored.
        (date(2024, 3, 7), 2, None),
    ],
)
def test_horizon_end_limits_the_counted_slots(
    horizon_end: date | datetime | None, n_free: int, t3_days: int | None
) -> None:
    frame = slots(
        *free_slots(datetime(2024, 3, 5, 9), datetime(2024, 3, 6, 9), datetime(2024, 3, 8, 23), datetime(2024, 3, 9, 9))
    )
    row = one(frame, horizon_end=horizon_end)
    assert (row["n_free"], row["t3_days"], row["censored"]) == (n_free, t3_days, t3_days is None)


def test_t3_days_is_int64_and_measured_at_is_a_datetime() -> None:
    result = t3(slots(*book("b1", [1, 2, 3])), measured_at=MONDAY)
    assert result.schema["t3_days"] == pl.Int64
    assert isinstance(result.schema[c.MEASURED_AT], pl.Datetime)


# --- working days ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measured", "third", "holidays", "calendar", "working"),
    [
        # Thursday 5.12.2024 to Tuesday 10.12: Fri 6, Mon 9, Tue 10 are weekdays (Sat and Sun are not).
        (datetime(2024, 12, 5, 8), datetime(2024, 12, 10, 9), (), 5, 3),
        # ...and 6.12 is Independence Day: a holiday on a weekday is not a working day.
        (datetime(2024, 12, 5, 8), datetime(2024, 12, 10, 9), (date(2024, 12, 6),), 5, 2),
        # A holiday on a weekend changes nothing.
        (datetime(2024, 12, 5, 8), datetime(2024, 12, 10, 9), (date(2024, 12, 7),), 5, 3),
        # Friday to Monday: 3 calendar days, 1 working day (Monday itself).
        (datetime(2024, 3, 8, 8), datetime(2024, 3, 11, 9), (), 3, 1),
        # Same day: counting starts the day after the measurement date, so 0.
        (datetime(2024, 3, 4, 8), datetime(2024, 3, 4, 15), (), 0, 0),
    ],
)
def test_working_days_count_weekdays_after_the_measurement_date_through_the_slot_date(
    measured: datetime, third: datetime, holidays: tuple[date, ...], calendar: int, working: int
) -> None:
    # Two free slots at 08:30 and 08:45 on the measurement day make `third` the third one.
    first = datetime(measured.year, measured.month, measured.day, 8, 30)
    second = datetime(measured.year, measured.month, measured.day, 8, 45)
    frame = slots(*free_slots(first, second, third, captured_at=measured))
    row = one(frame, measured_at=measured, holidays=holidays)
    assert (row["t3_days"], row["t3_working_days"]) == (calendar, working)


# --- snapshots and measurement times -------------------------------------------------------------------


def test_only_the_latest_snapshot_at_or_before_the_measurement_is_used() -> None:
    frame = slots(
        # An older snapshot: three free slots today would give t3 = 0 if its slots leaked in.
        *free_slots(
            datetime(2024, 3, 4, 9),
            datetime(2024, 3, 4, 10),
            datetime(2024, 3, 4, 11),
            captured_at=datetime(2024, 3, 1, 7),
        ),
        # The snapshot in force at 08:00: the third slot is Monday 11.3, 7 days.
        *free_slots(
            datetime(2024, 3, 5, 9),
            datetime(2024, 3, 6, 9),
            datetime(2024, 3, 11, 9),
            captured_at=datetime(2024, 3, 4, 7),
        ),
        # A later snapshot (09:00) is ignored even though it exists.
        *free_slots(
            datetime(2024, 3, 4, 12),
            datetime(2024, 3, 4, 13),
            datetime(2024, 3, 4, 14),
            captured_at=datetime(2024, 3, 4, 9),
        ),
    )
    row = one(frame)
    assert (row["n_free"], row["t3_days"], row["snapshot_at"]) == (3, 7, datetime(2024, 3, 4, 7))


def test_a_snapshot_captured_exactly_at_the_measurement_time_is_used() -> None:
    frame = slots(
        *free_slots(datetime(2024, 3, 5, 9), datetime(2024, 3, 6, 9), datetime(2024, 3, 7, 9), captured_at=CAPTURED),
        *free_slots(datetime(2024, 3, 4, 9), datetime(2024, 3, 4, 10), datetime(2024, 3, 4, 11), captured_at=MONDAY),
    )
    row = one(frame)
    assert (row["t3_days"], row["snapshot_at"]) == (0, MONDAY)


def test_a_book_without_a_snapshot_at_or_before_the_measurement_does_not_appear() -> None:
    frame = slots(
        *book("b1", [1, 2, 3]),
        *book("b2", [1, 2, 3], captured_at=datetime(2024, 3, 4, 12)),  # captured after 08:00
    )
    result = t3(frame, measured_at=MONDAY)
    assert result[c.BOOK_ID].to_list() == ["b1"]


def test_a_book_with_a_snapshot_but_no_counted_slot_appears_censored_with_zero_free() -> None:
    frame = slots(
        slot(datetime(2024, 3, 5, 9), status="booked"),
        slot(datetime(2024, 3, 5, 10), status="held"),
        slot(datetime(2024, 3, 5, 11), slot_type="urgent"),
    )
    row = one(frame)
    assert (row["n_free"], row["censored"], row["t3_days"], row["snapshot_at"]) == (0, True, None, CAPTURED)


def test_each_measurement_time_uses_its_own_snapshot() -> None:
    first, second = datetime(2024, 3, 1, 8), datetime(2024, 3, 4, 8)
    frame = slots(
        # Snapshot of Friday 1.3: from 08:00 on 1.3 the third slot is Tuesday 5.3: 4 days.
        *free_slots(
            datetime(2024, 3, 1, 9),
            datetime(2024, 3, 4, 9),
            datetime(2024, 3, 5, 9),
            datetime(2024, 3, 8, 9),
            captured_at=datetime(2024, 3, 1, 7),
        ),
        # Snapshot of Monday 4.3: the third slot is Monday 11.3: 7 days. (Had the 1.3 slots of 5.3
        # and 8.3 leaked in, the third would be Wednesday 6.3: 2 days.)
        *free_slots(
            datetime(2024, 3, 4, 10),
            datetime(2024, 3, 6, 10),
            datetime(2024, 3, 11, 10),
            captured_at=datetime(2024, 3, 4, 7),
        ),
    )
    # 29.2 has no snapshot yet, so it gives no row.
    result = t3(frame, measured_at=[datetime(2024, 2, 29, 8), first, second])
    rows = rows_by(result, c.MEASURED_AT)
    assert sorted(rows) == [first, second]
    assert (rows[first]["n_free"], rows[first]["t3_days"], rows[first]["snapshot_at"]) == (
        4,
        4,
        datetime(2024, 3, 1, 7),
    )
    assert (rows[second]["n_free"], rows[second]["t3_days"], rows[second]["snapshot_at"]) == (
        3,
        7,
        datetime(2024, 3, 4, 7),
    )


def test_a_date_measurement_means_midnight_that_day() -> None:
    frame = slots(
        *free_slots(
            datetime(2024, 3, 4, 0, 0),  # exactly at 00:00: counted
            datetime(2024, 3, 4, 9),
            datetime(2024, 3, 5, 9),
            captured_at=datetime(2024, 3, 3, 20),
        )
    )
    row = one(frame, measured_at=date(2024, 3, 4))
    assert (row["n_free"], row["t3_days"], row[c.MEASURED_AT]) == (3, 1, datetime(2024, 3, 4, 0, 0))


# --- groups ---------------------------------------------------------------------------------------------


def test_one_row_per_book_sorted_by_book() -> None:
    frame = slots(*book("b3", [1, 2, 3]), *book("b1", [2, 4, 6]), *book("b2", [0, 1]))
    result = t3(frame, measured_at=MONDAY)
    assert result.select(c.BOOK_ID, "t3_days", "n_free").rows() == [("b1", 6, 3), ("b2", None, 2), ("b3", 3, 3)]


def test_by_may_add_the_unit_to_the_book() -> None:
    frame = slots(*book("b2", [1, 2, 3], unit="u2"), *book("b1", [2, 4, 6], unit="u1"))
    result = t3(frame, measured_at=MONDAY, by=(c.UNIT_ID, c.BOOK_ID))
    assert result.select(c.UNIT_ID, c.BOOK_ID, "t3_days").rows() == [("u1", "b1", 6), ("u2", "b2", 3)]


def test_grouping_by_unit_pools_the_books_but_picks_each_books_own_latest_snapshot() -> None:
    frame = slots(
        *book("b1", [1], captured_at=datetime(2024, 3, 4, 6)),
        # b2's older snapshot holds a slot tomorrow; its newer one does not, so that slot must not count.
        *book("b2", [1, 1], captured_at=datetime(2024, 3, 1, 6)),
        *book("b2", [2, 5], captured_at=datetime(2024, 3, 4, 7)),
    )
    row = only_row(t3(frame, measured_at=MONDAY, by=(c.UNIT_ID,)))
    # Pooled slots: b1 on 5.3, b2 on 6.3 and 9.3: the third is 9.3, 5 days.
    assert (row[c.UNIT_ID], row["n_free"], row["t3_days"]) == ("u1", 3, 5)
    assert row["snapshot_at"] == datetime(2024, 3, 4, 7)


def test_lazy_input_gives_lazy_output_equal_to_the_eager_result() -> None:
    frame = slots(*book("b1", [1, 2, 3]), *book("b2", [0]))
    measured = [MONDAY, datetime(2024, 3, 5, 8)]
    lazy = t3(frame.lazy(), measured_at=measured)
    assert isinstance(lazy, pl.LazyFrame)
    eager = t3(frame, measured_at=measured)
    assert isinstance(eager, pl.DataFrame)
    order = [c.BOOK_ID, c.MEASURED_AT]
    assert_frame_equal(lazy.collect().sort(order), eager.sort(order))


@pytest.mark.parametrize(
    "measured_at",
    [
        "2024-03-04 08:00",  # text, not a date or datetime
        [MONDAY, "2024-03-05"],  # one bad item in a sequence
    ],
)
def test_a_measurement_time_that_is_not_a_date_or_datetime_is_refused(measured_at: Any) -> None:
    with pytest.raises(InvalidInputError):
        t3(slots(*book("b1", [1, 2, 3])), measured_at=measured_at)


@pytest.mark.parametrize(
    ("column", "values"),
    [
        (c.SLOT_AT, ["2024-03-05 09:00"] * 3),  # a time held as text
        (c.STATUS, [1, 1, 1]),  # a code held as a number
    ],
)
def test_a_slot_column_of_an_unusable_type_is_refused(column: str, values: list[Any]) -> None:
    frame = slots(*book("b1", [1, 2, 3])).with_columns(pl.Series(column, values))
    with pytest.raises(ColumnTypeError):
        t3(frame, measured_at=MONDAY)


@pytest.mark.parametrize("column", [c.CAPTURED_AT, c.BOOK_ID, c.SLOT_AT, c.STATUS, c.SLOT_TYPE])
def test_a_missing_slot_column_is_named_with_the_available_ones(column: str) -> None:
    frame = slots(*book("b1", [1, 2, 3])).drop(column)
    with pytest.raises(MissingColumnsError) as caught:
        t3(frame, measured_at=MONDAY)
    assert repr(column) in str(caught.value)
    assert "Available columns" in str(caught.value)
    assert isinstance(caught.value, DashboardError)


# --- t3_summary --------------------------------------------------------------------------------------------

# The definitions' DrA example: two books with T3 2 and 7 (mean and median 4.5) and one censored
# book. Substituting THL's 182 days for the censored book moves the mean to (2 + 7 + 182)/3 = 63.67,
# while the median only moves to 7.
DR_A = (
    *book("A", [1, 2, 2]),  # third slot on day 2
    *book("B", [1, 5, 7]),  # third slot on day 7
    *book("C", [3, 4]),  # two slots: censored
)


def summary(frame: pl.DataFrame, **options: Any) -> dict[str, Any]:
    options.setdefault("measured_at", MONDAY)
    return only_row(t3_summary(frame, **options))


def test_t3_summary_leaves_censored_books_out_of_the_median_by_default() -> None:
    row = summary(slots(*DR_A))
    assert (row[c.UNIT_ID], row["n_books"], row["n_censored"]) == ("u1", 3, 1)
    assert row["t3_median_days"] == pytest.approx(4.5)
    assert row["t3_mean_days"] == pytest.approx(4.5)


def test_t3_summary_with_censored_days_182_counts_censored_books_as_182() -> None:
    row = summary(slots(*DR_A), censored_days=182)
    assert (row["n_books"], row["n_censored"]) == (3, 1)
    assert row["t3_median_days"] == pytest.approx(7.0)
    assert row["t3_mean_days"] == pytest.approx(191 / 3)  # 63.67


def test_t3_summary_substitutes_any_given_censored_days() -> None:
    # With 30 days for the censored book: values 2, 7, 30: median 7, mean 13.
    row = summary(slots(*DR_A), censored_days=30)
    assert (row["t3_median_days"], row["t3_mean_days"]) == (pytest.approx(7.0), pytest.approx(13.0))


def test_t3_summary_median_of_an_odd_number_of_books_is_the_middle_one() -> None:
    frame = slots(*book("A", [0, 1, 1]), *book("B", [1, 2, 3]), *book("C", [4, 8, 10]))
    row = summary(frame)
    assert (row["t3_median_days"], row["t3_mean_days"]) == (pytest.approx(3.0), pytest.approx(14 / 3))


@pytest.mark.parametrize(
    ("censored_days", "value"),
    [
        # No book contributes: the median and the mean are null.
        (None, None),
        # Every book enters as 182.
        (182, 182.0),
    ],
)
def test_t3_summary_of_only_censored_books(censored_days: int | None, value: float | None) -> None:
    # A has one free slot; B has only a booked one.
    frame = slots(*book("A", [1]), slot(datetime(2024, 3, 5, 9), book_id="B", status="booked"))
    row = summary(frame, censored_days=censored_days)
    assert (row["n_books"], row["n_censored"]) == (2, 2)
    if value is None:
        assert is_null(row["t3_median_days"])
        assert is_null(row["t3_mean_days"])
    else:
        assert (row["t3_median_days"], row["t3_mean_days"]) == (value, value)


def test_t3_summary_gives_one_row_per_unit_sorted() -> None:
    frame = slots(
        *book("A", [1, 2, 3], unit="u2"),
        *book("B", [1, 2, 5], unit="u2"),
        *book("C", [0, 0, 0], unit="u1"),
    )
    result = t3_summary(frame, measured_at=MONDAY)
    assert result[c.UNIT_ID].to_list() == ["u1", "u2"]
    units = rows_by(result, c.UNIT_ID)
    assert (units["u1"]["n_books"], units["u1"]["t3_median_days"]) == (1, 0.0)
    assert (units["u2"]["n_books"], units["u2"]["t3_median_days"]) == (2, 4.0)


def test_t3_summary_gives_one_row_per_unit_and_measurement_time() -> None:
    later = datetime(2024, 3, 6, 8)
    frame = slots(*book("A", [1, 2, 3]), *book("B", [1, 1, 5]))
    result = collected(t3_summary(frame, measured_at=[MONDAY, later]))
    rows = rows_by(result, c.MEASURED_AT)
    # At 4.3: A = 3, B = 5: median 4. At 6.3 08:00 (same snapshot): A has 6.3 and 7.3 left (censored),
    # B has 9.3 only (censored).
    assert rows[MONDAY]["t3_median_days"] == 4.0
    assert (rows[later]["n_books"], rows[later]["n_censored"]) == (2, 2)
    assert is_null(rows[later]["t3_median_days"])


def test_t3_summary_passes_the_slot_options_to_every_book() -> None:
    frame = slots(*book("A", [0, 0, 0, 1, 2, 3]), *book("B", [0, 1, 2]))
    # Same-day slots skipped: A's third is day 3, B has two slots left (censored).
    same_day = summary(frame, exclude_same_day=True)
    assert (same_day["n_censored"], same_day["t3_median_days"]) == (1, 3.0)
    # Horizon through 5.3: A keeps 4.3 x3 and 5.3 (t3 0), B keeps 4.3 and 5.3 (censored).
    horizon = summary(frame, horizon_end=date(2024, 3, 5))
    assert (horizon["n_censored"], horizon["t3_median_days"]) == (1, 0.0)


def test_t3_summary_lazy_input_gives_lazy_output_equal_to_the_eager_result() -> None:
    lazy = t3_summary(slots(*DR_A).lazy(), measured_at=MONDAY, censored_days=182)
    assert isinstance(lazy, pl.LazyFrame)
    assert_frame_equal(lazy.collect(), t3_summary(slots(*DR_A), measured_at=MONDAY, censored_days=182))


def test_t3_summary_refuses_a_missing_unit_column() -> None:
    with pytest.raises(MissingColumnsError, match="'unit_id'"):
        t3_summary(slots(*DR_A).drop(c.UNIT_ID), measured_at=MONDAY)


# --- several extract files, read the way the store reads them ---------------------------------------


def test_t3_of_several_files_with_a_formatted_key_equals_the_one_frame_result(tmp_path: Path) -> None:
    # The first file holds only an old snapshot's booked slots, so the read of the snapshots in use keeps
    # none of its rows. That read stays after the caller's key (built with pl.format, as the store
    # builds its labels): pushed beneath it, the key was computed on filtered streaming batches, which
    # polars 2.1 cannot format (it panicked).
    old = slots(
        *(
            slot(
                MONDAY + timedelta(days=i % 20, hours=i % 8), captured_at=CAPTURED - timedelta(days=30), status="booked"
            )
            for i in range(200)
        )
    )
    new = slots(*(slot(MONDAY + timedelta(days=1 + i, hours=1), book_id=f"b{i % 3}") for i in range(12)))
    paths = [tmp_path / "old.parquet", tmp_path / "new.parquet"]
    old.write_parquet(paths[0])
    new.write_parquet(paths[1])
    key = pl.format("{}-{}", c.UNIT_ID, c.BOOK_ID).alias("book_key")
    from_files = pl.scan_parquet(paths).collect().lazy().with_columns(key)
    one_frame = pl.concat([old, new], rechunk=True).with_columns(key)
    result = t3(from_files, measured_at=MONDAY, by=["book_key"]).collect()
    assert_frame_equal(result, t3(one_frame, measured_at=MONDAY, by=["book_key"]))
    assert result["t3_days"].to_list() == [7, 8, 9]
