"""Mergeable partial aggregates: any split of the input, merged in any order, gives the whole input's figures."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core import columns as c
from core.errors import InvalidInputError
from metrics.access import access_from_partials, access_partials, access_within_days, merge_access_partials
from metrics.continuity import (
    continuity_from_partials,
    continuity_partials,
    continuity_summary,
    merge_continuity_partials,
)
from metrics.satisfaction import merge_nps_partials, nps, nps_from_partials, nps_partials
from metrics.t3 import t3, t3_from_books, t3_summary
from tests.metrics.frames import MONDAY, Z, answers, book, slots, visits, visits_of

SMALL = settings(max_examples=max(10, settings().max_examples // 2), deadline=None)
START = datetime(2024, 3, 1)


def assert_close(got: pl.DataFrame, expected: pl.DataFrame) -> None:
    assert_frame_equal(got, expected, check_exact=False, rel_tol=1e-9, abs_tol=1e-12)


@st.composite
def visit_frames(draw: st.DrawFn) -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    for n in range(draw(st.integers(0, 30))):
        at = START + timedelta(days=draw(st.integers(0, 20)), hours=draw(st.integers(0, 3)))
        wait = draw(st.one_of(st.none(), st.integers(-2, 20)))
        rows.append(
            {
                c.VISIT_ID: f"v{n:02d}",
                c.PATIENT_ID: draw(st.sampled_from(["p1", "p2", "p3", "p4", "p5"])),
                c.PROFESSIONAL_ID: draw(st.one_of(st.none(), st.sampled_from(["A", "B", "C"]))),
                c.UNIT_ID: draw(st.sampled_from(["u1", "u2"])),
                c.VISIT_AT: at,
                c.ASSESSMENT_AT: None if wait is None else at - timedelta(days=wait),
                c.URGENT: draw(st.sampled_from([False, False, True, None])),
            }
        )
    return visits(*rows)


def split_by_patient(frame: pl.DataFrame, mask: int) -> list[pl.DataFrame]:
    """Two parts of the visits, each patient's visits in one of them (as the buckets keep them)."""
    chosen = (
        pl.col(c.PATIENT_ID)
        .str.slice(1)
        .cast(pl.Int64)
        .map_elements(lambda number: bool(mask >> number & 1), return_dtype=pl.Boolean)
    )
    return [frame.filter(chosen), frame.filter(~chosen)]


# --- continuity ---------------------------------------------------------------------------------------


@SMALL
@given(frame=visit_frames(), mask=st.integers(0, 63), by=st.sampled_from([(), (c.UNIT_ID,)]))
def test_continuity_partials_of_patient_groups_merge_to_the_whole_summary_in_either_order(
    frame: pl.DataFrame, mask: int, by: tuple[str, ...]
) -> None:
    parts = [continuity_partials(part, by=by) for part in split_by_patient(frame, mask)]
    expected = continuity_summary(frame, by=by)
    for order in (parts, parts[::-1]):
        assert_close(continuity_from_partials(merge_continuity_partials(order, by=by), by=by), expected)


@SMALL
@given(frame=visit_frames(), asked=st.sampled_from([("coc",), ("coc", "upc"), ("upc", "hhi"), ("secon",)]))
def test_asking_for_some_indices_gives_their_columns_of_the_full_summary_and_no_others(
    frame: pl.DataFrame, asked: tuple[str, ...]
) -> None:
    full = continuity_summary(frame, by=[c.UNIT_ID])
    subset = continuity_summary(frame, by=[c.UNIT_ID], indices=asked)
    assert_close(subset, full.select(subset.columns))
    for index in {"coc", "upc", "secon", "mmci", "hhi"} - set(asked):
        assert f"mean_{index}" not in subset.columns


def test_pooled_spread_is_chans_formula_by_hand() -> None:
    # p1 (A, A: COC 1) and p2 (A, A, A, B: COC (9 + 1 − 4)/12 = 1/2) in one part, p3 (A, A, B: COC 1/3) in the
    # other. Pooled: m = 3, mean = 11/18, Σ(x − mean)² = (7² + 2² + 5²)/18² = 78/324.
    first = continuity_partials(visits_of({"p1": ["A", "A"], "p2": ["A", "A", "A", "B"]}))
    second = continuity_partials(visits_of({"p3": ["A", "A", "B"]}))
    merged = merge_continuity_partials([first, second])
    assert merged["_m2_coc"].item() == pytest.approx(78 / 324, rel=1e-12)
    row = continuity_from_partials(merged).row(0, named=True)
    half = Z * math.sqrt(78 / 324 / 2) / math.sqrt(3)
    assert row["mean_coc"] == pytest.approx(11 / 18, rel=1e-12)
    assert row["ci_low"] == pytest.approx(11 / 18 - half, rel=1e-9)
    assert row["n_eligible"] == 3
    assert [merged[f"_bin_{number}"].item() for number in range(10)] == [0, 0, 0, 1, 0, 1, 0, 0, 0, 1]


