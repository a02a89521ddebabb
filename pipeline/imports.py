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
   kept is refused, and so is a file with rows of a county outside
   ``allowed_regions`` (the counties the importer's role covers);
4. takes the store's import lock (:func:`store.engine.import_lock`: one
   import at a time per store, across threads and processes), and under it:
5. drops the kept rows whose id (``visit_id``, ``response_id``) is in an
   earlier import of the same table, counted in the report as
   ``imported_before`` (a file of which every row was imported before is
   refused: nothing new); appointment slots carry no id and are not checked;
6. puts the new rows (the reader's own zstd Parquet file, hard-linked, or
   the rows sunk anew) in a temporary file and renames it into
   ``<data_dir>/extracts/<table>/<checksum>.parquet`` (a rename is atomic);
7. recomputes the table's aggregates from the committed list of its
   extracts plus this one and, in one database transaction that checks the
   list is still the one aggregated, records the import (rows read and
   rejected, the layout, the validation report as JSON) and replaces the
   aggregates. Readers (:func:`store.results.load_results`) read in one
   snapshot, so they see the aggregates before or after it, never a mix.

Any failure removes the new Parquet file and the staged rows and leaves the
database's figures untouched; the attempt is recorded in the store's
``import_failures`` table (its marker file is then deleted), so the import
history can show it (:func:`failed_imports`). Every failure is raised as
:class:`ImportFailedError` (a :class:`~core.errors.DashboardError`) naming the
file, and the row and column where the reader knows them, and is logged on
``dashboard.imports`` with its error id (never a row's values or ids). No
library exception escapes, not even a native library's panic (PyO3's
``PanicException`` derives from ``BaseException``). An interrupt
(``KeyboardInterrupt``, ``SystemExit``) cleans up the same way and then
propagates unchanged.

The catalogue the job records in (the ``imports`` and ``import_failures``
tables, and :func:`store.catalogue.import_report`, a past import's validation
report as the frames the Data page shows) is storage: :mod:`store.catalogue`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import re
import shutil
import unicodedata
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

import polars as pl
import sqlalchemy as sa

from core import columns as c
from core.errors import AccessDeniedError, DashboardError, InvalidInputError
from core.settings import DEFAULT_EARLIEST_DATE, DEFAULT_SLOT_HORIZON_YEARS
from core.validation import IMPORTED_BEFORE, CoverageCell, Finding, ValidationReport
from store import tables
from store.catalogue import (
    FailedImport,
    ImportOutcome,
    existing_import,
    extract_in_use,
    extract_paths,
    record_failure,
    record_import,
    recorded_failures,
    scan_paths,
)
from store.datasets import DEFAULT_IMPORT_DATASET, SAMPLE_DATASET, check_name
from store.engine import import_lock, write_transaction
from store.repository import replace_where
from store.results import SAMPLE_IMPORTER

TABLES = ("visits", "appointment_slots", "survey_answers", "assignments")
Aggregator = Callable[[pl.LazyFrame], Mapping[str, pl.DataFrame]]

# The steps an import goes through, as named in ImportFailedError.stage.
CHECKING = "checking the file"
READING = "reading and validating the file"
WRITING = "writing the Parquet file"
AGGREGATING = "computing the aggregates"
RECORDING = "recording the import"

_UPLOADS = "uploads"

#: The id a row is told apart by, per table: the readers' key for duplicates within a file, and the store's
#: across files. Appointment slots have none (a slot is a capture of a book at a time, not an event).
ID_COLUMNS: Mapping[str, str] = {"visits": c.VISIT_ID, "survey_answers": c.RESPONSE_ID}
#: Exceptions that end an import and then propagate unchanged: the user or the process asked to stop.
_STOPS = (KeyboardInterrupt, SystemExit, GeneratorExit)

