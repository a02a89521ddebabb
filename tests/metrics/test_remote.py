"""remote_share: non-urgent contacts by phone, video or message; every exclusion counted."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core import columns as c
from core.errors import MissingColumnsError
from metrics.remote import MODE_COUNTS, NATIONAL_BASELINE, NATIONAL_TARGETS, remote_share
from metrics.stats import wilson_interval
from tests.metrics.frames import only_row, visit, visits

SMALL = settings(max_examples=max(10, settings().max_examples // 4))
CLASSES = ("n_urgent", "n_missing_urgency", "n_missing_mode", "n_eligible")


def one(frame: pl.DataFrame) -> dict[str, Any]:
    return only_row(remote_share(frame))


@pytest.mark.parametrize(
    ("mode", "remote"),
    [
        # The national indicator counts contacts handled by electronic means: phone, video and messages.
        ("phone", 1),
        ("video", 1),
        ("message", 1),
        # A visit at the health centre and a home visit are in person.
        ("in_person", 0),
        ("home", 0),
    ],
)
def test_each_contact_mode_is_remote_or_not(mode: str, remote: int) -> None:
    row = one(visits(visit(contact_mode=mode)))
    assert (row["n_eligible"], row["n_remote"], row[f"n_{mode}"]) == (1, remote, 1)


def test_share_of_a_hand_counted_mix_with_its_wilson_interval() -> None:
    # 2 phone + 1 video + 1 message + 3 in person + 1 home = 8 eligible, 4 remote; an urgent phone call and a
    # contact of unknown urgency are left out and counted.
    modes = ["phone", "phone", "video", "message", "in_person", "in_person", "in_person", "home"]
    rows = [visit(contact_mode=mode) for mode in modes]
    rows += [visit(contact_mode="phone", urgent=True), visit(contact_mode="video", urgent=None)]
    row = one(visits(*rows))
    low, high = wilson_interval(4, 8)
    assert row["n_visits"] == 10
    assert (row["n_urgent"], row["n_missing_urgency"], row["n_eligible"], row["n_remote"]) == (1, 1, 8, 4)
    assert (row["n_phone"], row["n_video"], row["n_message"], row["n_in_person"], row["n_home"]) == (2, 1, 1, 3, 1)
    assert row["share"] == 0.5
    assert row["ci_low"] == pytest.approx(low)
    assert row["ci_high"] == pytest.approx(high)


def test_a_contact_without_a_mode_is_counted_not_guessed() -> None:
    frame = visits(visit(contact_mode="phone")).vstack(
        visits(visit()).with_columns(pl.lit(None, pl.String).alias(c.CONTACT_MODE))
    )
    row = one(frame)
    assert (row["n_missing_mode"], row["n_eligible"], row["share"]) == (1, 1, 1.0)


def test_nothing_eligible_gives_a_null_share_and_interval() -> None:
    row = one(visits(visit(urgent=True)))
    assert row["n_eligible"] == 0
    assert (row["share"], row["ci_low"], row["ci_high"]) == (None, None, None)


def test_an_empty_input_still_gives_one_row_of_zeros() -> None:
    row = one(visits())
    assert (row["n_visits"], row["share"]) == (0, None)


def test_by_groups_are_sorted_and_lazy_gives_the_same() -> None:
    frame = visits(visit(region_code="02", contact_mode="phone"), visit(region_code="01"), visit(region_code="01"))
    eager = remote_share(frame, by=[c.REGION_CODE])
    assert eager[c.REGION_CODE].to_list() == ["01", "02"]
    assert eager["share"].to_list() == [0.0, 1.0]
    assert_frame_equal(remote_share(frame.lazy(), by=[c.REGION_CODE]).collect(), eager)


def test_a_missing_column_is_named() -> None:
    with pytest.raises(MissingColumnsError, match=c.CONTACT_MODE):
        remote_share(visits(visit()).drop(c.CONTACT_MODE))


def test_the_national_targets_are_the_seeds_figures() -> None:
    # 003:2052-2054 and 4175-4177: 30 % by Q4/2024 and 35 % by Q4/2025, from 23 % in 2020.
    assert NATIONAL_TARGETS == (("2024Q4", 0.30), ("2025Q4", 0.35))
    assert NATIONAL_BASELINE == ("2020", 0.23)


# --- invariants ---------------------------------------------------------------------------------

contact = st.fixed_dictionaries(
    {
        c.CONTACT_MODE: st.sampled_from(["in_person", "phone", "video", "message", "home"]),
        c.URGENT: st.sampled_from([False, False, True, None]),
        c.REGION_CODE: st.sampled_from(["01", "02"]),
    }
)
frames = st.lists(contact, max_size=15).map(lambda rows: visits(*rows))


@SMALL
@given(frames)
def test_classes_add_up_and_modes_add_up_to_the_eligible(frame: pl.DataFrame) -> None:
    row = one(frame)
    assert sum(row[name] for name in CLASSES) == row["n_visits"] == frame.height
    assert sum(row[name] for name in MODE_COUNTS) == row["n_eligible"]
    assert 0 <= row["n_remote"] <= row["n_eligible"]
    if row["share"] is not None:
        assert row["ci_low"] - 1e-12 <= row["share"] <= row["ci_high"] + 1e-12
        assert 0.0 <= row["share"] <= 1.0


@SMALL
@given(frames)
def test_groups_add_up_to_the_total(frame: pl.DataFrame) -> None:
    grouped = remote_share(frame, by=[c.REGION_CODE])
    total = one(frame)
    for name in ("n_visits", "n_eligible", "n_remote", *MODE_COUNTS):
        assert grouped[name].sum() == total[name]


@SMALL
@given(st.data(), frames)
def test_row_order_changes_nothing(data: st.DataObject, frame: pl.DataFrame) -> None:
    order = data.draw(st.permutations(list(range(frame.height))))
    shuffled = frame[order] if frame.height else frame
    assert_frame_equal(remote_share(shuffled, by=[c.REGION_CODE]), remote_share(frame, by=[c.REGION_CODE]))
