"""Repeated visits in an extract: the same (patient_id, visit_at, visit_id) on several rows is kept once when the
rows agree and not at all when they differ, and the import report counts them with their row numbers (decision
0005 says why they are not refused)."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from polars.testing import assert_frame_equal

from store import tables
from store.catalogue import scan_extracts
from store.repository import read_table
from tests.data_sources.extract_fixtures import (
    avohilmo_row,
    avohilmo_rows,
    canonical_visit,
    write_avohilmo,
    write_canonical_csv,
)
from tests.pipeline.test_imports import import_file


def rejected(report_json: str) -> dict[str, tuple[str, int, list[int]]]:
    return {
        finding["key"]: (finding["column"], finding["count"], finding["examples"])
        for finding in json.loads(report_json).get("rejected", [])
    }


def test_a_visit_repeated_on_later_rows_is_kept_once_and_the_repeats_are_counted_with_their_rows(
    engine: sa.Engine, tmp_path: Path
) -> None:
    rows = [
        canonical_visit(visit_id="v1"),
        canonical_visit(visit_id="v1"),  # row 2: the same visit again
        canonical_visit(visit_id="v2", patient_id="p2", visit_at="2025-03-11T09:00:00"),
        canonical_visit(visit_id="v1"),  # row 4: and once more
    ]
    outcome = import_file(engine, tmp_path / "data", write_canonical_csv(tmp_path / "visits.csv", rows))
    assert (outcome.rows_read, outcome.rows_rejected) == (4, 2)
    assert rejected(outcome.report_json) == {"duplicate_visit_id": ("visit_id", 2, [2, 4])}
    kept = scan_extracts(engine, "visits")
    assert kept is not None
    assert sorted(kept.collect()["visit_id"].to_list()) == ["v1", "v2"]


def test_rows_of_one_visit_that_differ_are_all_left_out_and_counted_apart(engine: sa.Engine, tmp_path: Path) -> None:
    """v1 is at 9:00 with d1 on row 1 and with d2 on row 3 (same patient, time and id): neither can be trusted."""
    rows = [
        canonical_visit(visit_id="v1"),
        canonical_visit(visit_id="v2", patient_id="p2"),
        canonical_visit(visit_id="v1", professional_id="d2"),
    ]
    outcome = import_file(engine, tmp_path / "data", write_canonical_csv(tmp_path / "visits.csv", rows))
    assert (outcome.rows_read, outcome.rows_rejected) == (3, 2)
    assert rejected(outcome.report_json) == {"conflicting_visit_id": ("visit_id", 2, [3])}
    kept = scan_extracts(engine, "visits")
    assert kept is not None
    assert kept.collect()["visit_id"].to_list() == ["v2"]


def test_an_avohilmo_extract_names_its_own_id_column_for_the_repeats(engine: sa.Engine, tmp_path: Path) -> None:
    rows = [*avohilmo_rows(2), avohilmo_row(AVOHILMO_ID="1000001", TNRO="FR0000001")]  # row 1 again
    outcome = import_file(engine, tmp_path / "data", write_avohilmo(tmp_path / "avohilmo.csv", rows))
    assert rejected(outcome.report_json) == {"duplicate_visit_id": ("AVOHILMO_ID", 1, [3])}


def test_the_stored_figures_do_not_depend_on_where_in_the_file_a_repeated_visit_stands(
    engine: sa.Engine, tmp_path: Path
) -> None:
    """The same visits, some repeated and one (v2) also with another professional, in two orders: the same rows
    are kept and the same figures stored."""
    visits = [
        canonical_visit(
            visit_id=f"v{i}",
            patient_id=f"p{i % 2}",
            professional_id=f"d{i % 3}",
            visit_at=f"2025-03-{10 + i:02d}T09:00:00",
        )
        for i in range(5)
    ]
    other = dict(visits[2], professional_id="d9")
    first = [*visits, visits[1], visits[3], visits[1], other]
    second = [other, visits[3], visits[1], *reversed(visits), visits[1]]
    stored = []
    for name, rows in (("first", first), ("second", second)):
        import_file(engine, tmp_path / name, write_canonical_csv(tmp_path / f"{name}.csv", rows))
        stored.append(
            {table.name: read_table(engine, table) for table in (tables.access_results, tables.continuity_results)}
        )
        with engine.begin() as connection:
            for table in (
                tables.imports,
                tables.access_results,
                tables.continuity_results,
                tables.coc_distribution_results,
            ):
                connection.execute(table.delete())
    for name in stored[0]:
        columns = stored[0][name].columns
        assert_frame_equal(stored[1][name].sort(columns), stored[0][name].sort(columns))
