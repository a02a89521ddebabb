"""Read-side queries the pages use. Every result is identifier-free and ready for suppression."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from store import tables
from store.repository import read_table


def source_freshness(engine: sa.Engine) -> pl.DataFrame:
    """Per published series: source, id, Finnish title, data-updated date, fetch time, licence, row count."""
    meta = read_table(engine, tables.indicators)
    counts = (
        read_table(engine, tables.indicator_values)
        .group_by("source", "indicator_id")
        .agg(pl.len().alias("rows"), pl.col("period").max().alias("latest_period"))
    )
    return (
        meta.join(counts, on=["source", "indicator_id"], how="left")
        .select("source", "indicator_id", "title_fi", "data_updated", "fetched_at", "licence", "rows", "latest_period")
        .sort("source", "indicator_id")
    )


def import_history(engine: sa.Engine | sa.Connection) -> pl.DataFrame:
    """Completed imports, newest first (failed attempts: :func:`store.catalogue.recorded_failures`)."""
    return (
        read_table(engine, tables.imports)
        .select(
            "id",
            "dataset",
            "table_name",
            "file_name",
            "layout",
            "rows_read",
            "rows_rejected",
            "imported_at",
            "imported_by",
        )
        .sort("id", descending=True)
    )


def source_status(engine: sa.Engine) -> pl.DataFrame:
    return read_table(engine, tables.source_status)
