"""Extract readers: visits, appointment slots and survey answers from CSV or Parquet files, with a validation report.

:func:`read_extract` reads one file into a canonical table (``core/schema.py``)
and returns an :class:`ExtractResult`: the kept rows as a lazy frame with the
exact dtypes of ``CANONICAL_DTYPES``, and a
:class:`~data_sources.validation.ValidationReport`. Two layouts are read:

- **canonical**: the canonical column names. CSV files are UTF-8 (with or
  without a byte-order mark) and comma-separated; times are ISO 8601 without a
  time zone (``2025-03-10T09:00:00``, ``2025-03-10 09:00``, ``2025-03-10``);
  booleans are ``true``/``false`` (also ``1``/``0``, ``t``/``f``,
  ``yes``/``no``). Parquet files may carry typed columns (a datetime, a date,
  a boolean, an integer id); an aware datetime is converted to Finnish wall
  clock time.
- **avohilmo**: THL's research-extract layout, read by
  :mod:`data_sources.avohilmo` (visits only).

``layout="auto"`` picks Avohilmo when the header names ``AVOHILMO_ID`` or
``KAYNTI_ALKOI``; CSV or Parquet is told from the file's first bytes
(Parquet files start with ``PAR1``), not from its name. Column names are
matched ignoring case and surrounding spaces.

**Checks.** Each row is checked in this order, and a rejected row is counted
under the first reason that applies: ``empty_row``, ``too_many_fields``,
``cancelled`` (Avohilmo), ``missing_value``, ``value_too_long`` (an id or
text longer than :data:`core.schema.MAX_LENGTHS` allows: 64 characters),
``control_character`` (an id or text holding U+0000-U+001F or U+007F: a NUL
byte, a tab, a line break), ``bad_date``, ``bad_number``, ``future_date`` (a
visit, assessment, capture or answer time after the reader's ``today``),
``date_too_early`` (any time before ``earliest_date``, by default
2000-01-01), ``date_too_far_ahead`` (a slot time more than
``slot_horizon_years``, by default 2, after ``today``; slots may lie ahead
up to then), ``unknown_region`` (not in
:func:`core.regions.region_codes`; one-digit codes are zero-padded),
``invalid_code``, and last ``duplicate_visit_id`` / ``duplicate_response_id``
(among rows that passed every other check, the first occurrence is kept).
Kept visits are flagged ``visit_before_assessment`` (calendar dates, as the
metrics count ``n_negative_wait``), ``missing_professional_id`` and
``missing_urgency``. An empty ``urgent`` value is kept as null (the metrics
count it as ``n_missing_urgency``) although the schema lists ``urgent`` as not
nullable; a score outside 0-10 is kept for :func:`metrics.satisfaction.nps`
to count as invalid.

**Errors.** A file that cannot be read at all (missing, empty, neither CSV
nor Parquet, a missing required column, for example because of the wrong
separator, bytes that are not valid UTF-8 in a canonical CSV file, a
truncated Parquet file, an unclosed quote) raises :class:`ExtractError` (or
:class:`ExtractColumnsError` for missing columns), both
:class:`~core.errors.InvalidInputError` and so
:class:`~core.errors.DashboardError`, naming the file, and the row and
column where known. Library exceptions never escape.

**One pass, three threads.** A CSV file is read in chunks of about 16 MiB
(a latin-1 chunk is transcoded to UTF-8, which is lossless); a Parquet file
in batches. For a file larger than one chunk, a reader thread reads,
transcodes and parses the next chunk while the calling thread converts and
checks this one, and a writer thread encodes the kept rows into one
zstd-compressed Parquet file (row groups of about half a million rows;
dictionary pages and min/max statistics for every column but the
pseudonymised ids). Repeated ids
are found as the rows stream past: ids are compared exactly within a chunk,
and through a 64-bit hash against earlier chunks; a row whose hash was seen
is held back (written to a second file in the staging folder) and compared
by id once the file is written, a range of hashes at a time (two ids sharing
a hash are both kept; the later one is then written after the others).

**Memory and temporary files.** Memory stays bounded whatever the input: a
Parquet file is read in batches of at most ``PARQUET_BATCH_ROWS`` rows
whatever its row groups hold, and the tally keeps counts, not rows. Besides
the chunks in flight (a few hundred MiB at most), memory holds small
aggregates (summed as they come), a few example row numbers per reason, a
64 MiB bit map and 8 bytes per kept row for the duplicate check; rows held
back by that check go to disk. The Parquet file is written in a fresh folder
(prefix ``dashboard-extract-``) under the system's temporary directory (or
``staging_dir``: for large extracts pass a folder on a disk, not a memory
file system); :meth:`ExtractResult.write_parquet` hands it over by a hard
link, and the returned lazy frame reads it. It is deleted when the result
and the last lazy frame built from it are garbage-collected, or at the latest
when the interpreter exits; a killed process leaves it behind in the
temporary directory. Collect or sink the data while you hold the frame.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import queue
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Final, TypeVar

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from polars.io.plugins import register_io_source

from core import columns as c
from core.errors import DashboardError, DataSourceError, InvalidInputError, MissingColumnsError
from core.regions import region_codes
from core.schema import (
    APPOINTMENT_SLOTS,
    CANONICAL_DTYPES,
    CONTACT_MODES,
    PROFESSIONS,
    RESPONDENTS,
    SLOT_STATUSES,
    SLOT_TYPES,
    SURVEY_ANSWERS,
    VISITS,
    TableSchema,
)
from core.settings import DEFAULT_EARLIEST_DATE, DEFAULT_SLOT_HORIZON_YEARS
from data_sources import validation as v

VISITS_TABLE: Final = "visits"
SLOTS_TABLE: Final = "appointment_slots"
ANSWERS_TABLE: Final = "survey_answers"
TABLES: Final[Mapping[str, TableSchema]] = {
    VISITS_TABLE: VISITS,
    SLOTS_TABLE: APPOINTMENT_SLOTS,
    ANSWERS_TABLE: SURVEY_ANSWERS,
}
CANONICAL: Final = "canonical"
AVOHILMO: Final = "avohilmo"
LAYOUTS: Final = ("auto", CANONICAL, AVOHILMO)
ENCODINGS: Final = ("auto", "utf-8", "latin-1")

#: Header names that mark THL's Avohilmo layout.
AVOHILMO_MARKERS: Final = frozenset({"AVOHILMO_ID", "AVOHILMOID", "KAYNTI_ALKOI"})
#: Time formats of the canonical CSV layout, tried in this order.
ISO_FORMATS: Final = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d")
TRUE_TEXTS: Final = frozenset({"true", "t", "1", "yes", "y"})
FALSE_TEXTS: Final = frozenset({"false", "f", "0", "no", "n"})
HELSINKI: Final = "Europe/Helsinki"

#: 16 MiB: smaller chunks cost more calls, larger ones fresh memory (each large block is a new mapping whose
#: pages fault in one by one); at 16 MiB the import used the least CPU and half the memory of 64 MiB.
CHUNK_BYTES: Final = 16 << 20
ROW_GROUP_ROWS: Final = 500_000
MAX_RECORD_BYTES: Final = 256 << 20  # a "record" this long means an unclosed quote
#: Rows per batch read from a Parquet file (about the rows of one CSV chunk), whatever its row groups hold.
PARQUET_BATCH_ROWS: Final = 131_072
#: Held-back rows (see :class:`_Suspects`) compared with the kept ids per pass at the end.
SUSPECT_PASS_ROWS: Final = 1 << 20
#: Per-chunk count cubes held before they are summed into one.
CUBES_HELD: Final = 32
ROW: Final = "__row"  # 1-based data row number, carried through staging
REASON: Final = "__reason"
EXTRA: Final = "__extra_field"
WHOLE_ROW: Final = "(row)"
_PARQUET_MAGIC: Final = b"PAR1"
_UTF8_BOM: Final = b"\xef\xbb\xbf"
_FLAG_EXAMPLES_KEPT: Final = 20
#: C0 control characters and DEL: never part of an id or a text (PostgreSQL refuses NUL outright).
CONTROL_CHARACTERS: Final = tuple(chr(code) for code in (*range(0x20), 0x7F))


class ExtractError(InvalidInputError):
    """A file that cannot be read as an extract. The message names the file, and the row and column where known."""

    def __init__(self, path: Path | str, reason: str, *, row: int | None = None, column: str | None = None) -> None:
        self.path = Path(path)
        self.row = row
        self.column = column
        self.reason = reason
        where = "".join(
            [f", row {row}" if row is not None else "", f", column {column!r}" if column is not None else ""]
        )
        super().__init__(f"{self.path}{where}: {reason}")


class ExtractColumnsError(MissingColumnsError):
    """A file lacks columns its layout needs; the message names the file and adds a hint on the layout."""

    def __init__(
        self, path: Path, *, layout: str, table: str, missing: Sequence[str], available: Sequence[str], hint: str = ""
    ) -> None:
        self.path = path
        super().__init__(table=f"{path} ({layout} {table})", missing=missing, available=available, expected=missing)
        if hint:
            self.args = (f"{self.args[0]}\n{hint}",)


@dataclass(frozen=True)
class ExtractResult:
    """The kept rows of an extract (lazy, canonical columns and dtypes) and the validation report.

    The reader writes the kept rows once, as a zstd-compressed Parquet file;
    :meth:`write_parquet` hands that file over without encoding it again.
    """

    data: pl.LazyFrame
    report: v.ValidationReport
    parquet_file: Path | None = field(default=None, compare=False)
    _keep_alive: object = field(default=None, repr=False, compare=False)  # the temporary folder's owner

    def write_parquet(self, target: Path) -> None:
        """Write the kept rows to ``target`` as Parquet: the reader's own file is hard-linked or copied there."""
        if self.parquet_file is None or not self.parquet_file.exists():
            self.data.sink_parquet(target)
            return
        try:
            os.link(self.parquet_file, target)
        except OSError:  # another file system, or links not allowed
            shutil.copyfile(self.parquet_file, target)


