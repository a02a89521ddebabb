"""The bucketed engines give the single-machine figures: any bucket count, any task order, any executor."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core import columns as c
from core.assignments import DTYPES as ASSIGNMENT_DTYPES
from pipeline import bucket_tasks as tasks
from pipeline.aggregates import answer_results, assignment_results, slot_results, visit_results
from pipeline.engines import (
    AggregationFailedError,
    DaskExecutor,
    SerialExecutor,
    bucketed_results,
    recompute_with_engine,
)
from store import buckets, tables
from store.repository import read_table
from tests.metrics.frames import answers, slots, visits
from tests.pipeline.test_imports import do_import, write_answers

BUCKET_COUNTS = [1, 2, 7, 16]
START = datetime(2023, 11, 20, 8, 0)
PATIENTS = [f"p{k}" for k in range(12)]
#: A few patients come often, so that some are heavy users (8 visits a year) in every bigger example.
FREQUENT_PATIENTS = [*PATIENTS, "p0", "p0", "p0", "p0", "p1", "p1", "p1"]


def assert_same(got: pl.DataFrame, expected: pl.DataFrame) -> None:
    """Counts and medians exactly, means to a relative 1e-9 (sums of floats in another order)."""
    assert_frame_equal(got, expected, check_exact=False, rel_tol=1e-9, abs_tol=1e-12)


# --- generated extracts -------------------------------------------------------------------------------


@st.composite
def visit_frames(draw: st.DrawFn) -> pl.DataFrame:
    """Visits over two years' turn (so two year partitions), with every exclusion class and shared patients;
    with ages (some missing, every group) or, in some examples, without the optional age column."""
    count = draw(st.integers(min_value=0, max_value=60))
    rows = []
    for n in range(count):
        at = START + timedelta(days=draw(st.integers(0, 80)), minutes=draw(st.sampled_from([0, 0, 30])))
        rows.append(
            {
                c.VISIT_ID: f"v{n}",
                c.PATIENT_ID: draw(st.sampled_from(FREQUENT_PATIENTS)),
                c.PROFESSIONAL_ID: draw(st.sampled_from(["d1", "d2", "d3", "n1", None])),
                c.PROFESSION: draw(st.sampled_from(["doctor", "doctor", "nurse", "physiotherapist"])),
                c.UNIT_ID: draw(st.sampled_from(["u1", "u2", "u3"])),
                c.REGION_CODE: draw(st.sampled_from(["01", "02"])),
                c.VISIT_AT: draw(st.sampled_from([at, at, at, None])),
                c.ASSESSMENT_AT: draw(
                    st.sampled_from([at - timedelta(days=draw(st.integers(-2, 30))), None, at - timedelta(days=3)])
                ),
                c.URGENT: draw(st.sampled_from([False, False, True, None])),
                c.SERVICE_TYPE: draw(st.sampled_from(["T11", "T11", "T31", None])),
                c.CONTACT_MODE: draw(st.sampled_from(["in_person", "in_person", "phone", "video", "home", None])),
                c.AGE_YEARS: draw(st.sampled_from([None, 4.0, 17.0, 18.0, 64.0, 65.0, 74.0, 75.0, 90.0])),
            }
        )
    frame = visits(*rows)
    return frame if draw(st.booleans()) or not count else frame.drop(c.AGE_YEARS)


@st.composite
def assignment_frames(draw: st.DrawFn) -> pl.DataFrame:
    """Named doctors, nurses and teams of some patients, some ended or starting within the visits' span."""
    rows = []
    for patient in draw(st.lists(st.sampled_from(PATIENTS), max_size=10, unique=True)):
        for kind, providers in (("doctor", ["d1", "d2"]), ("nurse", ["n1"]), ("team", ["t1"])):
            if draw(st.booleans()):
                start = START.date() + timedelta(days=draw(st.integers(-30, 60)))
                rows.append(
                    {
                        c.PATIENT_ID: patient,
                        "provider_kind": kind,
                        "provider_id": draw(st.sampled_from(providers)),
                        c.REGION_CODE: draw(st.sampled_from(["01", "02"])),
                        c.UNIT_ID: "u1",
                        "valid_from": start,
                        "valid_to": draw(st.sampled_from([None, start + timedelta(days=20)])),
                    }
                )
    return pl.DataFrame(rows or None, schema=dict(ASSIGNMENT_DTYPES))


@st.composite
def slot_frames(draw: st.DrawFn) -> pl.DataFrame:
    rows = []
    for book in range(draw(st.integers(1, 8))):
        captures = draw(st.lists(st.integers(0, 3), min_size=1, max_size=3, unique=True))
        for capture in captures:
            captured = START + timedelta(days=7 * capture)
            for _slot in range(draw(st.integers(0, 6))):
                rows.append(
                    {
                        c.BOOK_ID: f"b{book}",
                        c.UNIT_ID: f"u{book % 3}",
                        c.REGION_CODE: "01" if book % 2 else "02",
                        c.PROFESSION: "doctor" if book % 3 else "nurse",
                        c.CAPTURED_AT: captured,
                        c.SLOT_AT: captured + timedelta(hours=draw(st.integers(-5, 400))),
                        c.STATUS: draw(st.sampled_from(["free", "free", "booked"])),
                        c.SLOT_TYPE: draw(st.sampled_from(["non_urgent", "non_urgent", "urgent"])),
                    }
                )
    return slots(*rows)


