"""Converting and checking one raw chunk: canonical values, and the number of the first check each row fails.

**Numbers written as text.** A comma is a decimal mark only in a ``;``-separated CSV file, the Finnish and
Swedish convention (a spreadsheet saved as CSV there writes ``4,5``); the reader says so with
``decimal_comma``. Anywhere else (a ``,``-separated CSV file, where a quoted ``"1,250"`` may be a thousands
separator, or a text column of a Parquet file, which has no separator to tell the convention) a comma in a
number is ambiguous: rather than guess ``1.25`` or ``1250``, the file is refused
(:class:`~data_sources.extracts.common.ExtractError`, key ``comma_in_number``) naming the first row and
column, and saying that numbers there take a decimal point and no thousands separator. A value that is no
number with or without its commas (``"a,b"``) rejects only its row, as ``bad_number``, like any other text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import polars as pl

from core import validation as v
from core.assignments import ENDS_BEFORE_START
from core.errors import DashboardError, InvalidInputError
from core.settings import DEFAULT_EARLIEST_DATE, DEFAULT_SLOT_HORIZON_YEARS
from data_sources.extracts.common import (
    EXTRA,
    REASON,
    ROW,
    TABLES,
    ExtractError,
    FieldKind,
    FieldSpec,
    ReadSpec,
    _first_line,
    normalise_region,
    table_dtypes,
    years_after,
)

HELSINKI: Final = "Europe/Helsinki"
WHOLE_ROW: Final = "(row)"
#: C0 control characters and DEL: never part of an id or a text (PostgreSQL refuses NUL outright).
CONTROL_CHARACTERS: Final = tuple(chr(code) for code in (*range(0x20), 0x7F))
#: Why a number written with a comma is refused where the comma is no decimal mark (the catalogues say it too).
COMMA_IN_NUMBER: Final = (
    "a number written with a comma: a comma is read as the decimal mark only in a ';'-separated CSV file "
    "(as a Finnish or Swedish spreadsheet saves it); in a ','-separated CSV file or a Parquet file write numbers "
    "with a decimal point and no thousands separator (1.5, 1250)"
)


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
        decimal_comma: bool,
        earliest: dt.date = DEFAULT_EARLIEST_DATE,
        horizon_years: int = DEFAULT_SLOT_HORIZON_YEARS,
    ) -> None:
        """``decimal_comma``: a comma in a number is its decimal mark (a ``;``-separated CSV file only; see the
        module docstring), else a number written with a comma refuses the file."""
        self.path = path
        self.spec = spec
        self.decimal_comma = decimal_comma
        self.schema = TABLES[spec.table]
        self.dtypes = table_dtypes(spec.table)
        self.future = _midnight_after(today)
        self.earliest = dt.datetime.combine(earliest, dt.time())
        self.beyond_horizon = _midnight_after(years_after(today, horizon_years))
        self.checks: list[tuple[str, str, pl.Expr]] = []

    def convert(self, raw: pl.DataFrame, *, control_free: bool = False) -> pl.DataFrame:
        """``raw`` converted and checked. ``control_free``: the reader has proved from the chunk's bytes that no
        value holds a control character, so those checks (the costliest ones) are skipped for this chunk; the
        checks keep their numbers, and the reasons are the same."""
        schema = raw.schema
        values: dict[str, pl.Expr] = {}
        unusable: dict[str, pl.Expr] = {}  # refer to the values, so each is computed once
        distinct = self._distinct_codes(raw)
        for spec in self.spec.fields:
            value, bad = self._field(spec, schema, distinct)
            values[_VALUE + spec.target] = value
            if bad is not None:
                unusable[_BAD + spec.target] = bad
        try:
            frame = raw.with_columns(**values).with_columns(**unusable)
            self._refuse_comma_numbers(frame)
            frame = self._fallback_times(frame)
            frame = self._ages_from_birth_years(frame)
            if not self.checks:
                self.checks = self._checks(frame.schema)
            reason = pl.lit(0, dtype=pl.UInt8)
            for number, (key, _column, condition) in reversed(list(enumerate(self.checks, start=1))):
                if control_free and key == v.CONTROL_CHARACTER:
                    continue
                reason = pl.when(condition).then(pl.lit(number, dtype=pl.UInt8)).otherwise(reason)
            converted = (self._output(spec) for spec in self.spec.fields)
            return frame.select(ROW, *converted, reason.alias(REASON))
        except DashboardError:
            raise
        except Exception as exc:  # a value polars cannot convert
            raise ExtractError(
                self.path, f"the values cannot be converted: {_first_line(exc)}", key="values_unconvertible"
            ) from exc

    def _output(self, spec: FieldSpec) -> pl.Expr:
        """The converted column under its canonical name; a time read into a date column keeps its calendar day."""
        value = pl.col(_VALUE + spec.target)
        if spec.kind is FieldKind.TIME and isinstance(self.dtypes[spec.target], pl.Date):
            value = value.dt.date()
        return value.alias(spec.target)

    def _distinct_codes(self, raw: pl.DataFrame) -> dict[str, list[str]]:
        """The distinct values (as text, nulls left out) of every column read through a code map, keyed by column.

        Computed in one polars call for all such columns: one call per column and step cost the converting
        thread a wait for the interpreter lock each (the reader thread takes it in between).
        """
        schema = raw.schema
        labels = [spec.label for spec in self.spec.fields if _reads_codes(spec, schema)]
        if not labels:
            return {}
        found = raw.select(
            pl.col(label).cast(pl.String).drop_nulls().unique().implode() for label in dict.fromkeys(labels)
        )
        return found.row(0, named=True)

    def _field(
        self, spec: FieldSpec, schema: pl.Schema, distinct: dict[str, list[str]]
    ) -> tuple[pl.Expr, pl.Expr | None]:
        """The canonical value of ``spec`` and, where a value can be unusable, the condition that it is."""
        dtype_out = self.dtypes[spec.target]
        if spec.source is None:
            return pl.lit(spec.fill, dtype=dtype_out), None
        source = pl.col(spec.source)
        dtype = schema[spec.source]
        textual = isinstance(dtype, pl.String | pl.Categorical | pl.Enum)
        if spec.kind in (FieldKind.ID, FieldKind.TEXT):
            if not (dtype.is_integer() or textual):
                raise self._type_error(spec, dtype, "text or an integer")
            return source.cast(pl.String), None
        if spec.kind is FieldKind.TIME:
            return self._time(spec, dtype)
        if spec.kind is FieldKind.NUMBER:
            return self._number(spec, dtype)
        if spec.kind is FieldKind.BOOL and isinstance(dtype, pl.Boolean):
            return source, None
        if not (dtype.is_integer() or textual):
            raise self._type_error(spec, dtype, "a code (text)")
        return self._code(spec, distinct[spec.label])

    def _number(self, spec: FieldSpec, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr | None]:
        source = pl.col(spec.label)
        if dtype.is_numeric():
            return source.cast(pl.Float64), None
        if not isinstance(dtype, pl.String | pl.Categorical | pl.Enum):
            raise self._type_error(spec, dtype, "a number")
        text = source.cast(pl.String).str.strip_chars()
        if self.decimal_comma:  # a Finnish or Swedish spreadsheet's decimal comma reads as a decimal point
            text = text.str.replace(",", ".", literal=True)
        number = text.cast(pl.Float64, strict=False)
        return number, source.is_not_null() & pl.col(_VALUE + spec.target).is_null()

    def _refuse_comma_numbers(self, frame: pl.DataFrame) -> None:
        """Refuse the file at the first number written with a comma, unless commas are its decimal marks.

        Such a value is a number once its commas are left out (``"1,250"``, ``"1,5"``, ``"1,250,000"``); it is
        not read as either meaning, nor quoted in the message (the row and column say where it is).
        """
        if self.decimal_comma:
            return
        for spec in self.spec.fields:
            if spec.kind is not FieldKind.NUMBER or spec.source is None:
                continue
            if not isinstance(frame.schema[spec.source], pl.String | pl.Categorical | pl.Enum):
                continue
            text = pl.col(spec.source).cast(pl.String).str.strip_chars()
            without_commas = text.str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False)
            rows = frame.filter(text.str.contains(",", literal=True) & without_commas.is_not_null()).get_column(ROW)
            if not rows.is_empty():
                raise ExtractError(
                    self.path, COMMA_IN_NUMBER, row=int(rows[0]), column=spec.label, key="comma_in_number"
                )

    def _code(self, spec: FieldSpec, distinct: list[str]) -> tuple[pl.Expr, pl.Expr | None]:
        """Codes, regions and booleans from text: the ``distinct`` values of this chunk are mapped in Python."""
        source = pl.col(spec.label)
        dtype_out = self.dtypes[spec.target]
        # a region read from another code (a municipality) brings its own map; a region code is normalised
        mapper = normalise_region if spec.kind is FieldKind.REGION and spec.codes is None else spec.codes
        if mapper is None:
            raise InvalidInputError(f"{spec.target}: a code column needs a code map")
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
            if spec.kind is not FieldKind.TIME or spec.source is None or len(spec.time_formats) < 2:
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

    def _ages_from_birth_years(self, frame: pl.DataFrame) -> pl.DataFrame:
        """A field read from a birth year becomes the age in the year of its reference time (visit year minus
        birth year: the age reached that year, at most one year more than the age on the day)."""
        derived = [spec for spec in self.spec.fields if spec.birth_year_of is not None and spec.source is not None]
        return frame.with_columns(
            (pl.col(_VALUE + str(spec.birth_year_of)).dt.year().cast(pl.Float64) - pl.col(_VALUE + spec.target)).alias(
                _VALUE + spec.target
            )
            for spec in derived
        )

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
            if spec.kind in (FieldKind.ID, FieldKind.TEXT)
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

        def bad(kinds: tuple[FieldKind, ...]) -> list[FieldSpec]:
            return [spec for spec in fields if spec.kind in kinds and _BAD + spec.target in schema]

        checks += [(v.BAD_DATE, spec.label, pl.col(_BAD + spec.target)) for spec in bad((FieldKind.TIME,))]
        checks += [(v.BAD_NUMBER, spec.label, pl.col(_BAD + spec.target)) for spec in bad((FieldKind.NUMBER,))]
        times = [spec for spec in fields if spec.kind is FieldKind.TIME and spec.source is not None]
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
            if not spec.no_future and not spec.open_ended
        ]
        checks += [(v.UNKNOWN_REGION, spec.label, pl.col(_BAD + spec.target)) for spec in bad((FieldKind.REGION,))]
        checks += [
            (v.INVALID_CODE, spec.label, pl.col(_BAD + spec.target)) for spec in bad((FieldKind.CODE, FieldKind.BOOL))
        ]
        if self.spec.period is not None:
            first, last = (self.spec.by_target[target] for target in self.spec.period)
            ends_before = pl.col(_VALUE + last.target).dt.date() < pl.col(_VALUE + first.target).dt.date()
            checks.append((ENDS_BEFORE_START, last.label, ends_before.fill_null(value=False)))
        return checks

    def _type_error(self, spec: FieldSpec, dtype: pl.DataType, allowed: str) -> ExtractError:
        return ExtractError(self.path, f"the column has type {dtype}, but it must hold {allowed}", column=spec.label)


def _reads_codes(spec: FieldSpec, schema: pl.Schema) -> bool:
    """Whether :meth:`_Converter._field` reads ``spec`` through its code map (a code, region or boolean column of
    text or integers); other dtypes are refused there, with the column named."""
    if spec.source is None or spec.kind not in (FieldKind.CODE, FieldKind.REGION, FieldKind.BOOL):
        return False
    dtype = schema[spec.source]
    if spec.kind is FieldKind.BOOL and isinstance(dtype, pl.Boolean):
        return False
    return dtype.is_integer() or isinstance(dtype, pl.String | pl.Categorical | pl.Enum)


def _midnight_after(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` (a time at or after it lies beyond the day)."""
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(days=1)
