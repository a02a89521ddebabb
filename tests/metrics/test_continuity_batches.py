"""Continuity over several extract files, read the way the store reads them, with ties and repeated ids.

The store scans every imported Parquet file of a table, collects them into one frame (one chunk per
file or row group) and adds its period labels with ``pl.format`` before it asks for the figures. A
metric that pushed its own selective filter beneath that label handed ``pl.format`` the streaming
engine's filtered batches, some of them several chunks whose first is empty, and polars 2.1 panics on
those ("assertion failed: i < self.len()"). These tests run the metrics on such frames, with the
engines the store uses, against the in-memory engine on one plain frame.
"""

from __future__ import annotations

import itertools
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core import columns as c
from metrics import continuity
from metrics.continuity import continuity_indices, continuity_summary
from tests.metrics.frames import only_row, visit, visits
from tests.metrics.test_continuity_slices import assert_same_summary, tied_frames

START = datetime(2025, 2, 3, 9)
PERIOD = "period"
#: The store's quarter label, built the way it builds it.
QUARTER = pl.format("{}Q{}", pl.col(c.VISIT_AT).dt.year(), pl.col(c.VISIT_AT).dt.quarter()).alias(PERIOD)
#: The store reads these id and code columns as categoricals.
CODES = [c.REGION_CODE, c.UNIT_ID, c.PROFESSION, c.PATIENT_ID, c.PROFESSIONAL_ID]


def parts() -> list[pl.DataFrame]:
    """Three extracts whose patients overlap, with ties in visit time and a repeated visit id."""
    plain = visits(
        *(
            visit(
                visit_id=f"a{i:03d}",
                patient_id=f"p{i % 7}",
                professional_id=f"d{i % 3}",
                visit_at=START + timedelta(days=i % 60, hours=i % 5),
            )
            for i in range(200)
        )
    )
    # Ties in visit time: px sees d0 and d1 at one time, twice each, then d1 again.
    tied = visits(
        *(
            visit(visit_id=f"b{i}", patient_id="px", professional_id=f"d{i % 2}", visit_at=START + timedelta(days=90))
            for i in range(4)
        ),
        visit(visit_id="b9", patient_id="px", professional_id="d1", visit_at=START + timedelta(days=91)),
        visit(visit_id="b10", patient_id="p1", professional_id="d2", visit_at=START + timedelta(days=92)),
        # Visits without a professional, which the first file has none of.
        visit(visit_id="b11", patient_id="px", professional_id=None, visit_at=START + timedelta(days=93)),
        visit(visit_id="b12", patient_id="p3", professional_id=None, visit_at=START + timedelta(days=93)),
    )
    # One visit id repeated 30 times for one patient at one time, with two professionals in turn.
    repeated = visits(
        *(
            visit(visit_id="dup", patient_id="py", professional_id=f"d{i % 2}", visit_at=START + timedelta(days=120))
            for i in range(30)
        ),
        visit(visit_id="c1", patient_id="py", professional_id="d0", visit_at=START + timedelta(days=119)),
        visit(visit_id="c2", patient_id="p2", professional_id="d0", visit_at=START + timedelta(days=121)),
    )
    return [plain, tied, repeated]


def read_like_the_store(frames: list[pl.DataFrame], folder: Path, *, categorical: bool) -> pl.LazyFrame:
    """The frames written as Parquet files, scanned together, held in memory and labelled by quarter."""
    paths = []
    for number, frame in enumerate(frames):
        paths.append(folder / f"part-{number}.parquet")
        frame.write_parquet(paths[-1])
    loaded = pl.scan_parquet(paths)
    if categorical:
        loaded = loaded.with_columns(pl.col(CODES).cast(pl.Categorical))
    return loaded.collect().lazy().with_columns(QUARTER)


def one_plain_frame(frames: list[pl.DataFrame], *, categorical: bool) -> pl.DataFrame:
    """The same rows as one single-chunk frame: the reference the in-memory engine reads."""
    frame = pl.concat(frames, rechunk=True)
    if categorical:
        frame = frame.with_columns(pl.col(CODES).cast(pl.Categorical))
    return frame.with_columns(QUARTER)


KEY_SETS = [(PERIOD,), (PERIOD, c.REGION_CODE, c.PROFESSION)]


@pytest.mark.parametrize("categorical", [False, True], ids=["text", "categorical"])
@pytest.mark.parametrize("by", KEY_SETS, ids=["period", "period-region-profession"])
def test_summary_of_overlapping_files_with_ties_equals_the_in_memory_reference(
    tmp_path: Path, by: tuple[str, ...], categorical: bool
) -> None:
    frame = read_like_the_store(parts(), tmp_path, categorical=categorical)
    reference = one_plain_frame(parts(), categorical=categorical)
    # Collected as the store collects its cells (the summary's own reads are streaming).
    (result,) = pl.collect_all([continuity_summary(frame, by=by)])
    expected = continuity._exact_summary(reference.lazy(), list(by), 2).collect(engine="in-memory")
    assert_same_summary(result, expected)


