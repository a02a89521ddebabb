"""Every metric gives the same result for any order of its rows, also when rows repeat.

The frames here are crowded on purpose: two or three patients, professionals,
moments and visit ids, so that timestamps repeat, a patient has several
visits at the same moment, and whole (patient_id, visit_at, visit_id) triples
repeat with different professionals. That is where an order could leak in
(SECON reads visits in time order); ties are broken by visit_id, then by the
professional, so it does not. Each metric runs on the frame and on a
permutation of it; continuity also through its sliced computation (patients
processed in several slices, as at national scale) and on categorical ids (as
the aggregation feeds it).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core import columns as c
from metrics.access import access_within_days, t3, t3_summary
from metrics.continuity import _summary, coc_bins, continuity_indices, continuity_summary
from metrics.satisfaction import nps
from tests.metrics.frames import answers, patient_visits, slot, slots, visit, visits

EXAMPLES = settings(max_examples=40, deadline=None)
START = datetime(2024, 3, 4, 8)


def same(left: pl.DataFrame, right: pl.DataFrame) -> None:
    """Equal frames, floats to the last few bits (a sum may add the same numbers in another order)."""
    assert_frame_equal(left, right, check_exact=False, rel_tol=1e-12, abs_tol=1e-12)


@st.composite
def crowded_visits(draw: st.DrawFn) -> pl.DataFrame:
    rows = []
    for _ in range(draw(st.integers(0, 14))):
        at = START + timedelta(days=draw(st.sampled_from([0, 0, 1, 2])), hours=draw(st.sampled_from([0, 0, 3])))
        rows.append(
            visit(
                visit_id=draw(st.sampled_from(["v1", "v2", "v3"])),
                patient_id=draw(st.sampled_from(["p1", "p2"])),
                professional_id=draw(st.sampled_from(["d1", "d2", "d3", None])),
                profession=draw(st.sampled_from(["doctor", "nurse"])),
                unit_id=draw(st.sampled_from(["u1", "u2"])),
                visit_at=at,
                assessment_at=at - timedelta(days=draw(st.integers(-1, 9))),
                urgent=draw(st.sampled_from([False, False, True, None])),
            )
        )
    return visits(*rows)


@st.composite
def shuffled_pairs(draw: st.DrawFn, frames: st.SearchStrategy[pl.DataFrame]) -> tuple[pl.DataFrame, pl.DataFrame]:
    frame = draw(frames)
    order = draw(st.permutations(list(range(frame.height))))
    return frame, frame[order] if frame.height else frame


def categorical(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col(c.PATIENT_ID, c.PROFESSIONAL_ID, c.UNIT_ID).cast(pl.Categorical))


# --- access ----------------------------------------------------------------------------------------------------


@EXAMPLES
@given(shuffled_pairs(crowded_visits()))
def test_access_ignores_row_order_with_repeated_timestamps(pair: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    frame, shuffled = pair
    for days in (7, 14):
        same(
            access_within_days(shuffled, days=days, by=(c.UNIT_ID,)),
            access_within_days(frame, days=days, by=(c.UNIT_ID,)),
        )


# --- continuity ------------------------------------------------------------------------------------------------


@EXAMPLES
@given(shuffled_pairs(crowded_visits()))
def test_continuity_indices_ignore_row_order_with_repeated_visits(pair: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    frame, shuffled = pair
    order = [c.PROFESSION, c.PATIENT_ID]
    expected = continuity_indices(frame, by=(c.PROFESSION,)).sort(order)
    same(continuity_indices(shuffled, by=(c.PROFESSION,)).sort(order), expected)
    same(continuity_indices(categorical(shuffled), by=(c.PROFESSION,)).sort(order).cast(expected.schema), expected)


@EXAMPLES
@given(shuffled_pairs(crowded_visits()), st.sampled_from([1, 3]))
def test_continuity_summary_ignores_row_order_with_repeated_visits(
    pair: tuple[pl.DataFrame, pl.DataFrame], slices: int
) -> None:
    frame, shuffled = pair
    expected = continuity_summary(frame, by=(c.UNIT_ID,))
    same(continuity_summary(shuffled, by=(c.UNIT_ID,)), expected)
    sliced = _summary(categorical(shuffled).lazy(), [c.UNIT_ID], 2, slices=slices).collect()
    same(sliced.cast(expected.schema), expected)


@EXAMPLES
@given(shuffled_pairs(crowded_visits()))
def test_the_coc_distribution_ignores_row_order(pair: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    frame, shuffled = pair

    def bins(visits_frame: pl.DataFrame) -> pl.DataFrame:
        indices = continuity_indices(visits_frame.lazy(), by=(c.UNIT_ID,))
        return coc_bins(indices, [c.UNIT_ID]).collect().sort(c.UNIT_ID, "bin")

    same(bins(shuffled), bins(frame))


@pytest.mark.parametrize(
    "order",
    [
        # The same two rows, (p1, 10:00, v2) with d1 and with d2, in either order.
        [0, 1, 2, 3],
        [0, 2, 1, 3],
        [3, 2, 1, 0],
    ],
)
def test_secon_of_a_repeated_visit_id_at_one_moment_is_the_same_in_any_row_order(order: list[int]) -> None:
    """By hand: visits d1 (9:00, v1), then at 10:00 two rows of visit v2 (d1 and d2), then d2 (11:00, v3).
    Ordered by time, visit id, then professional: d1, d1, d2, d2: two repeats in three pairs, SECON 2/3."""
    rows = [
        visit(visit_id="v1", professional_id="d1", visit_at=START + timedelta(hours=1)),
        visit(visit_id="v2", professional_id="d1", visit_at=START + timedelta(hours=2)),
        visit(visit_id="v2", professional_id="d2", visit_at=START + timedelta(hours=2)),
        visit(visit_id="v3", professional_id="d2", visit_at=START + timedelta(hours=3)),
    ]
    frame = visits(*(rows[i] for i in order))
    assert continuity_indices(frame)["secon"].to_list() == [pytest.approx(2 / 3)]
    assert continuity_summary(frame)["mean_secon"].to_list() == [pytest.approx(2 / 3)]
    assert _summary(frame.lazy(), [], 2, slices=2).collect()["mean_secon"].to_list() == [pytest.approx(2 / 3)]


def test_secon_of_visits_at_one_moment_follows_the_visit_id_not_the_row_order() -> None:
    """By hand: d2 (v1), d1 (v2) and d2 (v3), all at 9:00, given as the rows v3, v1, v2. In id order d2, d1,
    d2: no repeat, SECON 0 (the row order d2, d2, d1 would give one repeat, SECON 1/2)."""
    rows = patient_visits("p1", ["d2", "d2", "d1"])
    moment = START + timedelta(hours=1)
    frame = visits(
        *(dict(row, visit_at=moment, visit_id=visit_id) for row, visit_id in zip(rows, ["v3", "v1", "v2"], strict=True))
    )
    assert continuity_indices(frame)["secon"].to_list() == [0.0]
    assert continuity_summary(frame)["mean_secon"].to_list() == [0.0]


# --- T3 and NPS ------------------------------------------------------------------------------------------------

MEASURED = [datetime(2024, 3, 4, 8), datetime(2024, 3, 5, 8)]


@st.composite
def crowded_slots(draw: st.DrawFn) -> pl.DataFrame:
    rows = []
    for _ in range(draw(st.integers(0, 14))):
        rows.append(
            slot(
                datetime(2024, 3, 4, 9) + timedelta(days=draw(st.sampled_from([0, 1, 1, 3]))),
                book_id=draw(st.sampled_from(["b1", "b2"])),
                captured_at=draw(st.sampled_from([datetime(2024, 3, 4, 7), datetime(2024, 3, 5, 7)])),
                status=draw(st.sampled_from(["free", "free", "booked", "held"])),
                slot_type=draw(st.sampled_from(["non_urgent", "non_urgent", "urgent"])),
            )
        )
    return slots(*rows)


@EXAMPLES
@given(shuffled_pairs(crowded_slots()))
def test_t3_ignores_row_order_with_repeated_slot_times(pair: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    frame, shuffled = pair
    same(t3(shuffled, measured_at=MEASURED), t3(frame, measured_at=MEASURED))
    for censored_days in (None, 182):
        same(
            t3_summary(shuffled, measured_at=MEASURED, censored_days=censored_days),
            t3_summary(frame, measured_at=MEASURED, censored_days=censored_days),
        )


@st.composite
def crowded_answers(draw: st.DrawFn) -> pl.DataFrame:
    n = draw(st.integers(0, 14))
    scores = [draw(st.sampled_from([0.0, 6.0, 7.0, 9.0, 10.0, None, 11.0])) for _ in range(n)]
    weights = [draw(st.sampled_from([0.5, 1.0, 2.5, None])) for _ in range(n)]
    frame = answers(scores, weights=weights, unit_id=[draw(st.sampled_from(["u1", "u2"])) for _ in range(n)])
    return frame.with_columns(pl.lit("r1").alias(c.RESPONSE_ID))  # every answer carries the same id


@EXAMPLES
@given(shuffled_pairs(crowded_answers()))
def test_nps_ignores_row_order_with_repeated_answers(pair: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    frame, shuffled = pair
    same(nps(shuffled, by=(c.UNIT_ID,)), nps(frame, by=(c.UNIT_ID,)))
    same(nps(shuffled, by=(c.UNIT_ID,), weight=c.WEIGHT), nps(frame, by=(c.UNIT_ID,), weight=c.WEIGHT))
