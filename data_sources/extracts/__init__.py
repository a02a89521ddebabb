"""Extract readers: visits, appointment slots, survey answers and named-provider assignments from CSV or Parquet
files, with a validation report.

:func:`read_extract` reads one file into a canonical table (``core/schema.py``)
and returns an :class:`ExtractResult`: the kept rows as a lazy frame with the
exact dtypes of ``CANONICAL_DTYPES``, and a
:class:`~core.validation.ValidationReport`. Two layouts are read:

- **canonical**: the canonical column names. CSV files are separated by
  ``,`` or ``;`` (told from the header: the one naming more canonical
  columns), UTF-8 with or without a byte-order mark or latin-1 (told from
  the bytes, reported as the report's ``encoding``); numbers in a ``;``-separated
  file may have a decimal comma (``4,5``), while in a ``,``-separated file or
  a Parquet text column a number written with a comma refuses the file
  (``comma_in_number``: one cannot tell 1,250 from 1.25); times are ISO 8601 without a
  time zone (``2025-03-10T09:00:00``, ``2025-03-10 09:00``, ``2025-03-10``);
  booleans are ``true``/``false`` (also ``1``/``0``, ``t``/``f``,
  ``yes``/``no``). Parquet files may carry typed columns (a datetime, a date,
  a boolean, an integer id); an aware datetime is converted to Finnish wall
  clock time.
- **avohilmo**: THL's research-extract layout, read by
  :mod:`data_sources.extracts.avohilmo` (visits only).

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
``invalid_code``, ``ends_before_start`` (an assignment whose ``valid_to`` is
before its ``valid_from``, by calendar day), and last, among the rows that passed every other check,
the repeated ids: rows of one id with the same values in every column are
kept once and the others rejected as ``duplicate_visit_id`` /
``duplicate_response_id``; rows of one id that differ in any column are all
rejected as ``conflicting_visit_id`` / ``conflicting_response_id`` (which one
is right cannot be told), so the kept rows never depend on the order of the
rows in the file.
Kept visits are flagged ``visit_before_assessment`` (calendar dates, as the
metrics count ``n_negative_wait``), ``missing_professional_id`` and
``missing_urgency``. An empty ``urgent`` value is kept as null (the metrics
count it as ``n_missing_urgency``) although the schema lists ``urgent`` as not
nullable; a score outside 0-10 is kept for :func:`metrics.satisfaction.nps`
to count as invalid.

An assignment's ``valid_from`` and ``valid_to`` are read as calendar days (a
time of day is dropped); an empty ``valid_to`` means the assignment is still in
force, and a ``valid_to`` far ahead (``9999-12-31``) is kept as it is.

**Errors.** A file that cannot be read at all (missing, empty, neither CSV
nor Parquet, a missing required column, for example because of the wrong
separator, bytes that are not valid UTF-8 in a canonical CSV file, a
truncated Parquet file, an unclosed quote) raises :class:`ExtractError` (or
:class:`ExtractColumnsError` for missing columns), both
:class:`~core.errors.InvalidInputError` and so
:class:`~core.errors.DashboardError`, naming the file, and the row and
column where known. Library exceptions never escape.

**One pass, four threads.** A CSV file is read in chunks of about 16 MiB
(a latin-1 chunk is transcoded to UTF-8, which is lossless); a Parquet file
in batches. For a file larger than one chunk, a reader thread reads,
transcodes and parses the next chunk, a converter thread converts and checks
the one before it, the calling thread counts the one before that (in file
order: the duplicate check needs it), and a writer thread encodes the kept
rows into one zstd-compressed Parquet file (row groups of about half a
million rows; dictionary pages and min/max statistics for every column but
the pseudonymised ids). A failure stops the threads before it is raised. A
CSV chunk whose bytes hold no quote and no control character but the line
feed cannot hold a value with a control character, so those checks are
skipped for it (the outcome is the same). Repeated ids
are found as the rows stream past: ids are compared exactly within a chunk,
and through a 64-bit hash against earlier chunks; a repeated row, or one whose
hash was seen, is held back (written to a second file in the staging folder)
with a hash of its values, and judged by id and values once the file is
written, a range of hashes at a time (two ids sharing a hash are both kept;
the later one is then written after the others; the written row of an id
found in conflict is taken out again, in a rewrite of the file; an id whose
rows differ within one chunk is held back whole, so that its first row is
never written and the file need not be rewritten for it).

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

**The parts.** This module is the public API and the dispatch between the
layouts. :mod:`~data_sources.extracts.sniffing` tells the format and the
layout from the first bytes; :mod:`~data_sources.extracts.canonical` and
:mod:`~data_sources.extracts.avohilmo` describe how each layout's columns are
read; :mod:`~data_sources.extracts.reader` is the engine (staging, CSV chunks,
Parquet batches); :mod:`~data_sources.extracts.conversion` converts and checks
a chunk; :mod:`~data_sources.extracts.tally` counts and builds the report;
:mod:`~data_sources.extracts.common` holds what they all share.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from core.errors import InvalidInputError
from core.notes import parse_note
from core.settings import DEFAULT_EARLIEST_DATE, DEFAULT_SLOT_HORIZON_YEARS
from data_sources.extracts.avohilmo import read_visits_with_report
from data_sources.extracts.canonical import canonical_spec, choose_separator
from data_sources.extracts.common import (
    ANSWERS_TABLE,
    ASSIGNMENTS_TABLE,
    AVOHILMO,
    CANONICAL,
    LAYOUTS,
    SLOTS_TABLE,
    TABLES,
    VISITS_TABLE,
    ExtractColumnsError,
    ExtractError,
    ExtractResult,
)
from data_sources.extracts.reader import run_reader
from data_sources.extracts.sniffing import detect_layout, header_columns, sniff

__all__ = [
    "ANSWERS_TABLE",
    "ASSIGNMENTS_TABLE",
    "AVOHILMO",
    "CANONICAL",
    "LAYOUTS",
    "SLOTS_TABLE",
    "TABLES",
    "VISITS_TABLE",
    "ExtractColumnsError",
    "ExtractError",
    "ExtractResult",
    "parse_note",
    "read_answers",
    "read_assignments",
    "read_extract",
    "read_slots",
    "read_visits",
]


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
    county_from: str = "auto",
) -> ExtractResult:
    """Read one extract file of ``table`` (``visits``, ``appointment_slots``, ``survey_answers``, ``assignments``).

    ``layout`` is ``"auto"``, ``"canonical"`` or ``"avohilmo"`` (visits only;
    see :mod:`data_sources.extracts.avohilmo` for its options). ``region_code`` is used
    where the file has no region (no column, or an empty value). ``today``
    (default: today's date) bounds the dates: later ones are rejected as
    ``future_date``, except slot times, which may lie up to
    ``slot_horizon_years`` ahead (``date_too_far_ahead``). ``county_from`` is the Avohilmo layout's rule
    for a visit's county (``auto``, ``provider``, ``home``: see :mod:`data_sources.extracts.avohilmo`). Times before
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
        return read_visits_with_report(
            file,
            region_code=region_code,
            today=today,
            staging_dir=staging_dir,
            earliest_date=earliest_date,
            county_from=county_from,
        )
    separator = choose_separator(sniffed, table)
    columns = header_columns(sniffed, separator)
    spec = canonical_spec(file, table, columns, region_code=region_code, separator=separator)
    return run_reader(
        sniffed,
        spec,
        separator=separator,
        encoding="auto",
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


def read_assignments(path: str | Path, **options: Any) -> ExtractResult:
    """Named-provider assignments (canonical layout); the options are those of :func:`read_extract`."""
    return read_extract(path, table=ASSIGNMENTS_TABLE, **options)
