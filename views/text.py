"""Columns written as text by Python functions, without running Python inside polars.

A Python function called by polars (``map_elements``, ``map_batches``) runs on polars' worker threads,
which then wait for the interpreter lock. Under a server with several sessions, one session's script
thread can hold that lock inside polars (converting a frame, say) while waiting for the same workers:
the whole process stops. So the writers run here, on the caller's thread, once per distinct value,
and polars only looks the texts up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl


def written(frame: pl.DataFrame, column: pl.Expr, write: Callable[[Any], str]) -> pl.Expr:
    """``column`` (an expression over ``frame``) as text: ``write`` applied to each of its values, nulls included.

    ``write`` is called in Python once per distinct value of ``column`` in ``frame``; the expression returned
    replaces each value by its text (a String column named as ``column``). Use it in a ``select`` or
    ``with_columns`` on the same ``frame``.
    """
    name = column.meta.output_name()
    values = frame.select(column.alias(name)).to_series().unique().to_list()
    if not values:  # nothing to write (and polars keeps an empty column's type through an empty lookup)
        return column.cast(pl.String).alias(name)
    texts = {value: write(value) for value in values}
    return column.replace_strict(texts, return_dtype=pl.String).alias(name)


def written_rows(frame: pl.DataFrame, columns: tuple[str, ...], write: Callable[..., str], *, name: str) -> pl.Series:
    """A String series ``name``: ``write(*row)`` for each row of ``frame``'s ``columns``, in order, in Python."""
    return pl.Series(name, [write(*row) for row in frame.select(columns).iter_rows()], dtype=pl.String)
