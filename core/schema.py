"""Canonical table schemas and the one validator every metric and reader uses.

A schema lists each column with the kind of data it holds (not one exact
dtype: an id may be text or an integer, a time may be a date or a datetime),
whether it may be null, and for coded columns the allowed values.
:meth:`TableSchema.check` looks only at the frame's schema, never at its
rows, so it is cheap on lazy frames; value checks belong to the readers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Final

import polars as pl

from core import columns as c
from core.errors import ColumnTypeError, MissingColumnsError


class Kind(Enum):
    """What a column holds, with the polars dtypes that can carry it."""

    ID = "an identifier (text or integer)"
    TEXT = "text"
    CODE = "a code (text)"
    TIME = "a date or datetime"
    BOOL = "a boolean"
    NUMBER = "a number"

    def accepts(self, dtype: pl.DataType) -> bool:
        if self is Kind.ID:
            return dtype.is_integer() or _is_text(dtype)
        if self in (Kind.TEXT, Kind.CODE):
            return _is_text(dtype)
        if self is Kind.TIME:
            return isinstance(dtype, pl.Datetime | pl.Date)
        if self is Kind.BOOL:
            return isinstance(dtype, pl.Boolean)
        return dtype.is_numeric()


def _is_text(dtype: pl.DataType) -> bool:
    return isinstance(dtype, pl.String | pl.Categorical | pl.Enum)


#: The longest value, in characters, a reader accepts in an id column (pseudonyms, unit and book ids, OIDs run to
#: about 40) and in a free-text column (a service type such as ``T11``); a longer value is rejected per row.
#: Codes need no limit: they must be one of their allowed values.
MAX_LENGTHS: Mapping[Kind, int] = {Kind.ID: 64, Kind.TEXT: 64}


@dataclass(frozen=True)
class Column:
    """One column of a canonical table."""

    name: str
    kind: Kind
    nullable: bool = False
    allowed: frozenset[str] = frozenset()
    required: bool = True

    @property
    def max_length(self) -> int | None:
        """The longest text a reader accepts in this column (:data:`MAX_LENGTHS`), or None for no limit."""
        return MAX_LENGTHS.get(self.kind)


@dataclass(frozen=True)
class TableSchema:
    """A canonical table: its columns, in their canonical order."""

    name: str
    columns: tuple[Column, ...]
    by_name: Mapping[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {col.name: col for col in self.columns})

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(col.name for col in self.columns)

    def check(self, frame: pl.DataFrame | pl.LazyFrame, needed: Sequence[str] | None = None) -> pl.Schema:
        """Check that ``frame`` has the ``needed`` columns (default: every required one) with usable types.

        Returns the frame's schema. Raises :class:`MissingColumnsError` naming
        the missing and the available columns, or :class:`ColumnTypeError`.
        """
        schema = frame.collect_schema()
        wanted = list(needed) if needed is not None else [col.name for col in self.columns if col.required]
        missing = [name for name in wanted if name not in schema]
        if missing:
            raise MissingColumnsError(
                table=self.name, missing=missing, available=list(schema.names()), expected=[*self.names, *wanted]
            )
        for name in wanted:
            column = self.by_name.get(name)
            if column is not None and not column.kind.accepts(schema[name]):
                raise ColumnTypeError(
                    f"{self.name}: column {name!r} has type {schema[name]}, but it must hold {column.kind.value}."
                )
        return schema


def require_columns(frame: pl.DataFrame | pl.LazyFrame, names: Sequence[str], *, table: str) -> pl.Schema:
    """Check that ``frame`` has ``names`` (for grouping keys and other free columns)."""
    schema = frame.collect_schema()
    missing = [name for name in names if name not in schema]
    if missing:
        raise MissingColumnsError(table=table, missing=missing, available=list(schema.names()), expected=names)
    return schema


PROFESSIONS = frozenset({"doctor", "nurse", "other"})
CONTACT_MODE_CODES = ("in_person", "phone", "video", "message", "home")
"""The contact modes in their usual order (the sample generators draw them by position)."""
CONTACT_MODES = frozenset(CONTACT_MODE_CODES)
SLOT_STATUSES = frozenset({"free", "booked", "held"})
SLOT_TYPES = frozenset({"non_urgent", "urgent"})
RESPONDENTS = frozenset({"patient", "staff"})
SEXES = frozenset({"total", "male", "female"})

VISITS = TableSchema(
    "visits",
    (
        Column(c.VISIT_ID, Kind.ID),
        Column(c.PATIENT_ID, Kind.ID),
        Column(c.PROFESSIONAL_ID, Kind.ID, nullable=True),
        Column(c.PROFESSION, Kind.CODE, allowed=PROFESSIONS),
        Column(c.UNIT_ID, Kind.ID),
        Column(c.REGION_CODE, Kind.CODE),
        Column(c.VISIT_AT, Kind.TIME),
        Column(c.ASSESSMENT_AT, Kind.TIME, nullable=True),
        Column(c.URGENT, Kind.BOOL),
        Column(c.CONTACT_MODE, Kind.CODE, allowed=CONTACT_MODES),
        Column(c.SERVICE_TYPE, Kind.TEXT, nullable=True),
        Column(c.AGE_YEARS, Kind.NUMBER, nullable=True, required=False),
    ),
)

APPOINTMENT_SLOTS = TableSchema(
    "appointment slots",
    (
        Column(c.CAPTURED_AT, Kind.TIME),
        Column(c.BOOK_ID, Kind.ID),
        Column(c.UNIT_ID, Kind.ID),
        Column(c.REGION_CODE, Kind.CODE),
        Column(c.PROFESSION, Kind.CODE, allowed=PROFESSIONS),
        Column(c.SLOT_AT, Kind.TIME),
        Column(c.STATUS, Kind.CODE, allowed=SLOT_STATUSES),
        Column(c.SLOT_TYPE, Kind.CODE, allowed=SLOT_TYPES),
    ),
)

SURVEY_ANSWERS = TableSchema(
    "survey answers",
    (
        Column(c.RESPONSE_ID, Kind.ID),
        Column(c.REGION_CODE, Kind.CODE),
        Column(c.UNIT_ID, Kind.ID),
        Column(c.ANSWERED_AT, Kind.TIME),
        Column(c.SCORE, Kind.NUMBER, nullable=True),
        Column(c.RESPONDENT, Kind.CODE, allowed=RESPONDENTS),
        Column(c.WEIGHT, Kind.NUMBER, nullable=True, required=False),
    ),
)

INDICATOR_VALUES = TableSchema(
    "indicator values",
    (
        Column(c.SOURCE, Kind.CODE),
        Column(c.INDICATOR_ID, Kind.ID),
        Column(c.REGION_CODE, Kind.CODE),
        Column(c.PERIOD, Kind.TEXT),
        Column(c.SEX, Kind.CODE, allowed=SEXES),
        Column(c.VALUE, Kind.NUMBER, nullable=True),
        Column(c.NUMERATOR, Kind.NUMBER, nullable=True),
        Column(c.DENOMINATOR, Kind.NUMBER, nullable=True),
        Column(c.UNIT, Kind.TEXT, nullable=True),
    ),
)

#: The named-provider assignments' own columns (:mod:`core.assignments` describes the table and its uses).
PROVIDER_KIND: Final = "provider_kind"  # doctor | nurse | team
PROVIDER_ID: Final = "provider_id"  # pseudonymised; never shown
VALID_FROM: Final = "valid_from"
VALID_TO: Final = "valid_to"  # nullable: still in force
PROVIDER_KINDS: Final = ("doctor", "nurse", "team")

ASSIGNMENTS = TableSchema(
    "assignments",
    (
        Column(c.PATIENT_ID, Kind.ID),
        Column(PROVIDER_KIND, Kind.CODE, allowed=frozenset(PROVIDER_KINDS)),
        Column(PROVIDER_ID, Kind.ID),
        Column(c.REGION_CODE, Kind.CODE),
        Column(c.UNIT_ID, Kind.ID),
        Column(VALID_FROM, Kind.TIME),
        Column(VALID_TO, Kind.TIME, nullable=True),
    ),
)

#: Exact polars dtypes used when a reader builds a canonical frame.
CANONICAL_DTYPES: Mapping[str, Mapping[str, pl.DataType]] = {
    VISITS.name: {
        c.VISIT_ID: pl.String(),
        c.PATIENT_ID: pl.String(),
        c.PROFESSIONAL_ID: pl.String(),
        c.PROFESSION: pl.String(),
        c.UNIT_ID: pl.String(),
        c.REGION_CODE: pl.String(),
        c.VISIT_AT: pl.Datetime("us"),
        c.ASSESSMENT_AT: pl.Datetime("us"),
        c.URGENT: pl.Boolean(),
        c.CONTACT_MODE: pl.String(),
        c.SERVICE_TYPE: pl.String(),
    },
    APPOINTMENT_SLOTS.name: {
        c.CAPTURED_AT: pl.Datetime("us"),
        c.BOOK_ID: pl.String(),
        c.UNIT_ID: pl.String(),
        c.REGION_CODE: pl.String(),
        c.PROFESSION: pl.String(),
        c.SLOT_AT: pl.Datetime("us"),
        c.STATUS: pl.String(),
        c.SLOT_TYPE: pl.String(),
    },
    SURVEY_ANSWERS.name: {
        c.RESPONSE_ID: pl.String(),
        c.REGION_CODE: pl.String(),
        c.UNIT_ID: pl.String(),
        c.ANSWERED_AT: pl.Datetime("us"),
        c.SCORE: pl.Float64(),
        c.RESPONDENT: pl.String(),
        c.WEIGHT: pl.Float64(),
    },
    INDICATOR_VALUES.name: {
        c.SOURCE: pl.String(),
        c.INDICATOR_ID: pl.String(),
        c.REGION_CODE: pl.String(),
        c.PERIOD: pl.String(),
        c.SEX: pl.String(),
        c.VALUE: pl.Float64(),
        c.NUMERATOR: pl.Float64(),
        c.DENOMINATOR: pl.Float64(),
        c.UNIT: pl.String(),
    },
    ASSIGNMENTS.name: {  # validity is by calendar day
        c.PATIENT_ID: pl.String(),
        PROVIDER_KIND: pl.String(),
        PROVIDER_ID: pl.String(),
        c.REGION_CODE: pl.String(),
        c.UNIT_ID: pl.String(),
        VALID_FROM: pl.Date(),
        VALID_TO: pl.Date(),
    },
}

#: Columns a canonical file may leave out although the metrics' frames carry them: the readers fill them with
#: null (a file without professional ids cannot give continuity; one without service types counts every visit).
READER_OPTIONAL_COLUMNS: frozenset[str] = frozenset({c.PROFESSIONAL_ID, c.SERVICE_TYPE, c.WEIGHT})

#: Optional canonical columns (``required=False`` above) that the extract readers always write, null where the
#: file has none. Data made elsewhere (the generated sample) may lack them; a table's readers' dtypes are
#: :func:`reader_dtypes`.
OPTIONAL_DTYPES: Mapping[str, Mapping[str, pl.DataType]] = {VISITS.name: {c.AGE_YEARS: pl.Float64()}}


def reader_dtypes(table_name: str) -> dict[str, pl.DataType]:
    """The columns and exact dtypes an extract reader writes for the table named ``table_name``."""
    return {**CANONICAL_DTYPES[table_name], **OPTIONAL_DTYPES.get(table_name, {})}


def empty_frame(table: TableSchema) -> pl.DataFrame:
    """An empty frame with the canonical columns and dtypes of ``table``."""
    return pl.DataFrame(schema=dict(CANONICAL_DTYPES[table.name]))
