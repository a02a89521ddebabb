"""Properties every metric keeps whatever the data: ranges, orderings, totals, row order and frame kind.

Frames are small (a dozen rows at most) so the whole file stays quick; the
hand-computed cases live in the per-metric test files.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core import columns as c
from metrics.access import access_within_days, t3, t3_summary
from metrics.continuity import continuity_indices, continuity_summary
from metrics.privacy import suppress_small_counts
from metrics.satisfaction import nps
from metrics.stats import wilson_interval
from tests.metrics.frames import answers, is_null, only_row, slot, slots, visits

EPS = 1e-12

#: A quarter of the active profile's examples (25 by default, 50 under CI): the frames are tiny, so
#: that is plenty, and the whole metrics suite stays well under a minute on two cores.
SMALL = settings(max_examples=max(10, settings().max_examples // 4))
ACCESS_COUNTS = (
    "n_visits",
    "n_urgent",
    "n_missing_urgency",
    "n_missing_visit_at",
    "n_missing_assessment",
    "n_negative_wait",
    "n_eligible",
    "n_within",
)
START = datetime(2024, 3, 1)

# --- strategies -----------------------------------------------------------------------------------


@st.composite
def visit_rows(draw: st.DrawFn, *, nullable_times: bool) -> dict[str, Any]:
    visit_at = START + timedelta(days=draw(st.integers(0, 20)), hours=draw(st.integers(0, 23)))
    wait = draw(st.one_of(st.none(), st.integers(-3, 20)))
    row = {
        c.PATIENT_ID: draw(st.sampled_from(["p1", "p2", "p3", "p4"])),
        c.PROFESSIONAL_ID: draw(st.one_of(st.none(), st.sampled_from(["A", "B", "C"]))),
        c.PROFESSION: draw(st.sampled_from(["doctor", "nurse"])),
        c.UNIT_ID: draw(st.sampled_from(["u1", "u2", "u3"])),
        c.VISIT_AT: visit_at,
        c.ASSESSMENT_AT: None if wait is None else visit_at - timedelta(days=wait, hours=draw(st.integers(0, 3))),
        c.URGENT: draw(st.sampled_from([False, False, False, True, None])),
    }
    if nullable_times and draw(st.integers(0, 9)) == 0:
        row[c.VISIT_AT] = None
    return row


def visit_frames(*, nullable_times: bool = True) -> st.SearchStrategy[pl.DataFrame]:
    return st.lists(visit_rows(nullable_times=nullable_times), max_size=12).map(lambda rows: visits(*rows))


MEASURED = [datetime(2024, 3, 4, 8), datetime(2024, 3, 5, 12)]
SNAPSHOTS = [datetime(2024, 3, 1, 7), datetime(2024, 3, 4, 7), datetime(2024, 3, 5, 7)]


UNIT_OF_BOOK = {"b1": "u1", "b2": "u1", "b3": "u2"}


@st.composite
def slot_rows(draw: st.DrawFn) -> dict[str, Any]:
    book = draw(st.sampled_from(sorted(UNIT_OF_BOOK)))
    return slot(
        datetime(2024, 3, 3, 6) + timedelta(days=draw(st.integers(0, 9)), hours=draw(st.integers(0, 12))),
        book_id=book,
        unit_id=UNIT_OF_BOOK[book],
        captured_at=draw(st.sampled_from(SNAPSHOTS)),
        status=draw(st.sampled_from(["free", "free", "free", "booked", "held"])),
        slot_type=draw(st.sampled_from(["non_urgent", "non_urgent", "urgent"])),
    )


slot_frames = st.lists(slot_rows(), max_size=14).map(lambda rows: slots(*rows))

scores = st.one_of(
    st.integers(0, 10).map(float),
    st.sampled_from([-1.0, 11.0, 7.5, math.nan, None]),
)


@st.composite
def answer_frames(draw: st.DrawFn, *, weighted: bool) -> pl.DataFrame:
    values = draw(st.lists(scores, max_size=14))
    units = [draw(st.sampled_from(["u1", "u2", "u3"])) for _ in values]
    weights = None
    if weighted:
        weight = st.one_of(st.floats(0.1, 10.0), st.sampled_from([None, math.nan, -1.0]))
        weights = [draw(weight) for _ in values]
    return answers(values, weights=weights, unit_id=units)


def permuted(data: st.DataObject, frame: pl.DataFrame) -> pl.DataFrame:
    order = data.draw(st.permutations(list(range(frame.height))))
    return frame[order] if frame.height else frame


def close(a: Any, b: Any) -> bool:
    return (is_null(a) and is_null(b)) or (not is_null(a) and not is_null(b) and abs(a - b) <= 1e-9)


# --- access within N days ------------------------------------------------------------------------------


@SMALL
@given(visit_frames(), st.sampled_from([0, 7, 14]))
def test_access_visits_are_the_exclusions_plus_the_eligible(frame: pl.DataFrame, days: int) -> None:
    row = only_row(access_within_days(frame, days=days))
    excluded = ("n_urgent", "n_missing_urgency", "n_missing_visit_at", "n_missing_assessment", "n_negative_wait")
    assert row["n_visits"] == frame.height
    assert row["n_visits"] == sum(row[name] for name in excluded) + row["n_eligible"]
    assert 0 <= row["n_within"] <= row["n_eligible"]


@SMALL
@given(visit_frames(), st.sampled_from([0, 7, 14]))
def test_access_share_and_interval_lie_in_the_unit_interval(frame: pl.DataFrame, days: int) -> None:
    row = only_row(access_within_days(frame, days=days))
    if row["n_eligible"] == 0:
        assert is_null(row["share"])
        return
    assert 0.0 <= row["ci_low"] <= row["share"] + EPS
    assert row["share"] <= row["ci_high"] + EPS
    assert row["ci_high"] <= 1.0 + EPS
    assert row["share"] == row["n_within"] / row["n_eligible"]


@SMALL
@given(visit_frames())
def test_access_a_longer_threshold_never_lowers_the_share(frame: pl.DataFrame) -> None:
    short, long = (only_row(access_within_days(frame, days=d)) for d in (7, 14))
    assert short["n_eligible"] == long["n_eligible"]
    assert short["n_within"] <= long["n_within"]


@SMALL
@given(visit_frames())
def test_access_group_counts_add_up_to_the_ungrouped_counts(frame: pl.DataFrame) -> None:
    total = only_row(access_within_days(frame))
    grouped = access_within_days(frame, by=(c.UNIT_ID,))
    assert {name: grouped[name].sum() for name in ACCESS_COUNTS} == {name: total[name] for name in ACCESS_COUNTS}


@SMALL
@given(st.data(), visit_frames())
def test_access_row_order_does_not_matter(data: st.DataObject, frame: pl.DataFrame) -> None:
    by = (c.UNIT_ID,)
    assert_frame_equal(access_within_days(permuted(data, frame), by=by), access_within_days(frame, by=by))


@SMALL
@given(visit_frames())
def test_access_lazy_equals_eager(frame: pl.DataFrame) -> None:
    for by in ((), (c.UNIT_ID,)):
        assert_frame_equal(access_within_days(frame.lazy(), by=by).collect(), access_within_days(frame, by=by))


# --- continuity ------------------------------------------------------------------------------------------


@SMALL
@given(visit_frames(nullable_times=False), st.integers(2, 4))
def test_continuity_indices_are_ordered_and_in_range(frame: pl.DataFrame, min_visits: int) -> None:
    result = continuity_indices(frame, min_visits=min_visits)
    for row in result.iter_rows(named=True):
        n = row["n_visits"]
        if n < min_visits:
            assert all(is_null(row[name]) for name in ("coc", "upc", "hhi", "mmci", "secon"))
            continue
        assert -EPS <= row["coc"] <= row["hhi"] + EPS
        assert row["hhi"] <= row["upc"] + EPS
        assert row["upc"] <= 1 + EPS
        assert -EPS <= row["mmci"] <= 1 + EPS
        assert -EPS <= row["secon"] <= 1 + EPS
        # COC = (n·HHI − 1)/(n − 1), and MMCI depends only on n and k.
        assert abs(row["coc"] - (n * row["hhi"] - 1) / (n - 1)) <= 1e-9
        assert abs(row["mmci"] - (n - row["n_providers"] + 1) / n) <= 1e-9


@SMALL
@given(visit_frames(nullable_times=False))
def test_continuity_indices_count_every_visit_once(frame: pl.DataFrame) -> None:
    result = continuity_indices(frame)
    assert result["n_visits"].sum() == frame[c.PROFESSIONAL_ID].is_not_null().sum()
    assert result["n_missing_provider"].sum() == frame[c.PROFESSIONAL_ID].is_null().sum()
    assert result.height == frame[c.PATIENT_ID].n_unique()


@SMALL
@given(st.data(), visit_frames(nullable_times=False))
def test_continuity_row_order_does_not_matter(data: st.DataObject, frame: pl.DataFrame) -> None:
    shuffled = permuted(data, frame)
    order = [c.PROFESSION, c.PATIENT_ID]
    assert_frame_equal(
        continuity_indices(shuffled, by=(c.PROFESSION,)).sort(order),
        continuity_indices(frame, by=(c.PROFESSION,)).sort(order),
    )
    assert_frame_equal(continuity_summary(shuffled, by=(c.UNIT_ID,)), continuity_summary(frame, by=(c.UNIT_ID,)))


@SMALL
@given(visit_frames(nullable_times=False))
def test_continuity_lazy_equals_eager(frame: pl.DataFrame) -> None:
    assert_frame_equal(
        continuity_indices(frame.lazy()).collect().sort(c.PATIENT_ID), continuity_indices(frame).sort(c.PATIENT_ID)
    )
    assert_frame_equal(
        continuity_summary(frame.lazy(), by=(c.UNIT_ID,)).collect(), continuity_summary(frame, by=(c.UNIT_ID,))
    )


@SMALL
@given(visit_frames(nullable_times=False))
def test_continuity_group_visits_add_up_to_the_ungrouped_visits(frame: pl.DataFrame) -> None:
    total = only_row(continuity_summary(frame))
    grouped = continuity_summary(frame, by=(c.UNIT_ID,))
    assert grouped["n_visits"].sum() == total["n_visits"]
    assert grouped["n_missing_provider"].sum() == total["n_missing_provider"]
    assert total["n_patients"] == frame[c.PATIENT_ID].n_unique()


@SMALL
@given(visit_frames(nullable_times=False))
def test_continuity_summary_means_lie_in_the_unit_interval(frame: pl.DataFrame) -> None:
    row = only_row(continuity_summary(frame))
    assert row["n_eligible"] <= row["n_patients"]
    for name in ("mean_coc", "visit_weighted_coc", "mean_upc", "visit_weighted_upc", "mean_secon", "mean_mmci"):
        assert is_null(row[name]) == (row["n_eligible"] == 0)
        if not is_null(row[name]):
            assert -EPS <= row[name] <= 1 + EPS
    if row["n_eligible"] >= 2:
        assert 0.0 <= row["ci_low"] <= row["mean_coc"] + EPS
        assert row["mean_coc"] <= row["ci_high"] + EPS
        assert row["ci_high"] <= 1.0 + EPS


@SMALL
@given(visit_frames(nullable_times=False))
def test_continuity_summary_agrees_with_the_patient_indices(frame: pl.DataFrame) -> None:
    patients = continuity_indices(frame)
    row = only_row(continuity_summary(frame))
    eligible = patients.filter(pl.col("coc").is_not_null())
    assert row["n_eligible"] == eligible.height
    assert row["n_visits"] == patients["n_visits"].sum()
    if eligible.height:
        assert close(row["mean_coc"], eligible["coc"].mean())
        weighted = (eligible["coc"] * eligible["n_visits"]).sum() / eligible["n_visits"].sum()
        assert close(row["visit_weighted_coc"], weighted)


# --- NPS ---------------------------------------------------------------------------------------------------


@SMALL
@given(st.booleans().flatmap(lambda weighted: st.tuples(st.just(weighted), answer_frames(weighted=weighted))))
def test_nps_and_its_interval_lie_within_plus_minus_100(case: tuple[bool, pl.DataFrame]) -> None:
    weighted, frame = case
    row = only_row(nps(frame, weight=c.WEIGHT if weighted else None))
    assert row["n"] + row["n_invalid"] == frame.height
    assert row["n"] == row["promoters"] + row["passives"] + row["detractors"]
    if row["n"] == 0:
        assert is_null(row["nps"])
        return
    assert -100 - EPS <= row["ci_low"] <= row["nps"] + 1e-9
    assert row["nps"] <= row["ci_high"] + 1e-9
    assert row["ci_high"] <= 100 + EPS
    assert row["se"] >= 0
    shares = (row["promoter_share"], row["passive_share"], row["detractor_share"])
    assert all(-EPS <= share <= 1 + EPS for share in shares)
    assert abs(sum(shares) - 1) <= 1e-9
    assert abs(row["nps"] - 100 * (row["promoter_share"] - row["detractor_share"])) <= 1e-9
    assert 0 < row["n_effective"] <= row["n"] + 1e-9


@SMALL
@given(answer_frames(weighted=False))
def test_nps_group_counts_add_up_to_the_ungrouped_counts(frame: pl.DataFrame) -> None:
    total = only_row(nps(frame))
    grouped = nps(frame, by=(c.UNIT_ID,))
    for name in ("n", "n_invalid", "promoters", "passives", "detractors"):
        assert grouped[name].sum() == total[name]


@SMALL
@given(st.data(), answer_frames(weighted=True))
def test_nps_row_order_does_not_matter(data: st.DataObject, frame: pl.DataFrame) -> None:
    options: dict[str, Any] = {"by": (c.UNIT_ID,), "weight": c.WEIGHT}
    assert_frame_equal(nps(permuted(data, frame), **options), nps(frame, **options))


@SMALL
@given(answer_frames(weighted=True))
def test_nps_lazy_equals_eager(frame: pl.DataFrame) -> None:
    for weight in (None, c.WEIGHT):
        assert_frame_equal(nps(frame.lazy(), weight=weight).collect(), nps(frame, weight=weight))


# --- T3 ----------------------------------------------------------------------------------------------------


@SMALL
@given(slot_frames, st.booleans())
def test_t3_is_censored_exactly_when_fewer_than_three_slots_count(frame: pl.DataFrame, same_day: bool) -> None:
    result = t3(frame, measured_at=MEASURED, exclude_same_day=same_day)
    for row in result.iter_rows(named=True):
        assert row["n_free"] >= 0
        assert row["censored"] == (row["n_free"] < 3)
        assert (row["t3_days"] is None) == row["censored"]
        assert row["snapshot_at"] <= row[c.MEASURED_AT]
        if not row["censored"]:
            assert row["third_slot_at"] >= row[c.MEASURED_AT]
            assert row["t3_days"] >= (1 if same_day else 0)
            assert 0 <= row["t3_working_days"] <= row["t3_days"]


@SMALL
@given(slot_frames)
def test_t3_excluding_same_day_or_adding_a_horizon_never_adds_slots(frame: pl.DataFrame) -> None:
    key = [c.BOOK_ID, c.MEASURED_AT]
    base = {(r[c.BOOK_ID], r[c.MEASURED_AT]): r for r in t3(frame, measured_at=MEASURED).iter_rows(named=True)}
    for options in ({"exclude_same_day": True}, {"horizon_end": datetime(2024, 3, 8)}):
        other = t3(frame, measured_at=MEASURED, **options)
        assert sorted(other.select(key).rows()) == sorted(base)
        for row in other.iter_rows(named=True):
            before = base[row[c.BOOK_ID], row[c.MEASURED_AT]]
            assert row["n_free"] <= before["n_free"]
            if not row["censored"]:
                assert row["t3_days"] >= before["t3_days"]


@SMALL
@given(st.data(), slot_frames)
def test_t3_row_order_does_not_matter(data: st.DataObject, frame: pl.DataFrame) -> None:
    key = [c.BOOK_ID, c.MEASURED_AT]
    shuffled = permuted(data, frame)
    assert_frame_equal(t3(shuffled, measured_at=MEASURED).sort(key), t3(frame, measured_at=MEASURED).sort(key))
    key = [c.UNIT_ID, c.MEASURED_AT]
    assert_frame_equal(
        t3_summary(shuffled, measured_at=MEASURED).sort(key), t3_summary(frame, measured_at=MEASURED).sort(key)
    )


@SMALL
@given(slot_frames)
def test_t3_lazy_equals_eager(frame: pl.DataFrame) -> None:
    key = [c.BOOK_ID, c.MEASURED_AT]
    assert_frame_equal(
        t3(frame.lazy(), measured_at=MEASURED).collect().sort(key), t3(frame, measured_at=MEASURED).sort(key)
    )
    key = [c.UNIT_ID, c.MEASURED_AT]
    assert_frame_equal(
        t3_summary(frame.lazy(), measured_at=MEASURED, censored_days=182).collect().sort(key),
        t3_summary(frame, measured_at=MEASURED, censored_days=182).sort(key),
    )


@SMALL
@given(slot_frames)
def test_t3_summary_counts_books_and_its_median_lies_among_them(frame: pl.DataFrame) -> None:
    books = t3(frame, measured_at=MEASURED, by=(c.UNIT_ID, c.BOOK_ID))
    units = t3_summary(frame, measured_at=MEASURED)
    assert units["n_books"].sum() == books.height
    assert units["n_censored"].sum() == books["censored"].sum()
    for row in units.iter_rows(named=True):
        values = books.filter((pl.col(c.UNIT_ID) == row[c.UNIT_ID]) & (pl.col(c.MEASURED_AT) == row[c.MEASURED_AT]))[
            "t3_days"
        ].drop_nulls()
        if values.len() == 0:
            assert is_null(row["t3_median_days"])
        else:
            assert values.min() <= row["t3_median_days"] <= values.max()
            assert values.min() <= row["t3_mean_days"] <= values.max()


# --- Wilson and suppression ------------------------------------------------------------------------------------


@SMALL
@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_contains_the_share_within_zero_and_one(case: tuple[int, int]) -> None:
    successes, n = case
    low, high = (float(x) for x in wilson_interval(successes, n))
    assert 0.0 <= low <= successes / n + EPS
    assert successes / n <= high + EPS
    assert high <= 1.0 + EPS


@SMALL
@given(st.lists(st.one_of(st.none(), st.integers(0, 20)), max_size=10), st.integers(1, 10))
def test_suppression_leaves_no_count_below_the_threshold(counts: list[int | None], threshold: int) -> None:
    frame = pl.DataFrame({"n": counts, "share": [0.5] * len(counts)}, schema={"n": pl.Int64, "share": pl.Float64})
    result = suppress_small_counts(frame, count_columns=("n",), threshold=threshold, value_columns=("share",))
    assert result.height == frame.height
    for before, row in zip(counts, result.iter_rows(named=True), strict=True):
        hidden = before is None or before < threshold
        assert row[c.SUPPRESSED] == hidden
        assert row["n"] == (None if hidden else before)
        assert row["share"] == (None if hidden else 0.5)
