"""Continuity of care: Bice-Boxerman COC with UPC, SECON, MMCI and HHI.

Sources: Bice & Boxerman, Med Care 1977 (COC); Breslau & Reeb 1975 (UPC);
Steinwachs 1979 (SECON); Magill & Senf 1987 (MMCI); THL's *Hoidon jatkuvuus
perusterveydenhuollossa* (an individual COCI per client, averaged per area).
Conventions are in docs/metrics.md: visits without a professional are dropped
before counting and reported; every index is null below ``min_visits``.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from core import columns as c
from core.errors import InvalidInputError
from core.schema import VISITS, require_columns
from metrics._frames import Frame, aggregate, check_int_option, group_columns, same_kind
from metrics.stats import Z95

_NEEDED = (c.PATIENT_ID, c.PROFESSIONAL_ID, c.VISIT_AT, c.VISIT_ID)
_INDICES = ("coc", "upc", "secon", "mmci", "hhi")


def continuity_indices(visits: Frame, *, min_visits: int = 2, by: Sequence[str] = ()) -> Frame:
    """Continuity indices per patient (per ``by`` group and patient).

    With n visits to a known provider, k providers and n_j visits to provider
    j: ``coc`` = (Σn_j² − n)/(n(n−1)), ``upc`` = max n_j/n, ``hhi`` =
    Σ(n_j/n)², ``mmci`` = (n − k + 1)/n, ``secon`` = share of consecutive
    visit pairs (ordered by visit_at, then visit_id) with the same provider.
    All are unitless in [0, 1]. Visits with a null ``professional_id`` are
    dropped before counting (``n_missing_provider``); indices are null when
    n < ``min_visits`` (at least 2: COC is 0/0 at n = 1). Output columns:
    the ``by`` columns, ``patient_id``, ``n_visits``, ``n_providers``, the
    five indices and ``n_missing_provider``. The output holds pseudonymised
    patient ids: an intermediate step, never for display. Returns the same
    kind of frame as the input.
    """
    min_visits = _check_min_visits(min_visits)
    keys: list[str] = group_columns(by)
    if c.PATIENT_ID in keys:
        raise InvalidInputError(f"'by' may not name {c.PATIENT_ID!r}: the indices are already per patient")
    VISITS.check(visits, _NEEDED)
    require_columns(visits, keys, table=VISITS.name)
    return same_kind(visits, lambda frame: _indices(frame, keys, min_visits))


def continuity_summary(visits: Frame, *, by: Sequence[str] = (), min_visits: int = 2) -> Frame:
    """Continuity per ``by`` group: patient means of COC and UPC with intervals.

    ``mean_coc`` is the unweighted mean of eligible patients' COC (THL's
    statistic) with a normal 95 % interval mean ± z·s/√m (``ci_low``,
    ``ci_high``; null when m < 2, clipped to [0, 1]); ``visit_weighted_coc`` =
    Σn_i·coc_i/Σn_i. The same for UPC (``mean_upc``, ``upc_ci_low``,
    ``upc_ci_high``, ``visit_weighted_upc``), plus ``mean_secon``,
    ``mean_mmci``, ``mean_hhi``. Counts: ``n_patients`` (patients with any
    visit in the group), ``n_eligible`` (n ≥ ``min_visits``), ``n_visits``
    (visits with a known provider), ``n_missing_provider``. Returns one row
    per group (one row for ``by=()``), as the same kind of frame as the input.
    """
    min_visits = _check_min_visits(min_visits)
    keys: list[str] = group_columns(by)
    VISITS.check(visits, _NEEDED)
    require_columns(visits, keys, table=VISITS.name)

    def build(frame: pl.LazyFrame) -> pl.LazyFrame:
        per_patient = _indices(frame, keys, min_visits)
        eligible = pl.col("coc").is_not_null()
        weights = pl.col("n_visits").filter(eligible)
        aggregations = [
            pl.len().cast(pl.Int64).alias("n_patients"),
            eligible.sum().cast(pl.Int64).alias("n_eligible"),
            pl.col("n_visits").sum().cast(pl.Int64).alias("n_visits"),
            pl.col("n_missing_provider").sum().cast(pl.Int64).alias("n_missing_provider"),
        ]
        for index, prefix in (("coc", ""), ("upc", "upc_")):
            values = pl.col(index).filter(eligible)
            mean = values.mean()
            half = Z95 * values.std(ddof=1) / values.count().sqrt()
            aggregations += [
                mean.alias(f"mean_{index}"),
                (mean - half).clip(0.0, 1.0).alias(f"{prefix}ci_low"),
                (mean + half).clip(0.0, 1.0).alias(f"{prefix}ci_high"),
                ((values * weights).sum() / weights.sum()).alias(f"visit_weighted_{index}"),
            ]
        aggregations += [pl.col(index).filter(eligible).mean().alias(f"mean_{index}") for index in _INDICES[2:]]
        return (
            aggregate(per_patient, keys, aggregations)
            .with_columns(
                # With no eligible patient every statistic is null (0/0), never NaN.
                pl.when(pl.col("n_eligible") > 0).then(pl.col(name)).alias(name)
                for name in ("visit_weighted_coc", "visit_weighted_upc")
            )
            .with_columns(pl.lit(min_visits, dtype=pl.Int64).alias("min_visits"))
        )

    return same_kind(visits, build)


def _indices(frame: pl.LazyFrame, keys: list[str], min_visits: int) -> pl.LazyFrame:
    patient = [*keys, c.PATIENT_ID]
    provider = pl.col(c.PROFESSIONAL_ID)
    known = frame.filter(provider.is_not_null())

    concentration = (
        known.group_by([*patient, c.PROFESSIONAL_ID])
        .agg(pl.len().cast(pl.Int64).alias("n_j"))
        .group_by(patient)
        .agg(
            pl.col("n_j").sum().alias("n_visits"),
            pl.len().cast(pl.Int64).alias("n_providers"),
            (pl.col("n_j") ** 2).sum().alias("_sum_sq"),
            pl.col("n_j").max().alias("_max"),
        )
    )
    # SECON: order each patient's visits and count repeats of the previous provider.
    same_patient = pl.all_horizontal(pl.col(name).eq_missing(pl.col(name).shift(1)) for name in patient)
    repeats = (
        known.select(*patient, c.PROFESSIONAL_ID, c.VISIT_AT, c.VISIT_ID)
        .sort([*patient, c.VISIT_AT, c.VISIT_ID])
        .with_columns((same_patient & provider.eq(provider.shift(1))).fill_null(False).alias("_repeat"))
        .group_by(patient)
        .agg(pl.col("_repeat").sum().cast(pl.Int64).alias("_repeats"))
    )
    # Visits without a provider are few: count them apart, then add their patients.
    missing = (
        frame.filter(provider.is_null()).group_by(patient).agg(pl.len().cast(pl.Int64).alias("n_missing_provider"))
    )

    n = pl.col("n_visits").cast(pl.Float64)
    k = pl.col("n_providers").cast(pl.Float64)
    sum_sq = pl.col("_sum_sq").cast(pl.Float64)
    defined = pl.col("n_visits") >= min_visits
    indices = {
        "coc": (sum_sq - n) / (n * (n - 1)),
        "upc": pl.col("_max").cast(pl.Float64) / n,
        "secon": pl.col("_repeats").cast(pl.Float64) / (n - 1),
        "mmci": (n - k + 1) / n,
        "hhi": sum_sq / (n * n),
    }
    return (
        concentration.join(repeats, on=patient, how="left", nulls_equal=True)
        .join(missing, on=patient, how="full", coalesce=True, nulls_equal=True)
        .with_columns(pl.col("n_visits", "n_providers", "n_missing_provider").fill_null(0))
        .with_columns(pl.when(defined).then(expr).alias(name) for name, expr in indices.items())
        .select(*patient, "n_visits", "n_providers", *_INDICES, "n_missing_provider")
        .sort(patient, nulls_last=True)
    )


def _check_min_visits(min_visits: int) -> int:
    return check_int_option("min_visits", min_visits, minimum=2)
