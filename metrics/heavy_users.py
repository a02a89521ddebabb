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
    kind of frame as the input; no identifier leaves.
    """
    threshold = check_int_option("threshold", threshold, minimum=1)
    keys: list[str] = group_columns(by)
    if c.PATIENT_ID in keys:
        raise InvalidInputError(f"'by' may not name {c.PATIENT_ID!r}: heavy use is counted per patient")
    VISITS.check(visits, _NEEDED)
    require_columns(visits, keys, table=VISITS.name)

    total = pl.col("n_visits") + pl.col("n_missing_provider")
    heavy: pl.Expr = pl.col("_heavy")
    coc = pl.col("coc")

    def mean_coc(selected: pl.Expr, prefix: str) -> list[pl.Expr]:
        values = coc.filter(selected & coc.is_not_null())
        m = values.len()
        mean = values.mean()
        half = Z95 * values.std() / m.cast(pl.Float64).sqrt()
        return [
            m.cast(pl.Int64).alias(f"{prefix}_n_eligible"),
            mean.alias(f"{prefix}_mean_coc"),
            pl.when(m >= 2).then((mean - half).clip(0.0, 1.0)).alias(f"{prefix}_coc_ci_low"),
            pl.when(m >= 2).then((mean + half).clip(0.0, 1.0)).alias(f"{prefix}_coc_ci_high"),
        ]

    aggregations = [
        pl.len().cast(pl.Int64).alias("n_patients"),
        heavy.sum().cast(pl.Int64).alias("n_heavy"),
        pl.col("_total").sum().cast(pl.Int64).alias("n_visits"),
        pl.col("_total").filter(heavy).sum().cast(pl.Int64).alias("n_heavy_visits"),
        *mean_coc(heavy, "heavy"),
        *mean_coc(heavy.not_(), "other"),
    ]
    low, high = wilson_exprs(pl.col("n_heavy"), pl.col("n_patients"), z=Z95)

    def build(frame: pl.LazyFrame) -> pl.LazyFrame:
        patients = continuity_indices(frame.select(*keys, *_NEEDED), by=keys, min_visits=min_visits)
        per_patient = patients.select(*keys, total.alias("_total"), coc).with_columns(
            (pl.col("_total") >= threshold).alias("_heavy")
        )
        return (
            aggregate(per_patient, keys, aggregations)
            .with_columns(
                patient_share=pl.when(pl.col("n_patients") > 0).then(pl.col("n_heavy") / pl.col("n_patients")),
                patient_ci_low=low,
                patient_ci_high=high,
                visit_share=pl.when(pl.col("n_visits") > 0).then(pl.col("n_heavy_visits") / pl.col("n_visits")),
                threshold=pl.lit(threshold, dtype=pl.Int64),
            )
            .select(*keys, *OUTPUT)
        )

    return same_kind(visits, build)
