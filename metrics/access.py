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

__all__ = [
    "access_from_partials",
    "access_partials",
    "access_within_days",
    "merge_access_partials",
    "t3",
    "t3_summary",
]

_NEEDED = (c.VISIT_AT, c.ASSESSMENT_AT, c.URGENT)
_ELIGIBLE, _URGENT, _MISSING_URGENCY, _MISSING_VISIT_AT, _MISSING_ASSESSMENT, _NEGATIVE_WAIT = range(6)


_CLASS, _WAIT, _COUNT = "_class", "_wait", "_count"
_OUTPUT = (
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
    empty), as the same kind of frame as the input. It is
    :func:`access_partials` followed by :func:`access_from_partials`.
    """
    days = check_int_option("days", days, minimum=0)
    keys: list[str] = group_columns(by)
    return same_kind(visits, lambda frame: _finish(_histogram(frame, keys), keys, days))


def access_partials(visits: Frame, *, by: Sequence[str] = ()) -> Frame:
    """Mergeable partial aggregates of access: visits per ``by`` group, class and wait in days.

    Columns: the ``by`` values, ``_class`` (0 eligible, 1 urgent, 2 urgency unknown, 3 no visit time,
    4 no assessment, 5 negative wait), ``_wait`` (days, eligible visits only) and ``_count``. Small (a
    few hundred rows per group); partials of any split of the visits add up with
    :func:`merge_access_partials`, and every count and the exact median follow from them. Returns the
    same kind of frame as the input.
    """
    keys: list[str] = group_columns(by)
    return same_kind(visits, lambda frame: _histogram(frame, keys))


def merge_access_partials(partials: Sequence[pl.DataFrame], *, by: Sequence[str] = ()) -> pl.DataFrame:
    """Add partials (see :func:`access_partials`) per ``by`` group: their own keys, or fewer (a roll-up)."""
    keys: list[str] = group_columns(by)
    frame = pl.concat(list(partials), how="vertical_relaxed")
    return frame.group_by([*keys, _CLASS, _WAIT]).agg(pl.col(_COUNT).sum())


def access_from_partials(partials: Frame, *, days: int = 7, by: Sequence[str] = ()) -> Frame:
    """:func:`access_within_days`'s output from (merged) partials keyed by ``by``."""
    days = check_int_option("days", days, minimum=0)
    keys: list[str] = group_columns(by)
    return same_kind(partials, lambda frame: _finish(frame, keys, days))


def _histogram(frame: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
    schema = VISITS.check(frame, _NEEDED)
    require_columns(frame, keys, table=VISITS.name)
    visit_date = local_date(c.VISIT_AT, schema[c.VISIT_AT])
    wait = (visit_date - local_date(c.ASSESSMENT_AT, schema[c.ASSESSMENT_AT])).dt.total_days()
    # One pass classifies every visit and keeps only (group, class, wait in days) counts: the histogram
    # is small (a few hundred rows per group), streams in bounded memory, and gives every count and the
    # exact median. The classes are exclusive and tested in the documented order.
    visit_class = (
        pl.when(pl.col(c.URGENT))
        .then(pl.lit(_URGENT))
        .when(pl.col(c.URGENT).is_null())
        .then(pl.lit(_MISSING_URGENCY))
        .when(pl.col(c.VISIT_AT).is_null())
        .then(pl.lit(_MISSING_VISIT_AT))
        .when(pl.col(c.ASSESSMENT_AT).is_null())
        .then(pl.lit(_MISSING_ASSESSMENT))
        .when(wait < 0)
        .then(pl.lit(_NEGATIVE_WAIT))
        .otherwise(pl.lit(_ELIGIBLE))
        .cast(pl.UInt8)
    )
    return (
        frame.select(*keys, visit_class.alias(_CLASS), wait.alias(_WAIT))
        .with_columns(pl.when(pl.col(_CLASS) == _ELIGIBLE).then(pl.col(_WAIT)).alias(_WAIT))
        .group_by([*keys, _CLASS, _WAIT])
        .agg(pl.len().cast(pl.Int64).alias(_COUNT))
    )


def _finish(histogram: pl.LazyFrame, keys: list[str], days: int) -> pl.LazyFrame:
    klass, days_waited, count = pl.col(_CLASS), pl.col(_WAIT), pl.col(_COUNT)

    def total(code: int) -> pl.Expr:
        return count.filter(klass == code).sum().cast(pl.Int64)

    eligible_waits = days_waited.filter(klass == _ELIGIBLE)
    eligible_counts = count.filter(klass == _ELIGIBLE)
    sorted_waits = eligible_waits.sort()
    cumulative = eligible_counts.sort_by(eligible_waits).cum_sum()
    n_eligible = eligible_counts.sum()
    lower_middle = sorted_waits.filter(cumulative > (n_eligible - 1) // 2).first()
    upper_middle = sorted_waits.filter(cumulative > n_eligible // 2).first()
    aggregations = [
        count.sum().cast(pl.Int64).alias("n_visits"),
        total(_URGENT).alias("n_urgent"),
        total(_MISSING_URGENCY).alias("n_missing_urgency"),
        total(_MISSING_VISIT_AT).alias("n_missing_visit_at"),
        total(_MISSING_ASSESSMENT).alias("n_missing_assessment"),
        total(_NEGATIVE_WAIT).alias("n_negative_wait"),
        total(_ELIGIBLE).alias("n_eligible"),
        count.filter((klass == _ELIGIBLE) & (days_waited <= days)).sum().cast(pl.Int64).alias("n_within"),
        ((lower_middle + upper_middle) / 2).cast(pl.Float64).alias("median_wait_days"),
    ]
    ci_low, ci_high = wilson_exprs(pl.col("n_within"), pl.col("n_eligible"), z=Z95)
    return (
        aggregate(histogram, keys, aggregations)
        .with_columns(
            share=pl.when(pl.col("n_eligible") > 0).then(pl.col("n_within") / pl.col("n_eligible")),
            ci_low=ci_low,
            ci_high=ci_high,
            days=pl.lit(days, dtype=pl.Int64),
        )
        .select(*keys, *_OUTPUT)
    )
