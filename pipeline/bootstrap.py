"""Open the store and make sure it holds something to show.

On every start: connect, migrate, recover imports a crash interrupted. On the
first start of an empty store: load the reference data (regions, the seeds'
investments, participants, status reports and reported figures), the recorded
Sotkanet and THL responses, and the synthetic sample data set.
"""

from __future__ import annotations

import logging
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from core.settings import Settings
from data_sources import reference
from data_sources.regions import regions_frame
from store import tables
from store.engine import create_store_engine
from store.imports import recover_interrupted_imports
from store.migrations import migrate
from store.repository import read_table, replace_all

log = logging.getLogger(__name__)


def open_store(settings: Settings) -> sa.Engine:
    """Connect to the configured store, migrate it and clean up after any interrupted import."""
    engine = create_store_engine(settings.database_url)
    migrate(engine)
    for failure in recover_interrupted_imports(engine, settings.data_dir):
        log.warning("import of %s was interrupted and is recorded as failed", failure.file_name)
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


def reference_loaded(engine: sa.Engine) -> bool:
    return not read_table(engine, tables.regions).is_empty()


def sample_rows(frame: pl.DataFrame) -> int:
    return frame.height
