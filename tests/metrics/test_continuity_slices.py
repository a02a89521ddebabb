"""continuity_summary's hashed, sliced computation gives what the value-keyed one gives.

``continuity_summary`` works on hashed keys in patient slices (metrics/continuity.py, "the hashed
computation"). These tests compare it with ``_exact_summary``, the straightforward computation from
the per-patient indices, on frames full of the awkward cases: visits at the same time with different
professionals (ordered by visit_id), unknown professionals and times, several groups, one slice and
many slices, and the fallbacks (a hash collision, a time span too wide to pack).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core import columns as c
from metrics import continuity
from tests.metrics.frames import only_row, visit, visits

SLICES = (1, 2, 8)
START = datetime(2024, 3, 1, 9)


def exact(frame: pl.DataFrame, by: tuple[str, ...] = (), min_visits: int = 2) -> pl.DataFrame:
    return continuity._exact_summary(frame.lazy(), list(by), min_visits).collect()


def hashed(frame: pl.DataFrame, by: tuple[str, ...] = (), min_visits: int = 2, *, slices: int) -> pl.DataFrame:
    return continuity._summary(frame.lazy(), list(by), min_visits, slices=slices).collect()


def assert_same_summary(left: pl.DataFrame, right: pl.DataFrame) -> None:
    # Slices pool their sums in another order than one pass does: equal to rounding.
    assert_frame_equal(left, right, check_exact=False, rel_tol=1e-12, abs_tol=1e-12)


# --- random frames with many ties -------------------------------------------------------------------


@st.composite
def tied_visit_rows(draw: st.DrawFn) -> dict[str, Any]:
    # Few distinct times, so the same patient often has several visits at one time; now and then none.
    visit_at = None if draw(st.integers(0, 9)) == 0 else START + timedelta(hours=draw(st.integers(0, 3)))
    return visit(
        visit_id=draw(st.sampled_from([f"v{i:02d}" for i in range(40)])),
        patient_id=draw(st.sampled_from(["p1", "p2", "p3"])),
        professional_id=draw(st.one_of(st.none(), st.sampled_from(["A", "B", "C"]))),
        profession=draw(st.sampled_from(["doctor", "nurse"])),
        unit_id=draw(st.sampled_from(["u1", "u2"])),
        visit_at=visit_at,
    )


tied_frames = st.lists(tied_visit_rows(), max_size=30).map(lambda rows: visits(*rows))


@settings(max_examples=60, deadline=None)
@given(frame=tied_frames, slices=st.sampled_from(SLICES), min_visits=st.sampled_from([2, 3]))
def test_hashed_summary_equals_the_value_keyed_one(frame: pl.DataFrame, slices: int, min_visits: int) -> None:
    for by in [(), (c.PROFESSION,), (c.UNIT_ID, c.PROFESSION)]:
        assert_same_summary(hashed(frame, by, min_visits, slices=slices), exact(frame, by, min_visits))


# --- ties in visit time -------------------------------------------------------------------------------

# Visits at the same time are ordered by visit_id. Ordering them any other way (by professional, say,
# which puts A before B) changes SECON here:
#   p1: A (9:00), B (10:00, p1-2), A (10:00, p1-3), B (11:00) -> A B A B: no repeat, SECON 0
#       (professional order would give A A B B: 2/3);
#   p2: A, A -> SECON 1;
#   p3: B (9:00, p3-1), A (9:00, p3-2), B (10:00) -> B A B: SECON 0 (professional order: A B B, 1/2).
TIES = visits(
    visit(visit_id="p1-1", patient_id="p1", professional_id="A", visit_at=START),
    visit(visit_id="p1-3", patient_id="p1", professional_id="A", visit_at=START + timedelta(hours=1)),
    visit(visit_id="p1-2", patient_id="p1", professional_id="B", visit_at=START + timedelta(hours=1)),
    visit(visit_id="p1-4", patient_id="p1", professional_id="B", visit_at=START + timedelta(hours=2)),
    visit(visit_id="p2-1", patient_id="p2", professional_id="A", visit_at=START),
    visit(visit_id="p2-2", patient_id="p2", professional_id="A", visit_at=START + timedelta(hours=1)),
    visit(visit_id="p3-2", patient_id="p3", professional_id="A", visit_at=START),
    visit(visit_id="p3-1", patient_id="p3", professional_id="B", visit_at=START),
    visit(visit_id="p3-3", patient_id="p3", professional_id="B", visit_at=START + timedelta(hours=1)),
)


@pytest.mark.parametrize("slices", SLICES)
def test_same_time_visits_follow_visit_id_in_every_slicing(slices: int) -> None:
    # SECON 0, 1 and 0: the mean is 1/3 whichever slice each patient lands in.
    row = only_row(hashed(TIES, slices=slices))
    assert row["mean_secon"] == pytest.approx(1 / 3, abs=1e-12)
    assert_same_summary(hashed(TIES, slices=slices), exact(TIES))


def test_one_slice_and_eight_slices_give_identical_counts_and_means() -> None:
    frame = pl.concat(
        [TIES.with_columns(pl.col(c.PATIENT_ID) + f"-{i}", pl.col(c.VISIT_ID) + f"-{i}") for i in range(25)]
    )
    one, eight = hashed(frame, (c.PROFESSION,), slices=1), hashed(frame, (c.PROFESSION,), slices=8)
    assert_same_summary(one, eight)
    assert one.select(continuity._COUNTS).equals(eight.select(continuity._COUNTS))


# --- the fallbacks ------------------------------------------------------------------------------------


def test_a_patient_hash_collision_falls_back_to_the_value_keyed_computation(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    exact_partials: Callable[..., pl.DataFrame] = continuity._exact_partials

    def recorded(*args: Any, **kwargs: Any) -> pl.DataFrame:
        calls.append("exact")
        return exact_partials(*args, **kwargs)

    # Every patient gets the same key: the independent check hash tells them apart.
    monkeypatch.setattr(continuity, "_patient_hash", lambda keys: pl.lit(7, dtype=pl.UInt64).alias(continuity._PATIENT))
    monkeypatch.setattr(continuity, "_exact_partials", recorded)
    assert_same_summary(hashed(TIES, slices=1), continuity._exact_summary(TIES.lazy(), [], 2).collect())
    assert calls == ["exact"]


def test_a_time_span_too_wide_to_pack_uses_time_ranks() -> None:
    # Nanoseconds over four centuries need 64 bits: the sort key falls back to dense time ranks.
    frame = TIES.with_columns(
        pl.when(pl.col(c.VISIT_ID) == "p1-4")
        .then(pl.lit(datetime(2199, 1, 1)))
        .when(pl.col(c.VISIT_ID) == "p2-1")
        .then(pl.lit(datetime(1801, 1, 1)))
        .otherwise(pl.col(c.VISIT_AT))
        .cast(pl.Datetime("ns"))
        .alias(c.VISIT_AT)
    )
    providers = continuity._providers(frame.lazy())
    packed = frame.select(continuity._hashed_columns([], providers))
    assert continuity._time_layout(packed, by_bits=0, check_bits=32, provider_bits=2).dense_time
    assert_same_summary(hashed(frame, slices=2), exact(frame))


def test_integer_ids_are_coded_like_text_ids() -> None:
    frame = TIES.with_columns(
        pl.col(c.PROFESSIONAL_ID).replace_strict({"A": 10, "B": 2}, return_dtype=pl.Int64),
        pl.col(c.VISIT_ID).rank("ordinal").cast(pl.Int64),
    )
    assert_same_summary(hashed(frame, slices=2), exact(frame))


def test_a_lazy_summary_reads_nothing_until_it_is_collected() -> None:
    reads: list[int] = []

    def source() -> pl.DataFrame:
        reads.append(1)
        return TIES

    lazy = continuity.continuity_summary(pl.defer(source, schema=TIES.schema), by=(c.PROFESSION,))
    assert isinstance(lazy, pl.LazyFrame)
    assert reads == []
    assert_same_summary(lazy.collect(), exact(TIES, (c.PROFESSION,)))