class Kind(Enum):
    ID = "id"
    TEXT = "text"
    CODE = "code"
    REGION = "region"
    TIME = "time"
    BOOL = "bool"
    NUMBER = "number"


#: Maps a raw text value to the canonical value, or None when the value is not allowed.
CodeMap = Callable[[str], Any]


@dataclass(frozen=True)
class FieldSpec:
    """How one canonical column is read from a file.

    ``source`` is the column in the file (``None``: the file has none, and the
    column holds ``fill`` or null). ``required``: an empty value rejects the
    row. ``codes`` maps text to the canonical value (for codes and booleans
    read from text); with ``unknown_is_null`` a value it does not know becomes
    null instead of rejecting the row. ``fill`` replaces empty values.
    ``no_future``: a time after ``today`` rejects the row.
    """

    target: str
    kind: Kind
    source: str | None
    required: bool = True
    codes: CodeMap | None = None
    unknown_is_null: bool = False
    time_formats: tuple[str, ...] = ISO_FORMATS
    fill: str | None = None
    no_future: bool = False

    @property
    def label(self) -> str:
        """The column named in the report: the file's column, else the canonical name."""
        return self.source or self.target


@dataclass(frozen=True)
class ReadSpec:
    """Everything a layout says about reading one table: fields, cancellation column, id for duplicates, notes."""

    table: str
    layout: str
    fields: tuple[FieldSpec, ...]
    cancelled_source: str | None = None
    duplicate_key: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def by_target(self) -> Mapping[str, FieldSpec]:
        return {spec.target: spec for spec in self.fields}

    @property
    def sources(self) -> tuple[str, ...]:
        names = [spec.source for spec in self.fields if spec.source is not None]
        if self.cancelled_source is not None:
            names.append(self.cancelled_source)
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class Sniffed:
    """What the first bytes of a file say: its format, its header and where the data start."""

    path: Path
    file_format: str  # "csv" | "parquet"
    columns: tuple[str, ...]  # as written in the file
    header_line: str = ""
    data_offset: int = 0
    has_bom: bool = False
    size: int = 0  # bytes

    def lookup(self) -> dict[str, str]:
        """Column names keyed by their upper-case, stripped form."""
        return {name.strip().upper(): name for name in self.columns}


# --------------------------------------------------------------------------- public API


def read_extract(
    path: str | Path,
    *,
    table: str,
    layout: str = "auto",
    region_code: str | None = None,
    today: dt.date | None = None,
    staging_dir: Path | None = None,
    earliest_date: dt.date = DEFAULT_EARLIEST_DATE,
    slot_horizon_years: int = DEFAULT_SLOT_HORIZON_YEARS,
) -> ExtractResult:
    """Read one extract file of ``table`` (``visits``, ``appointment_slots``, ``survey_answers``).

    ``layout`` is ``"auto"``, ``"canonical"`` or ``"avohilmo"`` (visits only;
    see :mod:`data_sources.avohilmo` for its options). ``region_code`` is used
    where the file has no region (no column, or an empty value). ``today``
    (default: today's date) bounds the dates: later ones are rejected as
    ``future_date``, except slot times, which may lie up to
    ``slot_horizon_years`` ahead (``date_too_far_ahead``). Times before
    ``earliest_date`` are rejected as ``date_too_early``. The defaults of these
    two are those of the settings ``DASHBOARD_EARLIEST_DATE`` and
    ``DASHBOARD_SLOT_HORIZON_YEARS``. See the module docstring for the checks,
    errors and the lifetime of the temporary files.
    """
    file = Path(path)
    if table not in TABLES:
        raise InvalidInputError(f"table must be one of {', '.join(TABLES)}, got {table!r}")
    if layout not in LAYOUTS:
        raise InvalidInputError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    sniffed = sniff(file)
    chosen = detect_layout(sniffed) if layout == "auto" else layout
    if chosen == AVOHILMO:
        if table != VISITS_TABLE:
            raise InvalidInputError(f"{file}: the Avohilmo layout holds visits only, not {table}")
        # avohilmo builds on this module, so it is imported here rather than at the top.
        from data_sources.avohilmo import read_visits_with_report  # noqa: PLC0415

        return read_visits_with_report(
            file, region_code=region_code, today=today, staging_dir=staging_dir, earliest_date=earliest_date
        )
    columns = header_columns(sniffed, ",")
    spec = canonical_spec(file, table, columns, region_code=region_code)
    return run_reader(
        sniffed,
        spec,
        separator=",",
        encoding="utf-8",
        today=today,
        staging_dir=staging_dir,
        earliest_date=earliest_date,
        slot_horizon_years=slot_horizon_years,
    )


def read_visits(path: str | Path, **options: Any) -> ExtractResult:
    """Visits in either layout; the options are those of :func:`read_extract`."""
    return read_extract(path, table=VISITS_TABLE, **options)


def read_slots(path: str | Path, **options: Any) -> ExtractResult:
    """Appointment-book snapshots (canonical layout); the options are those of :func:`read_extract`."""
    return read_extract(path, table=SLOTS_TABLE, **options)


def read_answers(path: str | Path, **options: Any) -> ExtractResult:
    """Survey answers (canonical layout); the options are those of :func:`read_extract`."""
    return read_extract(path, table=ANSWERS_TABLE, **options)


# --------------------------------------------------------------------------- sniffing


def sniff(path: Path) -> Sniffed:
    """Tell CSV from Parquet by the first bytes and read a CSV header line; raise :class:`ExtractError` otherwise."""
    if not path.exists():
        raise ExtractError(path, "no such file")
    if not path.is_file():
        raise ExtractError(path, "not a file")
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 20)
    except OSError as exc:
        raise ExtractError(path, f"cannot be opened: {exc.strerror or exc}") from exc
    if not head:
        raise ExtractError(path, "the file is empty; expected a CSV file with a header row or a Parquet file")
    if head.startswith(_PARQUET_MAGIC):
        try:
            schema = pl.read_parquet_schema(path)
        except Exception as exc:  # polars and the OS raise several types for a damaged file
            raise ExtractError(path, f"not a readable Parquet file (truncated or damaged?): {exc}") from exc
        return Sniffed(path=path, file_format="parquet", columns=tuple(schema), size=path.stat().st_size)
    if path.suffix.lower() == ".parquet":
        raise ExtractError(path, "named .parquet but not a Parquet file (it does not start with 'PAR1')")
    if b"\x00" in head:
        raise ExtractError(path, "neither a CSV text file nor a Parquet file (it holds binary data)")
    has_bom = head.startswith(_UTF8_BOM)
    start = len(_UTF8_BOM) if has_bom else 0
    end = head.find(b"\n", start)
    if end == -1:
        if len(head) == 1 << 20:
            raise ExtractError(path, "no line break in the first MiB: not a CSV file with a header row", row=0)
        end = len(head)
    header = _header_text(path, head[start:end])
    return Sniffed(
        path=path,
        file_format="csv",
        columns=(),
        header_line=header,
        data_offset=min(end + 1, len(head)) if end < len(head) else end,
        has_bom=has_bom,
        size=path.stat().st_size,
    )


def _header_text(path: Path, line: bytes) -> str:
    """The header line as text (UTF-8, else latin-1); an empty line or CR-only line breaks are errors."""
    raw_header = line.rstrip(b"\r")
    if b"\r" in raw_header:
        raise ExtractError(
            path,
            "the lines end in a carriage return only (CR, as in old Mac files); save the file with LF or CRLF line "
            "breaks",
            row=0,
        )
    try:
        header = raw_header.decode("utf-8")
    except UnicodeDecodeError:
        header = raw_header.decode("latin-1")
    if not header.strip():
        raise ExtractError(path, "the first line is empty; expected a header row with the column names", row=0)
    return header


def header_columns(sniffed: Sniffed, separator: str) -> tuple[str, ...]:
    """The column names of a CSV header (quotes honoured), or the Parquet columns."""
    if sniffed.file_format == "parquet":
        return sniffed.columns
    try:
        names = next(csv.reader([sniffed.header_line], delimiter=separator), [])
    except csv.Error as exc:
        raise ExtractError(sniffed.path, f"the header row cannot be read ({exc})", row=0) from exc
    return tuple(name.strip() for name in names)


def detect_layout(sniffed: Sniffed) -> str:
    names = sniffed.columns if sniffed.file_format == "parquet" else header_columns(sniffed, ";")
    return AVOHILMO if {name.strip().upper() for name in names} & AVOHILMO_MARKERS else CANONICAL


