"""Open the store and make sure it holds something to show.

On every start: connect, migrate, recover imports a crash interrupted. On the
first start of an empty store: load the reference data (regions, the seeds'
investments, participants, status reports and reported figures), the recorded
Sotkanet and THL responses, and the synthetic sample data set.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from core.assignments import ASSIGNMENTS
from core.regions import regions_frame
from core.schema import APPOINTMENT_SLOTS, SURVEY_ANSWERS, VISITS, TableSchema
from core.settings import Settings
from data_sources import reference
from pipeline.imports import import_extract, recover_interrupted_imports
from pipeline.kept_decisions import keep_linked_decisions
from store import tables
from store.datasets import SAMPLE_DATASET, datasets, holds_only_the_sample
from store.engine import create_store_engine
from store.migrations import DATASETS_MIGRATION, applied_versions, migrate
from store.repository import read_table, replace_all
from store.results import SAMPLE_IMPORTER

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]


def open_store(settings: Settings) -> sa.Engine:
    """Connect to the configured store, migrate it and clean up after any interrupted import.

    A store that had imports of its own beside the sample before the data sets (migration 8) had its blended
    results dropped by the migration: each data set's are recomputed here, once.
    """
    engine = create_store_engine(settings.database_url)
    with engine.connect() as connection:
        had_datasets = DATASETS_MIGRATION in applied_versions(connection) or not applied_versions(connection)
    migrate(engine)
    for failure in recover_interrupted_imports(engine, settings.data_dir):
        log.warning("import of %s was interrupted and is recorded as failed", failure.file_name)
    if not had_datasets and not holds_only_the_sample(engine) and datasets(engine):
        from pipeline.recompute import recompute_aggregates  # noqa: PLC0415  # once per such store

        log.warning("the store's results blended the sample with imported extracts: recomputing each data set's")
        recompute_aggregates(engine)
    return engine


def load_reference_data(engine: sa.Engine) -> None:
    """Replace the reference tables with the shipped reference data, in one transaction."""
    frames = {
        tables.regions: regions_frame().rename({"hva_code": "code"}),
        tables.investments: reference.investments(),
        tables.participants: reference.participants(),
        tables.status_reports: reference.status_reports(),
        tables.reported_figures: reference.reported_figures(),
    }
    with engine.begin() as connection:
        for table, frame in frames.items():
            replace_all(connection, table, frame.select([name for name in frame.columns if name in table.columns]))


def _has_rows(engine: sa.Engine, table: sa.Table) -> bool:
    """Whether ``table`` holds any row (asked on every start: without reading the rows)."""
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None


def _holds_sotkanet_examples(engine: sa.Engine) -> bool:
    """Whether the store holds a bundled Sotkanet series without a retrieval date (made-up numbers, loaded by a
    version before the copies of THL's values; asked on every start: one row at most)."""
    table = tables.indicators
    query = sa.select(table.c.indicator_id).where(
        table.c.source == "sotkanet", table.c.recorded, table.c.retrieved.is_(None)
    )
    with engine.connect() as connection:
        return connection.execute(query.limit(1)).first() is not None


def reference_loaded(engine: sa.Engine) -> bool:
    return _has_rows(engine, tables.regions)


SAMPLE_LAYOUT = "sample"
_SAMPLE_TABLES = (
    ("visits", "visits", VISITS),
    ("appointment_slots", "slots", APPOINTMENT_SLOTS),
    ("survey_answers", "answers", SURVEY_ANSWERS),
    ("assignments", "assignments", ASSIGNMENTS),  # after the visits: the named-provider cells read both
)


@dataclass(frozen=True)
class GeneratedReport:
    """The validation report of a generated file: canonical by construction, nothing rejected."""

    table: str
    rows: int

    @property
    def rows_read(self) -> int:
        return self.rows

    @property
    def rows_kept(self) -> int:
        return self.rows

    def to_json(self) -> str:
        return json.dumps(
            {"source": SAMPLE_IMPORTER, "table": self.table, "rows_read": self.rows, "rows_kept": self.rows}
        )


@dataclass(frozen=True)
class GeneratedExtract:
    data: pl.LazyFrame
    report: GeneratedReport


def _generated_reader(table: TableSchema) -> Callable[[Path], GeneratedExtract]:
    def read(path: Path) -> GeneratedExtract:
        data = pl.scan_parquet(path)
        table.check(data)
        rows = int(data.select(pl.len()).collect().item())
        return GeneratedExtract(data=data, report=GeneratedReport(table=table.name, rows=rows))

    return read


def missing_sample_tables(engine: sa.Engine) -> tuple[str, ...]:
    """The sample's tables still to import: every one on a store without imports, the ones a first start that
    was cut short (a closed browser tab, a stopped server) did not reach, and none on a store holding only other
    data (a county's own extract)."""
    history = read_table(engine, tables.imports)
    everything = tuple(name for name, _attribute, _schema in _SAMPLE_TABLES)
    if history.is_empty():
        return everything
    sample = set(history.filter(pl.col(tables.DATASET) == SAMPLE_DATASET)["table_name"].to_list())
    return tuple(name for name in everything if name not in sample) if sample else ()


def load_sample_data(
    engine: sa.Engine,
    data_dir: Path,
    *,
    seed: int = 2025,
    scale: float = 1.0,
    progress: Progress | None = None,
    table_names: Collection[str] | None = None,
) -> None:
    """Generate the synthetic sample data set and import it like any extract (idempotent by checksum).

    ``table_names`` limits the import to those tables (default: all of them).
    """
    # Imported here, not at the top: a start on a filled store (every start but the first) needs neither.
    from pipeline.aggregates import RESULTS_BY_TABLE  # noqa: PLC0415
    from sample_data.generate import generate, write_parquet  # noqa: PLC0415

    report = progress or (lambda _fraction, _message: None)
    report(0.0, "generating synthetic sample data")
    paths = write_parquet(generate(seed, scale=scale), data_dir / "sample")
    chosen = [entry for entry in _SAMPLE_TABLES if table_names is None or entry[0] in table_names]
    for index, (table_name, attribute, schema) in enumerate(chosen):
        report((index + 1) / (len(chosen) + 1), f"importing {table_name}")
        import_extract(
            engine,
            data_dir,
            paths[attribute],
            table_name=table_name,
            read=_generated_reader(schema),
            aggregate=RESULTS_BY_TABLE[table_name],
            imported_by=SAMPLE_IMPORTER,
            layout=SAMPLE_LAYOUT,
            dataset=SAMPLE_DATASET,
        )
    report(1.0, "sample data ready")


def bootstrap(settings: Settings, *, progress: Progress | None = None, sample_scale: float = 1.0) -> sa.Engine:
    """Open the store; on an empty store load reference data, recorded indicators and the sample data; decide and
    keep the linked suppression of any data set whose figures changed (:mod:`pipeline.kept_decisions`)."""
    report = progress or (lambda _fraction, _message: None)
    engine = open_store(settings)
    if not reference_loaded(engine):
        report(0.0, "loading reference data")
        load_reference_data(engine)
    if not _has_rows(engine, tables.indicators):
        report(0.05, "loading recorded Sotkanet and THL data")
        from pipeline.indicators import load_recorded_indicators  # noqa: PLC0415  # first start only

        load_recorded_indicators(engine)
    elif _holds_sotkanet_examples(engine):  # a store from an older version: THL's copies replace its made-up series
        from pipeline.indicators import replace_sotkanet_examples  # noqa: PLC0415  # once per such store

        replace_sotkanet_examples(engine)
    missing = missing_sample_tables(engine)
    if missing:
        load_sample_data(
            engine,
            settings.data_dir,
            scale=sample_scale,
            progress=lambda fraction, message: report(0.1 + 0.9 * fraction, message),
            table_names=missing,
        )
    report(0.99, "deciding the suppression of linked tables")
    keep_linked_decisions(engine, settings.suppression_threshold)
    return engine
