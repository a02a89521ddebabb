"""The import catalogue: completed imports and failed attempts, written and read back (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.errors import InvalidInputError
from core.validation import Finding, ValidationReport
from store import tables
from store.catalogue import (
    FailedImport,
    ImportOutcome,
    existing_import,
    extract_in_use,
    extract_paths,
    import_report,
    record_failure,
    record_import,
    recorded_failures,
)
from store.repository import read_table

AT = dt.datetime(2025, 6, 30, 12, 0)


def record(engine: sa.Engine, table_name: str, checksum: str, *, report_json: str = "{}", rows: int = 2) -> int:
    with engine.begin() as connection:
        return record_import(
            connection,
            table_name=table_name,
            file_name=f"{checksum}.csv",
            checksum=checksum,
            layout="canonical",
            rows_read=rows,
            rows_rejected=0,
            parquet_path=Path("extracts") / table_name / f"{checksum}.parquet",
            report_json=report_json,
            imported_at=AT,
            imported_by="analyst@example.fi",
            dataset="Pohjois-Savo 2025",
        )


def test_a_recorded_file_is_found_again_by_its_checksum_as_already_imported(engine: sa.Engine) -> None:
    import_id = record(engine, "visits", "abc")
    assert existing_import(engine, "visits", "abc") == ImportOutcome(
        import_id=import_id,
        already_imported=True,
        rows_read=2,
        rows_rejected=0,
        report_json="{}",
        layout="canonical",
        file_name="abc.csv",
        dataset="Pohjois-Savo 2025",
    )
    assert existing_import(engine, "survey_answers", "abc") is None  # the same file offered as another table


def test_the_extracts_of_a_table_are_its_own_oldest_first(engine: sa.Engine) -> None:
    for checksum in ("b", "a", "c"):
        record(engine, "visits", checksum)
    record(engine, "survey_answers", "d")
    assert [path.stem for path in extract_paths(engine, "visits")] == ["b", "a", "c"]
    assert extract_in_use(engine, Path("extracts/visits/a.parquet"))
    assert not extract_in_use(engine, Path("extracts/visits/d.parquet"))


def test_an_import_recorded_in_a_transaction_that_fails_is_not_recorded(engine: sa.Engine) -> None:
    def record_then_fail() -> None:
        with engine.begin() as connection:
            record_import(
                connection,
                table_name="visits",
                file_name="x.csv",
                checksum="x",
                layout="canonical",
                rows_read=1,
                rows_rejected=0,
                parquet_path=Path("x.parquet"),
                report_json="{}",
                imported_at=AT,
                imported_by="analyst@example.fi",
                dataset="Pohjois-Savo 2025",
            )
            raise InvalidInputError("the aggregates could not be written")

    with pytest.raises(InvalidInputError):
        record_then_fail()
    assert read_table(engine, tables.imports).is_empty()


def test_a_stored_validation_report_comes_back_with_its_reasons(engine: sa.Engine) -> None:
    report = ValidationReport(
        source="v.csv",
        layout="canonical",
        file_format="csv",
        encoding="utf-8",
        table="visits",
        rows_read=3,
        rows_kept=2,
        rejected=(Finding(key="unknown_region", column="region_code", count=1, examples=(2,)),),
    )
    past = import_report(engine, record(engine, "visits", "v", report_json=report.to_json(), rows=3))
    assert past.detailed
    assert past.report == report
    assert past.reasons.select("kind", "key", "column", "count").rows() == [
        ("rejected", "unknown_region", "region_code", 1)
    ]


def test_the_report_of_an_import_that_recorded_only_counts_is_empty(engine: sa.Engine) -> None:
    past = import_report(engine, record(engine, "survey_answers", "a", report_json='{"rows_read": 2}'))
    assert not past.detailed
    assert past.reasons.is_empty()
    assert past.coverage.is_empty()
    assert past.report.rows_read == 2


def test_asking_for_an_unknown_import_is_an_invalid_input(engine: sa.Engine) -> None:
    with pytest.raises(InvalidInputError, match="no completed import has id 42"):
        import_report(engine, 42)


def test_failed_attempts_come_back_newest_first_with_long_codes_cut_to_their_columns(engine: sa.Engine) -> None:
    for hour, name in ((9, "first.csv"), (11, "last.csv"), (10, "middle.csv")):
        record_failure(
            engine,
            table_name="visits",
            file_name=name,
            checksum="c" * 80,
            started_at=AT.replace(hour=hour),
            failed_at=AT.replace(hour=hour, minute=1),
            error=f"{name}: no such file",
            error_id="e" * 20,
        )
    assert [failure.file_name for failure in recorded_failures(engine)] == ["last.csv", "middle.csv", "first.csv"]
    assert recorded_failures(engine)[0] == FailedImport(
        file_name="last.csv", table_name="visits", started_at="2025-06-30T11:00:00", error="last.csv: no such file"
    )
    stored = read_table(engine, tables.import_failures)
    assert set(stored["checksum"].str.len_chars()) == {64}
    assert set(stored["error_id"].str.len_chars()) == {16}