def resolve_columns(
    path: Path,
    available: Sequence[str],
    wanted: Mapping[str, Sequence[str]],
    *,
    layout: str,
    table: str,
    optional: frozenset[str] = frozenset(),
    hint: str = "",
) -> dict[str, str | None]:
    """Map each wanted name to the file's column (first alias present), ignoring case; None for absent optional ones."""
    lookup = {name.strip().upper(): name for name in available}
    found: dict[str, str | None] = {}
    missing = []
    for key, aliases in wanted.items():
        match = next((lookup[alias.upper()] for alias in aliases if alias.upper() in lookup), None)
        if match is None and key not in optional:
            missing.append(aliases[0])
        found[key] = match
    if missing:
        raise ExtractColumnsError(
            path, layout=layout, table=table, missing=missing, available=list(available), hint=hint
        )
    return found


# --------------------------------------------------------------------------- canonical layout


def canonical_spec(path: Path, table: str, available: Sequence[str], *, region_code: str | None) -> ReadSpec:
    """The reading rules of the canonical layout for ``table``, given the file's columns."""
    fill_region = normalise_region_argument(region_code)
    optional = {c.PROFESSIONAL_ID, c.SERVICE_TYPE, c.WEIGHT} | ({c.REGION_CODE} if fill_region else set())
    schema = TABLES[table]
    wanted = {column.name: [column.name] for column in schema.columns}
    hint = ""
    if len(available) == 1 and ";" in available[0]:
        hint = "Hint: the header holds ';' but canonical CSV files are comma-separated."
    found = resolve_columns(
        path,
        available,
        wanted,
        layout=CANONICAL,
        table=table,
        optional=frozenset(optional) | {col.name for col in schema.columns if not col.required},
        hint=hint,
    )
    notes = tuple(
        f"the file has no {name!r} column: it is null on every row"
        for name in (c.PROFESSIONAL_ID, c.SERVICE_TYPE)
        if name in found and found[name] is None
    )

    def spec(target: str, kind: Kind, **options: Any) -> FieldSpec:
        return FieldSpec(target=target, kind=kind, source=found[target], **options)

    region = spec(c.REGION_CODE, Kind.REGION, fill=fill_region)
    if table == ANSWERS_TABLE:
        fields: tuple[FieldSpec, ...] = (
            spec(c.RESPONSE_ID, Kind.ID),
            region,
            spec(c.UNIT_ID, Kind.ID),
            spec(c.ANSWERED_AT, Kind.TIME, no_future=True),
            spec(c.SCORE, Kind.NUMBER, required=False),
            spec(c.RESPONDENT, Kind.CODE, codes=_member_of(RESPONDENTS)),
            spec(c.WEIGHT, Kind.NUMBER, required=False),
        )
        return ReadSpec(table, CANONICAL, fields, duplicate_key=v.DUPLICATE_RESPONSE_ID)
    profession = spec(c.PROFESSION, Kind.CODE, codes=_member_of(PROFESSIONS))
    if table == VISITS_TABLE:
        fields = (
            spec(c.VISIT_ID, Kind.ID),
            spec(c.PATIENT_ID, Kind.ID),
            spec(c.PROFESSIONAL_ID, Kind.ID, required=False),
            profession,
            spec(c.UNIT_ID, Kind.ID),
            region,
            spec(c.VISIT_AT, Kind.TIME, no_future=True),
            spec(c.ASSESSMENT_AT, Kind.TIME, required=False, no_future=True),
            spec(c.URGENT, Kind.BOOL, required=False, codes=text_to_bool),
            spec(c.CONTACT_MODE, Kind.CODE, codes=_member_of(CONTACT_MODES)),
            spec(c.SERVICE_TYPE, Kind.TEXT, required=False),
        )
        return ReadSpec(table, CANONICAL, fields, duplicate_key=v.DUPLICATE_VISIT_ID, notes=notes)
    fields = (  # appointment slots
        spec(c.CAPTURED_AT, Kind.TIME, no_future=True),
        spec(c.BOOK_ID, Kind.ID),
        spec(c.UNIT_ID, Kind.ID),
        region,
        profession,
        spec(c.SLOT_AT, Kind.TIME),
        spec(c.STATUS, Kind.CODE, codes=_member_of(SLOT_STATUSES)),
        spec(c.SLOT_TYPE, Kind.CODE, codes=_member_of(SLOT_TYPES)),
    )
    return ReadSpec(table, CANONICAL, fields)


def _member_of(allowed: frozenset[str]) -> CodeMap:
    def code(value: str) -> str | None:
        text = value.strip()
        return text if text in allowed else None

    return code


def text_to_bool(value: str) -> bool | None:
    text = value.strip().lower()
    if text in TRUE_TEXTS:
        return True
    if text in FALSE_TEXTS:
        return False
    return None


def normalise_region(value: str) -> str | None:
    """A region code as in regions.csv (``"2"`` becomes ``"02"``), or None when it is not a compared area."""
    text = value.strip()
    if text.isdigit() and len(text) == 1:
        text = "0" + text
    return text if text in region_codes() else None


def normalise_region_argument(region_code: str | None) -> str | None:
    if region_code is None:
        return None
    code = normalise_region(str(region_code))
    if code is None:
        known = ", ".join(sorted(region_codes()))
        raise InvalidInputError(f"region_code must be one of {known}, got {region_code!r}")
    return code


def check_today(today: dt.date | None, name: str = "today") -> dt.date:
    if today is None:
        return dt.date.today()
    if isinstance(today, dt.datetime):
        return today.date()
    if isinstance(today, dt.date):
        return today
    raise InvalidInputError(f"{name} must be a date, got {today!r}")


def check_horizon(years: int) -> int:
    if isinstance(years, bool) or not isinstance(years, int) or years < 0:
        raise InvalidInputError(f"slot_horizon_years must be a whole number of years of at least 0, got {years!r}")
    return years


