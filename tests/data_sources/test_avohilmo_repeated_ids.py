"""Repeated visit ids in an Avohilmo extract: judged the same whichever chunks their rows fall into, and a
conflict inside one chunk is settled before its rows are written."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

from core import columns as c
from data_sources.extracts import ExtractResult, avohilmo, reader, tally
from tests.data_sources.extract_fixtures import TODAY, avohilmo_rows, write_avohilmo

CHUNK = 300  # bytes: a few rows per chunk


def read(path: Path) -> ExtractResult:
    return avohilmo.read_visits_with_report(path, today=TODAY)


def findings(result: ExtractResult) -> list[tuple[str, str, int, tuple[int, ...]]]:
    return [(f.key, f.column, f.count, f.examples) for f in result.report.rejected]


def refuse_rewrites(monkeypatch: pytest.MonkeyPatch) -> None:
    def rewrite(*_args: object) -> None:
        raise AssertionError("the written rows were rewritten")

    monkeypatch.setattr(tally, "_without_ids", rewrite)


def test_a_conflict_inside_one_chunk_is_never_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = avohilmo_rows(30)
    rows[3] = dict(rows[2], TNRO="FR-other")  # the next row repeats row 3's id with another patient
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows)
    refuse_rewrites(monkeypatch)

    result = read(path)

    assert findings(result) == [("conflicting_visit_id", "AVOHILMO_ID", 2, (4,))]
    assert result.report.rows_kept == 28
    assert rows[2]["AVOHILMO_ID"] not in result.data.collect().get_column(c.VISIT_ID).to_list()


def test_a_conflict_inside_one_chunk_and_a_later_repeat_count_every_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows 3 and 4 differ (the first chunk); row 26, in the second, repeats row 3 exactly: all three conflict."""
    rows = avohilmo_rows(30)
    rows[3] = dict(rows[2], TNRO="FR-other")
    rows[25] = dict(rows[2])
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows)
    whole = read(path)
    monkeypatch.setattr(reader, "CHUNK_BYTES", path.stat().st_size // 2)
    refuse_rewrites(monkeypatch)

    chunked = read(path)

    for result in (whole, chunked):
        assert findings(result) == [("conflicting_visit_id", "AVOHILMO_ID", 3, (4, 26))]
        assert result.report.rows_kept == 27
    assert chunked.report == whole.report
    assert_frame_equal(chunked.data.collect(), whole.data.collect())


def test_an_exact_repeat_inside_one_chunk_keeps_the_first_row_in_its_place(tmp_path: Path) -> None:
    rows = avohilmo_rows(6)
    rows[3] = dict(rows[2])
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows)

    result = read(path)

    assert findings(result) == [("duplicate_visit_id", "AVOHILMO_ID", 1, (4,))]
    kept = result.data.collect().get_column(c.VISIT_ID).to_list()
    assert kept == [row["AVOHILMO_ID"] for index, row in enumerate(rows) if index != 3]


def test_rows_withdrawn_after_a_conflict_across_chunks_are_rewritten_with_the_same_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row 3 is written before row 26 repeats its id with another patient; the file rewritten without it keeps
    no dictionary and no minimum or maximum of the pseudonymised ids, as the first writing."""
    rows = avohilmo_rows(30)
    rows[25] = dict(rows[2], TNRO="FR-other")
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows)
    monkeypatch.setattr(reader, "CHUNK_BYTES", CHUNK)

    result = read(path)

    assert findings(result) == [("conflicting_visit_id", "AVOHILMO_ID", 2, (26,))]
    assert result.parquet_file is not None
    metadata = pq.ParquetFile(result.parquet_file).metadata
    columns = {metadata.schema.column(i).name: metadata.row_group(0).column(i) for i in range(metadata.num_columns)}
    for name in (c.VISIT_ID, c.PATIENT_ID, c.PROFESSIONAL_ID):
        assert not columns[name].is_stats_set, name
        assert "RLE_DICTIONARY" not in columns[name].encodings, name
    assert columns[c.UNIT_ID].is_stats_set
    assert "RLE_DICTIONARY" in columns[c.UNIT_ID].encodings
