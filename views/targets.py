"""The counties' own targets (from the seeds) as chart reference lines and headline text."""

from __future__ import annotations

from functools import cache

import polars as pl

from charts.builders import Reference
from core.codes import WHOLE_COUNTRY as NATIONAL
from core.targets import load_targets
from i18n import t
from store.results import Results
from views.indicators import INDICATORS, indicator_value


@cache
def _targets() -> pl.DataFrame:
    return load_targets().filter(pl.col("value").is_not_null())


def targets_for(region: str, key: str) -> pl.DataFrame:
    """The numeric targets an area has set for an indicator, earliest due first."""
    return _targets().filter((pl.col("region_code") == region) & (pl.col("indicator") == key)).sort("due")


def target_label(row: dict[str, object], key: str, language: str) -> str:
    value = indicator_value(float(row["value"]), INDICATORS[key], language)  # type: ignore[arg-type]
    due = row["due"]
    return t("targets.label_due", language, value=value, due=due) if due else t("targets.label", language, value=value)


def target_references(region: str, key: str, language: str) -> list[Reference]:
    """Reference lines for the chosen area's targets (none for the whole country unless it has its own)."""
    return [
        Reference(float(row["value"]), target_label(row, key, language), kind="target")
        for row in targets_for(region, key).iter_rows(named=True)
    ]


def headline_target(results: Results, region: str, key: str, language: str) -> str:
    """The area's latest-due target for an indicator in words, or '' when it has none.

    ``results`` is for the verdict (the figure the target is judged by); ``key`` may be a published indicator.
    """
    rows = targets_for(NATIONAL if region == "all" else region, key)
    if rows.is_empty():
        return ""
    return target_label(rows.row(-1, named=True), key, language)
