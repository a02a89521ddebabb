"""Access to non-urgent care: the share realised within N days, and T3.

Source: THL, *Hoitoonpääsy perusterveydenhuollossa* (Avohilmo), with the
conventions of docs/metrics.md: calendar-date waits from the care-need
assessment (day 0), compliant when the wait is at most N days, the visit as
the unit of analysis. T3 lives in :mod:`metrics.t3` and is re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from core import columns as c
from core.schema import VISITS, require_columns
from metrics._frames import Frame, aggregate, check_int_option, group_columns, local_date, same_kind
from metrics.stats import Z95, wilson_exprs
from metrics.t3 import t3, t3_summary

__all__ = ["access_within_days", "t3", "t3_summary"]

_NEEDED = (c.VISIT_AT, c.ASSESSMENT_AT, c.URGENT)


def access_within_days(visits: Frame, *, days: int = 7, by: Sequence[str] = ()) -> Frame:
    """Share of non-urgent visits realised within ``days`` days of the care-need assessment.

    Definition: wait = date(visit_at) − date(assessment_at) in calendar days
    (the assessment day is day 0; hours are ignored); a visit is within when
    its wait is at most ``days``. Unit: share of visits (0-1) with a Wilson
    95 % interval. Source: THL's access statistic (Avohilmo).

    Every visit lands in exactly one class, tested in this order: urgent
    (``n_urgent``), urgency unknown (``n_missing_urgency``), no visit time
    (``n_missing_visit_at``), no assessment (``n_missing_assessment``), visit
    date before assessment date (``n_negative_wait``), else eligible
    (``n_eligible``). ``share`` and its interval are null when no visit is
    eligible. Returns one row per ``by`` group (one row when ``by`` is
    empty), as the same kind of frame as the input.
    """
    days = check_int_option("days", days, minimum=0)
    keys: list[str] = group_columns(by)
    schema = VISITS.check(visits, _NEEDED)
    require_columns(visits, keys, table=VISITS.name)

    wait = (
        local_date(c.VISIT_AT, schema[c.VISIT_AT]) - local_date(c.ASSESSMENT_AT, schema[c.ASSESSMENT_AT])
    ).dt.total_days()
    urgent = pl.col(c.URGENT)
    non_urgent = urgent.not_()  # null when urgency is unknown, so the classes below stay exclusive
    has_visit = non_urgent & pl.col(c.VISIT_AT).is_not_null()
    has_both = has_visit & pl.col(c.ASSESSMENT_AT).is_not_null()
    eligible = (has_both & (wait >= 0)).fill_null(False)
    within = eligible & (wait <= days)

    def count(condition: pl.Expr) -> pl.Expr:
        return condition.fill_null(False).sum().cast(pl.Int64)

    aggregations = [
        pl.len().cast(pl.Int64).alias("n_visits"),
        count(urgent).alias("n_urgent"),
        count(urgent.is_null()).alias("n_missing_urgency"),
        count(non_urgent & pl.col(c.VISIT_AT).is_null()).alias("n_missing_visit_at"),
        count(has_visit & pl.col(c.ASSESSMENT_AT).is_null()).alias("n_missing_assessment"),
        count(has_both & (wait < 0)).alias("n_negative_wait"),
        count(eligible).alias("n_eligible"),
        count(within).alias("n_within"),
        wait.filter(eligible).median().cast(pl.Float64).alias("median_wait_days"),
    ]
    ci_low, ci_high = wilson_exprs(pl.col("n_within"), pl.col("n_eligible"), z=Z95)

    def build(frame: pl.LazyFrame) -> pl.LazyFrame:
        return (
            aggregate(frame, keys, aggregations)
            .with_columns(
                share=pl.when(pl.col("n_eligible") > 0).then(pl.col("n_within") / pl.col("n_eligible")),
                ci_low=ci_low,
                ci_high=ci_high,
                days=pl.lit(days, dtype=pl.Int64),
            )
            .select(
                *keys,
                "n_visits",
                "n_eligible",
                "n_within",
                "share",
                "ci_low",
                "ci_high",
                "median_wait_days",
                "n_urgent",
                "n_missing_urgency",
                "n_missing_visit_at",
                "n_missing_assessment",
                "n_negative_wait",
                "days",
            )
        )

    return same_kind(visits, build)
