"""The reader's memory stays bounded whatever the input: the tally keeps counts, not rows.

A small, highly compressed file can hold tens of millions of identical rows. These tests read such files in
many small chunks and look at what the tally holds between chunks: a few count cubes, never the rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from data_sources.extracts import ExtractResult, read_extract, reader, tally
from tests.data_sources.extract_fixtures import TODAY, canonical_visit, write_canonical_csv

ROWS = 3_000  # identical rows: with 30-row Parquet batches (or 2 KiB CSV chunks) about 100 chunks


def _frames_held(value: Any, depth: int = 0) -> Iterator[pl.DataFrame]:
    """Every frame reachable from ``value`` through lists, dicts and the reader's own objects."""
    if depth > 4:
        return
    if isinstance(value, pl.DataFrame):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _frames_held(item, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _frames_held(item, depth + 1)
    elif type(value).__module__ == tally.__name__ and hasattr(value, "__dict__"):
        for item in vars(value).values():
            yield from _frames_held(item, depth + 1)


class _Watch:
    """Records, after every chunk the tally counts, how many rows and frames it holds in memory."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rows_held: list[int] = []
        self.frames_held: list[int] = []
        self.chunk_rows: list[int] = []
        watch = self
        original = tally._Tally

        class Watched(original):  # type: ignore[valid-type, misc]  # a subclass of the reader's tally
            def add(self, checked: pl.DataFrame) -> pl.DataFrame:
                kept: pl.DataFrame = super().add(checked)
                frames = list(_frames_held(vars(self)))
                watch.chunk_rows.append(checked.height)
                watch.rows_held.append(sum(frame.height for frame in frames))
                watch.frames_held.append(len(frames))
                return kept

        monkeypatch.setattr(reader, "_Tally", Watched)


def _identical_parquet(tmp_path: Path) -> Path:
    path = tmp_path / "identical.parquet"
    pl.DataFrame([canonical_visit()] * ROWS).write_parquet(path, row_group_size=ROWS)  # one row group
    return path


def _identical_csv(tmp_path: Path) -> Path:
    return write_canonical_csv(tmp_path / "identical.csv", [canonical_visit()] * ROWS)


@pytest.mark.parametrize("write", [_identical_parquet, _identical_csv], ids=["parquet", "csv"])
def test_a_file_of_identical_rows_leaves_no_rows_in_the_tally(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write: Any
) -> None:
    path = write(tmp_path)
    monkeypatch.setattr(reader, "PARQUET_BATCH_ROWS", 30)
    monkeypatch.setattr(tally, "PARQUET_BATCH_ROWS", 30)
    monkeypatch.setattr(reader, "CHUNK_BYTES", 2_048)
    watch = _Watch(monkeypatch)

    result: ExtractResult = read_extract(path, table="visits", today=TODAY)

    assert len(watch.chunk_rows) > 3 * tally.CUBES_HELD  # enough chunks for a list per chunk to show
    # Counts, not rows: at most CUBES_HELD one-row cubes, however many chunks were read.
    assert max(watch.frames_held) <= tally.CUBES_HELD
    assert max(watch.rows_held) <= tally.CUBES_HELD
    assert (result.report.rows_read, result.report.rows_kept) == (ROWS, 1)
    [duplicates] = result.report.rejected
    assert (duplicates.key, duplicates.column, duplicates.count, duplicates.examples) == (
        "duplicate_visit_id",
        "visit_id",
        ROWS - 1,
        (2, 3, 4, 5, 6),
    )
    assert result.data.collect().height == 1


def test_a_parquet_row_group_larger_than_a_batch_is_read_in_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _identical_parquet(tmp_path)
    monkeypatch.setattr(reader, "PARQUET_BATCH_ROWS", 64)
    monkeypatch.setattr(tally, "PARQUET_BATCH_ROWS", 64)
    watch = _Watch(monkeypatch)

    read_extract(path, table="visits", today=TODAY)

    assert max(watch.chunk_rows) <= 64
    assert sum(watch.chunk_rows) == ROWS


def test_rows_held_back_are_judged_a_range_of_hashes_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 40 ids, each repeated in 5 later batches (distinct within a batch): 160 rows are held back.
    ids = [f"visit-{index:03d}" for index in range(40)]
    path = tmp_path / "repeated.parquet"
    pl.DataFrame([canonical_visit(visit_id=identifier) for _ in range(5) for identifier in ids]).write_parquet(path)
    monkeypatch.setattr(reader, "PARQUET_BATCH_ROWS", 40)
    monkeypatch.setattr(tally, "PARQUET_BATCH_ROWS", 40)
    whole = read_extract(path, table="visits", today=TODAY)

    monkeypatch.setattr(tally, "SUSPECT_PASS_ROWS", 7)
    passes: list[int] = []
    original = tally._Suspects.passes

    def counted(self: tally._Suspects, columns: list[str]) -> Iterator[pl.DataFrame]:
        for frame in original(self, columns):
            passes.append(frame.height)
            yield frame

    monkeypatch.setattr(tally._Suspects, "passes", counted)
    in_passes = read_extract(path, table="visits", today=TODAY)

    assert len(passes) > 10
    assert sum(passes) == 160
    assert in_passes.report == whole.report
    assert (in_passes.report.rows_kept, in_passes.report.rejected_count("duplicate_visit_id")) == (40, 160)
    assert in_passes.report.rejected[0].examples == (41, 42, 43, 44, 45)
    assert sorted(in_passes.data.collect().get_column("visit_id")) == ids
