"""Heavy users: patients with many visits a period, their share and their continuity.

Source: the programme's named-doctor model is aimed at high users — Päijät-
Häme's cohort of about 300 patients with almost 3,000 doctor visits a year,
Keski-Suomi's rule of more than 7 visits in the previous year for a named
contact person. A heavy user here is a patient with at least ``threshold``
visits (default 8, Keski-Suomi's "more than 7") in the ``by`` group, which
should name a period (a year). Their continuity is compared with the other
patients' with the COC of :func:`metrics.continuity.continuity_indices`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import polars as pl

from core import columns as c
from core.errors import InvalidInputError
from core.schema import VISITS, require_columns
from metrics._frames import Frame, aggregate, check_int_option, group_columns, same_kind
from metrics.continuity import DEFAULT_MIN_VISITS, continuity_indices
from metrics.stats import Z95, wilson_exprs

DEFAULT_THRESHOLD: Final = 8
"""Visits in the period that make a heavy user: Keski-Suomi's "more than 7 visits a year" (004:464-468)."""

_NEEDED = (c.PATIENT_ID, c.PROFESSIONAL_ID, c.VISIT_AT, c.VISIT_ID)
OUTPUT: Final = (
    "n_patients",
    "n_heavy",
    "patient_share",
    "patient_ci_low",
    "patient_ci_high",
    "n_visits",
    "n_heavy_visits",
    "visit_share",
    "heavy_n_eligible",
    "heavy_mean_coc",
    "heavy_coc_ci_low",
    "heavy_coc_ci_high",
    "other_n_eligible",
    "other_mean_coc",
    "other_coc_ci_low",
    "other_coc_ci_high",
    "threshold",
)


_GROUPS: Final = ("heavy", "other")
"""The two groups of patients whose mean COC is compared, as column prefixes."""
_COUNTS: Final = ("n_patients", "n_heavy", "n_visits", "n_heavy_visits")


def heavy_users(
    visits: Frame, *, threshold: int = DEFAULT_THRESHOLD, by: Sequence[str] = (), min_visits: int = DEFAULT_MIN_VISITS
) -> Frame:
    """Heavy users per ``by`` group: patients with at least ``threshold`` visits in the group.

    A patient's visits are all their rows in the group, with or without a known professional. Output:
    ``n_patients`` and ``n_heavy`` (patients), ``patient_share`` = n_heavy / n_patients with a Wilson 95 %
    interval; ``n_visits`` and ``n_heavy_visits`` (visits), ``visit_share`` = n_heavy_visits / n_visits.
    Continuity: the mean COC of the heavy users and of the other patients who have at least ``min_visits``
    visits to a known professional (``heavy_n_eligible``, ``heavy_mean_coc``, ``other_n_eligible``,
    ``other_mean_coc``), each with a normal 95 % interval clipped to [0, 1] (null below two patients).
    Shares are null when their denominator is 0, means when no patient is eligible. ``threshold`` (at
    least 1) is repeated in its own column. One row per ``by`` group (one when ``by`` is empty), as the same
    kind of frame as the input; no identifier leaves. It is :func:`heavy_user_partials` followed by
    :func:`heavy_users_from_partials`.
    """
    threshold = check_int_option("threshold", threshold, minimum=1)
    keys = _checked_keys(visits, by)
    return same_kind(visits, lambda frame: _finish(_partials(frame, keys, threshold, min_visits), keys))


def heavy_user_partials(
    visits: Frame, *, threshold: int = DEFAULT_THRESHOLD, by: Sequence[str] = (), min_visits: int = DEFAULT_MIN_VISITS
) -> Frame:
    """Mergeable partial aggregates of :func:`heavy_users` per ``by`` group.

    Columns: the ``by`` values; ``n_patients``, ``n_heavy``, ``n_visits``, ``n_heavy_visits``; per group of
    patients g (``heavy``, ``other``) ``g_n_eligible`` (patients with a COC), ``_g_sum_coc`` (ΣCOC) and
    ``_g_m2_coc`` (Σ(COC − mean)²); and ``threshold``. Heavy use is decided per patient, so partials of visits
    that share no patient in a group (buckets of patients) merge exactly with :func:`merge_heavy_user_partials`;
    a patient's visits of a group must all be in one input. Returns the same kind of frame as the input.
    """
    threshold = check_int_option("threshold", threshold, minimum=1)
    keys = _checked_keys(visits, by)
    return same_kind(visits, lambda frame: _partials(frame, keys, threshold, min_visits))


