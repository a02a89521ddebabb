"""What every part of the extract reader and both layouts share: tables, layouts, errors, the result, field specs.

The canonical layout (:mod:`data_sources.extracts.canonical`) and THL's Avohilmo layout
(:mod:`data_sources.extracts.avohilmo`) each describe a file as a :class:`ReadSpec` (a :class:`FieldSpec` per column);
the reader engine (:mod:`data_sources.extracts.reader`) reads any such spec. This module imports no other
part of the reader, so every part may import it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Final

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from core import columns as c
from core import validation as v
from core.errors import InvalidInputError, MissingColumnsError
from core.regions import region_codes
from core.schema import APPOINTMENT_SLOTS, ASSIGNMENTS, SURVEY_ANSWERS, VISITS, TableSchema, reader_dtypes

VISITS_TABLE: Final = "visits"
SLOTS_TABLE: Final = "appointment_slots"
ANSWERS_TABLE: Final = "survey_answers"
ASSIGNMENTS_TABLE: Final = ASSIGNMENTS.name
TABLES: Final[Mapping[str, TableSchema]] = {
    VISITS_TABLE: VISITS,
    SLOTS_TABLE: APPOINTMENT_SLOTS,
    ANSWERS_TABLE: SURVEY_ANSWERS,
    ASSIGNMENTS_TABLE: ASSIGNMENTS,
}


def table_dtypes(table: str) -> dict[str, pl.DataType]:
    """The columns and exact dtypes the reader writes for ``table`` (a key of :data:`TABLES`)."""
    return reader_dtypes(TABLES[table].name)


CANONICAL: Final = "canonical"
AVOHILMO: Final = "avohilmo"
LAYOUTS: Final = ("auto", CANONICAL, AVOHILMO)
#: Time formats of the canonical CSV layout, tried in this order.
ISO_FORMATS: Final = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d")
#: Rows per batch read from a Parquet file (about the rows of one CSV chunk), whatever its row groups hold.
PARQUET_BATCH_ROWS: Final = 131_072
ROW: Final = "__row"  # 1-based data row number, carried through staging
REASON: Final = "__reason"
EXTRA: Final = "__extra_field"


def staged_writer(path: Path, schema: pa.Schema) -> pq.ParquetWriter:
    """A writer of the kept rows: zstd, with dictionary pages and min/max statistics only where they pay.

    Not for pseudonymised ids, which are nearly unique (a dictionary is built and thrown away) and whose
    extremes are no one's business. Every file of kept rows, first written or rewritten, uses these settings.
    """
    plain = [name for name in schema.names if name not in c.IDENTIFIER_COLUMNS]
    texts = [name for name in plain if _is_text(schema.field(name).type)]
    return pq.ParquetWriter(path, schema, compression="zstd", use_dictionary=texts, write_statistics=plain)


def _is_text(dtype: pa.DataType) -> bool:
    return bool(pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or pa.types.is_string_view(dtype))


class ExtractError(InvalidInputError):
    """A file that cannot be read as an extract. The message names the file, and the row and column where known.

    ``key`` and ``params``, where set, name the message in the catalogues (``reader.<key>``) so that a page can
    say it in the reader's language; the English ``reason`` is for logs and the command line.
    """

    def __init__(
        self,
        path: Path | str,
        reason: str,
        *,
        row: int | None = None,
        column: str | None = None,
        key: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> None:
        self.path = Path(path)
        self.row = row
        self.column = column
        self.reason = reason
        self.key = key
        self.params = dict(params or {})
        where = "".join(
            [f", row {row}" if row is not None else "", f", column {column!r}" if column is not None else ""]
        )
        super().__init__(f"{self.path}{where}: {reason}")


class ExtractColumnsError(MissingColumnsError):
    """A file lacks columns its layout needs; the message names the file, the missing and the available columns,
    a close name where the file has one ('visitid' for 'visit_id', never 'visit_id' for 'unit_id'), and a hint on
    the layout. ``key`` and ``params`` name it in the catalogues (``reader.missing_columns``)."""

    def __init__(
        self,
        path: Path,
        *,
        layout: str,
        table: str,
        missing: Sequence[str],
        available: Sequence[str],
        hint: str = "",
        hint_key: str | None = None,
        expected: Sequence[str] = (),
    ) -> None:
        self.path = path
        super().__init__(table=f"{path} ({layout} {table})", missing=missing, available=available, expected=missing)
        spare = [name for name in available if name not in set(expected)]
        self.close = {name: match for name in missing if (match := close_name(name, spare)) is not None}
        text = (
            f"{path} ({layout} {table}): missing column(s) {', '.join(map(repr, missing))}. "
            f"Available columns: {', '.join(map(repr, available)) or '(none)'}."
        )
        text += "".join(f"\nHint: did you mean {match!r} for {name!r}?" for name, match in self.close.items())
        if hint:
            text += f"\n{hint}"
        self.args = (text,)
        self.key = "missing_columns"
        self.hint_key = hint_key
        self.params = {
            "missing": ", ".join(missing),
            "available": ", ".join(available),
            "table": table,
        }


#: How alike two column names must be (difflib's ratio, after case and separators are ignored) to be suggested.
CLOSE_NAME_RATIO: Final = 0.85


def _bare(name: str) -> str:
    return "".join(ch for ch in name.upper() if ch.isalnum())


def close_name(name: str, candidates: Sequence[str]) -> str | None:
    """The candidate that is the same name but for case, spaces, '-' or '_', or one or two typed characters."""
    bare = _bare(name)
    for candidate in candidates:
        if _bare(candidate) == bare:
            return candidate
    best = max(candidates, key=lambda item: difflib.SequenceMatcher(None, bare, _bare(item)).ratio(), default=None)
    if best is not None and difflib.SequenceMatcher(None, bare, _bare(best)).ratio() >= CLOSE_NAME_RATIO:
        return best
    return None


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


class FieldKind(Enum):
    """How a reader converts and checks the values of one field.

    Finer than :class:`core.schema.Kind`, which says what a canonical column holds: here a region is a code
    normalised through the region list (``"2"`` is read as ``"02"``).
    """

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
    ``no_future``: a time after ``today`` rejects the row. ``birth_year_of``
    (a number read from a birth year): the value becomes the year of that
    target's time minus the birth year, an age in whole years. ``open_ended``: a time may lie any distance
    ahead (the last day of an assignment: a register writes 9999-12-31 for "in force"). A region
    (:attr:`FieldKind.REGION`) with ``codes`` is read from another code, such
    as a municipality, through that map.
    """

    target: str
    kind: FieldKind
    source: str | None
    required: bool = True
    codes: CodeMap | None = None
    unknown_is_null: bool = False
    time_formats: tuple[str, ...] = ISO_FORMATS
    fill: str | None = None
    no_future: bool = False
    birth_year_of: str | None = None
    open_ended: bool = False

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
    period: tuple[str, str] | None = None  # (first day, last day) targets: a last day before the first rejects

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


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
