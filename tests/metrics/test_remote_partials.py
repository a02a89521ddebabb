"""remote_partials: the remote share's counts merge over any split of the contacts to the whole's figures."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core import columns as c
from metrics.remote import merge_remote_partials, remote_from_partials, remote_partials, remote_share
from tests.metrics.frames import only_row, visit, visits
from tests.metrics.test_remote import frames

SMALL = settings(max_examples=max(10, settings().max_examples // 4))


def test_partials_keep_every_count_and_no_share() -> None:
    partial = only_row(remote_partials(visits(visit(contact_mode="phone"), visit(contact_mode="home", urgent=True))))
    assert (partial["n_visits"], partial["n_eligible"], partial["n_remote"], partial["n_urgent"]) == (2, 1, 1, 1)
    assert "share" not in partial


def test_merging_no_rows_gives_one_row_of_zeros_and_no_share() -> None:
    empty = remote_partials(visits())
    row = only_row(remote_from_partials(merge_remote_partials([empty, empty])))
    assert (row["n_visits"], row["n_eligible"], row["share"]) == (0, 0, None)


def test_a_roll_up_adds_the_finer_groups() -> None:
    frame = visits(visit(region_code="01", contact_mode="phone"), visit(region_code="02", contact_mode="in_person"))
    finer = remote_partials(frame, by=[c.REGION_CODE])
    assert_frame_equal(remote_from_partials(merge_remote_partials([finer])), remote_share(frame))


@SMALL
@given(frames, st.data())
def test_partials_of_any_split_merge_to_the_whole(frame: pl.DataFrame, data: st.DataObject) -> None:
    by = data.draw(st.sampled_from([[], [c.URGENT], [c.CONTACT_MODE, c.URGENT]]))
    parts = data.draw(st.lists(st.integers(0, 2), min_size=frame.height, max_size=frame.height))
    pieces = [frame.filter(pl.Series(parts) == part) if frame.height else frame for part in range(3)]
    merged = merge_remote_partials([remote_partials(piece, by=by) for piece in pieces], by=by)
    got = remote_from_partials(merged, by=by)
    assert_frame_equal(got, remote_share(frame, by=by), check_exact=True)  # both sorted by the keys
