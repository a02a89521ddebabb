"""The counties' own stated targets for the dashboard's indicators, and national targets, from the seeds.

Reads ``reference_data/targets.csv`` (provenance and the choices made are in
``reference_data/README.md``), checks it completely and returns an eager
polars frame with explicit dtypes, columns in file order. Each row is one
target exactly as a seed states it, with ``seed_file`` and ``seed_line``; a
target stated without a number (a goal such as "within 7 days") has a null
``value`` and ``comparison``.

Units: ``share`` is a proportion in [0, 1] (access and continuity
indicators), ``days`` is calendar days (T3), ``points`` is the NPS scale
−100…100. ``comparison`` says how the indicator meets the target:
``at_least`` (≥), ``above`` (>), ``at_most`` (≤) or ``below`` (<).
``due`` is the period by which the target is to be reached, in the
canonical period form (``2024``, ``2024Q2``, ``2024-06``), null when the
seed gives none. A malformed file raises
:class:`~core.errors.InvalidInputError` (or its subclass
:class:`~core.errors.MissingColumnsError` for a wrong header) naming the
file, the data row (1 = the first row after the header) and the column.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Final

import polars as pl

from core.codes import WHOLE_COUNTRY
from core.errors import InvalidInputError, MissingColumnsError
from core.regions import region_codes

REFERENCE_DIR: Final = Path(__file__).resolve().parent.parent / "reference_data"
FILE_NAME: Final = "targets.csv"

NATIONAL_CODE: Final = WHOLE_COUNTRY
"""``region_code`` of a national target (the same code the indicator tables use for the whole country)."""

#: Indicator key -> the unit its target values use. The first seven are the dashboard's indicators;
#: ``care_guarantee`` is the national programme indicator "Hoitotakuun toteutuminen", which the seeds
#: name with a target but never define, so it is kept apart from ``access_7d``.
INDICATOR_UNITS: Final[Mapping[str, str]] = {
    "access_7d": "share",
    "access_14d": "share",
    "t3": "days",
    "coc": "share",
    "upc": "share",
    "nps": "points",
    "enps": "points",
    "care_guarantee": "share",
}
COMPARISONS: Final = ("at_least", "above", "at_most", "below")
#: Allowed value range per unit (inclusive).
UNIT_RANGES: Final[Mapping[str, tuple[float, float | None]]] = {
    "share": (0.0, 1.0),
    "days": (0.0, None),
    "points": (-100.0, 100.0),
}

SCHEMA: Final = pl.Schema(
    {
        "region_code": pl.String(),
        "indicator": pl.String(),
        "comparison": pl.String(),
        "value": pl.Float64(),
        "unit": pl.String(),
        "due": pl.String(),
        "description_fi": pl.String(),
        "description_en": pl.String(),
        "seed_file": pl.String(),
        "seed_line": pl.Int64(),
    }
)
_NULLABLE: Final = frozenset({"comparison", "value", "due"})
_SEED_FILE: Final = r"\d{3}_[0-9a-f]{16}\.txt"
_DUE: Final = r"\d{4}(Q[1-4]|-(0[1-9]|1[0-2]))?"


@cache
def load_targets(directory: Path = REFERENCE_DIR) -> pl.DataFrame:
    """Every stated target, one row each, with its seed and line (see the module docstring for units).

    Key: ``(region_code, indicator, due)``. ``region_code`` is a county code
    of :func:`core.regions.region_codes` or ``SSS`` for a national
    target. Cached per directory; do not modify the frame in place.
    """
    frame = _read(directory / FILE_NAME)
    known_regions = sorted(region_codes() | {NATIONAL_CODE})
    _fail_first(frame, ~pl.col("region_code").is_in(known_regions), "region_code", "is not a region code or 'SSS'")
    indicators = ", ".join(INDICATOR_UNITS)
    _fail_first(frame, ~pl.col("indicator").is_in(list(INDICATOR_UNITS)), "indicator", f"must be one of {indicators}")
    expected_unit = pl.col("indicator").replace_strict(INDICATOR_UNITS, default=None)
    _fail_first(frame, pl.col("unit") != expected_unit, "unit", "is not the unit of the row's indicator")
    comparisons = ", ".join(COMPARISONS)
    _fail_first(frame, ~pl.col("comparison").is_in(COMPARISONS), "comparison", f"must be one of {comparisons}")
    has_value, has_comparison = pl.col("value").is_not_null(), pl.col("comparison").is_not_null()
    _fail_first(frame, has_value & ~has_comparison, "comparison", "is required when 'value' is given")
    _fail_first(frame, has_comparison & ~has_value, "comparison", "is given but 'value' is empty")
    for unit, (low, high) in UNIT_RANGES.items():
        outside = pl.col("value") < low if high is None else ~pl.col("value").is_between(low, high)
        allowed = f"at least {low:g}" if high is None else f"between {low:g} and {high:g}"
        _fail_first(frame, (pl.col("unit") == unit) & outside, "value", f"must be {allowed} for unit {unit!r}")
    _fail_first(
        frame, ~pl.col("due").str.contains(f"^(?:{_DUE})$"), "due", "must be a period like 2024, 2024Q2, 2024-06"
    )
    _fail_first(frame, ~pl.col("seed_file").str.contains(f"^{_SEED_FILE}$"), "seed_file", "is not a seed file name")
    _fail_first(frame, pl.col("seed_line") < 1, "seed_line", "must be at least 1")
    repeated = ~pl.struct("region_code", "indicator", "due").is_first_distinct()
    _fail_first(frame, repeated, "due", "repeats the key (region_code, indicator, due) of an earlier row")
    return frame


def _read(path: Path) -> pl.DataFrame:
    """The file as text, header checked, required cells present, numbers converted."""
    try:
        raw = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except FileNotFoundError as exc:
        raise InvalidInputError(f"{FILE_NAME}: reference file not found at {path}") from exc
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{FILE_NAME}: not a readable UTF-8 CSV file: {exc}") from exc
    expected = list(SCHEMA.names())
    missing = [column for column in expected if column not in raw.columns]
    if missing:
        raise MissingColumnsError(table=FILE_NAME, missing=missing, available=raw.columns, expected=expected)
    extra = [column for column in raw.columns if column not in expected]
    if extra:
        raise InvalidInputError(
            f"{FILE_NAME}: unexpected column(s) {', '.join(map(repr, extra))}; "
            f"expected {', '.join(map(repr, expected))}"
        )
    # A blank cell (spaces only, or a quoted empty string) is an empty cell.
    frame = raw.select(
        pl.when(pl.col(name).str.strip_chars() != "").then(pl.col(name)).alias(name) for name in expected
    )
    for name, dtype in SCHEMA.items():
        column = pl.col(name)
        if name not in _NULLABLE:
            _fail_first(frame, column.is_null(), name, "a value is required")
        if dtype != pl.String():
            converted = column.str.strip_chars().cast(dtype, strict=False)
            kind = "an integer" if dtype.is_integer() else "a number"
            _fail_first(frame, column.is_not_null() & converted.is_null(), name, f"must be {kind}")
            frame = frame.with_columns(converted)
    return frame


def _fail_first(frame: pl.DataFrame, bad: pl.Expr, column: str, problem: str) -> None:
    """Raise for the first row where ``bad`` is true (null counts as fine), naming file, row and column."""
    hits = frame.with_row_index("_row", offset=1).filter(bad.fill_null(value=False)).head(1)
    if hits.is_empty():
        return
    row = hits["_row"][0]
    value = hits[column][0]
    shown = "empty" if value is None else repr(str(value) if len(str(value)) <= 60 else str(value)[:57] + "...")
    raise InvalidInputError(f"{FILE_NAME}: row {row}, column {column!r}: {shown} {problem}")
