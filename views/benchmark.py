"""Each county against the whole country, as Fingertips does it: better, similar or worse, or why not compared.

A county is *better* or *worse* only when its 95 % interval excludes the
national value of the same period, in the indicator's good direction; when the
interval includes it, *similar*. A value without an interval (THL's published
series, UPC, T3) is *no interval*: it is shown, never coloured as better or
worse. An indicator without a good direction (visits per 1,000 residents) is
*not compared*. A suppressed or missing value is *no data*. The whole country
itself is *country*.
"""

from __future__ import annotations

from typing import Final, Literal

import polars as pl

from core import columns as c
from core.codes import WHOLE_COUNTRY as NATIONAL
from views.indicators import Indicator

Comparison = Literal["better", "similar", "worse", "no_interval", "not_compared", "no_data", "country"]
#: Every comparison, in the order a legend lists them.
COMPARISONS: Final[tuple[Comparison, ...]] = (
    "better",
    "similar",
    "worse",
    "no_interval",
    "not_compared",
    "no_data",
    "country",
)
COLUMN: Final = "comparison"
NATIONAL_COLUMN: Final = "national_value"


def compare_with_country(
    value: float | None,
    ci_low: float | None,
    ci_high: float | None,
    national: float | None,
    indicator: Indicator,
) -> Comparison:
    """One county value against the national value of the same period (see the module docstring)."""
    if value is None:
        return "no_data"
    if indicator.context:
        return "not_compared"
    if ci_low is None or ci_high is None or national is None:
        return "no_interval" if national is not None else "no_data"
    if ci_low <= national <= ci_high:
        return "similar"
    above = ci_low > national
    return "better" if above == indicator.higher_is_better else "worse"


def with_comparison(cells: pl.DataFrame, indicator: Indicator) -> pl.DataFrame:
    """``cells`` (the shape of :func:`views.cells.indicator_cells`) with the national value of each row's period
    and the row's comparison with it."""
    national = cells.filter(pl.col(c.REGION_CODE) == NATIONAL).select(c.PERIOD, pl.col("value").alias(NATIONAL_COLUMN))
    joined = cells.drop(NATIONAL_COLUMN, strict=False).join(national, on=c.PERIOD, how="left")
    value, low, high, country = pl.col("value"), pl.col("ci_low"), pl.col("ci_high"), pl.col(NATIONAL_COLUMN)
    above = pl.lit("better" if indicator.higher_is_better else "worse")
    below = pl.lit("worse" if indicator.higher_is_better else "better")
    comparison = (
        pl.when(pl.col(c.REGION_CODE) == NATIONAL)
        .then(pl.lit("country"))
        .when(value.is_null())
        .then(pl.lit("no_data"))
        .when(pl.lit(indicator.context))
        .then(pl.lit("not_compared"))
        .when(country.is_null())
        .then(pl.lit("no_data"))
        .when(low.is_null() | high.is_null())
        .then(pl.lit("no_interval"))
        .when(low > country)
        .then(above)
        .when(high < country)
        .then(below)
        .otherwise(pl.lit("similar"))
    )
    return joined.with_columns(comparison.alias(COLUMN))
