"""The validation report every extract reader returns beside the data.

A report says how many data rows a file held, how many the reader kept, and
why the others were left out. It distinguishes two kinds of finding:

- **rejected** rows are dropped: the row cannot be used (an unparseable,
  future or implausible date, an unknown region, a code outside the allowed
  values, a missing required value, an id or text too long or holding control
  characters, a repeated id, a cancelled appointment);
- **flagged** rows are kept and counted: they are usable, but a metric treats
  them specially (a visit dated before its care-need assessment is counted by
  ``access_within_days`` as ``n_negative_wait``; a visit without a
  professional id leaves the continuity indices; a visit without a known
  urgency is counted as ``n_missing_urgency``).

Each finding has a stable machine key (:data:`REASONS` lists them with a
description), the file column it concerns, a count and up to
:data:`MAX_EXAMPLES` example row numbers. **Row numbers are 1-based data row
numbers as a person sees them in the file, header excluded**: row 1 is the
first row after the header (line 2 of a CSV file without line breaks inside
quoted values; the first row of a Parquet file). A rejected row is counted
once, under the first reason that applies, in the order the reader checks them
(see ``data_sources.extracts``), so ``rows_read = rows_kept + sum of the
rejected counts``. A flagged row may carry several flags.

A report holds row numbers, reason keys, column names and counts only, never
an identifier or any other value from the file, so it can be shown, stored
and exported.

For visits the report also carries THL's coverage measure: per region and
month (of ``visit_at``) the share of kept non-urgent visits that carry a
care-need assessment date. THL computes it over curative (``SH``) visits;
the canonical visit table carries no visit nature, so here it covers every
non-urgent visit in the extract.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from core.assignments import ENDS_BEFORE_START
from core.errors import InvalidInputError

#: Examples kept per finding.
MAX_EXAMPLES: Final = 5

# Rejections (the row is dropped).
EMPTY_ROW: Final = "empty_row"
TOO_MANY_FIELDS: Final = "too_many_fields"
CANCELLED: Final = "cancelled"
MISSING_VALUE: Final = "missing_value"
VALUE_TOO_LONG: Final = "value_too_long"
CONTROL_CHARACTER: Final = "control_character"
BAD_DATE: Final = "bad_date"
BAD_NUMBER: Final = "bad_number"
FUTURE_DATE: Final = "future_date"
DATE_TOO_EARLY: Final = "date_too_early"
DATE_TOO_FAR_AHEAD: Final = "date_too_far_ahead"
UNKNOWN_REGION: Final = "unknown_region"
INVALID_CODE: Final = "invalid_code"
DUPLICATE_VISIT_ID: Final = "duplicate_visit_id"
DUPLICATE_RESPONSE_ID: Final = "duplicate_response_id"
CONFLICTING_VISIT_ID: Final = "conflicting_visit_id"
CONFLICTING_RESPONSE_ID: Final = "conflicting_response_id"
IMPORTED_BEFORE: Final = "imported_before"  # set by the store: the id is in an earlier import of the table

# Flags (the row is kept and counted).
VISIT_BEFORE_ASSESSMENT: Final = "visit_before_assessment"
MISSING_PROFESSIONAL_ID: Final = "missing_professional_id"
MISSING_URGENCY: Final = "missing_urgency"

REJECTED: Final = "rejected"
FLAGGED: Final = "flagged"

#: Every reason key with what it means; the key is stable, the text may change.
REASONS: Final[Mapping[str, str]] = {
    EMPTY_ROW: "the row has no value in any column the reader uses (for example a blank line)",
    TOO_MANY_FIELDS: "the row has more fields than the header (a separator inside an unquoted value?)",
    CANCELLED: "the appointment was cancelled (a cancellation time is set), so it is not a realised visit",
    MISSING_VALUE: "a required value is empty",
    VALUE_TOO_LONG: "an id or text longer than the column allows (64 characters; see core.schema.MAX_LENGTHS)",
    CONTROL_CHARACTER: "an id or text holding a control character (such as a NUL byte, a tab or a line break)",
    BAD_DATE: "a date or time that cannot be read in the layout's format, or that does not exist",
    BAD_NUMBER: "a value that must be a number is not one",
    FUTURE_DATE: "a date after the reader's 'today'",
    DATE_TOO_EARLY: "a date before the earliest plausible date (DASHBOARD_EARLIEST_DATE, by default 2000-01-01)",
    DATE_TOO_FAR_AHEAD: "an appointment slot further ahead than the horizon (DASHBOARD_SLOT_HORIZON_YEARS, by default "
    "2 years after the reader's 'today')",
    ENDS_BEFORE_START: "an assignment whose last day (valid_to) is before its first (valid_from)",
    UNKNOWN_REGION: "a region code that is not one of the 21 wellbeing services counties or Helsinki (90)",
    INVALID_CODE: "a code outside the allowed values",
    DUPLICATE_VISIT_ID: "a visit id seen on an earlier kept row (the first occurrence is kept)",
    DUPLICATE_RESPONSE_ID: "a response id seen on an earlier kept row (the first occurrence is kept)",
    CONFLICTING_VISIT_ID: "a visit id on several rows that differ in other columns; none of them is kept, as which "
    "is right cannot be told (identical repeats are kept once, as duplicate_visit_id)",
    CONFLICTING_RESPONSE_ID: "a response id on several rows that differ in other columns; none of them is kept, as "
    "which is right cannot be told (identical repeats are kept once, as duplicate_response_id)",
    IMPORTED_BEFORE: "the row's id is in an earlier import of the same table (the earlier row is kept)",
    VISIT_BEFORE_ASSESSMENT: "visit date before the assessment date; kept, counted as n_negative_wait by the metrics",
    MISSING_PROFESSIONAL_ID: "no professional id; kept, left out of the continuity indices",
    MISSING_URGENCY: "urgency empty or not in the urgency mapping; kept, counted as n_missing_urgency",
}
REJECTION_KEYS: Final = frozenset(
    {
        EMPTY_ROW,
        TOO_MANY_FIELDS,
        CANCELLED,
        MISSING_VALUE,
        VALUE_TOO_LONG,
        CONTROL_CHARACTER,
        BAD_DATE,
        BAD_NUMBER,
        FUTURE_DATE,
        DATE_TOO_EARLY,
        DATE_TOO_FAR_AHEAD,
        ENDS_BEFORE_START,
        UNKNOWN_REGION,
        INVALID_CODE,
        DUPLICATE_VISIT_ID,
        DUPLICATE_RESPONSE_ID,
        CONFLICTING_VISIT_ID,
        CONFLICTING_RESPONSE_ID,
        IMPORTED_BEFORE,
    }
)
FLAG_KEYS: Final = frozenset({VISIT_BEFORE_ASSESSMENT, MISSING_PROFESSIONAL_ID, MISSING_URGENCY})

COVERAGE_SCHEMA: Final[Mapping[str, pl.DataType]] = {
    "region_code": pl.String(),
    "month": pl.String(),
    "n_non_urgent": pl.Int64(),
    "n_with_assessment": pl.Int64(),
    "share": pl.Float64(),
}
FINDINGS_SCHEMA: Final[Mapping[str, pl.DataType]] = {
    "kind": pl.String(),
    "key": pl.String(),
    "column": pl.String(),
    "count": pl.Int64(),
    "share_of_rows": pl.Float64(),
    "example_rows": pl.String(),
    "description": pl.String(),
}


@dataclass(frozen=True)
class Finding:
    """One reason: its key, the file column concerned, how many rows, and example row numbers."""

    key: str
    column: str
    count: int
    examples: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.key not in REASONS:
            raise InvalidInputError(f"unknown reason key {self.key!r}; known keys: {', '.join(sorted(REASONS))}")
        if self.count < 0:
            raise InvalidInputError(f"a finding's count must be >= 0, got {self.count}")
        if len(self.examples) > MAX_EXAMPLES:
            raise InvalidInputError(f"at most {MAX_EXAMPLES} example rows, got {len(self.examples)}")

    @property
    def description(self) -> str:
        return REASONS[self.key]


@dataclass(frozen=True)
class CoverageCell:
    """Kept non-urgent visits of one region and month, and how many carry an assessment date."""

    region_code: str
    month: str
    n_non_urgent: int
    n_with_assessment: int

    @property
    def share(self) -> float | None:
        return self.n_with_assessment / self.n_non_urgent if self.n_non_urgent else None


@dataclass(frozen=True)
class ValidationReport:
    """What a reader read from one file, what it kept, and why it left rows out.

    ``source`` is the file name (not its folder); ``layout`` is ``"avohilmo"``
    or ``"canonical"``; ``file_format`` ``"csv"`` or ``"parquet"``;
    ``encoding`` the text encoding a CSV file was read in (``None`` for
    Parquet); ``table`` is ``"visits"``, ``"appointment_slots"`` or
    ``"survey_answers"``. ``missing_professional_share`` is the share of kept
    visits without a professional id (``None`` for other tables or when no
    visit was kept). ``coverage_cells`` (visits only) are sorted by region and
    month; :attr:`coverage` gives them as a frame. ``notes`` are plain-text
    remarks about the file as a whole (an optional column that is absent, the
    default urgency mapping in use).
    """

    source: str
    layout: str
    file_format: str
    encoding: str | None
    table: str
    rows_read: int
    rows_kept: int
    rejected: tuple[Finding, ...] = ()
    flagged: tuple[Finding, ...] = ()
    missing_professional_share: float | None = None
    coverage_cells: tuple[CoverageCell, ...] = ()
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        rejected_total = sum(finding.count for finding in self.rejected)
        if self.rows_read != self.rows_kept + rejected_total:
            raise InvalidInputError(
                f"{self.source}: rows_read ({self.rows_read}) must equal rows_kept ({self.rows_kept}) "
                f"plus the rejected rows ({rejected_total})"
            )
        for finding in self.rejected:
            if finding.key not in REJECTION_KEYS:
                raise InvalidInputError(f"{finding.key!r} is a flag, not a rejection reason")
        for finding in self.flagged:
            if finding.key not in FLAG_KEYS:
                raise InvalidInputError(f"{finding.key!r} is a rejection reason, not a flag")

    @property
    def rows_rejected(self) -> int:
        return self.rows_read - self.rows_kept

    def rejected_count(self, key: str) -> int:
        """Rows rejected for ``key``, over every column."""
        return sum(finding.count for finding in self.rejected if finding.key == key)

    def flagged_count(self, key: str) -> int:
        """Kept rows flagged ``key``, over every column."""
        return sum(finding.count for finding in self.flagged if finding.key == key)

    @property
    def coverage(self) -> pl.DataFrame:
        """Coverage per region and month: ``region_code``, ``month`` (``YYYY-MM``), counts and ``share``."""
        return pl.DataFrame(
            [
                (cell.region_code, cell.month, cell.n_non_urgent, cell.n_with_assessment, cell.share)
                for cell in self.coverage_cells
            ],
            schema=dict(COVERAGE_SCHEMA),
            orient="row",
        )

    def to_frame(self) -> pl.DataFrame:
        """One row per finding, rejections first: kind, key, column, count, share of rows read, examples."""
        rows = [
            (
                kind,
                finding.key,
                finding.column,
                finding.count,
                finding.count / self.rows_read if self.rows_read else None,
                ", ".join(str(row) for row in finding.examples),
                finding.description,
            )
            for kind, findings in ((REJECTED, self.rejected), (FLAGGED, self.flagged))
            for finding in findings
        ]
        return pl.DataFrame(rows, schema=dict(FINDINGS_SCHEMA), orient="row")

    def summary(self) -> str:
        """A few lines of plain text for a log or a caption."""
        encoding = f", {self.encoding}" if self.encoding else ""
        lines = [
            f"{self.source} ({self.layout} {self.file_format}{encoding}, {self.table}): "
            f"{self.rows_read:,} rows read, {self.rows_kept:,} kept, {self.rows_rejected:,} rejected."
        ]
        for kind, findings in ((REJECTED, self.rejected), (FLAGGED, self.flagged)):
            for finding in findings:
                examples = ", ".join(str(row) for row in finding.examples)
                lines.append(f"  {kind} {finding.key} [{finding.column}]: {finding.count:,} (rows {examples})")
        if self.missing_professional_share is not None:
            lines.append(f"  share of kept visits without a professional id: {self.missing_professional_share:.1%}")
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "layout": self.layout,
            "file_format": self.file_format,
            "encoding": self.encoding,
            "table": self.table,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "rejected": [_finding_dict(finding) for finding in self.rejected],
            "flagged": [_finding_dict(finding) for finding in self.flagged],
            "missing_professional_share": self.missing_professional_share,
            "coverage": [
                {
                    "region_code": cell.region_code,
                    "month": cell.month,
                    "n_non_urgent": cell.n_non_urgent,
                    "n_with_assessment": cell.n_with_assessment,
                }
                for cell in self.coverage_cells
            ],
            "notes": list(self.notes),
        }

    def to_json(self) -> str:
        """The report as JSON (what the store records with an import)."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ValidationReport:
        """Rebuild a report from :meth:`to_json`; a malformed text raises :class:`InvalidInputError`."""
        try:
            data = json.loads(text)
            return cls(
                source=data["source"],
                layout=data["layout"],
                file_format=data["file_format"],
                encoding=data["encoding"],
                table=data["table"],
                rows_read=int(data["rows_read"]),
                rows_kept=int(data["rows_kept"]),
                rejected=tuple(_finding(item) for item in data["rejected"]),
                flagged=tuple(_finding(item) for item in data["flagged"]),
                missing_professional_share=data["missing_professional_share"],
                coverage_cells=tuple(CoverageCell(**item) for item in data["coverage"]),
                notes=tuple(data["notes"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInputError(f"not a validation report: {exc}") from exc


def _finding_dict(finding: Finding) -> dict[str, Any]:
    return {"key": finding.key, "column": finding.column, "count": finding.count, "examples": list(finding.examples)}


def _finding(item: Mapping[str, Any]) -> Finding:
    return Finding(key=item["key"], column=item["column"], count=int(item["count"]), examples=tuple(item["examples"]))


def findings_from_counts(counts: Mapping[tuple[str, str], tuple[int, Sequence[int]]]) -> tuple[Finding, ...]:
    """Findings from ``{(key, column): (count, example rows)}``, zero counts left out, in key order of :data:`REASONS`.

    Examples are sorted and cut to :data:`MAX_EXAMPLES`.
    """
    order = {key: index for index, key in enumerate(REASONS)}
    findings = [
        Finding(key=key, column=column, count=count, examples=tuple(sorted(examples)[:MAX_EXAMPLES]))
        for (key, column), (count, examples) in counts.items()
        if count > 0
    ]
    return tuple(sorted(findings, key=lambda finding: (order[finding.key], finding.column)))
