"""Tiny hand-made store results for the view tests: every number is chosen so expectations are computable by hand."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from store.results import Results

ACCESS_SCHEMA = {
    "region_code": pl.String,
    "unit_id": pl.String,
    "profession": pl.String,
    "period": pl.String,
    "days": pl.Int64,
    "n_eligible": pl.Int64,
    "n_within": pl.Int64,
}


def access_rows(rows: Sequence[tuple[str, str, str, str, int, int, int]]) -> pl.DataFrame:
    """(region, unit, profession, month, days, n_eligible, n_within) rows."""
    return pl.DataFrame(rows, schema=ACCESS_SCHEMA, orient="row")


def nps_rows(rows: Sequence[tuple[str, str, str, str, int, int, int]]) -> pl.DataFrame:
    """(region, unit, month, respondent, promoters, passives, detractors) rows; profession is always 'all'."""
    frame = pl.DataFrame(
        rows,
        schema={
            "region_code": pl.String,
            "unit_id": pl.String,
            "period": pl.String,
            "respondent": pl.String,
            "promoters": pl.Int64,
            "passives": pl.Int64,
            "detractors": pl.Int64,
        },
        orient="row",
    )
    return frame.with_columns(pl.lit("all").alias("profession"))


def t3_rows(
    rows: Sequence[tuple[str, str, str, str, int, int, float] | tuple[str, str, str, str, int, int, float, float]],
) -> pl.DataFrame:
    """(region, unit, profession, measurement date, n_books, n_censored, t3_median_days[, t3_median_days_thl]) rows.

    Without the last field, THL's 182-day figure equals the other (no book was censored, or it does not matter).
    """
    full = [(*row, row[6]) if len(row) == 7 else row for row in rows]
    return pl.DataFrame(
        full,
        schema={
            "region_code": pl.String,
            "unit_id": pl.String,
            "profession": pl.String,
            "period": pl.String,
            "n_books": pl.Int64,
            "n_censored": pl.Int64,
            "t3_median_days": pl.Float64,
            "t3_median_days_thl": pl.Float64,
        },
        orient="row",
    )


def continuity_rows(rows: Sequence[tuple[str, str, str, str, int, float, float, float, float]]) -> pl.DataFrame:
    """(region, unit, profession, period, n_eligible, mean_coc, ci_low, ci_high, mean_upc) rows."""
    return pl.DataFrame(
        rows,
        schema={
            "region_code": pl.String,
            "unit_id": pl.String,
            "profession": pl.String,
            "period": pl.String,
            "n_eligible": pl.Int64,
            "mean_coc": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "mean_upc": pl.Float64,
        },
        orient="row",
    )


def results(**frames: Any) -> Results:
    empty = pl.DataFrame()
    defaults: dict[str, Any] = {
        "access": access_rows([]),
        "continuity": continuity_rows([]),
        "t3": t3_rows([]),
        "nps": nps_rows([]),
        "investments": empty,
        "participants": empty,
        "status_reports": empty,
        "imports": pl.DataFrame({"imported_by": ["tester"], "imported_at": ["2025-12-31 10:00"]}),
    }
    defaults.update(frames)
    return Results(**defaults)