def years_after(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (28 February for 29 February in a common year; 31 December 9999 at most)."""
    year = min(day.year + years, dt.MAXYEAR)
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


# --------------------------------------------------------------------------- the reader


def run_reader(
    sniffed: Sniffed,
    spec: ReadSpec,
    *,
    separator: str,
    encoding: str,
    today: dt.date | None,
    staging_dir: Path | None = None,
    earliest_date: dt.date = DEFAULT_EARLIEST_DATE,
    slot_horizon_years: int = DEFAULT_SLOT_HORIZON_YEARS,
) -> ExtractResult:
    """Read, convert and check every chunk, write the kept rows once, and build the result and its report."""
    if encoding not in ENCODINGS:
        raise InvalidInputError(f"encoding must be one of {', '.join(ENCODINGS)}, got {encoding!r}")
    day = check_today(today)
    earliest = check_today(earliest_date, "earliest_date")
    horizon = check_horizon(slot_horizon_years)
    staging = _Staging(staging_dir)
    tally = _Tally(spec, suspects=_Suspects(staging.folder / "suspects.parquet"))
    converter = _Converter(sniffed.path, spec, day, earliest=earliest, horizon_years=horizon)
    csv_source = (
        _CsvSource(sniffed, spec, separator=separator, encoding=encoding) if sniffed.file_format == "csv" else None
    )
    chunks = csv_source.chunks() if csv_source is not None else _parquet_chunks(sniffed, spec)
    schema = dict(CANONICAL_DTYPES[TABLES[spec.table].name])
    names = list(schema)
    with _ParquetOutput(staging.output, schema, background=sniffed.size > CHUNK_BYTES) as output:
        for raw in chunks:
            kept = tally.add(converter.convert(raw))
            if kept.height:
                output.write(kept.select(names))
    restored = tally.resolve_suspects(staging.output)
    tally.suspects.discard()
    if restored.height:
        _append_rows(staging.output, restored.select(names))
    report = tally.finish(sniffed, converter.checks, encoding=csv_source.encoding_used if csv_source else None)
    return ExtractResult(
        data=_staged_frame(staging, schema), report=report, parquet_file=staging.output, _keep_alive=staging
    )


class _Staging:
    """A temporary folder holding the kept rows; deleted when the last object referring to it is gone."""

    def __init__(self, parent: Path | None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="dashboard-extract-", dir=parent))
        self.output = self.folder / "extract.parquet"
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.folder, ignore_errors=True)


class _ParquetOutput:
    """The kept rows, written chunk by chunk into one zstd Parquet file (row groups of ROW_GROUP_ROWS or more).

    With ``background=True`` the encoding runs on a helper thread, overlapping the parsing of the next
    chunk (pyarrow releases the interpreter lock while it encodes); otherwise it runs at once.
    """

    def __init__(self, path: Path, schema: Mapping[str, pl.DataType], *, background: bool) -> None:
        self.path = path
        self.schema = pl.DataFrame(schema=dict(schema)).to_arrow(compat_level=pl.CompatLevel.newest()).schema
        # Dictionary pages and min/max statistics only where they pay: not for pseudonymised ids, which are
        # nearly unique (a dictionary is built and thrown away) and whose extremes are no one's business.
        plain = [name for name in schema if name not in c.IDENTIFIER_COLUMNS]
        self.writer = pq.ParquetWriter(
            path,
            self.schema,
            compression="zstd",
            use_dictionary=[name for name in plain if schema[name] == pl.String()],
            write_statistics=plain,
        )
        self.background = background
        self.pending: queue.Queue[pa.Table | None] = queue.Queue(maxsize=2)
        self.errors: list[BaseException] = []
        self.thread: threading.Thread | None = None

    def write(self, frame: pl.DataFrame) -> None:
        table = frame.to_arrow(compat_level=pl.CompatLevel.newest())
        if not self.background:
            self._write(table)
            return
        if self.thread is None:
            self.thread = threading.Thread(target=self._work, name="extract-writer", daemon=True)
            self.thread.start()
        self._raise_errors()
        self.pending.put(table)

    def _write(self, table: pa.Table) -> None:
        try:
            self.writer.write_table(table.cast(self.schema), row_group_size=table.num_rows)
        except (OSError, pa.ArrowException) as exc:
            raise DataSourceError(
                source="extract staging", request=f"writing {self.path.name}", reason=str(exc)
            ) from exc

    def _work(self) -> None:
        waiting: list[pa.Table] = []  # chunks are smaller than a good row group: write several at once
        while True:
            table = self.pending.get()
            if table is not None:
                waiting.append(table)
                if sum(item.num_rows for item in waiting) < ROW_GROUP_ROWS:
                    continue
            if waiting and not self.errors:  # after an error, only drain, so the reading thread never blocks
                try:
                    self._write(pa.concat_tables(waiting))
                except BaseException as exc:  # handed to the reading thread, which raises it
                    self.errors.append(exc)
            waiting = []
            if table is None:
                return

    def _raise_errors(self) -> None:
        if self.errors:
            raise self.errors[0]

    def __enter__(self) -> _ParquetOutput:
        return self

    def __exit__(self, exc_type: object, *_exc_info: object) -> None:
        if self.thread is not None:
            self.pending.put(None)
            self.thread.join()
        try:
            self.writer.close()
        except (OSError, pa.ArrowException) as exc:
            self.errors.append(DataSourceError(source="extract staging", request="closing", reason=str(exc)))
        if exc_type is None:
            self._raise_errors()


def _append_rows(path: Path, rows: pl.DataFrame) -> None:
    """Rewrite ``path`` with ``rows`` added as a last row group (only after a 64-bit hash collision of two ids)."""
    rewritten = path.with_name(f"{path.name}.rewrite")
    source = pq.ParquetFile(path)
    with pq.ParquetWriter(rewritten, source.schema_arrow, compression="zstd") as writer:
        for group in range(source.num_row_groups):
            writer.write_table(source.read_row_group(group))
        writer.write_table(rows.to_arrow(compat_level=pl.CompatLevel.newest()).cast(source.schema_arrow))
    source.close()
    os.replace(rewritten, path)


def _staged_frame(staging: _Staging, schema: dict[str, pl.DataType]) -> pl.LazyFrame:
    """A lazy frame over the kept rows, read in batches; it keeps ``staging`` alive."""
    names = list(schema)

    def source(
        with_columns: list[str] | None, predicate: pl.Expr | None, n_rows: int | None, batch_size: int | None
    ) -> Iterator[pl.DataFrame]:
        if not staging.output.exists():
            raise ExtractError(staging.output, "the kept rows of this extract were deleted; read the extract again")
        frame = pl.scan_parquet(staging.output).select(with_columns if with_columns is not None else names)
        if predicate is not None:
            frame = frame.filter(predicate)
        if n_rows is not None:
            frame = frame.head(n_rows)
        yield from frame.collect_batches(chunk_size=batch_size or PARQUET_BATCH_ROWS)

    return register_io_source(source, schema=schema, is_pure=True, explain_name="staged extract")


# --------------------------------------------------------------------------- CSV chunks


class _CsvSource:
    """Reads a CSV file in record-aligned chunks, transcoded to UTF-8 on a background thread, parsed by polars."""

    def __init__(self, sniffed: Sniffed, spec: ReadSpec, *, separator: str, encoding: str) -> None:
        self.path = sniffed.path
        self.sniffed = sniffed
        self.layout = spec.layout
        self.separator = separator
        self.header = header_columns(sniffed, separator)
        self.bom_decided = sniffed.has_bom and encoding == "auto"
        if self.bom_decided:
            encoding = "utf-8"
        self.requested = encoding
        self.encoding: str | None = encoding if encoding != "auto" else None
        self.non_ascii = False
        positions = {name: index for index, name in enumerate(self.header)}
        self.selected = [name for name in spec.sources if name in positions]
        self.indices = [positions[name] for name in self.selected]
        self.schema = {f"column_{index}": pl.String() for index in range(len(self.header) + 1)}
        self._rename = {f"column_{index}": name for index, name in zip(self.indices, self.selected, strict=True)}
        self._rename[f"column_{len(self.header)}"] = EXTRA

    def chunks(self) -> Iterator[pl.DataFrame]:
        """Parsed chunks; a file larger than one chunk is read, transcoded and parsed on a background thread,
        so that parsing the next chunk overlaps converting and checking this one."""
        frames = self._frames()
        return _prefetch(frames) if self.sniffed.size > CHUNK_BYTES else frames

    def _frames(self) -> Iterator[pl.DataFrame]:
        first_row = 1
        for data in self._byte_chunks():
            frame = self._parse(data, first_row)
            first_row += frame.height
            yield frame

    def _parse(self, data: bytes, first_row: int) -> pl.DataFrame:
        try:
            frame = pl.read_csv(
                data,
                has_header=False,
                separator=self.separator,
                schema=self.schema,
                columns=[*self.indices, len(self.header)],
                row_index_name=ROW,
                row_index_offset=first_row,
                raise_if_empty=False,
                missing_columns="insert",
                quote_char='"' if b'"' in data else None,  # without quotes the parser takes a faster path
            )
        except Exception as exc:  # polars raises ComputeError and others: try Python's csv module
            return self._parse_slowly(data, first_row, exc)
        frame = frame.rename(self._rename)
        return _empty_text_as_null(frame, self.selected) if b'""' in data else frame

    def _parse_slowly(self, data: bytes, first_row: int, exc: Exception) -> pl.DataFrame:
        """A chunk polars refuses (a stray quote inside an unquoted value, several surplus fields) read by Python's
        csv module, with the same columns; if that fails too, the error names the row."""
        try:
            text = data.decode("utf-8")
            records = list(csv.reader(io.StringIO(text, newline=""), delimiter=self.separator, strict=True))
        except (UnicodeDecodeError, csv.Error):
            raise self._diagnose(data, first_row, exc) from exc
        width = len(self.header)
        columns: dict[str, list[str | None]] = {
            name: [record[index] or None if index < len(record) else None for record in records]
            for index, name in zip(self.indices, self.selected, strict=True)
        }
        columns[EXTRA] = [next((value for value in record[width:] if value), None) for record in records]
        rows = pl.Series(ROW, range(first_row, first_row + len(records)), dtype=pl.UInt32)
        return pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String())).insert_column(0, rows)

    def _byte_chunks(self) -> Iterator[bytes]:
        """Record-aligned chunks of about CHUNK_BYTES, as UTF-8; blank lines at the end of the file are left out.

        The file is read into one reused buffer, so each chunk costs a single new allocation (fresh memory
        is what makes copies slow here); a chunk is held back until the next one is found, so the last one
        is known when it is handed over.
        """
        buffer = bytearray(min(CHUNK_BYTES, max(self.path.stat().st_size - self.sniffed.data_offset, 0) + 1))
        filled = 0
        pending: bytes | None = None
        try:
            with self.path.open("rb") as handle:
                handle.seek(self.sniffed.data_offset)
                while True:
                    with memoryview(buffer) as view:
                        filled += handle.readinto(view[filled:])
                    if filled < len(buffer):  # the end of the file
                        break
                    cut = _record_boundary(buffer)
                    if cut <= 0:  # no complete record in the buffer: make room for a longer one
                        if len(buffer) >= MAX_RECORD_BYTES:
                            raise ExtractError(
                                self.path,
                                f"no line break outside quotes in {len(buffer) >> 20} MiB from byte "
                                f'{handle.tell() - len(buffer)}: an unclosed quote (")?',
                            )
                        buffer.extend(bytes(len(buffer)))
                        continue
                    if pending is not None:
                        yield self._transcode(pending)
                    with memoryview(buffer) as view:
                        pending = bytes(view[:cut])
                    buffer[: filled - cut] = buffer[cut:filled]
                    filled -= cut
        except OSError as exc:
            raise ExtractError(self.path, f"reading failed: {exc.strerror or exc}") from exc
        with memoryview(buffer) as view:
            tail = bytes(view[:filled])
        if pending is not None:
            if not tail.strip(b"\r\n"):
                pending, tail = _without_blank_end(pending), b""
            yield self._transcode(pending)
        tail = _without_blank_end(tail)
        if tail.strip(b"\r\n"):
            yield self._transcode(tail)

    @property
    def encoding_used(self) -> str:
        """The encoding the file was read in; ``"ascii"`` when every byte is ASCII (latin-1 and UTF-8 agree)."""
        return (self.encoding or "utf-8") if self.non_ascii else "ascii"

    def _transcode(self, data: bytes) -> bytes:
        """``data`` as UTF-8. Work is done in slices of 1 MiB: a codec call holds the interpreter lock, and
        one call over a whole chunk would stall the thread that drives polars for tens of milliseconds."""
        if data.isascii():
            return data
        self.non_ascii = True
        view = memoryview(data)
        if self.encoding is None:  # "auto": the first chunk with non-ASCII bytes decides
            self.encoding = "utf-8" if _is_utf8(view) else "latin-1"
        if self.encoding == "latin-1":
            return b"".join(
                str(view[start : start + _SLICE_BYTES], "latin-1").encode("utf-8")
                for start in range(0, len(view), _SLICE_BYTES)
            )
        return data

    def _diagnose(self, data: bytes, first_row: int, exc: Exception) -> ExtractError:
        """Find the row and column a chunk failed on, for the error message."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            before = data[: err.start].decode("utf-8", errors="replace")
            row, column = self._position(before, first_row)
            byte = data[err.start]
            reason = f"byte 0x{byte:02X} is not valid UTF-8"
            if self.bom_decided:
                reason += (
                    ", although the file starts with a UTF-8 byte-order mark; save it as UTF-8 throughout "
                    "(or without the mark if it is latin-1)"
                )
            elif self.requested == "auto":
                reason += (
                    ", although earlier rows were read as UTF-8; the file mixes encodings "
                    "(pass encoding='latin-1' or 'utf-8' to decide)"
                )
            elif self.layout == CANONICAL:
                reason += (
                    "; canonical CSV files must be UTF-8 "
                    "(Avohilmo extracts, ';'-separated and latin-1, are recognised by their header)"
                )
            else:
                reason += "; read the file as encoding='latin-1'"
            return ExtractError(self.path, reason, row=row, column=column)
        records = 0
        try:
            for _record in csv.reader(io.StringIO(text, newline=""), delimiter=self.separator, strict=True):
                records += 1
        except csv.Error as err:
            problem = str(err)
            if "field larger than field limit" in problem:
                problem = 'a value runs on for more than 128 KiB: an unclosed quote (")?'
            return ExtractError(
                self.path, f"the row cannot be parsed ({problem}); check its quotes", row=first_row + records
            )
        last = first_row + max(records - 1, 0)
        return ExtractError(self.path, f"rows {first_row}-{last} cannot be parsed: {_first_line(exc)}")

    def _position(self, before: str, first_row: int) -> tuple[int, str | None]:
        try:
            records = list(csv.reader(io.StringIO(before, newline=""), delimiter=self.separator))
        except csv.Error:  # a value too long for the csv module: count lines instead, without a column
            return first_row + before.count("\n"), None
        if not records:
            return first_row, self.header[0] if self.header else None
        fields = len(records[-1])
        column = self.header[fields - 1] if 0 < fields <= len(self.header) else None
        return first_row + len(records) - 1, column


_SLICE_BYTES: Final = 1 << 20


def _is_utf8(view: memoryview) -> bool:
    """Whether the bytes are valid UTF-8, checked slice by slice (a sequence may span two slices)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(view), _SLICE_BYTES):
            decoder.decode(view[start : start + _SLICE_BYTES])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _without_blank_end(data: bytes) -> bytes:
    """``data`` without blank lines at its end (one line break after the last record stays)."""
    end = len(data)
    while end and data[end - 1] in b"\r\n":
        end -= 1
    rest = data[end:]
    return data if rest in (b"", b"\n", b"\r\n") else data[:end] + b"\n"


def _record_boundary(buffer: bytes | bytearray) -> int:
    """The end of the last complete record in ``buffer`` (after its line break), or -1: a line break outside quotes."""
    position = buffer.rfind(b"\n")
    if b'"' not in buffer:
        return position + 1 if position >= 0 else -1
    while position >= 0:
        if buffer.count(b'"', 0, position) % 2 == 0:
            return position + 1
        position = buffer.rfind(b"\n", 0, position)
    return -1


_Item = TypeVar("_Item")


def _prefetch(items: Iterator[_Item], depth: int = 2) -> Iterator[_Item]:
    """Run ``items`` on a background thread, ``depth`` items ahead; its exceptions are raised here."""
    channel: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        channel.put(("item", item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            channel.put(("done", None))
        except BaseException as exc:  # handed to the consumer, which raises it
            channel.put(("error", exc))

    thread = threading.Thread(target=produce, name="extract-reader", daemon=True)
    thread.start()
    try:
        while True:
            kind, payload = channel.get()
            if kind == "item":
                yield payload
            elif kind == "error":
                raise payload
            else:
                return
    finally:
        stop.set()
        while thread.is_alive():
            try:
                channel.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --------------------------------------------------------------------------- Parquet batches


def _parquet_chunks(sniffed: Sniffed, spec: ReadSpec) -> Iterator[pl.DataFrame]:
    """Batches of at most PARQUET_BATCH_ROWS rows, whatever the size of the file's row groups.

    PyArrow decodes a row group page by page; polars' own batched scan decodes a whole row group first, so a
    small, highly compressed file of tens of millions of identical rows in one row group took gigabytes.
    """
    selected = [name for name in spec.sources if name in sniffed.columns]
    first_row = 1
    try:
        with pq.ParquetFile(sniffed.path, pre_buffer=False) as source:
            for record_batch in source.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=selected):
                batch = pl.from_arrow(record_batch)
                assert isinstance(batch, pl.DataFrame)  # a record batch gives a frame
                batch = batch.with_row_index(ROW, offset=first_row)
                first_row += batch.height
                yield _empty_text_as_null(batch, selected)
    except DashboardError:
        raise
    except Exception as exc:  # polars raises several types for damaged pages
        raise ExtractError(
            sniffed.path, f"the Parquet data cannot be read (truncated or damaged?): {_first_line(exc)}"
        ) from exc


# --------------------------------------------------------------------------- converting and checking

_BAD: Final = "__bad_"
_VALUE: Final = "__value_"  # converted values; a canonical file's source columns have the canonical names


def _empty_text_as_null(raw: pl.DataFrame, sources: Sequence[str]) -> pl.DataFrame:
    """Empty text (a quoted ``""`` in a CSV file, an empty string in Parquet) is missing, like an empty field."""
    texts = [name for name in sources if name in raw.schema and isinstance(raw.schema[name], pl.String)]
    if not texts or raw.is_empty():
        return raw
    found = raw.select(pl.col(texts).eq("").any()).row(0, named=True)
    empty = [name for name, any_empty in found.items() if any_empty]
    if not empty:
        return raw
    return raw.with_columns(pl.when(pl.col(name) != "").then(pl.col(name)).alias(name) for name in empty)


class _Converter:
    """Turns one raw chunk into canonical columns plus the number of the first failed check (0: kept)."""

    def __init__(
        self,
        path: Path,
        spec: ReadSpec,
        today: dt.date,
        *,
        earliest: dt.date = DEFAULT_EARLIEST_DATE,
        horizon_years: int = DEFAULT_SLOT_HORIZON_YEARS,
    ) -> None:
        self.path = path
        self.spec = spec
        self.schema = TABLES[spec.table]
        self.dtypes = CANONICAL_DTYPES[self.schema.name]
        self.future = _midnight_after(today)
        self.earliest = dt.datetime.combine(earliest, dt.time())
        self.beyond_horizon = _midnight_after(years_after(today, horizon_years))
        self.checks: list[tuple[str, str, pl.Expr]] = []

    def convert(self, raw: pl.DataFrame) -> pl.DataFrame:
        schema = raw.schema
        values: dict[str, pl.Expr] = {}
        unusable: dict[str, pl.Expr] = {}  # refer to the values, so each is computed once
        for spec in self.spec.fields:
            value, bad = self._field(spec, schema, raw)
            values[_VALUE + spec.target] = value
            if bad is not None:
                unusable[_BAD + spec.target] = bad
        try:
            frame = raw.with_columns(**values).with_columns(**unusable)
            frame = self._fallback_times(frame)
            if not self.checks:
                self.checks = self._checks(frame.schema)
            reason = pl.lit(0, dtype=pl.UInt8)
            for number, (_key, _column, condition) in reversed(list(enumerate(self.checks, start=1))):
                reason = pl.when(condition).then(pl.lit(number, dtype=pl.UInt8)).otherwise(reason)
            converted = (pl.col(_VALUE + spec.target).alias(spec.target) for spec in self.spec.fields)
            return frame.select(ROW, *converted, reason.alias(REASON))
        except DashboardError:
            raise
        except Exception as exc:  # a value polars cannot convert
            raise ExtractError(self.path, f"the values cannot be converted: {_first_line(exc)}") from exc

    def _field(self, spec: FieldSpec, schema: pl.Schema, raw: pl.DataFrame) -> tuple[pl.Expr, pl.Expr | None]:
        """The canonical value of ``spec`` and, where a value can be unusable, the condition that it is."""
        dtype_out = self.dtypes[spec.target]
        if spec.source is None:
            return pl.lit(spec.fill, dtype=dtype_out), None
        source = pl.col(spec.source)
        dtype = schema[spec.source]
        textual = isinstance(dtype, pl.String | pl.Categorical | pl.Enum)
        if spec.kind in (Kind.ID, Kind.TEXT):
            if not (dtype.is_integer() or textual):
                raise self._type_error(spec, dtype, "text or an integer")
            return source.cast(pl.String), None
        if spec.kind is Kind.TIME:
            return self._time(spec, dtype)
        if spec.kind is Kind.NUMBER:
            return self._number(spec, dtype)
        if spec.kind is Kind.BOOL and isinstance(dtype, pl.Boolean):
            return source, None
        if not (dtype.is_integer() or textual):
            raise self._type_error(spec, dtype, "a code (text)")
        return self._code(spec, raw)

    def _number(self, spec: FieldSpec, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr | None]:
        source = pl.col(spec.label)
        if dtype.is_numeric():
            return source.cast(pl.Float64), None
        if not isinstance(dtype, pl.String | pl.Categorical | pl.Enum):
            raise self._type_error(spec, dtype, "a number")
        number = source.cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
        return number, source.is_not_null() & pl.col(_VALUE + spec.target).is_null()

    def _code(self, spec: FieldSpec, raw: pl.DataFrame) -> tuple[pl.Expr, pl.Expr | None]:
        """Codes, regions and booleans from text: the distinct values of this chunk are mapped in Python."""
        source = pl.col(spec.label)
        dtype_out = self.dtypes[spec.target]
        mapper = normalise_region if spec.kind is Kind.REGION else spec.codes
        if mapper is None:
            raise InvalidInputError(f"{spec.target}: a code column needs a code map")
        distinct = raw.get_column(spec.label).cast(pl.String).drop_nulls().unique().to_list()
        mapping = {item: mapper(item) for item in distinct}
        mapped = source.cast(pl.String).replace_strict(
            list(mapping), list(mapping.values()), default=None, return_dtype=dtype_out
        )
        bad = None if spec.unknown_is_null else source.is_not_null() & pl.col(_VALUE + spec.target).is_null()
        if spec.fill is not None:
            mapped = pl.when(source.is_null()).then(pl.lit(spec.fill, dtype=dtype_out)).otherwise(mapped)
        return mapped, bad

    def _time(self, spec: FieldSpec, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr | None]:
        source = pl.col(spec.label)
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is not None:
                source = source.dt.convert_time_zone(HELSINKI).dt.replace_time_zone(None)
            return source.cast(pl.Datetime("us")), None
        if isinstance(dtype, pl.Date):
            return source.cast(pl.Datetime("us")), None
        if not isinstance(dtype, pl.String | pl.Categorical):
            raise self._type_error(spec, dtype, "a date or datetime (or text in the layout's format)")
        text = source.cast(pl.String)
        # cache=False: timestamps are nearly all distinct, and a cache of parsed values doubled the cost.
        value = text.str.strptime(pl.Datetime("us"), spec.time_formats[0], strict=False, cache=False)
        return value, source.is_not_null() & pl.col(_VALUE + spec.target).is_null()

    def _fallback_times(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Text times that failed the first format: try the others on just those rows."""
        for spec in self.spec.fields:
            bad_name, value_name = _BAD + spec.target, _VALUE + spec.target
            if spec.kind is not Kind.TIME or spec.source is None or len(spec.time_formats) < 2:
                continue
            if bad_name not in frame.columns or not frame.get_column(bad_name).any():
                continue
            failed = frame.get_column(bad_name).arg_true()
            text = frame.get_column(spec.source).cast(pl.String).gather(failed)
            parsed = pl.select(
                pl.coalesce(
                    text.str.strptime(pl.Datetime("us"), fmt, strict=False, cache=False)
                    for fmt in spec.time_formats[1:]
                )
            ).to_series()
            frame = frame.with_columns(
                frame.get_column(value_name).clone().scatter(failed, parsed),
                frame.get_column(bad_name).clone().scatter(failed, parsed.is_null()),
            )
        return frame

    def _checks(self, schema: pl.Schema) -> list[tuple[str, str, pl.Expr]]:
        """Every rejection check, in the documented order: (reason key, column, condition)."""
        fields = self.spec.fields
        sources = [name for name in self.spec.sources if name in schema]
        checks: list[tuple[str, str, pl.Expr]] = [
            (v.EMPTY_ROW, WHOLE_ROW, pl.all_horizontal(pl.col(name).is_null() for name in sources))
        ]
        if EXTRA in schema:
            checks.append((v.TOO_MANY_FIELDS, WHOLE_ROW, pl.col(EXTRA).is_not_null()))
        cancelled = self.spec.cancelled_source
        if cancelled is not None and cancelled in schema:
            checks.append((v.CANCELLED, cancelled, pl.col(cancelled).is_not_null()))
        checks += [
            (v.MISSING_VALUE, spec.label, pl.col(spec.source).is_null())
            for spec in fields
            if spec.required and spec.source is not None and spec.fill is None
        ]
        texts = [
            (spec, limit)
            for spec in fields
            if spec.kind in (Kind.ID, Kind.TEXT)
            and spec.source is not None
            and (limit := self.schema.by_name[spec.target].max_length) is not None
        ]
        checks += [
            (v.VALUE_TOO_LONG, spec.label, pl.col(_VALUE + spec.target).str.len_chars() > limit)
            for spec, limit in texts
        ]
        checks += [
            (v.CONTROL_CHARACTER, spec.label, pl.col(_VALUE + spec.target).str.contains_any(list(CONTROL_CHARACTERS)))
            for spec, _limit in texts
        ]

        def bad(kinds: tuple[Kind, ...]) -> list[FieldSpec]:
            return [spec for spec in fields if spec.kind in kinds and _BAD + spec.target in schema]

        checks += [(v.BAD_DATE, spec.label, pl.col(_BAD + spec.target)) for spec in bad((Kind.TIME,))]
        checks += [(v.BAD_NUMBER, spec.label, pl.col(_BAD + spec.target)) for spec in bad((Kind.NUMBER,))]
        times = [spec for spec in fields if spec.kind is Kind.TIME and spec.source is not None]
        checks += [
            (v.FUTURE_DATE, spec.label, pl.col(_VALUE + spec.target) >= pl.lit(self.future))
            for spec in times
            if spec.no_future
        ]
        checks += [
            (v.DATE_TOO_EARLY, spec.label, pl.col(_VALUE + spec.target) < pl.lit(self.earliest)) for spec in times
        ]
        checks += [
            (v.DATE_TOO_FAR_AHEAD, spec.label, pl.col(_VALUE + spec.target) >= pl.lit(self.beyond_horizon))
            for spec in times
            if not spec.no_future
        ]
        checks += [(v.UNKNOWN_REGION, spec.label, pl.col(_BAD + spec.target)) for spec in bad((Kind.REGION,))]
        checks += [(v.INVALID_CODE, spec.label, pl.col(_BAD + spec.target)) for spec in bad((Kind.CODE, Kind.BOOL))]
        return checks

    def _type_error(self, spec: FieldSpec, dtype: pl.DataType, allowed: str) -> ExtractError:
        return ExtractError(self.path, f"the column has type {dtype}, but it must hold {allowed}", column=spec.label)


def _midnight_after(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` (a time at or after it lies beyond the day)."""
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(days=1)


# --------------------------------------------------------------------------- the report


@dataclass
class _Tally:
    """Counts and examples gathered chunk by chunk; :meth:`finish` turns them into the report.

    It keeps counts, not rows: whatever the file, memory holds a few examples per reason, at most
    :data:`CUBES_HELD` count cubes, and the 8-byte hashes of the kept ids (:class:`_SeenIds`); rows held
    back for the exact duplicate check go to a file (:class:`_Suspects`).
    """

    spec: ReadSpec
    suspects: _Suspects  # held back until the kept ids can be read
    rows_read: int = 0
    rejected: dict[int, tuple[int, list[int]]] = field(default_factory=dict)
    cubes: list[pl.DataFrame] = field(default_factory=list)
    flag_examples: dict[str, list[int]] = field(default_factory=dict)
    seen: _SeenIds = field(default_factory=lambda: _SeenIds())  # noqa: PLW0108  # defined further down
    repeated: int = 0  # rows dropped for an id an earlier kept row has
    repeated_examples: list[int] = field(default_factory=list)

    @property
    def is_visits(self) -> bool:
        return self.spec.table == VISITS_TABLE

    @property
    def id_column(self) -> str | None:
        if self.spec.duplicate_key is None:
            return None
        return c.VISIT_ID if self.spec.duplicate_key == v.DUPLICATE_VISIT_ID else c.RESPONSE_ID

    def flags(self) -> dict[str, pl.Expr]:
        if not self.is_visits:
            return {}
        visit_day = pl.col(c.VISIT_AT).cast(pl.Int64) // _US_PER_DAY  # calendar day numbers, as dt.date()
        assessment_day = pl.col(c.ASSESSMENT_AT).cast(pl.Int64) // _US_PER_DAY
        return {
            v.VISIT_BEFORE_ASSESSMENT: (visit_day < assessment_day).fill_null(False),
            v.MISSING_PROFESSIONAL_ID: pl.col(c.PROFESSIONAL_ID).is_null(),
            v.MISSING_URGENCY: pl.col(c.URGENT).is_null(),
        }

    def flag_column(self, key: str) -> str:
        target = {
            v.VISIT_BEFORE_ASSESSMENT: c.ASSESSMENT_AT,
            v.MISSING_PROFESSIONAL_ID: c.PROFESSIONAL_ID,
            v.MISSING_URGENCY: c.URGENT,
        }[key]
        return self.spec.by_target[target].label

    def cube(self, kept: pl.DataFrame) -> pl.DataFrame:
        """Kept rows counted by every value the report needs (region, month, urgency, assessment, flags).

        The values are packed into one integer ``key`` (grouping by one integer is several times faster
        than by seven columns); :func:`_unpack_cube` turns the summed cube back into columns.
        """
        if not self.is_visits:
            return kept.select(n=pl.len().cast(pl.Int64))
        region = pl.col(c.REGION_CODE).cast(pl.Enum(sorted(region_codes()))).to_physical().cast(pl.Int64)
        day = pl.col(c.VISIT_AT).cast(pl.Int64) // _US_PER_DAY + _DAY_OFFSET  # months come from days later
        urgent = pl.col(c.URGENT).cast(pl.Int64).fill_null(2)
        bits = [pl.col(c.ASSESSMENT_AT).is_not_null(), *self.flags().values()]
        key = region * (1 << _DAY_SHIFT) + day
        key = key * 4 + urgent
        for bit in bits:
            key = key * 2 + bit.cast(pl.Int64)
        return kept.group_by(key.alias("key")).agg(n=pl.len().cast(pl.Int64))

    def add(self, checked: pl.DataFrame) -> pl.DataFrame:
        """Count one checked chunk; return its kept rows."""
        self.rows_read += checked.height
        reasons = checked.get_column(REASON)
        if reasons.max():
            rejected = (
                checked.select(REASON, ROW)
                .filter(pl.col(REASON) > 0)
                .group_by(REASON)
                .agg(n=pl.len(), examples=pl.col(ROW).head(v.MAX_EXAMPLES))
            )
            for number, count, examples in rejected.iter_rows():
                total, kept_examples = self.rejected.get(number, (0, []))
                self.rejected[number] = (total + count, (kept_examples + examples)[: v.MAX_EXAMPLES])
            kept = checked.filter(pl.col(REASON) == 0)
        else:
            kept = checked
        if self.id_column is not None and kept.height:
            kept = self._without_repeated_ids(kept)
        self._count_kept(kept)
        return kept

    def _count_kept(self, kept: pl.DataFrame) -> None:
        self.cubes.append(self.cube(kept))
        if len(self.cubes) >= CUBES_HELD:  # summed as they come, so a long file holds one cube, not one per chunk
            self.cubes = [_fold_cubes(self.cubes, self.is_visits)]
        for key, condition in self.flags().items():
            examples = self.flag_examples.setdefault(key, [])
            if len(examples) < _FLAG_EXAMPLES_KEPT:
                found = kept.select(pl.col(ROW).filter(condition).head(_FLAG_EXAMPLES_KEPT)).to_series().to_list()
                examples.extend(found[: _FLAG_EXAMPLES_KEPT - len(examples)])

    def _without_repeated_ids(self, kept: pl.DataFrame) -> pl.DataFrame:
        """Drop rows whose id an earlier kept row has, as the rows stream past (the first occurrence is kept).

        Inside the chunk ids are compared exactly. Against earlier chunks a 64-bit hash of the id is
        looked up in :class:`_SeenIds`; a row whose hash was seen is held back as a *suspect*, and
        :meth:`resolve_suspects` compares its id with the earlier ids once the kept rows are written.
        """
        assert self.id_column is not None
        ids = kept.get_column(self.id_column)
        hashes = _id_hashes(ids)
        repeat = _repeats_in_chunk(ids, hashes)
        suspect = self.seen.contains(hashes) & ~repeat
        if repeat.any():
            self._count_repeats(kept.get_column(ROW).filter(pl.Series(repeat)))
        if suspect.any():
            self.suspects.hold(kept.filter(pl.Series(suspect)).with_columns(pl.Series(_HASH, hashes[suspect])))
        keep = ~(repeat | suspect)
        self.seen.add(hashes[keep])
        return kept if keep.all() else kept.filter(pl.Series(keep))

    def _count_repeats(self, rows: pl.Series) -> None:
        """Count repeated rows (``rows`` in file order); the examples are the first rows over all calls."""
        self.repeated += rows.len()
        self.repeated_examples = sorted([*self.repeated_examples, *rows.head(v.MAX_EXAMPLES).to_list()])[
            : v.MAX_EXAMPLES
        ]

    def resolve_suspects(self, written: Path) -> pl.DataFrame:
        """Compare the held-back rows' ids with the kept ids of the same hash; return the rows to keep after all.

        A suspect whose id equals an earlier kept id (or that of an earlier suspect kept after all) is a
        repeat. One whose id differs shares only the hash: it is kept (and written after the others).
        The suspects are compared a range of hashes at a time (:meth:`_Suspects.passes`), reading only
        their ids, hashes and row numbers, so memory holds one pass's ids and the kept ids of its hashes,
        however many rows were held back.
        """
        if self.id_column is None:
            return pl.DataFrame()
        restore: list[pl.Series] = []
        for suspects in self.suspects.passes([self.id_column, _HASH, ROW]):
            known = self._kept_ids(written, suspects.get_column(_HASH).unique())
            # A kept row with the suspect's id always comes first: the suspect is a repeat. Else the first
            # suspect with that id is kept after all, and later ones repeat it.
            judged = suspects.join(known, on=[self.id_column, _HASH], how="left", maintain_order="left").select(
                ROW, keep=pl.col("__known").is_null() & pl.col(self.id_column).is_first_distinct()
            )
            self._count_repeats(judged.filter(~pl.col("keep")).get_column(ROW))
            restore.append(judged.filter(pl.col("keep")).get_column(ROW))
        rows = pl.concat(restore) if restore else pl.Series(ROW, [], dtype=pl.UInt32)
        if rows.is_empty():
            return pl.DataFrame()
        restored = self.suspects.rows(rows).drop(_HASH)
        self._count_kept(restored)
        return restored

    def _kept_ids(self, written: Path, wanted: pl.Series) -> pl.DataFrame:
        """The kept ids whose hash is one of ``wanted`` with their hash, read batch by batch from the written rows."""
        assert self.id_column is not None
        found = []
        for batch in pl.scan_parquet(written).select(self.id_column).collect_batches(chunk_size=PARQUET_BATCH_ROWS):
            hashes = pl.Series(_HASH, _id_hashes(batch.to_series()))
            match = hashes.is_in(wanted.implode())
            if match.any():
                found.append(batch.with_columns(hashes).select(pl.all().gather(match.arg_true())))
        schema = {self.id_column: pl.String(), _HASH: pl.UInt64()}
        frame = pl.concat(found) if found else pl.DataFrame(schema=schema)
        return frame.unique().with_columns(__known=pl.lit(True))

    def finish(
        self, sniffed: Sniffed, checks: Sequence[tuple[str, str, pl.Expr]], *, encoding: str | None
    ) -> v.ValidationReport:
        counts: dict[tuple[str, str], tuple[int, list[int]]] = {}
        for number, (count, examples) in self.rejected.items():
            key, column, _condition = checks[number - 1]
            total, previous = counts.get((key, column), (0, []))
            counts[(key, column)] = (total + count, previous + examples)
        if self.spec.duplicate_key is not None and self.id_column is not None and self.repeated:
            label = self.spec.by_target[self.id_column].label
            counts[(self.spec.duplicate_key, label)] = (self.repeated, self.repeated_examples)
        cube = _sum_cube(self.cubes, self.is_visits)
        rows_kept = int(cube.get_column("n").sum()) if cube.height else 0
        flagged: dict[tuple[str, str], tuple[int, list[int]]] = {}
        for key in self.flags():
            count = int(cube.filter(pl.col(key)).get_column("n").sum()) if key in cube.columns else 0
            flagged[(key, self.flag_column(key))] = (count, self.flag_examples.get(key, []))
        missing_share = None
        if self.is_visits and rows_kept:
            missing_share = (
                flagged[(v.MISSING_PROFESSIONAL_ID, self.flag_column(v.MISSING_PROFESSIONAL_ID))][0] / rows_kept
            )
        return v.ValidationReport(
            source=sniffed.path.name,
            layout=self.spec.layout,
            file_format=sniffed.file_format,
            encoding=encoding,
            table=self.spec.table,
            rows_read=self.rows_read,
            rows_kept=rows_kept,
            rejected=v.findings_from_counts(counts),
            flagged=v.findings_from_counts(flagged),
            missing_professional_share=missing_share,
            coverage_cells=_coverage(cube) if self.is_visits else (),
            notes=self.spec.notes,
        )


_HASH: Final = "__hash"
_HASH_SEED: Final = 20_251_123


class _Suspects:
    """Rows held back by the duplicate check until the kept ids can be read, written to a file as they come.

    Holding them in memory made a file of many repeated rows a memory bomb (and a row filtered out of a
    chunk may keep the whole chunk's buffers alive). On disk they cost nothing until :meth:`passes` reads
    them back a range of hashes at a time: a repeated id always falls into one range, so each pass is
    judged on its own, and it holds about :data:`SUSPECT_PASS_ROWS` rows.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._writer: pq.ParquetWriter | None = None

    def hold(self, rows: pl.DataFrame) -> None:
        table = rows.to_arrow(compat_level=pl.CompatLevel.newest())
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema, compression="lz4")
        try:
            self._writer.write_table(table.cast(self._writer.schema))
        except (OSError, pa.ArrowException) as exc:
            raise DataSourceError(
                source="extract staging", request=f"writing {self.path.name}", reason=str(exc)
            ) from exc
        self.count += rows.height

    def passes(self, columns: Sequence[str]) -> Iterator[pl.DataFrame]:
        """``columns`` of the held rows, one range of hashes at a time, each in file order."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if not self.count:
            return
        parts = -(-self.count // SUSPECT_PASS_ROWS)
        with pq.ParquetFile(self.path) as held:
            for part in range(parts):
                low, high = (part << 64) // parts, ((part + 1) << 64) // parts
                pieces = []
                for batch in held.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=list(columns)):
                    frame = pl.from_arrow(batch)
                    assert isinstance(frame, pl.DataFrame)  # a record batch gives a frame
                    hashes = frame.get_column(_HASH)
                    inside = hashes >= low
                    if part < parts - 1:  # the last range ends at 2**64, which no uint64 reaches
                        inside &= hashes < high
                    if inside.any():  # gathered, not filtered: a filtered frame may keep the batch alive
                        pieces.append(frame.select(pl.all().gather(inside.arg_true())))
                if pieces:
                    yield pl.concat(pieces).sort(ROW)

    def rows(self, numbers: pl.Series) -> pl.DataFrame:
        """The whole held rows of the given row numbers (the few kept after all), in file order."""
        wanted = numbers.implode()
        with pq.ParquetFile(self.path) as held:
            found = []
            for batch in held.iter_batches(batch_size=PARQUET_BATCH_ROWS):
                frame = pl.from_arrow(batch)
                assert isinstance(frame, pl.DataFrame)  # a record batch gives a frame
                match = frame.get_column(ROW).is_in(wanted)
                if match.any():
                    found.append(frame.select(pl.all().gather(match.arg_true())))
        return pl.concat(found).sort(ROW)

    def discard(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.path.unlink(missing_ok=True)


def _id_hashes(ids: pl.Series) -> np.ndarray[Any, np.dtype[np.uint64]]:
    """A 64-bit hash of each id (equal ids, equal hashes; different ids rarely share one)."""
    hashes: np.ndarray[Any, np.dtype[np.uint64]] = ids.hash(seed=_HASH_SEED).to_numpy()
    return hashes


def _repeats_in_chunk(ids: pl.Series, hashes: np.ndarray[Any, np.dtype[np.uint64]]) -> np.ndarray[Any, Any]:
    """Rows whose id an earlier row of the same chunk has: hashes find the few candidates, ids decide."""
    repeat = np.zeros(len(hashes), dtype=np.bool_)
    hashed = pl.Series(hashes)
    first = hashed.is_first_distinct()
    if first.all():
        return repeat
    sharing = np.flatnonzero(hashed.is_in(hashed.filter(~first).implode()).to_numpy())
    repeat[sharing[~ids.gather(sharing).is_first_distinct().to_numpy()]] = True
    return repeat


class _SeenIds:
    """64-bit hashes of the ids kept so far, so that a repeated id is found as its row streams past.

    A hash's top bits index a bit map (2**29 bits, 64 MiB, touched only where hashes
    land); a clear bit means "surely new", the common case, at the cost of one memory read. The few
    hashes whose bit is set are looked up exactly in sorted runs, merged four at a time as they grow (a
    log-structured merge), so adding n hashes costs O(n log n) in all and a lookup a few binary searches.
    """

    BITS: Final = 29
    FAN_IN: Final = 4  # runs of one tier merged at once: each hash is copied about log4(n / chunk) times

    def __init__(self) -> None:
        self.words: np.ndarray[Any, np.dtype[np.uint64]] | None = None
        self.tiers: list[list[np.ndarray[Any, np.dtype[np.uint64]]]] = [[]]

    def _bits(
        self, hashes: np.ndarray[Any, np.dtype[np.uint64]]
    ) -> tuple[np.ndarray[Any, np.dtype[np.intp]], np.ndarray[Any, np.dtype[np.uint64]]]:
        """The word of the bit map and the bit within it for each hash."""
        bit = hashes >> np.uint64(64 - self.BITS)
        return (bit >> np.uint64(6)).astype(np.intp), np.uint64(1) << (bit & np.uint64(63))

    def contains(self, hashes: np.ndarray[Any, np.dtype[np.uint64]]) -> np.ndarray[Any, np.dtype[np.bool_]]:
        found = np.zeros(len(hashes), dtype=np.bool_)
        if self.words is None or not len(hashes):
            return found
        word, mask = self._bits(hashes)
        maybe = np.flatnonzero(self.words[word] & mask)
        if maybe.size:
            queries = hashes[maybe]
            order = np.argsort(queries)
            ordered = queries[order]
            hit = np.zeros(len(ordered), dtype=np.bool_)
            for run in self.runs:
                at = np.minimum(np.searchsorted(run, ordered), len(run) - 1)
                hit |= run[at] == ordered
            found[maybe[order]] = hit
        return found

    def add(self, hashes: np.ndarray[Any, np.dtype[np.uint64]]) -> None:
        if not len(hashes):
            return
        if self.words is None:
            self.words = np.zeros(1 << (self.BITS - 6), dtype=np.uint64)
        run = pl.Series(hashes).sort().to_numpy()
        word, mask = self._bits(run)  # sorted hashes: each word's bits are neighbours
        starts = np.flatnonzero(np.diff(word, prepend=-1))
        self.words[word[starts]] |= np.bitwise_or.reduceat(mask, starts)
        self.tiers[0].append(run)
        for tier, runs in enumerate(self.tiers):
            if len(runs) < self.FAN_IN:
                break
            merged = np.concatenate(runs)
            merged.sort(kind="stable")  # a few sorted runs: a linear merge
            runs.clear()
            if tier + 1 == len(self.tiers):
                self.tiers.append([])
            self.tiers[tier + 1].append(merged)

    @property
    def runs(self) -> list[np.ndarray[Any, np.dtype[np.uint64]]]:
        return [run for runs in self.tiers for run in runs]


_US_PER_DAY: Final = 86_400_000_000
_DAY_SHIFT: Final = 24  # day numbers plus the offset (any year from 1 to 9999) stay below 2**24
_DAY_OFFSET: Final = 1 << 22


def _fold_cubes(pieces: Sequence[pl.DataFrame], is_visits: bool) -> pl.DataFrame:
    """Several packed count cubes summed into one (keys with a count of 0 left out)."""
    frame = pl.concat(pieces, how="vertical_relaxed")
    if not is_visits:
        return frame.select(pl.col("n").sum())
    return frame.group_by("key").agg(pl.col("n").sum()).filter(pl.col("n") != 0)


def _sum_cube(pieces: Sequence[pl.DataFrame], is_visits: bool) -> pl.DataFrame:
    if not pieces:
        return pl.DataFrame(schema={"n": pl.Int64})
    summed = _fold_cubes(pieces, is_visits)
    return _unpack_cube(summed) if is_visits else summed


def _unpack_cube(cube: pl.DataFrame) -> pl.DataFrame:
    """The packed ``key`` of :meth:`_Tally.cube` back as region, month (yyyymm), urgent, has_assessment, flags."""
    key = pl.col("key")
    flags = [v.VISIT_BEFORE_ASSESSMENT, v.MISSING_PROFESSIONAL_ID, v.MISSING_URGENCY]
    bits = {name: ((key // (1 << shift)) % 2 == 1) for shift, name in enumerate(reversed(flags))}
    bits["has_assessment"] = (key // (1 << len(flags))) % 2 == 1
    rest = key // (1 << (len(flags) + 1))
    urgent = rest % 4
    day = ((rest // 4) % (1 << _DAY_SHIFT) - _DAY_OFFSET).cast(pl.Int32).cast(pl.Date)
    region = (rest // 4) // (1 << _DAY_SHIFT)
    codes = sorted(region_codes())
    return cube.select(
        region.replace_strict(list(range(len(codes))), codes, return_dtype=pl.String).alias(c.REGION_CODE),
        (day.dt.year().cast(pl.Int64) * 100 + day.dt.month().cast(pl.Int64)).alias("month"),
        pl.when(urgent < 2).then(urgent == 1).alias(c.URGENT),
        bits["has_assessment"].alias("has_assessment"),
        *(bits[name].alias(name) for name in flags),
        "n",
    )


def _coverage(cube: pl.DataFrame) -> tuple[v.CoverageCell, ...]:
    if cube.is_empty():
        return ()
    cells = (
        cube.filter(pl.col(c.URGENT).eq_missing(False))
        .group_by(c.REGION_CODE, "month")
        .agg(
            n_non_urgent=pl.col("n").sum(),
            n_with_assessment=pl.col("n").filter(pl.col("has_assessment")).sum(),
        )
        .sort(c.REGION_CODE, "month")
    )
    return tuple(
        v.CoverageCell(
            region_code=region, month=f"{month // 100:04d}-{month % 100:02d}", n_non_urgent=n, n_with_assessment=m
        )
        for region, month, n, m in cells.iter_rows()
    )