@st.composite
def answer_frames(draw: st.DrawFn) -> pl.DataFrame:
    count = draw(st.integers(0, 40))
    scores = draw(
        st.lists(st.sampled_from([0.0, 5.0, 7.0, 8.0, 9.0, 10.0, None, 11.0]), min_size=count, max_size=count)
    )
    column: Any = st.lists(st.sampled_from(["01", "02", "03"]), min_size=count, max_size=count)
    return answers(
        scores,
        region_code=draw(column),
        unit_id=draw(st.lists(st.sampled_from(["u1", "u2"]), min_size=count, max_size=count)),
        respondent=draw(st.lists(st.sampled_from(["patient", "staff"]), min_size=count, max_size=count)),
        answered_at=[START + timedelta(days=20 * (n % 4)) for n in range(count)],
    )


def filed(root: Path, table: str, frame: pl.DataFrame, count: int, order: random.Random) -> list[list[str]]:
    """``frame`` filed into ``count`` buckets; its pieces in a shuffled order."""
    checksum = "e" * 64
    buckets.write_extract(root, table, checksum, frame, count)
    pieces = [tasks.file_names(files) for files in buckets.pieces(root, buckets.Layout(table, count, (checksum,)))]
    order.shuffle(pieces)
    return pieces


# --- every family equals the single-machine engine ----------------------------------------------------


