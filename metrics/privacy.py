"""Small-cell suppression: the one step every displayed or exported number goes through.

A statistic computed from fewer than ``threshold`` people can identify them,
so its row is blanked and marked. The rule (THL's usual practice: counts
under 5 are not published) is applied once, here; charts, tables, downloads,
images and decks all read the marked frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from core import columns as c
from core.errors import InvalidInputError
from core.schema import require_columns
from metrics._frames import Frame, check_int_option, same_kind

DEFAULT_THRESHOLD = 5


def suppress_small_counts(
    frame: Frame,
    *,
    count_columns: Sequence[str],
    threshold: int = DEFAULT_THRESHOLD,
    value_columns: Sequence[str] = (),
) -> Frame:
    """Blank every row in which a count is below ``threshold``, and mark it.

    A row is suppressed when any of ``count_columns`` is below ``threshold``
    (zero included) or null. In a suppressed row the ``count_columns`` and
    ``value_columns`` (the statistics computed from those counts: shares,
    intervals, medians) become null, and the boolean column ``suppressed`` is
    true; a ``suppressed`` column already present is combined with OR, so
    the step can run again after later processing. ``threshold`` is an
    integer of at least 1. Returns the same kind of frame as the input.
    """
    threshold = check_int_option("threshold", threshold, minimum=1)
    counts: list[str] = list(count_columns)
    if not counts:
        raise InvalidInputError("count_columns is empty: name the counts whose size decides suppression")
    values: list[str] = [name for name in value_columns if name not in counts]
    schema = require_columns(frame, [*counts, *values], table="suppression input")
    for name in counts:
        if not schema[name].is_numeric():
            raise InvalidInputError(f"count column {name!r} has type {schema[name]}, but counts must be numbers")

    small = pl.any_horizontal((pl.col(name) < threshold).fill_null(True) for name in counts)
    if c.SUPPRESSED in schema:
        small = small | pl.col(c.SUPPRESSED).fill_null(True)

    def build(lazy: pl.LazyFrame) -> pl.LazyFrame:
        return lazy.with_columns(small.alias(c.SUPPRESSED)).with_columns(
            pl.when(~pl.col(c.SUPPRESSED)).then(pl.col(name)).alias(name) for name in [*counts, *values]
        )

    return same_kind(frame, build)


def suppress_complements(
    frame: Frame,
    *,
    by: Sequence[str],
    count_column: str,
    value_columns: Sequence[str] = (),
    exclude: pl.Expr | None = None,
) -> Frame:
    """Secondary suppression: no suppressed cell may be recoverable from its group's total.

    Cells that share the ``by`` values are the parts of a shown (or
    derivable) total, for example a county's health centres in one period, or
    the counties in one period under the national figure. When exactly one
    part of a group is suppressed, the total minus the other parts would give
    it back, so the smallest other part (by ``count_column``) is suppressed
    too, and the step repeats until no group has exactly one suppressed part.
    Rows matching ``exclude`` (the total itself) are left as they are.
    Expects the ``suppressed`` column of :func:`suppress_small_counts`.
    Returns the same kind of frame as the input.
    """
    keys: list[str] = list(by)
    require_columns(frame, [*keys, count_column, c.SUPPRESSED, *value_columns], table="suppression input")

    def build(lazy: pl.LazyFrame) -> pl.LazyFrame:
        data = lazy.collect()
        skip = data.select(exclude if exclude is not None else pl.lit(False)).to_series().fill_null(False)
        parts = data.with_row_index("_row").filter(~skip)
        while True:
            lone = (
                parts.group_by(keys)
                .agg(pl.col(c.SUPPRESSED).sum().alias("_hidden"), pl.len().alias("_parts"))
                .filter((pl.col("_hidden") == 1) & (pl.col("_parts") > 1))
            )
            if lone.is_empty():
                break
            extra = (
                parts.join(lone.select(keys), on=keys, how="semi")
                .filter(~pl.col(c.SUPPRESSED))
                .sort(count_column, "_row", nulls_last=True)
                .group_by(keys, maintain_order=True)
                .first()
                .select("_row")
            )
            parts = parts.with_columns(
                (pl.col(c.SUPPRESSED) | pl.col("_row").is_in(extra["_row"].implode())).alias(c.SUPPRESSED)
            )
        hidden = parts.filter(pl.col(c.SUPPRESSED))["_row"]
        marked = data.with_row_index("_row").with_columns(
            (pl.col(c.SUPPRESSED) | pl.col("_row").is_in(hidden.implode())).alias(c.SUPPRESSED)
        )
        blanked = marked.with_columns(
            pl.when(~pl.col(c.SUPPRESSED)).then(pl.col(name)).alias(name) for name in [count_column, *value_columns]
        )
        return blanked.drop("_row").lazy()

    return same_kind(frame, build)