def merge_heavy_user_partials(partials: Sequence[pl.DataFrame], *, by: Sequence[str] = ()) -> pl.DataFrame:
    """Pool partials (see :func:`heavy_user_partials`) of disjoint patients per ``by`` group (their own keys).

    Counts and ΣCOC add; the spreads pool by Chan et al.: Σ(x − mean)² over the union = Σ m2_i +
    Σ m_i·(mean_i − mean)². Partials of different thresholds do not mix. The result is again a partial.
    """
    keys: list[str] = group_columns(by)
    frame = pl.concat(list(partials), how="vertical_relaxed")
    thresholds = frame.get_column("threshold").unique().to_list()
    if len(thresholds) > 1:
        raise InvalidInputError(f"heavy-user partials of different thresholds do not merge: {sorted(thresholds)}")
    pooled = []
    for group in _GROUPS:
        m, total = pl.col(f"{group}_n_eligible"), pl.col(f"_{group}_sum_coc")
        mean = total.sum() / m.sum()
        between = pl.when(m > 0).then(m * (total / m - mean) ** 2).otherwise(0.0)
        pooled += [
            m.sum().cast(pl.Int64).alias(f"{group}_n_eligible"),
            total.sum().cast(pl.Float64).alias(f"_{group}_sum_coc"),
            (pl.col(f"_{group}_m2_coc") + between).sum().cast(pl.Float64).alias(f"_{group}_m2_coc"),
        ]
    aggregations = [
        *(pl.col(name).sum().cast(pl.Int64) for name in _COUNTS),
        *pooled,
        pl.col("threshold").first().cast(pl.Int64),
    ]
    return aggregate(frame.lazy(), keys, aggregations).select(*keys, *_PARTIAL_COLUMNS).collect()


def heavy_users_from_partials(partials: Frame, *, by: Sequence[str] = ()) -> Frame:
    """:func:`heavy_users`'s output from (merged) partials keyed by ``by``: one row per partial row."""
    keys: list[str] = group_columns(by)
    return same_kind(partials, lambda frame: _finish(frame, keys))


_PARTIAL_COLUMNS: Final = (
    *_COUNTS,
    *(name for group in _GROUPS for name in (f"{group}_n_eligible", f"_{group}_sum_coc", f"_{group}_m2_coc")),
    "threshold",
)


def _checked_keys(visits: Frame, by: Sequence[str]) -> list[str]:
    keys: list[str] = group_columns(by)
    if c.PATIENT_ID in keys:
        raise InvalidInputError(f"'by' may not name {c.PATIENT_ID!r}: heavy use is counted per patient")
    VISITS.check(visits, _NEEDED)
    require_columns(visits, keys, table=VISITS.name)
    return keys


def _partials(frame: pl.LazyFrame, keys: list[str], threshold: int, min_visits: int) -> pl.LazyFrame:
    total = pl.col("n_visits") + pl.col("n_missing_provider")
    heavy: pl.Expr = pl.col("_heavy")
    coc = pl.col("coc")

    def spread(selected: pl.Expr, group: str) -> list[pl.Expr]:
        values = coc.filter(selected & coc.is_not_null())
        m = values.len()
        return [
            m.cast(pl.Int64).alias(f"{group}_n_eligible"),
            values.sum().cast(pl.Float64).alias(f"_{group}_sum_coc"),
            (values.var(ddof=0) * m).fill_null(0.0).cast(pl.Float64).alias(f"_{group}_m2_coc"),
        ]

    aggregations = [
        pl.len().cast(pl.Int64).alias("n_patients"),
        heavy.sum().cast(pl.Int64).alias("n_heavy"),
        pl.col("_total").sum().cast(pl.Int64).alias("n_visits"),
        pl.col("_total").filter(heavy).sum().cast(pl.Int64).alias("n_heavy_visits"),
        *spread(heavy, "heavy"),
        *spread(heavy.not_(), "other"),
        pl.lit(threshold, dtype=pl.Int64).alias("threshold"),
    ]
    patients = continuity_indices(frame.select(*keys, *_NEEDED), by=keys, min_visits=min_visits)
    per_patient = patients.select(*keys, total.alias("_total"), coc).with_columns(
        (pl.col("_total") >= threshold).alias("_heavy")
    )
    return aggregate(per_patient, keys, aggregations).select(*keys, *_PARTIAL_COLUMNS)


def _finish(partials: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
    def mean_coc(group: str) -> list[pl.Expr]:
        m = pl.col(f"{group}_n_eligible")
        mean = pl.when(m > 0).then(pl.col(f"_{group}_sum_coc") / m)
        half = Z95 * (pl.col(f"_{group}_m2_coc") / (m - 1)).sqrt() / m.cast(pl.Float64).sqrt()
        return [
            mean.alias(f"{group}_mean_coc"),
            pl.when(m >= 2).then((mean - half).clip(0.0, 1.0)).alias(f"{group}_coc_ci_low"),
            pl.when(m >= 2).then((mean + half).clip(0.0, 1.0)).alias(f"{group}_coc_ci_high"),
        ]

    low, high = wilson_exprs(pl.col("n_heavy"), pl.col("n_patients"), z=Z95)
    return partials.with_columns(
        pl.when(pl.col("n_patients") > 0).then(pl.col("n_heavy") / pl.col("n_patients")).alias("patient_share"),
        low.alias("patient_ci_low"),
        high.alias("patient_ci_high"),
        pl.when(pl.col("n_visits") > 0).then(pl.col("n_heavy_visits") / pl.col("n_visits")).alias("visit_share"),
        *mean_coc("heavy"),
        *mean_coc("other"),
    ).select(*keys, *OUTPUT)
