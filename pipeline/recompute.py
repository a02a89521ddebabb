"""Recompute the stored aggregates from the extracts (``python -m pipeline aggregate``).

An import recomputes its own table's aggregates; this job does it for every
table at once, for when the metrics changed or a store's aggregates are in
doubt. Under the store's import lock (no import lands meanwhile) it reads
every extract of each table, computes that table's aggregates with
:data:`pipeline.aggregates.RESULTS_BY_TABLE`, and replaces them all in one
transaction: readers see the old figures or the new ones, never a mix, and a
failure leaves the old ones in place. A table with no extract has never had
aggregates and is left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

import polars as pl
import sqlalchemy as sa

from pipeline.aggregates import RESULTS_BY_TABLE
from store import tables
from store.catalogue import extract_paths
from store.engine import import_lock, write_transaction
from store.repository import replace_all

Progress = Callable[[float, str], None]
Aggregator = Callable[[pl.LazyFrame], Mapping[str, pl.DataFrame]]

log = logging.getLogger(__name__)


def recompute_aggregates(
    engine: sa.Engine,
    *,
    aggregators: Mapping[str, Aggregator] = RESULTS_BY_TABLE,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Recompute and replace the aggregates of every table with extracts; returns the rows per result table.

    ``aggregators`` map an extract table to its aggregate function (default: the dashboard's own).
    """
    report = progress or (lambda _fraction, _message: None)
    results: dict[str, pl.DataFrame] = {}
    with import_lock(engine):
        for index, (table_name, aggregate) in enumerate(aggregators.items()):
            paths = extract_paths(engine, table_name)
            report(index / (len(aggregators) + 1), f"computing the aggregates of {table_name}")
            if not paths:
                log.info("%s has no extracts; its aggregates are left as they are", table_name)
                continue
            log.info("computing the aggregates of %s from %d extract(s)", table_name, len(paths))
            results.update(aggregate(pl.scan_parquet(paths)))
        if not results:  # no table has extracts: nothing is written, and nothing is said to be
            return {}
        report(len(aggregators) / (len(aggregators) + 1), "replacing the aggregates")
        with write_transaction(engine) as connection:
            written = {
                name: replace_all(connection, tables.metadata.tables[name], frame) for name, frame in results.items()
            }
    report(1.0, "aggregates replaced")
    return written
