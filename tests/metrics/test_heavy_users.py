"""heavy_users: patients with at least N visits in a period, their shares and their continuity."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core import columns as c
from core.errors import InvalidInputError
from metrics.continuity import continuity_summary
from metrics.heavy_users import DEFAULT_THRESHOLD, OUTPUT, heavy_users
from tests.metrics.frames import MONDAY, only_row, visit, visits

SMALL = settings(max_examples=max(10, settings().max_examples // 4))


def patient(name: str, providers: str, **extra: Any) -> list[dict[str, Any]]:
    """One visit a day to each provider named by a letter ('-' is a visit without a known professional)."""
    return [
        visit(
            patient_id=name,
            professional_id=None if letter == "-" else letter,
            visit_at=MONDAY + timedelta(days=day),
            **extra,
        )
        for day, letter in enumerate(providers)
    ]


def one(frame: pl.DataFrame, **options: Any) -> dict[str, Any]:
    return only_row(heavy_users(frame, **options))


def test_the_default_threshold_is_keski_suomis_more_than_seven_visits() -> None:
    assert DEFAULT_THRESHOLD == 8


def test_hand_counted_shares_and_continuity() -> None:
    # p1: 8 visits, 6 to A and 2 to B: heavy; COC = (36 + 4 - 8) / (8 * 7) = 32/56.
    # p2: 7 visits, all to A: not heavy at 8 (COC 1). p3: A then B: COC 0. p4: one visit: no COC.
    frame = visits(*patient("p1", "AAAAAABB"), *patient("p2", "AAAAAAA"), *patient("p3", "AB"), *patient("p4", "A"))
    row = one(frame)
    assert (row["n_patients"], row["n_heavy"], row["n_visits"], row["n_heavy_visits"]) == (4, 1, 18, 8)
    assert row["patient_share"] == 0.25
    assert row["visit_share"] == pytest.approx(8 / 18)
    assert (row["heavy_n_eligible"], row["heavy_mean_coc"]) == (1, pytest.approx(32 / 56))
    assert (row["other_n_eligible"], row["other_mean_coc"]) == (2, pytest.approx(0.5))
    # The interval of the others' mean: 0.5 ± 1.96 · sd(1, 0) / √2, clipped to [0, 1].
    assert (row["other_coc_ci_low"], row["other_coc_ci_high"]) == (0.0, 1.0)
    # One heavy user has no interval (a standard deviation needs two).
    assert row["heavy_coc_ci_low"] is None


def test_the_threshold_is_inclusive_and_a_parameter() -> None:
    frame = visits(*patient("p1", "AAAAAAA"))
    assert one(frame)["n_heavy"] == 0
    assert one(frame, threshold=7)["n_heavy"] == 1


def test_visits_without_a_known_professional_count_towards_heavy_use_but_not_coc() -> None:
    row = one(visits(*patient("p1", "AAAAAA--")))
    assert (row["n_heavy"], row["n_heavy_visits"]) == (1, 8)
    assert row["heavy_mean_coc"] == 1.0


def test_groups_are_counted_apart() -> None:
    frame = visits(*patient("p1", "AAAA", region_code="01"), *patient("p1", "AAAA", region_code="02"))
    per_region = heavy_users(frame, by=[c.REGION_CODE], threshold=5)
    assert per_region["n_heavy"].to_list() == [0, 0]
    assert one(frame, threshold=5)["n_heavy"] == 1


def test_an_empty_input_gives_one_row_with_null_shares() -> None:
    row = one(visits())
    assert (row["n_patients"], row["patient_share"], row["heavy_mean_coc"]) == (0, None, None)


@pytest.mark.parametrize("threshold", [0, -1, 2.5, True])
def test_a_bad_threshold_is_refused(threshold: Any) -> None:
    with pytest.raises(InvalidInputError, match="threshold"):
        heavy_users(visits(visit()), threshold=threshold)


def test_no_identifier_leaves() -> None:
    assert set(heavy_users(visits(*patient("p1", "AB")), by=[c.REGION_CODE]).columns) == {c.REGION_CODE, *OUTPUT}


# --- invariants ---------------------------------------------------------------------------------

row_strategy = st.fixed_dictionaries(
    {
        c.PATIENT_ID: st.sampled_from(["p1", "p2", "p3"]),
        c.PROFESSIONAL_ID: st.one_of(st.none(), st.sampled_from(["A", "B"])),
        c.REGION_CODE: st.sampled_from(["01", "02"]),
        c.VISIT_AT: st.integers(0, 30).map(lambda day: MONDAY + timedelta(days=day)),
    }
)
frames = st.lists(row_strategy, max_size=25).map(lambda rows: visits(*rows))


@SMALL
@given(frames, st.integers(1, 6))
def test_counts_are_bounded_and_the_eligible_match_continuity(frame: pl.DataFrame, threshold: int) -> None:
    row = one(frame, threshold=threshold)
    assert 0 <= row["n_heavy"] <= row["n_patients"]
    assert 0 <= row["n_heavy_visits"] <= row["n_visits"] == frame.height
    assert row["n_heavy_visits"] >= threshold * row["n_heavy"]
    summary = only_row(continuity_summary(frame))
    assert row["heavy_n_eligible"] + row["other_n_eligible"] == summary["n_eligible"]
    for prefix in ("heavy", "other"):
        mean = row[f"{prefix}_mean_coc"]
        assert mean is None or 0.0 <= mean <= 1.0


@SMALL
@given(frames, st.integers(1, 6))
def test_heavy_users_grow_as_the_threshold_falls(frame: pl.DataFrame, threshold: int) -> None:
    assert one(frame, threshold=threshold)["n_heavy"] >= one(frame, threshold=threshold + 1)["n_heavy"]


@SMALL
@given(st.data(), frames)
def test_row_order_and_laziness_change_nothing(data: st.DataObject, frame: pl.DataFrame) -> None:
    order = data.draw(st.permutations(list(range(frame.height))))
    shuffled = frame[order] if frame.height else frame
    expected = heavy_users(frame, by=[c.REGION_CODE], threshold=3)
    assert_frame_equal(heavy_users(shuffled, by=[c.REGION_CODE], threshold=3), expected)
    assert_frame_equal(heavy_users(frame.lazy(), by=[c.REGION_CODE], threshold=3).collect(), expected)
