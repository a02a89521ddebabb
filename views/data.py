"""Data: every source with its freshness, licence and attribution, the refresh status, the import history."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from i18n import t
from store import tables
from store.queries import import_history, source_status
from store.repository import read_table

ATTRIBUTION = {
    "sotkanet": "THL, Sotkanet",
    "thl_cube": "THL, tilastokuutiot",
    "extract": "",
}


def published_series(engine: sa.Engine, language: str) -> pl.DataFrame:
    """One row per published series: source, id, title in ``language``, updated, fetched, licence, rows, latest."""
    meta = read_table(engine, tables.indicators)
    counts = (
        read_table(engine, tables.indicator_values)
        .group_by("source", "indicator_id")
        .agg(pl.len().alias("rows"), pl.col("period").max().alias("latest_period"))
    )
    title = pl.coalesce(pl.col(f"title_{language}"), pl.col("title_fi"))
    return (
        meta.join(counts, on=["source", "indicator_id"], how="left")
        .select(
            pl.col("source").replace_strict(ATTRIBUTION, default=pl.col("source")).alias("attribution"),
            "indicator_id",
            title.alias("title"),
            "data_updated",
            "fetched_at",
            "licence",
            "rows",
            "latest_period",
        )
        .sort("attribution", "indicator_id")
    )


def refresh_status(engine: sa.Engine, language: str) -> list[str]:
    """One sentence per remote source: as of when, and why the last attempt failed if it did."""
    lines = []
    for row in source_status(engine).sort("source").iter_rows(named=True):
        name = ATTRIBUTION.get(row["source"], row["source"])
        as_of = str(row["last_success_at"])[:16] if row["last_success_at"] else "–"
        if row["last_error"]:
            lines.append(t("data.status_failed", language, source=name, as_of=as_of, reason=row["last_error"]))
        else:
            lines.append(t("data.status_ok", language, source=name, as_of=as_of))
    return lines


def imports_table(engine: sa.Engine, language: str) -> pl.DataFrame:
    history = import_history(engine)
    return history.rename({name: t(f"data.col_{name}", language) for name in history.columns})