@pytest.mark.parametrize("engine", ["streaming", "in-memory"])
@pytest.mark.parametrize("categorical", [False, True], ids=["text", "categorical"])
def test_indices_of_overlapping_files_with_ties_equal_the_in_memory_reference(
    tmp_path: Path, engine: str, categorical: bool
) -> None:
    frame = read_like_the_store(parts(), tmp_path, categorical=categorical)
    reference = one_plain_frame(parts(), categorical=categorical)
    result = continuity_indices(frame, by=[PERIOD]).collect(engine=engine)  # type: ignore[call-overload]
    assert_frame_equal(result, continuity_indices(reference, by=[PERIOD]))


def test_the_repeated_visit_id_gets_the_same_secon_from_files_and_from_one_frame(tmp_path: Path) -> None:
    # py: d0 (c1), then 30 visits "dup" at one time, 15 with d0 and 15 with d1. The professional breaks
    # the tie: d0 x 15 then d1 x 15, so 14 + 1 + 14 of the 30 pairs repeat the previous professional.
    frame = read_like_the_store(parts(), tmp_path, categorical=True)
    row = only_row(continuity_indices(frame, by=[PERIOD]).filter(pl.col(c.PATIENT_ID) == "py").collect())
    assert row["n_visits"] == 31
    assert row["secon"] == pytest.approx(29 / 30)


# --- ties the row order cannot decide ------------------------------------------------------------------

# p1 sees B at 9:00, then A and B at 10:00, both rows with visit id "v2". The professional orders them
# (A before B): B, A, B has no repeat, so SECON is 0 whatever order the rows come in. (Row order could
# give B, B, A: SECON 1/2.)
SAME_ID = [
    visit(visit_id="v1", patient_id="p1", professional_id="B", visit_at=START),
    visit(visit_id="v2", patient_id="p1", professional_id="A", visit_at=START + timedelta(hours=1)),
    visit(visit_id="v2", patient_id="p1", professional_id="B", visit_at=START + timedelta(hours=1)),
    visit(visit_id="v3", patient_id="p2", professional_id="A", visit_at=START),
    visit(visit_id="v4", patient_id="p2", professional_id="A", visit_at=START + timedelta(hours=1)),
]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_rows_with_the_same_time_and_visit_id_are_ordered_by_professional(order: tuple[int, ...]) -> None:
    frame = visits(*(SAME_ID[i] for i in order), *SAME_ID[3:])
    indices = continuity_indices(frame).sort(c.PATIENT_ID)
    assert indices["secon"].to_list() == [0.0, 1.0]
    summary = only_row(continuity_summary(frame))
    assert summary["mean_secon"] == pytest.approx(0.5)


# --- any row order, any split into files ------------------------------------------------------------------


@st.composite
def crowded_visit_rows(draw: st.DrawFn) -> dict[str, Any]:
    # Few ids and times: rows often share a patient, a time and even a visit id.
    hours = draw(st.one_of(st.none(), st.integers(0, 2)))
    return visit(
        visit_id=draw(st.sampled_from(["v1", "v2", "v3", "v4"])),
        patient_id=draw(st.sampled_from(["p1", "p2", "p3"])),
        professional_id=draw(st.one_of(st.none(), st.sampled_from(["A", "B", "C"]))),
        profession=draw(st.sampled_from(["doctor", "nurse"])),
        visit_at=None if hours is None else START + timedelta(hours=hours),
    )


crowded_frames = st.lists(crowded_visit_rows(), max_size=24).map(lambda rows: visits(*rows))


@settings(max_examples=40, deadline=None)
@given(frame=st.one_of(tied_frames, crowded_frames), data=st.data(), categorical=st.booleans())
def test_permuting_rows_and_splitting_them_across_files_changes_nothing(
    frame: pl.DataFrame, data: st.DataObject, categorical: bool
) -> None:
    shuffled = frame[data.draw(st.permutations(range(frame.height)), label="row order")]
    cuts = data.draw(st.sets(st.integers(1, max(1, frame.height - 1)), max_size=3), label="file boundaries")
    bounds = sorted({0, frame.height, *(cut for cut in cuts if cut < frame.height)})
    pieces = [shuffled.slice(start, end - start) for start, end in itertools.pairwise(bounds)] or [shuffled]
    reference = one_plain_frame([frame], categorical=categorical)
    with tempfile.TemporaryDirectory() as folder:
        split = read_like_the_store(pieces, Path(folder), categorical=categorical)
        for by in ([PERIOD], [PERIOD, c.PROFESSION]):
            assert_same_summary(continuity_summary(split, by=by).collect(), continuity_summary(reference, by=by))
            assert_frame_equal(
                continuity_indices(split, by=by).collect(engine="streaming"), continuity_indices(reference, by=by)
            )