def test_unknown_indices_are_refused_naming_the_allowed_ones() -> None:
    with pytest.raises(InvalidInputError, match=r"coc, upc, secon, mmci, hhi.*'cocci' unknown"):
        continuity_summary(visits_of({"p1": ["A", "A"]}), indices=("cocci",))
    with pytest.raises(InvalidInputError, match="one or more"):
        continuity_summary(visits_of({"p1": ["A", "A"]}), indices=())


def test_a_summary_of_no_visits_without_groups_is_one_row_of_zero_counts() -> None:
    row = continuity_from_partials(merge_continuity_partials([continuity_partials(visits())])).row(0, named=True)
    assert (row["n_patients"], row["n_eligible"], row["mean_coc"]) == (0, 0, None)


# --- access and NPS -----------------------------------------------------------------------------------


@SMALL
@given(frame=visit_frames(), cut=st.integers(0, 30), days=st.sampled_from([0, 7, 14]))
def test_access_partials_of_any_row_split_merge_to_the_whole_figures(frame: pl.DataFrame, cut: int, days: int) -> None:
    by = [c.UNIT_ID]
    parts = [access_partials(frame.head(cut), by=by), access_partials(frame.slice(cut), by=by)]
    merged = merge_access_partials(parts[::-1], by=by)
    assert_frame_equal(access_from_partials(merged, days=days, by=by), access_within_days(frame, days=days, by=by))


def test_access_partials_roll_up_to_fewer_keys() -> None:
    frame = visits(
        {c.UNIT_ID: "u1", c.ASSESSMENT_AT: MONDAY - timedelta(days=9)},
        {c.UNIT_ID: "u2", c.ASSESSMENT_AT: MONDAY - timedelta(days=2)},
        {c.UNIT_ID: "u2", c.URGENT: True},
    )
    rolled = merge_access_partials([access_partials(frame, by=[c.UNIT_ID])], by=[])
    row = access_from_partials(rolled).row(0, named=True)
    assert (row["n_visits"], row["n_eligible"], row["n_within"], row["n_urgent"]) == (3, 2, 1, 1)
    assert row["median_wait_days"] == 5.5


@SMALL
@given(
    scores=st.lists(st.one_of(st.none(), st.sampled_from([0.0, 6.0, 7.0, 8.0, 9.0, 10.0, 12.0])), max_size=20),
    cut=st.integers(0, 20),
)
def test_nps_partials_of_any_row_split_merge_to_the_whole_figures(scores: list[float | None], cut: int) -> None:
    frame = answers(scores, weights=[1.0 + (n % 3) for n in range(len(scores))])
    parts = [nps_partials(frame.head(cut), weight=c.WEIGHT), nps_partials(frame.slice(cut), weight=c.WEIGHT)]
    got = nps_from_partials(merge_nps_partials(parts))
    assert_close(got, nps(frame, weight=c.WEIGHT))


# --- T3 -----------------------------------------------------------------------------------------------


def test_t3_medians_from_per_book_rows_of_separate_tasks_equal_t3_summary() -> None:
    frame = slots(*book("b1", [1, 2, 3]), *book("b2", [0, 5, 9, 12]), *book("b3", [4, 4]), *book("b4", [2, 6, 7]))
    measured = [MONDAY]
    tasks = [frame.filter(pl.col(c.BOOK_ID).is_in(ids)) for ids in (["b1", "b3"], ["b2", "b4"])]
    per_book = pl.concat([t3(task, measured_at=measured, by=[c.UNIT_ID, c.BOOK_ID]) for task in tasks])
    for censored in (None, 182):
        assert_frame_equal(
            t3_from_books(per_book, censored_days=censored),
            t3_summary(frame, measured_at=measured, censored_days=censored),
        )
