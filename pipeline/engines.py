"""The aggregate engines: the bucket tasks run in this process, in a process pool, or on a Dask cluster.

``python -m pipeline aggregate --engine local|processes|dask``: ``local`` is the
single-process job of :mod:`pipeline.recompute`; ``processes`` and ``dask`` file
the extracts into buckets (:mod:`store.buckets`, which also migrates a store
from before the buckets), run one task per bucket (:mod:`pipeline.bucket_tasks`)
on a local process pool or on a Dask cluster (a ``LocalCluster`` of
``--workers`` processes when no ``--scheduler`` is given), merge the partial
aggregates as they come and replace the stored aggregates in one transaction
under the import lock. A task that fails is retried by Dask (:data:`RETRIES`
times); a job that fails writes nothing, so the stored aggregates stay as they
were. ``serial`` runs the same tasks one after the other in this process (tests,
and a check of the others). See docs/distributed-engine.md.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, TypeVar

import polars as pl
import sqlalchemy as sa

from core.errors import DashboardError, InvalidInputError
from metrics.continuity import DEFAULT_MIN_VISITS
from metrics.scope import DEFAULT_SERVICE_TYPES
from pipeline import bucket_tasks as tasks
from pipeline.aggregates import ALSO_READS, RESULTS_BY_TABLE
from pipeline.imports import with_dataset
from store import buckets, tables
from store.catalogue import extract_paths, scan_paths
from store.datasets import datasets
from store.engine import import_lock, write_transaction
from store.repository import replace_where

ENGINES = ("local", "processes", "dask")
"""The engines the command line offers (``serial``, the bucket tasks one by one here, is for tests)."""
RETRIES = 2
"""How many times Dask runs a failed task again before the job fails."""

Progress = Callable[[float, str], None]
Result = TypeVar("Result")

log = logging.getLogger(__name__)


class AggregationFailedError(DashboardError):
    """A bucket task failed (after its retries); nothing was written."""


class Executor(Protocol):
    """Runs a module-level function over argument tuples; yields the results as they complete."""

    def run(self, function: Callable[..., Result], arguments: Sequence[tuple[Any, ...]]) -> Iterator[Result]: ...


class SerialExecutor:
    def run(self, function: Callable[..., Result], arguments: Sequence[tuple[Any, ...]]) -> Iterator[Result]:
        for argument in arguments:
            yield function(*argument)


class PoolExecutor:
    def __init__(self, pool: ProcessPoolExecutor) -> None:
        self._pool = pool

    def run(self, function: Callable[..., Result], arguments: Sequence[tuple[Any, ...]]) -> Iterator[Result]:
        futures = [self._pool.submit(function, *argument) for argument in arguments]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:  # a failed task fails the job: the tasks not yet started are not run
            for future in futures:
                future.cancel()


class DaskExecutor:
    def __init__(self, client: Any) -> None:
        self._client = client

    def run(self, function: Callable[..., Result], arguments: Sequence[tuple[Any, ...]]) -> Iterator[Result]:
        from distributed import as_completed as dask_completed  # noqa: PLC0415 (only the dask engine needs it)

        if not arguments:
            return
        columns = list(zip(*arguments, strict=True))
        futures = self._client.map(function, *columns, retries=RETRIES, pure=False)
        for future in dask_completed(futures):  # type: ignore[no-untyped-call]
            yield future.result()


@contextmanager
def open_executor(name: str, *, workers: int | None = None, scheduler: str | None = None) -> Iterator[Executor]:
    """The executor of engine ``name`` (``serial``, ``processes`` or ``dask``), shut down when the block ends."""
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise InvalidInputError(f"--workers must be a whole number of at least 1, got {workers!r}")
    if scheduler is not None and name != "dask":
        raise InvalidInputError(f"--scheduler is for the dask engine only; the {name} engine has no scheduler")
    if name == "serial":
        yield SerialExecutor()
    elif name == "processes":
        # Spawned, not forked: a fork of a process whose polars thread pool is running can deadlock.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1, mp_context=context) as pool:
            yield PoolExecutor(pool)
    elif name == "dask":
        from distributed import Client, LocalCluster  # noqa: PLC0415 (only the dask engine needs it)

        if scheduler is not None:
            with Client(scheduler) as client:  # type: ignore[no-untyped-call]
                yield DaskExecutor(client)
        else:
            with (
                # its dashboard on a free port: another cluster on the machine may hold Dask's usual 8787
                LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=workers or 2, threads_per_worker=1, dashboard_address=":0"
                ) as cluster,
                Client(cluster) as client,  # type: ignore[no-untyped-call]
            ):
                yield DaskExecutor(client)
    else:
        raise InvalidInputError(f"unknown engine {name!r}; the engines are {', '.join((*ENGINES, 'serial'))}")


def bucketed_results(
    root: Path,
    extracts: Mapping[str, Sequence[Path]],
    executor: Executor,
    *,
    service_types: Collection[str] | None = DEFAULT_SERVICE_TYPES,
    min_visits: int = DEFAULT_MIN_VISITS,
    progress: Progress | None = None,
) -> dict[str, pl.DataFrame]:
    """The aggregate tables of the tables with ``extracts`` (one data set's catalogued Parquet files), bucket by
    bucket.

    Brings each table's buckets under ``root`` (the data set's :func:`store.buckets.dataset_root`) up to its
    extracts first. The same tables, with the same figures, as
    :data:`pipeline.aggregates.RESULTS_BY_TABLE` gives on the whole extracts.
    """
    report = progress or (lambda _fraction, _message: None)
    results: dict[str, pl.DataFrame] = {}
    work = {table: paths for table, paths in extracts.items() if paths and table in buckets.PARTITIONINGS}
    for table, paths in work.items():
        report(0.0, f"filing {table} into buckets")
        layout = buckets.ensure_layout(root, table, paths)
        # Extracts without a single row file nothing: their own (empty) files are then the one piece.
        found = buckets.checked_pieces(root, layout)
        pieces = [tasks.file_names(files) for files in found] or [tasks.file_names(paths)]
        log.info("%s: %d extract(s) in %d piece(s) of %d bucket(s)", table, len(paths), len(pieces), layout.buckets)
        if table == "visits":
            named = extracts.get("assignments") or []
            options = tasks.as_options(service_types, min_visits, assignments=named)
            done = _counted(
                executor.run(tasks.visit_task, [(files, options) for files in pieces]), table, report, len(pieces)
            )
            assignments = scan_paths(list(named)) if named else None
            results.update(tasks.visit_results_from(tasks.merge_visits(done), options, assignments=assignments))
        elif table == "appointment_slots":
            snapshots = executor.run(tasks.snapshot_times_task, [(files,) for files in pieces])
            times = sorted({time for piece_times in snapshots for time in piece_times})
            arguments = [(files, times) for files in pieces] if times else []  # no snapshot: no T3
            per_book = list(_counted(executor.run(tasks.slot_task, arguments), table, report, len(arguments)))
            results.update(tasks.slot_results_from(per_book))
        elif table == "survey_answers":
            parts = list(_counted(executor.run(tasks.answer_task, [(f,) for f in pieces]), table, report, len(pieces)))
            results.update(tasks.answer_results_from(parts))
    report(0.9, "computing the aggregates without buckets")
    results.update(driver_results(extracts))
    return results


def driver_results(extracts: Mapping[str, Sequence[Path]]) -> dict[str, pl.DataFrame]:
    """The aggregates of the tables without a bucketed layout, on this process, as
    :data:`pipeline.aggregates.RESULTS_BY_TABLE` computes them.

    Only the named-provider assignments are left: small, and their list sizes need every patient's
    assignments at once. With visits the bucketed visit job computes them (the years and the last day
    come from the visits, :func:`pipeline.bucket_tasks.visit_results_from`); without visits, here.
    """
    scans = {table: scan_paths(list(paths)) for table, paths in extracts.items() if paths}
    results: dict[str, pl.DataFrame] = {}
    for table, aggregate in RESULTS_BY_TABLE.items():
        if table in buckets.PARTITIONINGS or table not in scans:
            continue
        if any(other in buckets.PARTITIONINGS for other in ALSO_READS.get(table, ()) if other in scans):
            continue  # it reads a bucketed table too: that table's job computes it
        results.update(aggregate(scans[table]))
    return results


def _counted(results: Iterator[Result], table: str, report: Progress, total: int) -> Iterator[Result]:
    """Pass results through, reporting each finished bucket (the merge runs as they arrive)."""
    for done, result in enumerate(results, start=1):
        report(0.9 * done / max(total, 1), f"{table}: {done} piece(s) done of {total}")
        yield result


def recompute_with_engine(
    engine: sa.Engine,
    data_dir: Path,
    *,
    executor_name: str,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Recompute and replace every stored aggregate with a bucketed engine; returns the rows per result table.

    As :func:`pipeline.recompute.recompute_aggregates`: under the store's import lock, one data set at a
    time (each with buckets of its own), every result written in one transaction after every task has
    finished, so a failed task (after Dask's retries) leaves the stored aggregates as they were.
    """
    report = progress or (lambda _fraction, _message: None)
    results: dict[tuple[str, str], pl.DataFrame] = {}
    with import_lock(engine):
        names = [item.name for item in datasets(engine)]
        with open_executor(executor_name, workers=workers, scheduler=scheduler) as executor:
            for dataset in names:
                extracts = {table: extract_paths(engine, table, dataset) for table in RESULTS_BY_TABLE}
                if not any(extracts.values()):
                    continue
                report(0.0, f"data set {dataset}")
                try:
                    found = bucketed_results(
                        buckets.dataset_root(data_dir, dataset), extracts, executor, progress=report
                    )
                except DashboardError:
                    raise
                except Exception as error:  # a worker's error, whatever its type: the job fails whole
                    raise AggregationFailedError(
                        f"the {executor_name} engine failed ({type(error).__name__}: {error}); "
                        "the stored aggregates are unchanged"
                    ) from error
                for name, frame in with_dataset(found, dataset).items():
                    results[(dataset, name)] = frame
        if not results:
            return {}
        report(0.95, "replacing the aggregates")
        written: dict[str, int] = {}
        with write_transaction(engine) as connection:
            for (dataset, name), frame in results.items():
                table = tables.metadata.tables[name]
                written[name] = written.get(name, 0) + replace_where(connection, table, frame, dataset=dataset)
    report(1.0, "aggregates replaced")
    return written
