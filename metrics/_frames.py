"""Small helpers shared by the metric modules: frame kinds, grouping, dates."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import polars as pl

from core.errors import InvalidInputError

FINNISH_TIME_ZONE = "Europe/Helsinki"

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def same_kind(frame: Frame, build: Callable[[pl.LazyFrame], pl.LazyFrame]) -> Frame:
    """Run a lazy ``build`` and return the result as the same kind of frame as ``frame``."""
    if isinstance(frame, pl.DataFrame):
        return build(frame.lazy()).collect()
    if isinstance(frame, pl.LazyFrame):
        return build(frame)
    raise InvalidInputError(f"expected a polars DataFrame or LazyFrame, got {type(frame).__name__}")


def collect_streaming(frame: pl.LazyFrame) -> pl.DataFrame:
    """Collect a metric's read of the caller's frame with the streaming engine, its filters kept in place.

    A metric's filter stays where the metric put it, after whatever the caller's frame computes
    (a period label, a group key), instead of being pushed beneath it. The caller's expressions then
    see whole input batches, never a selective filter's output: the streaming engine can leave such
    output as a batch of several chunks whose first is empty, which polars 2.1's ``pl.format``
    (``str.format``) cannot read (it panics with "assertion failed: i < self.len()"). The cost is
    that the filter no longer skips Parquet row groups, so every read passes over the whole input.
    """
    return frame.collect(engine="streaming", optimizations=pl.QueryOptFlags(predicate_pushdown=False))


def group_columns(by: Sequence[str] | str) -> list[str]:
    """Normalise a ``by`` argument: a single name or a sequence of names, without duplicates."""
    names = [by] if isinstance(by, str) else list(by)
    if len(set(names)) != len(names):
        raise InvalidInputError(f"'by' names a column more than once: {names}")
    return names


def aggregate(frame: pl.LazyFrame, by: Sequence[str], aggregations: Sequence[pl.Expr]) -> pl.LazyFrame:
    """Aggregate per group, or into exactly one row when ``by`` is empty (also for an empty input)."""
    if not by:
        return frame.select(aggregations)
    return frame.group_by(by).agg(aggregations).sort(by, nulls_last=True)


def local_date(column: str, dtype: pl.DataType) -> pl.Expr:
    """The Finnish calendar date of a Date or Datetime column (aware datetimes converted to Helsinki time)."""
    expr = pl.col(column)
    if isinstance(dtype, pl.Date):
        return expr
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        expr = expr.dt.convert_time_zone(FINNISH_TIME_ZONE)
    return expr.dt.date()


def local_naive(column: str, dtype: pl.DataType) -> pl.Expr:
    """A Date or Datetime column as a naive Finnish wall-clock datetime in microseconds."""
    expr = pl.col(column)
    if isinstance(dtype, pl.Date):
        return expr.cast(pl.Datetime("us"))
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        expr = expr.dt.convert_time_zone(FINNISH_TIME_ZONE).dt.replace_time_zone(None)
    return expr.cast(pl.Datetime("us"))


def check_int_option(name: str, value: object, *, minimum: int) -> int:
    """An integer option at or above ``minimum`` (booleans are not integers here)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInputError(f"{name} must be an integer of at least {minimum}, got {value!r}")
    return value
