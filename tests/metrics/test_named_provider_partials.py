"""known_provider_partials: the counts of parts sharing no patient add up to the whole's figures."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core import columns as c
from metrics.named_provider import (
    KNOWN_PROVIDER_COUNTS,
    known_provider_from_partials,
    known_provider_partials,
    known_provider_share,
    merge_known_provider_partials,
)
from tests.metrics.frames import only_row, visit, visits
from tests.metrics.test_named_provider import assignment, assignments, cases

SMALL = settings(max_examples=max(10, settings().max_examples // 4))


def test_partials_hold_the_counts_and_no_share_or_identifier() -> None:
    partial = known_provider_partials(visits(visit()), assignments(assignment("p1", "d1")))
    assert partial.columns == list(KNOWN_PROVIDER_COUNTS)
    assert (only_row(partial)["n_named"], only_row(partial)["n_patients"]) == (1, 1)


def test_patients_of_two_parts_add_up() -> None:
    named = assignments(assignment("p1", "d1"))
    one, other = visits(visit(patient_id="p1")), visits(visit(patient_id="p2"), visit(patient_id="p2"))
    merged = merge_known_provider_partials([known_provider_partials(part, named) for part in (one, other)])
    row = only_row(known_provider_from_partials(merged))
    assert (row["n_visits"], row["n_patients"], row["n_patients_assigned"], row["n_named"]) == (3, 2, 1, 1)


@SMALL
@given(cases, st.lists(st.integers(0, 2), min_size=3, max_size=3), st.booleans())
def test_partials_of_any_split_by_patient_merge_to_the_whole(
    case: tuple[pl.DataFrame, pl.DataFrame], parts: list[int], per_region: bool
) -> None:
    seen, named = case
    by = [c.REGION_CODE, c.PROFESSION] if per_region else []
    owner = seen.get_column(c.PATIENT_ID).replace_strict({"p1": parts[0], "p2": parts[1], "p3": parts[2]})
    pieces = [seen.filter(owner == part) for part in range(3)]
    merged = merge_known_provider_partials([known_provider_partials(piece, named, by=by) for piece in pieces], by=by)
    expected = known_provider_share(seen, named, by=by)
    assert_frame_equal(known_provider_from_partials(merged, by=by), expected, check_exact=True)
