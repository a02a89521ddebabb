"""Recompute the stored aggregates from the extracts (``python -m pipeline aggregate``).

An import recomputes its own table's aggregates in its own data set; this
job does it for every data set and table at once, for when the metrics
changed or a store's aggregates are in doubt. Under the store's import lock
(no import lands meanwhile) it reads every extract of each table, one data
set at a time (no figure blends two data sets), computes that table's aggregates with
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
from pipeline.imports import also_read, with_dataset
from store import tables
from store.catalogue import extract_paths, scan_paths
from store.datasets import datasets
from store.engine import import_lock, write_transaction
from store.repository import replace_where

Progress = Callable[[float, str], None]
Aggregator = Callable[[pl.LazyFrame], Mapping[str, pl.DataFrame]]

#: The extract tables whose aggregates another table's aggregator computes too, from the extracts it also reads
#: (:data:`pipeline.aggregates.ALSO_READS`): given the assignments, the visits' aggregator computes the
#: named-provider cells and list sizes (:func:`pipeline.aggregates.visit_results`). Where both tables have
#: extracts, the assignments' own aggregator would only build the same cells again.
COMPUTED_WITH: dict[str, str] = {"assignments": "visits"}

log = logging.getLogger(__name__)


def recompute_aggregates(
    engine: sa.Engine,
    *,
    aggregators: Mapping[str, Aggregator] = RESULTS_BY_TABLE,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Recompute and replace the aggregates of every data set and table with extracts; returns the rows per
    result table (all data sets together).

    Each data set's results come from its own extracts only (:mod:`store.datasets`): the sample's and an
    imported data set's never meet in one figure. ``aggregators`` map an extract table to its aggregate function
    (default: the dashboard's own).
    """
    report = progress or (lambda _fraction, _message: None)
    results: dict[tuple[str, str], pl.DataFrame] = {}
    with import_lock(engine):
        names = [item.name for item in datasets(engine)]
        steps = max(len(names) * len(aggregators), 1)
        for set_index, dataset in enumerate(names):
            for index, (table_name, aggregate) in enumerate(aggregators.items()):
                paths = extract_paths(engine, table_name, dataset)
                step = set_index * len(aggregators) + index
                report(step / (steps + 1), f"computing the aggregates of {table_name} in data set {dataset}")
                if not paths:
                    log.info(
                        "%s has no extracts in data set %s; its aggregates are left as they are", table_name, dataset
                    )
                    continue
                computer = _computed_with(table_name, aggregators, engine, dataset)
                if computer is not None:
                    log.info("the aggregates of %s in %s come with those of %s", table_name, dataset, computer)
                    continue
                log.info("computing the aggregates of %s in %s from %d extract(s)", table_name, dataset, len(paths))
                also = also_read(engine, table_name, dataset)
                for name, frame in with_dataset(aggregate(scan_paths(paths), **also), dataset).items():
                    results[(dataset, name)] = frame
        if not results:  # no table has extracts: nothing is written, and nothing is said to be
            return {}
        report(steps / (steps + 1), "replacing the aggregates")
        written: dict[str, int] = {}
        with write_transaction(engine) as connection:
            for (dataset, name), frame in results.items():
                table = tables.metadata.tables[name]
                written[name] = written.get(name, 0) + replace_where(connection, table, frame, dataset=dataset)
    report(1.0, "aggregates replaced")
    return written


def _computed_with(
    table_name: str, aggregators: Mapping[str, Aggregator], engine: sa.Engine, dataset: str
) -> str | None:
    """The table whose aggregation in this run computes ``table_name``'s aggregates too (:data:`COMPUTED_WITH`):
    the dashboard's own aggregator of a table with extracts in ``dataset``; None when there is none."""
    other = COMPUTED_WITH.get(table_name)
    if other is None or aggregators.get(other) is not RESULTS_BY_TABLE[other]:
        return None
    return other if extract_paths(engine, other, dataset) else None