log = logging.getLogger("dashboard.imports")


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
    (no row could be kept), so the page can still show why. ``error_id``
    is the id the failure is logged and recorded with. ``key`` and
    ``params``, where set, name the reason in the catalogues
    (``reader.<key>``), so a page says it in the reader's language.
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
        error_id: str | None = None,
        key: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> None:
        self.error_id = error_id or uuid.uuid4().hex[:12]
        self.key = key  # the reason in the catalogues (``reader.<key>``), when it has one there
        self.params = dict(params or {})
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


class ImportRefusedError(ImportFailedError, AccessDeniedError):
    """An import refused because the file holds rows of counties the importer's role does not cover."""


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    allowed_regions: Collection[str] | None = None,
    earliest_date: dt.date = DEFAULT_EARLIEST_DATE,
    slot_horizon_years: int = DEFAULT_SLOT_HORIZON_YEARS,
    dataset: str = DEFAULT_IMPORT_DATASET,
    county_from: str = "auto",
) -> ImportOutcome:
    """Import one extract file of ``table_name`` into the data set ``dataset``; see the module docstring for the
    steps and guarantees.

    ``dataset`` names the data set (:mod:`store.datasets`): the file's rows are checked for ids imported
    before, and the table's results recomputed, within that data set only, so no figure blends two data
    sets. Only the generated sample (``imported_by`` the sample generator) goes into the sample's data set.
    ``county_from`` is the Avohilmo layout's rule for a visit's county (``auto``, ``provider``, ``home``).

    ``layout`` is ``"auto"`` (told from the header), ``"canonical"`` or
    ``"avohilmo"`` (visits only). ``file_name`` is the name recorded and used
    in messages (default: the file's own name). ``region_code`` is the county
    of a file without a region column; ``today`` bounds the dates (default:
    today), and so do ``earliest_date`` and ``slot_horizon_years`` (the
    settings ``DASHBOARD_EARLIEST_DATE`` and ``DASHBOARD_SLOT_HORIZON_YEARS``;
    see :func:`data_sources.extracts.read_extract`). ``read`` and ``aggregate`` replace the layout's reader and the
    table's aggregates (the sample data and the tests use them).
    ``allowed_regions`` are the counties the importer may import (None:
    every county); a file with a kept row of any other county is refused.
    Raises :class:`ImportFailedError` on any failure,
    :class:`InvalidInputError` for a bad argument.
    """
    if table_name not in TABLES:
        raise InvalidInputError(f"table must be one of {', '.join(TABLES)}, got {table_name!r}")
    from data_sources.extracts import LAYOUTS  # noqa: PLC0415  # loaded on first use, see _layout_reader

    if read is None and layout not in LAYOUTS:
        raise InvalidInputError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    if not (dataset == SAMPLE_DATASET and imported_by == SAMPLE_IMPORTER):
        dataset = check_name(dataset)
    display_name = _readable_name(file_name or path.name)

    def failure(reason: str) -> ImportFailedError:
        return ImportFailedError(file_name=display_name, table_name=table_name, stage=CHECKING, reason=reason)

    if not path.is_file():
        raise failure("no such file")
    try:
        checksum = file_checksum(path)
    except OSError as exc:
        raise failure(f"the file cannot be read ({exc.strerror or exc})") from exc
    try:
        existing = existing_import(engine, table_name, checksum)
    except sa.exc.SQLAlchemyError as exc:
        raise failure(f"the store cannot be read ({_database_reason(exc)})") from exc
    if existing is not None:
        return existing
    try:
        marker = _write_marker(data_dir, display_name, table_name, checksum)
    except OSError as exc:
        raise failure(f"the data directory is not writable ({exc.strerror or exc})") from exc

    attempt = _Attempt(
        engine, data_dir, marker, file_name=display_name, table_name=table_name, checksum=checksum, dataset=dataset
    )
    if aggregate is None:
        from pipeline.aggregates import RESULTS_BY_TABLE  # noqa: PLC0415  # the metrics (0.2 s) load only when needed

        aggregate = RESULTS_BY_TABLE[table_name]
    bounds = _DateBounds(today, earliest_date, slot_horizon_years)
    reader = read or _layout_reader(table_name, layout, region_code, bounds, attempt.staging, county_from=county_from)
    allowed = None if allowed_regions is None else frozenset(allowed_regions)
    try:
        outcome = attempt.run(path, reader, aggregate, imported_by=imported_by, layout=layout, allowed=allowed)
    except BaseException as exc:  # also a native panic, and KeyboardInterrupt: clean up, then raise
        return attempt.abort(exc, path)
    attempt.finish()
    return outcome


