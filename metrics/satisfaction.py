"""Net Promoter Score (and staff eNPS) from 0-10 recommendation answers.

Source: Reichheld, HBR 2003 (promoters 9-10, passives 7-8, detractors 0-6);
variance as in the CRAN package ``NPS`` (plug-in, ÷ n); survey weights by
linearisation with Kish's effective sample size. Conventions: docs/metrics.md.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from core import columns as c
from core.errors import ColumnTypeError
from core.schema import SURVEY_ANSWERS, require_columns
from metrics._frames import Frame, aggregate, group_columns, same_kind
from metrics.stats import Z95

_OUTPUT = (
    "n",
    "n_invalid",
    "promoters",
    "passives",
    "detractors",
    "nps",
    "se",
    "ci_low",
    "ci_high",
    "promoter_share",
    "passive_share",
    "detractor_share",
    "n_effective",
)


def nps(answers: Frame, *, by: Sequence[str] = (), weight: str | None = None) -> Frame:
    """NPS per ``by`` group: 100·(share of promoters − share of detractors), on −100…100.

    Valid answers are whole numbers 0-10; null, NaN, fractional and
    out-of-range scores (and, with ``weight``, rows whose weight is null,
    NaN or negative) are excluded and counted in ``n_invalid``. ``promoters``,
    ``passives``, ``detractors`` count valid answers; the ``*_share`` columns
    are their (weighted) shares. Unweighted ``se`` = 100·sqrt(((p+d) −
    (p−d)²)/n); weighted ``se`` = 100·sqrt(Σw²(s−m)²)/Σw with s ∈ {1, 0, −1}
    and ``n_effective`` = (Σw)²/Σw² (Kish). ``ci_low``/``ci_high`` = nps ±
    1.96·se clipped to [−100, 100]. n = 0 (or a zero total weight) gives
    nulls. Returns the same kind of frame as the input.
    """
    keys: list[str] = group_columns(by)
    schema = SURVEY_ANSWERS.check(answers, [c.SCORE])
    require_columns(answers, keys, table=SURVEY_ANSWERS.name)
    if weight is not None:
        require_columns(answers, [weight], table=SURVEY_ANSWERS.name)
        if not schema[weight].is_numeric():
            raise ColumnTypeError(
                f"{SURVEY_ANSWERS.name}: weight column {weight!r} has type {schema[weight]}, but it must hold numbers."
            )

    score = pl.col(c.SCORE).cast(pl.Float64)
    valid = score.is_not_null() & score.is_not_nan() & (score >= 0) & (score <= 10) & (score == score.floor())
    w = pl.col(weight).cast(pl.Float64) if weight is not None else pl.lit(1.0)
    if weight is not None:
        valid &= w.is_not_null() & w.is_not_nan() & (w >= 0)
    valid = valid.fill_null(False)
    signed = pl.when(score >= 9).then(1.0).when(score >= 7).then(0.0).otherwise(-1.0)
    w_valid = w.filter(valid)

    def share(condition: pl.Expr) -> pl.Expr:
        return (w_valid * condition.filter(valid).cast(pl.Float64)).sum() / w_valid.sum()

    aggregations = [
        valid.sum().cast(pl.Int64).alias("n"),
        (~valid).sum().cast(pl.Int64).alias("n_invalid"),
        (valid & (score >= 9)).sum().cast(pl.Int64).alias("promoters"),
        (valid & (score >= 7) & (score < 9)).sum().cast(pl.Int64).alias("passives"),
        (valid & (score < 7)).sum().cast(pl.Int64).alias("detractors"),
        share(score >= 9).alias("promoter_share"),
        share((score >= 7) & (score < 9)).alias("passive_share"),
        share(score < 7).alias("detractor_share"),
        (w_valid.sum() ** 2 / (w_valid**2).sum()).alias("n_effective"),
        w_valid.sum().alias("_weight_total"),
        # Linearised variance of the weighted mean of s; equals ((p+d) − (p−d)²)/n without weights.
        (
            (w_valid**2 * (signed.filter(valid) - (w_valid * signed.filter(valid)).sum() / w_valid.sum()) ** 2).sum()
            / w_valid.sum() ** 2
        ).alias("_variance"),
    ]

    def build(frame: pl.LazyFrame) -> pl.LazyFrame:
        has_answers = (pl.col("n") > 0) & (pl.col("_weight_total") > 0)
        nps_value = 100 * (pl.col("promoter_share") - pl.col("detractor_share"))
        se = 100 * pl.col("_variance").sqrt()
        result = (
            aggregate(frame, keys, aggregations)
            .with_columns(
                pl.when(has_answers).then(pl.col(name)).alias(name)
                for name in ("promoter_share", "passive_share", "detractor_share", "n_effective", "_variance")
            )
            .with_columns(nps=nps_value, se=se)
            .with_columns(
                ci_low=(pl.col("nps") - Z95 * pl.col("se")).clip(-100.0, 100.0),
                ci_high=(pl.col("nps") + Z95 * pl.col("se")).clip(-100.0, 100.0),
            )
        )
        return result.select(*keys, *_OUTPUT)

    return same_kind(answers, build)