def single_machine_results(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """What ``--engine local`` computes from these extracts: every table's aggregator in turn, the later
    results replacing the earlier (the assignments' named-provider cells replace the visits' own)."""
    visit_frame, named = frames.get("visits"), frames.get("assignments")
    expected: dict[str, pl.DataFrame] = {}
    if visit_frame is not None:
        expected.update(visit_results(visit_frame.lazy(), assignments=None if named is None else named.lazy()))
    if "appointment_slots" in frames:
        expected.update(slot_results(frames["appointment_slots"].lazy()))
    if "survey_answers" in frames:
        expected.update(answer_results(frames["survey_answers"].lazy()))
    if named is not None:
        expected.update(assignment_results(named.lazy(), visits=None if visit_frame is None else visit_frame.lazy()))
    return expected


def assert_all_same(got: dict[str, pl.DataFrame], expected: dict[str, pl.DataFrame]) -> None:
    """The same tables, every one with the same cells (an empty table with the same columns too)."""
    assert sorted(got) == sorted(expected)
    for name, frame in expected.items():
        if frame.width == 0:  # no T3 without a snapshot: no columns either way
            assert got[name].is_empty(), name
            continue
        assert_same(got[name], frame)


@settings(max_examples=4, deadline=None)
@given(frame=visit_frames(), named=assignment_frames(), seed=st.integers(0, 2**16))
def test_visit_aggregates_from_buckets_equal_the_single_machine_ones(
    tmp_path_factory: pytest.TempPathFactory, frame: pl.DataFrame, named: pl.DataFrame, seed: int
) -> None:
    root = tmp_path_factory.mktemp("visits")
    named_path = root / "assignments.parquet"
    named.write_parquet(named_path)
    expected = single_machine_results({"visits": frame, "assignments": named})
    options = tasks.as_options(tasks.DEFAULT_SERVICE_TYPES, tasks.DEFAULT_MIN_VISITS, assignments=[named_path])
    for count in BUCKET_COUNTS:  # one example, every bucket count: the single-machine figures are computed once
        pieces = filed(root / str(count), "visits", frame, count, random.Random(seed))
        if not pieces:  # nothing to file: every table but the empty ones' is empty
            assert all(table.is_empty() for table in expected.values())
            continue
        merged = tasks.merge_visits(tasks.visit_task(files, options) for files in pieces)
        got = tasks.visit_results_from(merged, options, assignments=named.lazy())
        assert_all_same(got, expected)


@settings(max_examples=2, deadline=None)
@given(frame=visit_frames(), seed=st.integers(0, 2**16))
def test_without_assignments_the_buckets_give_no_named_provider_tables(
    tmp_path_factory: pytest.TempPathFactory, frame: pl.DataFrame, seed: int
) -> None:
    options = tasks.VisitOptions()
    pieces = filed(tmp_path_factory.mktemp("visits"), "visits", frame, 7, random.Random(seed))
    if not pieces:
        return
    got = tasks.visit_results_from(tasks.merge_visits(tasks.visit_task(files, options) for files in pieces), options)
    assert_all_same(got, single_machine_results({"visits": frame}))


@pytest.mark.parametrize("count", BUCKET_COUNTS)
@settings(max_examples=8, deadline=None)
@given(frame=slot_frames(), seed=st.integers(0, 2**16))
def test_t3_from_buckets_of_books_equals_the_single_machine_t3(
    tmp_path_factory: pytest.TempPathFactory, count: int, frame: pl.DataFrame, seed: int
) -> None:
    pieces = filed(tmp_path_factory.mktemp("slots"), "appointment_slots", frame, count, random.Random(seed))
    times = sorted({time for files in pieces for time in tasks.snapshot_times_task(files)})
    per_book = [tasks.slot_task(files, times) for files in pieces] if times else []
    assert_same(tasks.slot_results_from(per_book)["t3_results"], slot_results(frame.lazy())["t3_results"])


@settings(max_examples=15, deadline=None)
@given(frame=answer_frames(), seed=st.integers(0, 2**16))
def test_nps_from_county_pieces_equals_the_single_machine_nps(
    tmp_path_factory: pytest.TempPathFactory, frame: pl.DataFrame, seed: int
) -> None:
    pieces = filed(tmp_path_factory.mktemp("answers"), "survey_answers", frame, 1, random.Random(seed))
    parts = [tasks.answer_task(files) for files in pieces]
    expected = answer_results(frame.lazy())["nps_results"]
    if not parts:
        assert expected.is_empty()
        return
    assert_same(tasks.answer_results_from(parts)["nps_results"], expected)


# --- the executors ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    """A two-worker local Dask cluster, started once for the session."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def catalogue(root: Path, frames: dict[str, pl.DataFrame]) -> dict[str, list[Path]]:
    paths = {}
    for number, (table, frame) in enumerate(frames.items()):
        path = root / "extracts" / table / f"{number:064x}.parquet"
        path.parent.mkdir(parents=True)
        frame.write_parquet(path)
        paths[table] = [path]
    return paths


EVERY_EXTRACT = st.fixed_dictionaries(
    {
        "visits": visit_frames(),
        "appointment_slots": slot_frames(),
        "survey_answers": answer_frames(),
        "assignments": assignment_frames(),
    }
)


@settings(max_examples=3, deadline=None)
@given(frames=EVERY_EXTRACT)
def test_the_dask_engine_on_a_two_worker_cluster_gives_the_serial_and_the_single_machine_figures(
    dask_client: Any, tmp_path_factory: pytest.TempPathFactory, frames: dict[str, pl.DataFrame]
) -> None:
    root = tmp_path_factory.mktemp("engines")
    paths = catalogue(root, frames)
    steps: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(buckets, "ROWS_PER_BUCKET", 10)  # several buckets even for a small extract
        on_dask = bucketed_results(root / "d", paths, DaskExecutor(dask_client), progress=lambda _f, m: steps.append(m))
        serial = bucketed_results(root / "s", paths, SerialExecutor())
    expected = single_machine_results(frames)
    assert_all_same(on_dask, expected)
    assert_all_same(serial, expected)
    assert any("visits: 1 piece(s) done" in step for step in steps), steps  # progress per bucket


def test_assignments_without_visits_get_their_list_sizes_on_the_driver(tmp_path: Path) -> None:
    named = pl.DataFrame(
        [
            {
                c.PATIENT_ID: "p1",
                "provider_kind": "doctor",
                "provider_id": "d1",
                c.REGION_CODE: "01",
                c.UNIT_ID: "u1",
                "valid_from": START.date(),
                "valid_to": None,
            }
        ],
        schema=dict(ASSIGNMENT_DTYPES),
    )
    paths = catalogue(tmp_path, {"assignments": named})
    got = bucketed_results(tmp_path / "b", paths, SerialExecutor())
    assert_all_same(got, single_machine_results({"assignments": named}))
    assert got["list_size_results"].height > 0


def test_a_failing_bucket_task_fails_the_job_and_leaves_the_stored_aggregates_as_they_were(
    engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    do_import(engine, tmp_path / "data", write_answers(tmp_path / "a.csv", ["A1", "B2"]))
    before = read_table(engine, tables.nps_results)
    assert before.height > 0

    def broken(_files: list[str]) -> pl.DataFrame:
        raise OSError("the worker lost its disk")

    monkeypatch.setattr(tasks, "answer_task", broken)
    with pytest.raises(AggregationFailedError, match=r"lost its disk.*unchanged"):
        recompute_with_engine(engine, tmp_path / "data", executor_name="serial")
    assert_frame_equal(read_table(engine, tables.nps_results), before)


def fails_the_first_time(marker: str) -> str:
    """A task that fails on its first attempt (leaving a marker file) and succeeds on the next."""
    path = Path(marker)
    if not path.exists():
        path.write_text("tried", encoding="utf-8")
        raise OSError("a worker hiccup")
    return "done"


def test_dask_runs_a_failed_task_again(dask_client: Any, tmp_path: Path) -> None:
    results = list(DaskExecutor(dask_client).run(fails_the_first_time, [(str(tmp_path / "marker"),)]))
    assert results == ["done"]