class _Attempt:
    """One import under way: where its files go, how far it got, and how to undo it."""

    def __init__(
        self,
        engine: sa.Engine,
        data_dir: Path,
        marker: Path,
        *,
        file_name: str,
        table_name: str,
        checksum: str,
        dataset: str,
    ) -> None:
        self.engine = engine
        self.dataset = dataset
        self.marker = marker
        self.file_name = file_name
        self.table_name = table_name
        self.checksum = checksum
        self.staging = _staging_folder(marker)
        self.target = data_dir / "extracts" / table_name / f"{checksum}.parquet"
        self.temporary = self.target.with_name(f"{self.target.name}.{marker.stem}.tmp")
        self.stage = READING
        self.created = False

    def run(
        self,
        path: Path,
        read: Reader,
        aggregate: Aggregator,
        *,
        imported_by: str,
        layout: str,
        allowed: frozenset[str] | None,
    ) -> ImportOutcome:
        self.staging.mkdir(parents=True, exist_ok=True)
        extract = read(path)
        report = extract.report
        if report.rows_kept <= 0:
            raise _nothing_kept(self.file_name, self.table_name, report)
        if allowed is not None:
            self._check_regions(extract.data, allowed, report)
        with import_lock(self.engine):
            existing = existing_import(self.engine, self.table_name, self.checksum)
            if existing is not None:  # the same file, imported by another session while this one read it
                return existing
            previous = [p for p in extract_paths(self.engine, self.table_name, self.dataset) if p != self.target]
            self.stage = WRITING
            self.target.parent.mkdir(parents=True, exist_ok=True)
            report = self._write_new_rows(extract, report, previous)
            del extract  # the staged rows are no longer needed
            self.stage = AGGREGATING
            also = also_read(self.engine, self.table_name, self.dataset)  # e.g. the visits' named providers
            results = with_dataset(aggregate(scan_paths([*previous, self.target]), **also), self.dataset)
            self.stage = RECORDING
            return self._record(report, results, previous, imported_by=imported_by, layout=layout)

    def _check_regions(self, data: pl.LazyFrame, allowed: frozenset[str], report: Report) -> None:
        found = data.select(pl.col(c.REGION_CODE).unique()).collect(engine="streaming")[c.REGION_CODE].to_list()
        outside = sorted(str(code) for code in found if code not in allowed)
        if outside:
            raise ImportRefusedError(
                file_name=self.file_name,
                table_name=self.table_name,
                stage=CHECKING,
                reason=(
                    f"the file holds rows of {'county' if len(outside) == 1 else 'counties'} {', '.join(outside)}, "
                    f"which your role may not import; it may import "
                    f"{', '.join(sorted(allowed)) if allowed else 'no county'}"
                ),
                column=c.REGION_CODE,
                report=_validation(report),
            )

    def _write_new_rows(self, extract: Extract, report: Report, previous: list[Path]) -> Report:
        """Write the kept rows not imported before to the target; the report counts those left out."""
        id_column = ID_COLUMNS.get(self.table_name, "")
        data = extract.data
        repeated = 0
        if previous and id_column and id_column in data.collect_schema().names():
            earlier = scan_paths(previous).select(pl.col(id_column).cast(pl.String)).unique()
            ids = data.select(pl.col(id_column).cast(pl.String))
            seen = ids.join(earlier, on=id_column, how="semi").select(pl.len())
            repeated = int(seen.collect(engine="streaming").item())
        if repeated:
            if repeated >= report.rows_kept:
                raise ImportFailedError(
                    file_name=self.file_name,
                    table_name=self.table_name,
                    stage=CHECKING,
                    reason=(
                        f"every one of its {report.rows_kept:,} rows was imported before (their {id_column} is in "
                        f"an earlier import of {self.table_name}); there is nothing new to import"
                    ),
                    column=id_column,
                    report=_validation(_with_imported_before(report, id_column, repeated, None)),
                    key="all_imported_before",
                    params={"rows": str(report.rows_kept), "column": id_column},
                )
            key = pl.col(id_column).cast(pl.String)
            new_rows = data.with_columns(_key=key).join(earlier.rename({id_column: "_key"}), on="_key", how="anti")
            new_rows.drop("_key").sink_parquet(self.temporary)
        else:
            write = getattr(extract, "write_parquet", None)  # the extract readers' results have their own file
            if callable(write):
                write(self.temporary)
            else:
                data.sink_parquet(self.temporary)
        self.created = not self.target.exists()
        os.replace(self.temporary, self.target)
        if not repeated:
            return report
        kept = pl.scan_parquet(self.target)
        coverage = _coverage(kept) if self.table_name == "visits" else None
        return _with_imported_before(report, id_column, repeated, coverage)

    def _record(
        self,
        report: Report,
        results: Mapping[str, pl.DataFrame],
        previous: list[Path],
        *,
        imported_by: str,
        layout: str,
    ) -> ImportOutcome:
        layout_used = str(getattr(report, "layout", None) or layout)
        report_json = report.to_json()
        rows_read = report.rows_read
        rows_rejected = rows_read - report.rows_kept
        with write_transaction(self.engine) as connection:
            committed = [p for p in extract_paths(connection, self.table_name, self.dataset) if p != self.target]
            if committed != previous:  # only an import that bypassed the lock can get here
                raise ImportFailedError(
                    file_name=self.file_name,
                    table_name=self.table_name,
                    stage=RECORDING,
                    reason="another import of the table landed while this one computed its figures; import it again",
                )
            import_id = record_import(
                connection,
                table_name=self.table_name,
                file_name=self.file_name,
                checksum=self.checksum,
                layout=layout_used,
                rows_read=rows_read,
                rows_rejected=rows_rejected,
                parquet_path=self.target,
                report_json=report_json,
                imported_at=_now(),
                imported_by=imported_by,
                dataset=self.dataset,
            )
            for result_table, frame in results.items():
                replace_where(connection, tables.metadata.tables[result_table], frame, dataset=self.dataset)
        return ImportOutcome(
            import_id=import_id,
            already_imported=False,
            rows_read=rows_read,
            rows_rejected=rows_rejected,
            report_json=report_json,
            layout=layout_used,
            file_name=self.file_name,
            dataset=self.dataset,
        )

    def finish(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        self.marker.unlink(missing_ok=True)

    def abort(self, exc: BaseException, path: Path) -> ImportOutcome:
        """Undo every file change, record and log the failure, and raise it as an ImportFailedError.

        An interrupt (:data:`_STOPS`) is recorded the same way and re-raised unchanged.
        """
        self.temporary.unlink(missing_ok=True)
        if self.created and not _referenced(self.engine, self.target):
            self.target.unlink(missing_ok=True)
        shutil.rmtree(self.staging, ignore_errors=True)
        concurrent = _concurrent_import(self.engine, self.table_name, self.checksum, exc)
        if concurrent is not None:  # another process imported the same file meanwhile
            self.marker.unlink(missing_ok=True)
            return concurrent
        error = _as_import_error(exc, self.file_name, self.table_name, self.stage, path)
        error_id = error.error_id if error is not None else uuid.uuid4().hex[:12]
        # The exception's type, never its text: a reader's or a library's message may quote a row's values.
        stage = error.stage if error is not None else self.stage
        log.error("import %s into %s failed while %s: %s", error_id, self.table_name, stage, type(exc).__name__)
        _fail_marker(self.marker, error or exc, error_id)
        _record_failure(self.engine, self.marker)
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
    allowed_regions: Collection[str] | None = None,
    earliest_date: dt.date = DEFAULT_EARLIEST_DATE,
    slot_horizon_years: int = DEFAULT_SLOT_HORIZON_YEARS,
    dataset: str = DEFAULT_IMPORT_DATASET,
    county_from: str = "auto",
) -> ImportOutcome:
    """Import an uploaded file (bytes, or a binary file object such as Streamlit's ``UploadedFile``).

    The upload is copied into ``<data_dir>/imports/uploads/`` (same disk as
    the extracts, never the system's temporary folder, which may live in
    memory), imported with :func:`import_extract` under its original
    ``file_name``, and deleted again whatever the outcome. ``allowed_regions``
    are the counties the importer's role covers (None: every county).
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
            allowed_regions=allowed_regions,
            earliest_date=earliest_date,
            slot_horizon_years=slot_horizon_years,
            dataset=dataset,
            county_from=county_from,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):  # another upload may be under way
            folder.parent.rmdir()


def recover_interrupted_imports(engine: sa.Engine, data_dir: Path) -> list[FailedImport]:
    """After a crash: record running markers of dead processes as failed and delete their partial files.

    Failed markers the store could not take when they were written (or that a store from before migration 4
    left) are moved into the store too. Returns the interrupted attempts found.
    """
    recovered = []
    referenced = {str(path) for name in TABLES for path in extract_paths(engine, name)}
    for marker in _markers(data_dir):
        state = _read_marker(marker)
        if state.get("status") == "failed":
            _record_failure(engine, marker)
            continue
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
        _record_failure(engine, marker)
    uploads = data_dir / "imports" / _UPLOADS
    for folder in uploads.glob("*-*") if uploads.is_dir() else ():
        pid = folder.name.split("-", 1)[0]
        if not (pid.isdigit() and _process_alive(int(pid))):  # a copy of an upload whose import was killed
            shutil.rmtree(folder, ignore_errors=True)
    return recovered


def failed_imports(engine: sa.Engine, data_dir: Path | None = None) -> list[FailedImport]:
    """Every failed or interrupted attempt on record, newest first.

    Read from the store; with ``data_dir``, also the failed markers the store could not take yet.
    """
    failed = recorded_failures(engine)
    if data_dir is not None:
        states = [_read_marker(marker) for marker in _markers(data_dir)]
        failed += [_failed(state) for state in states if state.get("status") == "failed"]
    return sorted(failed, key=lambda item: item.started_at, reverse=True)


# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class _DateBounds:
    today: dt.date | None
    earliest_date: dt.date
    slot_horizon_years: int


def _layout_reader(
    table_name: str, layout: str, region_code: str | None, bounds: _DateBounds, staging: Path, *, county_from: str
) -> Reader:
    # Imported here, not at the top: the reader brings NumPy and PyArrow (about 0.08 s), and the server
    # imports this module on every start only to recover interrupted imports.
    from data_sources.extracts import read_extract  # noqa: PLC0415

    def read(path: Path) -> Extract:
        return read_extract(
            path,
            table=table_name,
            layout=layout,
            region_code=region_code,
            today=bounds.today,
            earliest_date=bounds.earliest_date,
            slot_horizon_years=bounds.slot_horizon_years,
            staging_dir=staging,
            county_from=county_from,
        )

    return read


def also_read(engine: sa.Engine | sa.Connection, table_name: str, dataset: str) -> dict[str, pl.LazyFrame]:
    """The other tables a table's aggregates read (:data:`pipeline.aggregates.ALSO_READS`), of the same data set
    only, by name; a table with no extracts in the data set is left out."""
    from pipeline.aggregates import ALSO_READS  # noqa: PLC0415  # the metrics load only when aggregating

    frames = {}
    for name in ALSO_READS.get(table_name, ()):
        paths = extract_paths(engine, name, dataset)
        if paths:
            frames[name] = scan_paths(paths)
    return frames


def with_dataset(results: Mapping[str, pl.DataFrame], dataset: str) -> dict[str, pl.DataFrame]:
    """Each result frame with its data set (the first column of every result table's key)."""
    return {
        name: frame.with_columns(pl.lit(dataset, dtype=pl.String).alias(tables.DATASET))
        for name, frame in results.items()
    }


def _readable_name(name: str) -> str:
    """``name`` as recorded and shown, with each control character and lone surrogate replaced by U+FFFD.

    A Linux file name's bytes that are not UTF-8 reach Python as lone surrogates, which no store can encode, and
    PostgreSQL's text cannot hold NUL: such a name made the import fail with an untyped error after its checks.
    """
    return "".join("\ufffd" if unicodedata.category(ch) in {"Cc", "Cs"} else ch for ch in name)


def _staging_folder(marker: Path) -> Path:
    return marker.with_name(f"{marker.stem}.staging")


def _nothing_kept(file_name: str, table_name: str, report: Report) -> ImportFailedError:
    validation = report if isinstance(report, ValidationReport) else None
    key, params = "no_rows", {}
    if report.rows_read == 0:
        reason = "the file holds no data rows (only a header, or blank lines)"
    else:
        key, params = "nothing_kept", {"rows": str(report.rows_read)}
        reason = f"none of its {report.rows_read:,} rows can be used"
        if validation is not None and validation.rejected:
            top = max(validation.rejected, key=lambda finding: finding.count)
            examples = ", ".join(str(row) for row in top.examples)
            reason += (
                f"; the most common reason is {top.key} in column {top.column!r} "
                f"({top.count:,} rows, for example rows {examples}); see the validation report"
            )
            key = "nothing_kept_because"
            params = {"rows": str(report.rows_read), "reason": top.key, "column": top.column, "examples": examples}
    return ImportFailedError(
        file_name=file_name,
        table_name=table_name,
        stage=READING,
        reason=reason,
        report=validation,
        key=key,
        params=params,
    )


def _as_import_error(
    exc: BaseException, file_name: str, table_name: str, stage: str, path: Path
) -> ImportFailedError | None:
    """``exc`` as an ImportFailedError naming the file the user knows; None for an interrupt (re-raised as is).

    A native library's panic (PyO3's ``PanicException``, a ``BaseException``) is an import error like any other.
    """
    if isinstance(exc, ImportFailedError):
        return exc
    if isinstance(exc, _STOPS):
        return None
    from data_sources.extracts import ExtractError  # noqa: PLC0415  # loaded once a reader ran

    row = column = None
    error_id = uuid.uuid4().hex[:12]
    key = getattr(exc, "key", None)
    params = getattr(exc, "params", None)
    if not isinstance(key, str) or not isinstance(params, dict):
        key, params = None, None
    elif isinstance(getattr(exc, "hint_key", None), str):
        params = {**params, "hint": exc.hint_key}  # type: ignore[attr-defined]  # checked just above
    if not isinstance(exc, Exception):  # the panic's text is the library's, not ours: the id finds it in the log
        reason = f"an internal error in a data library ({type(exc).__name__}; error id {error_id})"
    elif isinstance(exc, ExtractError):
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
        file_name=file_name,
        table_name=table_name,
        stage=stage,
        reason=reason,
        row=row,
        column=column,
        error_id=error_id,
        key=key,
        params=params,
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
        return extract_in_use(engine, target)
    except sa.exc.SQLAlchemyError:
        return True  # cannot tell: keep the file rather than break a completed import


def _concurrent_import(engine: sa.Engine, table_name: str, checksum: str, exc: BaseException) -> ImportOutcome | None:
    if not isinstance(exc, sa.exc.IntegrityError):
        return None
    try:
        return existing_import(engine, table_name, checksum)
    except sa.exc.SQLAlchemyError:
        return None


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


def _fail_marker(marker: Path, exc: BaseException, error_id: str) -> None:
    state = _read_marker(marker)
    reason = str(exc) if isinstance(exc, DashboardError) else f"{type(exc).__name__}: {exc}"
    state.update(status="failed", error=reason, error_id=error_id, failed_at=_now().isoformat(timespec="seconds"))
    with contextlib.suppress(OSError):  # a full disk must not hide the import's own error
        marker.write_text(json.dumps(state), encoding="utf-8")


def _record_failure(engine: sa.Engine, marker: Path) -> None:
    """Move a failed marker into the store's ``import_failures``; the marker stays when the store cannot take it."""
    state = _read_marker(marker)
    now = _now()
    try:
        record_failure(
            engine,
            table_name=str(state.get("table_name", "?")),
            file_name=str(state.get("file_name", marker.name)),
            checksum=str(state.get("checksum", "")),
            started_at=_parse_time(state.get("started_at"), now),
            failed_at=_parse_time(state.get("failed_at"), now),
            error=str(state.get("error", "")),
            error_id=str(state.get("error_id", "")),
        )
    except sa.exc.SQLAlchemyError as exc:
        log.warning("a failed import could not be recorded in the store (%s); its marker is kept", type(exc).__name__)
        return
    marker.unlink(missing_ok=True)


def _validation(report: Report) -> ValidationReport | None:
    return report if isinstance(report, ValidationReport) else None


def _parse_time(value: object, default: dt.datetime) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return default


def _with_imported_before(report: Report, column: str, count: int, coverage: tuple[CoverageCell, ...] | None) -> Report:
    """``report`` with ``count`` of its kept rows rejected as :data:`IMPORTED_BEFORE` (the coverage recounted)."""
    if not isinstance(report, ValidationReport):  # a report of counts only (the sample data, the tests' readers)
        return _Counts(rows_read=report.rows_read, rows_kept=report.rows_kept - count, base=report)
    return dataclasses.replace(
        report,
        rows_kept=report.rows_kept - count,
        rejected=(*report.rejected, Finding(key=IMPORTED_BEFORE, column=column, count=count)),
        coverage_cells=report.coverage_cells if coverage is None else coverage,
    )


@dataclass(frozen=True)
class _Counts:
    """A counts-only report with rows left out after the reader: the reader's report, recounted."""

    rows_read: int
    rows_kept: int
    base: Report

    def to_json(self) -> str:
        data = json.loads(self.base.to_json())
        if isinstance(data, dict):
            data.update(rows_read=self.rows_read, rows_kept=self.rows_kept)
        return json.dumps(data)


def _coverage(kept: pl.LazyFrame) -> tuple[CoverageCell, ...]:
    """Coverage of kept visits per county and month, as the visit reader counts it (non-urgent visits)."""
    cells = (
        kept.filter(pl.col(c.URGENT).eq_missing(False))
        .group_by(c.REGION_CODE, pl.col(c.VISIT_AT).dt.strftime("%Y-%m").alias("month"))
        .agg(
            n_non_urgent=pl.len(),
            n_with_assessment=pl.col(c.ASSESSMENT_AT).is_not_null().sum(),
        )
        .sort(c.REGION_CODE, "month")
        .collect(engine="streaming")
    )
    return tuple(
        CoverageCell(region_code=region, month=month, n_non_urgent=int(n), n_with_assessment=int(m))
        for region, month, n, m in cells.iter_rows()
    )


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
