"""heavy_user_partials: partials of disjoint patients merge to the heavy-user figures of them all."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core import columns as c
from core.errors import InvalidInputError
from metrics.heavy_users import (
    heavy_user_partials,
    heavy_users,
    heavy_users_from_partials,
    merge_heavy_user_partials,
)
from tests.metrics.frames import only_row, visits
from tests.metrics.test_heavy_users import frames, patient

SMALL = settings(max_examples=max(10, settings().max_examples // 4))


def merged_by_patient(frame: pl.DataFrame, parts: list[int], **options: Any) -> pl.DataFrame:
    """The visits split by patient into the parts drawn for p1, p2 and p3; partials merged and finished."""
    by = options.pop("by", [])
    owner = frame.get_column(c.PATIENT_ID).replace_strict({"p1": parts[0], "p2": parts[1], "p3": parts[2]})
    pieces = [frame.filter(owner == part) for part in range(3)]
    partials = [heavy_user_partials(piece, by=by, **options) for piece in pieces]
    return heavy_users_from_partials(merge_heavy_user_partials(partials, by=by), by=by)


def test_the_heavy_and_other_patients_pool_across_parts_as_one() -> None:
    # Heavy at 3: p1 (AAB, COC 1/3) in one part, p2 (AAAA, COC 1) in the other; p3 (AB, COC 0) other.
    frame = visits(*patient("p1", "AAB"), *patient("p2", "AAAA"), *patient("p3", "AB"))
    got = only_row(merged_by_patient(frame, [0, 1, 1], threshold=3))
    assert (got["n_patients"], got["n_heavy"], got["n_visits"], got["n_heavy_visits"]) == (3, 2, 9, 7)
    assert got["heavy_mean_coc"] == pytest.approx((1 / 3 + 1) / 2)
    assert got == pytest.approx(only_row(heavy_users(frame, threshold=3)))


def test_partials_of_different_thresholds_do_not_merge() -> None:
    frame = visits(*patient("p1", "AA"))
    with pytest.raises(InvalidInputError, match="thresholds"):
        merge_heavy_user_partials([heavy_user_partials(frame, threshold=2), heavy_user_partials(frame, threshold=3)])


@SMALL
@given(frames, st.lists(st.integers(0, 2), min_size=3, max_size=3), st.integers(1, 6), st.booleans())
def test_partials_of_any_split_by_patient_merge_to_the_whole(
    frame: pl.DataFrame, parts: list[int], threshold: int, per_region: bool
) -> None:
    by = [c.REGION_CODE] if per_region else []
    got = merged_by_patient(frame, parts, threshold=threshold, by=by)
    expected = heavy_users(frame, threshold=threshold, by=by)
    assert_frame_equal(got, expected, check_exact=False, rel_tol=1e-9, abs_tol=1e-12)
