"""Importing extracts: validate, write Parquet, recompute aggregates, record, all or nothing.

Raw visit, slot and answer rows never enter the database. An import
(:func:`import_extract`, or :func:`import_upload` for bytes from an upload):

1. hashes the file; the same file imported again for the same table is a no-op
   that returns the first import's outcome;
2. leaves a *pending marker* in ``<data_dir>/imports/`` so that an import
   killed half-way is found on the next start (:func:`recover_interrupted_imports`);
3. reads and validates the file with the reader of its layout
   (:func:`data_sources.extracts.read_extract`: canonical CSV or Parquet, or
   THL's Avohilmo layout, told apart by the header), staging the kept rows in
   ``<data_dir>/imports/<marker>.staging/``; a file of which no row can be
   kept is refused;
4. puts the kept rows (the reader's own zstd Parquet file, hard-linked, or
   the data sunk for another reader) in a temporary file and renames it into
   ``<data_dir>/extracts/<table>/<checksum>.parquet`` (a rename is atomic);
5. recomputes the table's aggregates from all its extracts and, in one
   database transaction, records the import (rows read and rejected, the
   layout, the validation report as JSON) and replaces the aggregates.

Any failure removes the new Parquet file and the staged rows and leaves the
database untouched; the marker is kept, marked failed with the reason, so the
import history can show the attempt (:func:`failed_imports`). Every failure
is raised as :class:`ImportFailedError` (a
:class:`~core.errors.DashboardError`) naming the file, and the row and column
where the reader knows them; no library exception escapes. An interrupt
(``KeyboardInterrupt``) cleans up the same way and then propagates unchanged.

:func:`import_report` gives a past import's validation report back as the
frames the Data page shows: the reasons (rejections and flags with counts and
example row numbers) and the coverage by region and month.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

import polars as pl
import sqlalchemy as sa

from core.errors import DashboardError, InvalidInputError
from data_sources.validation import ValidationReport
from store import tables
from store.repository import read_table, replace_all

TABLES = ("visits", "appointment_slots", "survey_answers")
Aggregator = Callable[[pl.LazyFrame], Mapping[str, pl.DataFrame]]

# The steps an import goes through, as named in ImportFailedError.stage.
CHECKING = "checking the file"
READING = "reading and validating the file"
WRITING = "writing the Parquet file"
AGGREGATING = "computing the aggregates"
RECORDING = "recording the import"

_UPLOADS = "uploads"


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


class ImportFailedError(DashboardError):
    """An import that did not happen. The store and the extracts folder are as they were before it.

    ``file_name`` is the name the user knows (an upload's original name);
    ``stage`` is one of :data:`CHECKING`, :data:`READING`, :data:`WRITING`,
    :data:`AGGREGATING`, :data:`RECORDING`; ``row`` (1-based data row, header
    excluded) and ``column`` are set when the reader could tell them.
    ``report`` is the validation report when the file was read but refused
    (no row could be kept), so the page can still show why.
    """

    def __init__(
        self,
        *,
        file_name: str,
        table_name: str,
        stage: str,
        reason: str,
        row: int | None = None,
        column: str | None = None,
        report: ValidationReport | None = None,
    ) -> None:
        self.file_name = file_name
        self.table_name = table_name
        self.stage = stage
        self.reason = reason
        self.row = row
        self.column = column
        self.report = report
        where = "".join([f", row {row}" if row is not None else "", f", column {column!r}" if column else ""])
        super().__init__(
            f"{file_name}{where}: {reason} (import into {table_name} failed while {stage}; nothing was imported)"
        )


@dataclass(frozen=True)
class ImportOutcome:
    import_id: int
    already_imported: bool
    rows_read: int
    rows_rejected: int
    report_json: str
    layout: str = ""
    file_name: str = ""


@dataclass(frozen=True)
class FailedImport:
    """An attempt recorded by its pending marker: it failed or was interrupted."""

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
    imported_by: str,
    layout: str = "auto",
    file_name: str | None = None,
    region_code: str | None = None,
    today: dt.date | None = None,
    read: Reader | None = None,
    aggregate: Aggregator | None = None,
) -> ImportOutcome:
    """Import one extract file of ``table_name``; see the module docstring for the steps and guarantees.

    ``layout`` is ``"auto"`` (told from the header), ``"canonical"`` or
    ``"avohilmo"`` (visits only). ``file_name`` is the name recorded and used
    in messages (default: the file's own name). ``region_code`` is the county
    of a file without a region column; ``today`` bounds the dates (default:
    today). ``read`` and ``aggregate`` replace the layout's reader and the
    table's aggregates (the sample data and the tests use them). Raises
    :class:`ImportFailedError` on any failure, :class:`InvalidInputError` for
    a bad argument.
    """
    if table_name not in TABLES:
        raise InvalidInputError(f"table must be one of {', '.join(TABLES)}, got {table_name!r}")
    from data_sources.extracts import LAYOUTS  # noqa: PLC0415  # loaded on first use, see _layout_reader

    if read is None and layout not in LAYOUTS:
        raise InvalidInputError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    display_name = file_name or path.name

    def failure(reason: str) -> ImportFailedError:
        return ImportFailedError(file_name=display_name, table_name=table_name, stage=CHECKING, reason=reason)

    if not path.is_file():
        raise failure("no such file")
    try:
        checksum = file_checksum(path)
    except OSError as exc:
        raise failure(f"the file cannot be read ({exc.strerror or exc})") from exc
    try:
        existing = _existing_import(engine, table_name, checksum)
    except sa.exc.SQLAlchemyError as exc:
        raise failure(f"the store cannot be read ({_database_reason(exc)})") from exc
    if existing is not None:
        return existing
    try:
        marker = _write_marker(data_dir, display_name, table_name, checksum)
    except OSError as exc:
        raise failure(f"the data directory is not writable ({exc.strerror or exc})") from exc

    attempt = _Attempt(engine, data_dir, marker, file_name=display_name, table_name=table_name, checksum=checksum)
    if aggregate is None:
        from store.aggregates import RESULTS_BY_TABLE  # noqa: PLC0415  # the metrics load only when needed

        aggregate = RESULTS_BY_TABLE[table_name]
    reader = read or _layout_reader(table_name, layout, region_code, today, attempt.staging)
    try:
        outcome = attempt.run(path, reader, aggregate, imported_by=imported_by, layout=layout)
    except BaseException as exc:  # also KeyboardInterrupt: clean up, then raise
        return attempt.abort(exc, path)
    attempt.finish()
    return outcome


class _Attempt:
    """One import under way: where its files go, how far it got, and how to undo it."""

    def __init__(
        self, engine: sa.Engine, data_dir: Path, marker: Path, *, file_name: str, table_name: str, checksum: str
    ) -> None:
        self.engine = engine
        self.marker = marker
        self.file_name = file_name
        self.table_name = table_name
        self.checksum = checksum
        self.staging = _staging_folder(marker)
        self.target = data_dir / "extracts" / table_name / f"{checksum}.parquet"
        self.temporary = self.target.with_name(f"{self.target.name}.{marker.stem}.tmp")
        self.stage = READING
        self.created = False

    def run(self, path: Path, read: Reader, aggregate: Aggregator, *, imported_by: str, layout: str) -> ImportOutcome:
        self.staging.mkdir(parents=True, exist_ok=True)
        extract = read(path)
        report = extract.report
        if report.rows_kept <= 0:
            raise _nothing_kept(self.file_name, self.table_name, report)
        self.stage = WRITING
        self.target.parent.mkdir(parents=True, exist_ok=True)
        write = getattr(extract, "write_parquet", None)  # the extract readers' results have their own file
        if callable(write):
            write(self.temporary)
        else:
            extract.data.sink_parquet(self.temporary)
        del extract, write  # the staged rows are no longer needed
        self.created = not self.target.exists()
        os.replace(self.temporary, self.target)
        self.stage = AGGREGATING
        previous = [p for p in extract_paths(self.engine, self.table_name) if p != self.target]
        results = aggregate(pl.scan_parquet([*previous, self.target]))
        self.stage = RECORDING
        layout_used = str(getattr(report, "layout", None) or layout)
        report_json = report.to_json()
        rows_rejected = report.rows_read - report.rows_kept
        with self.engine.begin() as connection:
            inserted = connection.execute(
                tables.imports.insert().values(
                    table_name=self.table_name,
                    file_name=self.file_name,
                    checksum=self.checksum,
                    layout=layout_used,
                    rows_read=report.rows_read,
                    rows_rejected=rows_rejected,
                    parquet_path=str(self.target),
                    report_json=report_json,
                    imported_at=_now(),
                    imported_by=imported_by,
                )
            )
            import_id = int(inserted.inserted_primary_key[0])  # type: ignore[index]  # one key after an insert
            for result_table, frame in results.items():
                replace_all(connection, tables.metadata.tables[result_table], frame)
        return ImportOutcome(
            import_id=import_id,
            already_imported=False,
            rows_read=report.rows_read,
            rows_rejected=rows_rejected,
            report_json=report_json,
            layout=layout_used,
            file_name=self.file_name,
        )

    def finish(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        self.marker.unlink(missing_ok=True)

    def abort(self, exc: BaseException, path: Path) -> ImportOutcome:
        """Undo every file change, record the failure on the marker, and raise it as an ImportFailedError."""
        self.temporary.unlink(missing_ok=True)
        if self.created and not _referenced(self.engine, self.target):
            self.target.unlink(missing_ok=True)
        shutil.rmtree(self.staging, ignore_errors=True)
        concurrent = _concurrent_import(self.engine, self.table_name, self.checksum, exc)
        if concurrent is not None:  # another process imported the same file meanwhile
            self.marker.unlink(missing_ok=True)
            return concurrent
        error = _as_import_error(exc, self.file_name, self.table_name, self.stage, path)
        _fail_marker(self.marker, error or exc)
        if error is None:
            raise exc
        raise error from exc


def import_upload(
    engine: sa.Engine,
    data_dir: Path,
    upload: IO[bytes] | bytes,
    *,
    file_name: str,
    table_name: str,
    imported_by: str,
    layout: str = "auto",
    region_code: str | None = None,
    today: dt.date | None = None,
) -> ImportOutcome:
    """Import an uploaded file (bytes, or a binary file object such as Streamlit's ``UploadedFile``).

    The upload is copied into ``<data_dir>/imports/uploads/`` (same disk as
    the extracts, never the system's temporary folder, which may live in
    memory), imported with :func:`import_extract` under its original
    ``file_name``, and deleted again whatever the outcome.
    """
    folder = data_dir / "imports" / _UPLOADS / f"{os.getpid()}-{uuid.uuid4().hex}"
    suffix = Path(file_name).suffix
    copy = folder / ("upload" + (suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,10}", suffix) else ""))
    try:
        try:
            folder.mkdir(parents=True)
            with copy.open("wb") as handle:
                if isinstance(upload, bytes | bytearray | memoryview):
                    handle.write(upload)
                else:
                    if upload.seekable():
                        upload.seek(0)
                    shutil.copyfileobj(upload, handle, 1 << 20)
        except OSError as exc:
            raise ImportFailedError(
                file_name=file_name,
                table_name=table_name,
                stage=CHECKING,
                reason=f"the upload cannot be saved in the data directory ({exc.strerror or exc})",
            ) from exc
        return import_extract(
            engine,
            data_dir,
            copy,
            table_name=table_name,
            imported_by=imported_by,
            layout=layout,
            file_name=file_name,
            region_code=region_code,
            today=today,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):  # another upload may be under way
            folder.parent.rmdir()


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
        shutil.rmtree(_staging_folder(marker), ignore_errors=True)
        target = data_dir / "extracts" / str(state["table_name"]) / f"{state['checksum']}.parquet"
        if target.exists() and str(target) not in referenced:
            target.unlink()
        state.update(status="failed", error="interrupted: the process ended before the import finished")
        marker.write_text(json.dumps(state), encoding="utf-8")
        recovered.append(_failed(state))
    uploads = data_dir / "imports" / _UPLOADS
    for folder in uploads.glob("*-*") if uploads.is_dir() else ():
        pid = folder.name.split("-", 1)[0]
        if not (pid.isdigit() and _process_alive(int(pid))):  # a copy of an upload whose import was killed
            shutil.rmtree(folder, ignore_errors=True)
    return recovered


def failed_imports(data_dir: Path) -> list[FailedImport]:
    """Every failed or interrupted attempt still on record, newest first."""
    states = [_read_marker(marker) for marker in _markers(data_dir)]
    failed = [_failed(state) for state in states if state.get("status") == "failed"]
    return sorted(failed, key=lambda item: item.started_at, reverse=True)


# --------------------------------------------------------------------------- helpers


def _layout_reader(
    table_name: str, layout: str, region_code: str | None, today: dt.date | None, staging: Path
) -> Reader:
    # Imported here, not at the top: the reader brings NumPy and PyArrow (about 0.08 s), and the server
    # imports this module on every start only to recover interrupted imports.
    from data_sources.extracts import read_extract  # noqa: PLC0415

    def read(path: Path) -> Extract:
        return read_extract(
            path, table=table_name, layout=layout, region_code=region_code, today=today, staging_dir=staging
        )

    return read


def _staging_folder(marker: Path) -> Path:
    return marker.with_name(f"{marker.stem}.staging")


def _nothing_kept(file_name: str, table_name: str, report: Report) -> ImportFailedError:
    validation = report if isinstance(report, ValidationReport) else None
    if report.rows_read == 0:
        reason = "the file holds no data rows (only a header, or blank lines)"
    else:
        reason = f"none of its {report.rows_read:,} rows can be used"
        if validation is not None and validation.rejected:
            top = max(validation.rejected, key=lambda finding: finding.count)
            examples = ", ".join(str(row) for row in top.examples)
            reason += (
                f"; the most common reason is {top.key} in column {top.column!r} "
                f"({top.count:,} rows, for example rows {examples}); see the validation report"
            )
    return ImportFailedError(
        file_name=file_name, table_name=table_name, stage=READING, reason=reason, report=validation
    )


def _as_import_error(
    exc: BaseException, file_name: str, table_name: str, stage: str, path: Path
) -> ImportFailedError | None:
    """``exc`` as an ImportFailedError naming the file the user knows; None for an interrupt (re-raised as is)."""
    if isinstance(exc, ImportFailedError):
        return exc
    if not isinstance(exc, Exception):
        return None
    from data_sources.extracts import ExtractError  # noqa: PLC0415  # loaded once a reader ran

    row = column = None
    if isinstance(exc, ExtractError):
        reason, row, column = exc.reason, exc.row, exc.column
    elif isinstance(exc, DashboardError):
        reason = _without_file_name(str(exc), path, file_name)
    elif isinstance(exc, sa.exc.SQLAlchemyError):
        reason = f"the store refused the write ({_database_reason(exc)})"
    elif isinstance(exc, OSError):
        reason = f"a file operation failed ({exc.strerror or exc})"
    else:
        reason = f"{type(exc).__name__}: {_first_line(exc)}"
    return ImportFailedError(
        file_name=file_name, table_name=table_name, stage=stage, reason=reason, row=row, column=column
    )


def _without_file_name(message: str, path: Path, file_name: str) -> str:
    """A reader's message with the (temporary) path replaced by the name the user knows, not repeated at the start."""
    text = message.replace(str(path), file_name)
    for prefix in (f"{file_name}: ", f"{file_name} "):
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _database_reason(exc: sa.exc.SQLAlchemyError) -> str:
    cause = getattr(exc, "orig", None) or exc
    return f"{type(cause).__name__}: {_first_line(cause)}"


def _referenced(engine: sa.Engine, target: Path) -> bool:
    """Whether a completed import points at ``target`` (another process may have imported the same file)."""
    try:
        with engine.connect() as connection:
            found = connection.execute(
                sa.select(tables.imports.c.id).where(tables.imports.c.parquet_path == str(target))
            ).first()
    except sa.exc.SQLAlchemyError:
        return True  # cannot tell: keep the file rather than break a completed import
    return found is not None


def _concurrent_import(engine: sa.Engine, table_name: str, checksum: str, exc: BaseException) -> ImportOutcome | None:
    if not isinstance(exc, sa.exc.IntegrityError):
        return None
    try:
        return _existing_import(engine, table_name, checksum)
    except sa.exc.SQLAlchemyError:
        return None


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
        layout=row["layout"],
        file_name=row["file_name"],
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
    with contextlib.suppress(OSError):  # a full disk must not hide the import's own error
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
