"""Cells at every level: the keys, periods and the loop over area and profession levels every aggregate shares.

Used by :mod:`pipeline.aggregates` (the four indicators) and :mod:`pipeline.measures` (the other measures).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl

from core import columns as c
from core.codes import ALL_PROFESSIONS, ALL_UNITS
from core.codes import WHOLE_COUNTRY as NATIONAL

ACCESS_DAYS = (7, 14)
SCOPE_COLUMN = "service_types"
"""The column of every visit aggregate that names the service types it covers (``metrics.scope``)."""

CELL = [c.REGION_CODE, c.UNIT_ID, c.PROFESSION, c.PERIOD]
#: The continuity summary's columns every continuity result table stores, in its order (then ``min_visits``).
CONTINUITY_VALUES = (
    "n_patients",
    "n_eligible",
    "n_visits",
    "n_missing_provider",
    "mean_coc",
    "ci_low",
    "ci_high",
    "visit_weighted_coc",
    "mean_upc",
    "mean_secon",
)
"""The key of every cell: county (or the whole country), unit ('' for all), profession ('all' for all), period."""
Metric = Callable[[pl.LazyFrame, list[str]], pl.LazyFrame]


def month_of(column: str) -> pl.Expr:
    return pl.col(column).dt.strftime("%Y-%m")


def quarter_of(column: str) -> pl.Expr:
    # concat_str, not pl.format: polars 2.1's format panics on a streamed batch whose first chunk is empty
    moment = pl.col(column)
    return pl.concat_str([moment.dt.year().cast(pl.String), pl.lit("Q"), moment.dt.quarter().cast(pl.String)])


def year_of(column: str) -> pl.Expr:
    return pl.col(column).dt.year().cast(pl.String)


def level_cells(
    frame: pl.LazyFrame,
    metric: Metric,
    *,
    professions: bool,
    extra: Sequence[str] = (),
    levels: Sequence[str] = ("unit", "region", "country"),
) -> pl.DataFrame:
    """Run ``metric`` for every combination of area level (unit, region, country) and profession level.

    ``extra`` columns are kept as further keys of every cell (a respondent group, an age group).
    """
    parts = []
    profession_levels = [True, False] if professions else [False]
    for level in levels:
        for by_profession in profession_levels:
            keys = [c.PERIOD, *extra]
            if level in ("unit", "region"):
                keys.append(c.REGION_CODE)
            if level == "unit":
                keys.append(c.UNIT_ID)
            if by_profession:
                keys.append(c.PROFESSION)
            result = metric(frame, keys).with_columns(
                *([] if level in ("unit", "region") else [pl.lit(NATIONAL).alias(c.REGION_CODE)]),
                *([] if level == "unit" else [pl.lit(ALL_UNITS).alias(c.UNIT_ID)]),
                *([] if by_profession else [pl.lit(ALL_PROFESSIONS).alias(c.PROFESSION)]),
            )
            parts.append(result)
    collected = pl.collect_all(parts)
    columns = [*CELL, *extra]
    return pl.concat(
        [part.select(*columns, pl.exclude(columns)).cast(dict.fromkeys(CELL, pl.String)) for part in collected],
        how="vertical",
    ).sort([*columns])


def in_memory(frame: pl.LazyFrame, columns: Sequence[str], codes: Sequence[str]) -> pl.LazyFrame:
    """Read ``columns`` once, with the ``codes`` columns as categoricals, for the many cell queries that follow.

    Every level and period re-reads its input; decoding the Parquet file and hashing text ids once
    instead of per query is most of the cost. Categorical codes group and sort as integers; every
    cell frame turns them back into text.
    """
    return frame.select(columns).with_columns(pl.col(codes).cast(pl.Categorical)).collect().lazy()
