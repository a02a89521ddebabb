"""Importing extracts: validate, write Parquet, recompute aggregates, record, all or nothing.

Raw visit, slot and answer rows never enter the database. An import:

1. hashes the file; the same file imported again for the same table is a no-op;
2. leaves a *pending marker* in ``<data_dir>/imports/`` so that an import
   killed half-way is found on the next start (:func:`recover_interrupted_imports`);
3. reads and validates the file (the reader returns lazy data and a report);
4. writes the accepted rows to a temporary Parquet file and renames it into
   ``<data_dir>/extracts/<table>/<checksum>.parquet`` (a rename is atomic);
5. recomputes the table's aggregates from all its extracts and, in one
   database transaction, records the import and replaces the aggregates.

Any failure before the commit removes the new Parquet file and leaves the
database untouched; the marker is kept, marked failed with the reason, so the
import history can show the attempt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import polars as pl
import sqlalchemy as sa

from core.errors import DashboardError, InvalidInputError
from store import tables
from store.repository import read_table, replace_all

TABLES = ("visits", "appointment_slots", "survey_answers")
Aggregator = Callable[[pl.LazyFrame], Mapping[str, pl.DataFrame]]


class Report(Protocol):
    """What the store needs of a reader's validation report."""

    @property
    def rows_read(self) -> int: ...
    @property
    def rows_kept(self) -> int: ...
    def to_json(self) -> str: ...


class Extract(Protocol):
    @property
    def data(self) -> pl.LazyFrame: ...
    @property
    def report(self) -> Report: ...


Reader = Callable[[Path], Extract]


@dataclass(frozen=True)
class ImportOutcome:
    import_id: int
    already_imported: bool
    rows_read: int
    rows_rejected: int
    report_json: str


@dataclass(frozen=True)
class FailedImport:
    """An attempt recorded by its pending marker: it failed or was interrupted."""

    file_name: str
    table_name: str
    started_at: str
    error: str


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def extract_paths(engine: sa.Engine, table_name: str) -> list[Path]:
    """Parquet files of every completed import of ``table_name``, oldest first."""
    rows = read_table(engine, tables.imports, order_by=["id"], table_name=table_name)
    return [Path(path) for path in rows["parquet_path"].to_list()]


def scan_extracts(engine: sa.Engine, table_name: str) -> pl.LazyFrame | None:
    """All imported rows of ``table_name`` as one lazy frame, or None before the first import."""
    paths = extract_paths(engine, table_name)
    return pl.scan_parquet(paths) if paths else None


def import_extract(
    engine: sa.Engine,
    data_dir: Path,
    path: Path,
    *,
    table_name: str,
    read: Reader,
    aggregate: Aggregator,
    imported_by: str,
    layout: str = "auto",
    file_name: str | None = None,
) -> ImportOutcome:
    """Import one extract file; see the module docstring for the steps and guarantees."""
    if table_name not in TABLES:
        raise InvalidInputError(f"table must be one of {', '.join(TABLES)}, got {table_name!r}")
    if not path.is_file():
        raise InvalidInputError(f"{path}: no such file")
    display_name = file_name or path.name
    checksum = file_checksum(path)
    existing = _existing_import(engine, table_name, checksum)
    if existing is not None:
        return existing

    marker = _write_marker(data_dir, display_name, table_name, checksum)
    target = data_dir / "extracts" / table_name / f"{checksum}.parquet"
    temporary = target.with_name(f"{target.name}.{marker.stem}.tmp")
    created = False
    try:
        extract = read(path)
        report = extract.report
        target.parent.mkdir(parents=True, exist_ok=True)
        extract.data.sink_parquet(temporary)
        created = not target.exists()
        os.replace(temporary, target)
        previous = [p for p in extract_paths(engine, table_name) if p != target]
        results = aggregate(pl.scan_parquet([*previous, target]))
        with engine.begin() as connection:
            inserted = connection.execute(
                tables.imports.insert().values(
                    table_name=table_name,
                    file_name=display_name,
                    checksum=checksum,
                    layout=layout,
                    rows_read=report.rows_read,
                    rows_rejected=report.rows_read - report.rows_kept,
                    parquet_path=str(target),
                    report_json=report.to_json(),
                    imported_at=_now(),
                    imported_by=imported_by,
                )
            )
            import_id = int(inserted.inserted_primary_key[0])  # type: ignore[index]  # one key after an insert
            for result_table, frame in results.items():
                replace_all(connection, tables.metadata.tables[result_table], frame)
    except BaseException as exc:  # also KeyboardInterrupt: clean up, then let it propagate
        temporary.unlink(missing_ok=True)
        if created:
            target.unlink(missing_ok=True)
        _fail_marker(marker, exc)
        raise
    marker.unlink(missing_ok=True)
    return ImportOutcome(
        import_id=import_id,
        already_imported=False,
        rows_read=report.rows_read,
        rows_rejected=report.rows_read - report.rows_kept,
        report_json=report.to_json(),
    )


