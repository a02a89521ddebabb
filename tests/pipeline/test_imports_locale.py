"""Files as a Finnish or Swedish spreadsheet saves them import as they are: ';'-separated, decimal commas,
UTF-8 with a byte-order mark or latin-1; the report says how the file was read."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from core.notes import parse_note
from pipeline.imports import import_extract
from store.catalogue import import_report, scan_extracts
from tests.data_sources.extract_fixtures import (
    TODAY,
    canonical_answer,
    canonical_visits,
    write_canonical_csv,
)


@pytest.mark.parametrize(
    ("encoding", "bom", "read_as"),
    [("utf-8", True, "utf-8"), ("latin-1", False, "latin-1")],
    ids=["utf-8 with a BOM", "latin-1"],
)
def test_a_semicolon_file_with_decimal_commas_imports(
    engine: sa.Engine, tmp_path: Path, encoding: str, bom: bool, read_as: str
) -> None:
    rows = [
        canonical_answer(response_id="r1", weight="0,8", unit_id="Hämeenlinna"),
        canonical_answer(response_id="r2", weight="1,25", unit_id="Hämeenlinna"),
    ]
    path = write_canonical_csv(tmp_path / "vastaukset.csv", rows, separator=";", encoding=encoding, bom=bom)

    outcome = import_extract(
        engine, tmp_path / "data", path, table_name="survey_answers", imported_by="tester", today=TODAY
    )

    assert (outcome.rows_read, outcome.rows_rejected) == (2, 0)
    stored = scan_extracts(engine, "survey_answers")
    assert stored is not None
    frame = stored.collect().sort("response_id")
    assert frame["weight"].to_list() == [0.8, 1.25]
    assert frame["unit_id"].to_list() == ["Hämeenlinna", "Hämeenlinna"]
    report = import_report(engine, outcome.import_id).report
    assert report.encoding == read_as
    assert ("separator", {"separator": ";"}) in [parse_note(note) for note in report.notes]


def test_a_semicolon_visits_file_with_ages_imports(engine: sa.Engine, tmp_path: Path) -> None:
    rows = [{**row, "age_years": age} for row, age in zip(canonical_visits(2), ["67", "8,5"], strict=True)]
    path = write_canonical_csv(tmp_path / "kaynnit.csv", rows, separator=";", bom=True)

    import_extract(engine, tmp_path / "data", path, table_name="visits", imported_by="tester", today=TODAY)

    stored = scan_extracts(engine, "visits")
    assert stored is not None
    assert stored.select(pl.col("age_years").sort()).collect().to_series().to_list() == [8.5, 67.0]
