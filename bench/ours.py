"""The four metric families through our public API, on lazy scans, collected with the streaming engine."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from metrics.access import access_within_days, t3_summary
from metrics.continuity import continuity_summary
from metrics.satisfaction import nps as nps_metric

ENGINE = "streaming"


def access(folder: Path) -> pl.DataFrame:
    visits = pl.scan_parquet(folder / "visits" / "*.parquet")
    return access_within_days(visits, days=7, by=["region_code"]).collect(engine=ENGINE)


def t3(folder: Path) -> pl.DataFrame:
    slots = pl.scan_parquet(folder / "slots" / "*.parquet")
    times = slots.select(pl.col("captured_at").unique().sort()).collect().to_series().to_list()
    return t3_summary(slots, measured_at=times, by=["unit_id"]).collect(engine=ENGINE)


def continuity(folder: Path) -> pl.DataFrame:
    visits = pl.scan_parquet(folder / "visits" / "*.parquet")
    return continuity_summary(visits, by=["region_code", "profession"]).collect(engine=ENGINE)


def nps(folder: Path) -> pl.DataFrame:
    answers = pl.scan_parquet(folder / "answers" / "*.parquet")
    return nps_metric(answers, by=["region_code", "respondent"]).collect(engine=ENGINE)
