"""Decide the linked suppression when the figures are written, and keep it (:mod:`views.kept_decisions`): the
counties' and the country's access and NPS cells and the remote share.

Called at the end of ``python -m pipeline bootstrap`` (so at every start of a server, and by the cluster launcher
before its servers accept anyone), after an import, and after ``python -m pipeline aggregate``. A data set whose
kept decisions still match its counts and the rules costs a read and a fingerprint; any other is decided (a few
seconds at most on a small store, under one on a large one) and its decisions replaced in one transaction.
"""

from __future__ import annotations

import logging

import polars as pl
import sqlalchemy as sa

from store import tables
from store.datasets import datasets
from store.engine import write_transaction
from store.measure_tables import MEASURE_TABLES, read_measures
from store.repository import replace_where
from store.results import Results, load_results
from views.cells import linked_to_keep
from views.kept_decisions import INPUTS
from views.measures import remote_to_keep

#: The measure table whose cells' decisions are kept (:func:`views.measures.remote_to_keep`).
REMOTE_TABLE = "remote_results"

log = logging.getLogger(__name__)


def keep_linked_decisions(engine: sa.Engine, threshold: int, *, dataset: str | None = None) -> int:
    """Decide and keep the linked suppression of every data set (or of ``dataset``) under ``threshold``; returns
    the number of data sets whose decisions were written (0 when every kept one still held)."""
    names = [dataset] if dataset is not None else [item.name for item in datasets(engine)]
    written = 0
    for name in names:
        results = load_results(engine, dataset=name)
        if results.dataset != name:  # no such data set (nothing imported into it): nothing to decide
            continue
        rows = _decisions(engine, results, threshold)
        if _same(rows, results.linked_suppression, threshold):
            continue
        with write_transaction(engine) as connection:
            replace_where(
                connection,
                tables.linked_suppression,
                rows.with_columns(pl.lit(name).alias(tables.DATASET)),
                dataset=name,
                threshold=threshold,
            )
        log.info("kept the linked suppression of data set %s (%d cells)", name, rows.height)
        written += 1
    return written


def _decisions(engine: sa.Engine, results: Results, threshold: int) -> pl.DataFrame:
    """Every kept family's decisions of the data set ``results`` are of: the indicator cells' and the remote
    share's (read from its measure table)."""
    others = [table.name for table in MEASURE_TABLES if table.name != REMOTE_TABLE]
    remote = read_measures(engine, results.dataset, skip=others)[REMOTE_TABLE]
    return pl.concat(
        [linked_to_keep(results, threshold), remote_to_keep(results, remote, threshold=threshold)], how="vertical"
    )


def _same(rows: pl.DataFrame, stored: pl.DataFrame, threshold: int) -> bool:
    """Whether the store already keeps decisions of exactly these inputs, as many cells, for ``threshold``."""
    mine = stored.filter(pl.col("threshold") == threshold) if stored.height else stored
    return _summary(rows) == _summary(mine)


def _summary(frame: pl.DataFrame) -> list[tuple[object, ...]]:
    return sorted(frame.group_by("family", INPUTS).len().rows()) if frame.height else []