def recover_interrupted_imports(engine: sa.Engine, data_dir: Path) -> list[FailedImport]:
    """After a crash: mark running markers of dead processes failed and delete their partial files."""
    recovered = []
    referenced = {str(path) for name in TABLES for path in extract_paths(engine, name)}
    for marker in _markers(data_dir):
        state = _read_marker(marker)
        if state.get("status") != "running" or _process_alive(int(state.get("pid", 0))):
            continue
        for leftover in (data_dir / "extracts").glob(f"*/*.{marker.stem}.tmp"):
            leftover.unlink(missing_ok=True)
        target = data_dir / "extracts" / str(state["table_name"]) / f"{state['checksum']}.parquet"
        if target.exists() and str(target) not in referenced:
            target.unlink()
        state.update(status="failed", error="interrupted: the process ended before the import finished")
        marker.write_text(json.dumps(state), encoding="utf-8")
        recovered.append(_failed(state))
    return recovered


def failed_imports(data_dir: Path) -> list[FailedImport]:
    """Every failed or interrupted attempt still on record, newest first."""
    states = [_read_marker(marker) for marker in _markers(data_dir)]
    failed = [_failed(state) for state in states if state.get("status") == "failed"]
    return sorted(failed, key=lambda item: item.started_at, reverse=True)


def _existing_import(engine: sa.Engine, table_name: str, checksum: str) -> ImportOutcome | None:
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
    )


def _markers(data_dir: Path) -> list[Path]:
    folder = data_dir / "imports"
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def _write_marker(data_dir: Path, file_name: str, table_name: str, checksum: str) -> Path:
    folder = data_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / f"{uuid.uuid4().hex}.json"
    state = {
        "status": "running",
        "file_name": file_name,
        "table_name": table_name,
        "checksum": checksum,
        "started_at": _now().isoformat(timespec="seconds"),
        "pid": os.getpid(),
    }
    marker.write_text(json.dumps(state), encoding="utf-8")
    return marker


def _fail_marker(marker: Path, exc: BaseException) -> None:
    state = _read_marker(marker)
    reason = str(exc) if isinstance(exc, DashboardError) else f"{type(exc).__name__}: {exc}"
    state.update(status="failed", error=reason)
    marker.write_text(json.dumps(state), encoding="utf-8")


def _read_marker(marker: Path) -> dict[str, Any]:
    try:
        state = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"status": "failed", "file_name": marker.name, "error": "the import marker is unreadable"}
    return state if isinstance(state, dict) else {}


def _failed(state: Mapping[str, Any]) -> FailedImport:
    return FailedImport(
        file_name=str(state.get("file_name", "?")),
        table_name=str(state.get("table_name", "?")),
        started_at=str(state.get("started_at", "")),
        error=str(state.get("error", "")),
    )


def _process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
