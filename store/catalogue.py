"""The import catalogue: the extracts imported (``imports``), the attempts that failed (``import_failures``).

Storage only: reading and writing the two tables, and the :class:`ImportReport`
of a completed import built from its stored row. The import job itself
(reading files, staging, Parquet, aggregates, the lock, markers, recovery)
is :mod:`pipeline.imports`, which records through these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa

from core.errors import InvalidInputError
from core.validation import ValidationReport
from store import tables
from store.repository import read_table


@dataclass(frozen=True)
class ImportOutcome:
    import_id: int
    already_imported: bool
    rows_read: int
    rows_rejected: int
    report_json: str
    layout: str = ""
    file_name: str = ""
    dataset: str = ""


@dataclass(frozen=True)
class FailedImport:
    """An attempt that failed or was interrupted (recorded in the store, or on a marker the store could not take)."""

    file_name: str
    table_name: str
    started_at: str
    error: str


@dataclass(frozen=True)
class ImportReport:
    """A completed import with its validation report; :attr:`reasons` and :attr:`coverage` are ready to show.

    ``detailed`` is False for imports that recorded only their counts (the
    generated sample data): their report has no reasons and no coverage.
    """

    import_id: int
    table_name: str
    file_name: str
    layout: str
    rows_read: int
    rows_rejected: int
    imported_at: dt.datetime
    imported_by: str
    report: ValidationReport
    detailed: bool

    @property
    def reasons(self) -> pl.DataFrame:
        """One row per finding, rejections first: ``kind`` (rejected | flagged), ``key``, ``column``, ``count``,
        ``share_of_rows``, ``example_rows`` (1-based data rows, header excluded) and ``description``."""
        return self.report.to_frame()

    @property
    def coverage(self) -> pl.DataFrame:
        """Visits only: per ``region_code`` and ``month`` the kept non-urgent visits, those with an assessment
        date, and their ``share`` (empty for other tables)."""
        return self.report.coverage


def extract_paths(engine: sa.Engine | sa.Connection, table_name: str, dataset: str | None = None) -> list[Path]:
    """Parquet files of every completed import of ``table_name`` (of the data set ``dataset``; None: of any),
    oldest first."""
    where = [] if dataset is None else [tables.imports.c.dataset == dataset]
    rows = read_table(engine, tables.imports, order_by=["id"], where=where, table_name=table_name)
    return [Path(path) for path in rows["parquet_path"].to_list()]


def scan_paths(paths: list[Path]) -> pl.LazyFrame:
    """The rows of several extract files as one lazy frame; a column one file lacks (an optional column, or one
    added since an older file was written) is null in its rows."""
    if len(paths) == 1:
        return pl.scan_parquet(paths[0])
    return pl.concat([pl.scan_parquet(path) for path in paths], how="diagonal_relaxed")


def scan_extracts(engine: sa.Engine, table_name: str, dataset: str | None = None) -> pl.LazyFrame | None:
    """All imported rows of ``table_name`` (of ``dataset``; None: of any) as one lazy frame, or None before the
    first import."""
    paths = extract_paths(engine, table_name, dataset)
    return scan_paths(paths) if paths else None


def existing_import(engine: sa.Engine | sa.Connection, table_name: str, checksum: str) -> ImportOutcome | None:
    """The completed import of the file with ``checksum`` into ``table_name``, as an outcome; None if there is none."""
    rows = read_table(engine, tables.imports, table_name=table_name, checksum=checksum)
    if rows.is_empty():
        return None
    row = rows.row(0, named=True)
    return ImportOutcome(
        import_id=row["id"],
        already_imported=True,
        rows_read=row["rows_read"],
        rows_rejected=row["rows_rejected"],
        report_json=row["report_json"],
        layout=row["layout"],
        file_name=row["file_name"],
        dataset=row[tables.DATASET],
    )


def extract_in_use(engine: sa.Engine, path: Path) -> bool:
    """Whether a completed import points at the Parquet file ``path``."""
    with engine.connect() as connection:
        found = connection.execute(
            sa.select(tables.imports.c.id).where(tables.imports.c.parquet_path == str(path))
        ).first()
    return found is not None


def record_import(
    connection: sa.Connection,
    *,
    table_name: str,
    file_name: str,
    checksum: str,
    layout: str,
    rows_read: int,
    rows_rejected: int,
    parquet_path: Path,
    report_json: str,
    imported_at: dt.datetime,
    imported_by: str,
    dataset: str,
) -> int:
    """Add a completed import of the data set ``dataset`` to the catalogue in the caller's transaction; returns
    its id."""
    inserted = connection.execute(
        tables.imports.insert().values(
            table_name=table_name,
            file_name=file_name,
            checksum=checksum,
            layout=layout,
            rows_read=rows_read,
            rows_rejected=rows_rejected,
            parquet_path=str(parquet_path),
            report_json=report_json,
            imported_at=imported_at,
            imported_by=imported_by,
            dataset=dataset,
        )
    )
    return int(inserted.inserted_primary_key[0])  # type: ignore[index]  # one key after an insert


def record_failure(
    engine: sa.Engine,
    *,
    table_name: str,
    file_name: str,
    checksum: str,
    started_at: dt.datetime,
    failed_at: dt.datetime,
    error: str,
    error_id: str,
) -> None:
    """Add a failed attempt to ``import_failures`` (texts cut to the columns' widths); raises SQLAlchemyError."""
    with engine.begin() as connection:
        connection.execute(
            tables.import_failures.insert().values(
                table_name=table_name[:32],
                file_name=file_name,
                checksum=checksum[:64],
                started_at=started_at,
                failed_at=failed_at,
                error=error,
                error_id=error_id[:16],
            )
        )


def recorded_failures(engine: sa.Engine) -> list[FailedImport]:
    """Every failed attempt recorded in the store, newest first."""
    rows = read_table(engine, tables.import_failures, order_by=["id"])
    failed = [
        FailedImport(
            file_name=row["file_name"],
            table_name=row["table_name"],
            started_at=row["started_at"].isoformat(timespec="seconds"),
            error=row["error"],
        )
        for row in rows.iter_rows(named=True)
    ]
    return sorted(failed, key=lambda item: item.started_at, reverse=True)


def import_report(engine: sa.Engine, import_id: int) -> ImportReport:
    """A completed import and its validation report; ``.reasons`` and ``.coverage`` are the frames to show.

    Raises :class:`InvalidInputError` when no completed import has ``import_id``.
    """
    try:
        rows = read_table(engine, tables.imports, id=import_id)
    except sa.exc.SQLAlchemyError as exc:
        raise InvalidInputError(f"the import catalogue cannot be read: {_first_line(exc)}") from exc
    if rows.is_empty():
        raise InvalidInputError(f"no completed import has id {import_id!r}")
    row = rows.row(0, named=True)
    try:
        report = ValidationReport.from_json(row["report_json"])
        detailed = True
    except InvalidInputError:  # an import that recorded only its counts (the generated sample data)
        report = _counts_only(row)
        detailed = False
    return ImportReport(
        import_id=row["id"],
        table_name=row["table_name"],
        file_name=row["file_name"],
        layout=row["layout"],
        rows_read=row["rows_read"],
        rows_rejected=row["rows_rejected"],
        imported_at=row["imported_at"],
        imported_by=row["imported_by"],
        report=report,
        detailed=detailed,
    )


def _counts_only(row: Mapping[str, Any]) -> ValidationReport:
    """A report for an import that recorded only counts; its rejected rows, if any, cannot be told apart."""
    rejected = int(row["rows_rejected"])
    return ValidationReport(
        source=str(row["file_name"]),
        layout=str(row["layout"]),
        file_format="parquet",
        encoding=None,
        table=str(row["table_name"]),
        rows_read=int(row["rows_read"]) - rejected,
        rows_kept=int(row["rows_read"]) - rejected,
        notes=(
            "no validation report was recorded for this import"
            + (f" ({rejected:,} rows were rejected for reasons not recorded)" if rejected else ""),
        ),
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
