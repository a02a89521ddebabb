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
_INVALID, _PROMOTER, _PASSIVE, _DETRACTOR = range(4)


_CLASS, _COUNT, _W, _W2 = "_class", "_count", "_w", "_w2"


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
    nulls. Returns the same kind of frame as the input. It is
    :func:`nps_partials` followed by :func:`nps_from_partials`.
    """
    keys: list[str] = group_columns(by)
    return same_kind(answers, lambda frame: _finish(_per_class(frame, keys, weight), keys))


def nps_partials(answers: Frame, *, by: Sequence[str] = (), weight: str | None = None) -> Frame:
    """Mergeable partial aggregates of NPS: per ``by`` group and answer class, the count and weight sums.

    Columns: the ``by`` values, ``_class`` (0 invalid, 1 promoter, 2 passive, 3 detractor), ``_count``,
    ``_w`` (Σw) and ``_w2`` (Σw²). Partials of any split of the answers add up with
    :func:`merge_nps_partials`. Returns the same kind of frame as the input.
    """
    keys: list[str] = group_columns(by)
    return same_kind(answers, lambda frame: _per_class(frame, keys, weight))


def merge_nps_partials(partials: Sequence[pl.DataFrame], *, by: Sequence[str] = ()) -> pl.DataFrame:
    """Add partials (see :func:`nps_partials`) per ``by`` group: their own keys, or fewer (a roll-up)."""
    keys: list[str] = group_columns(by)
    frame = pl.concat(list(partials), how="vertical_relaxed")
    return frame.group_by([*keys, _CLASS]).agg(pl.col(_COUNT, _W, _W2).sum())


def nps_from_partials(partials: Frame, *, by: Sequence[str] = ()) -> Frame:
    """:func:`nps`'s output from (merged) partials keyed by ``by``."""
    keys: list[str] = group_columns(by)
    return same_kind(partials, lambda frame: _finish(frame, keys))


def _per_class(frame: pl.LazyFrame, keys: list[str], weight: str | None) -> pl.LazyFrame:
    schema = SURVEY_ANSWERS.check(frame, [c.SCORE])
    require_columns(frame, keys, table=SURVEY_ANSWERS.name)
    if weight is not None:
        require_columns(frame, [weight], table=SURVEY_ANSWERS.name)
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
    # One pass reduces the answers to (group, class) counts and weight sums: a handful of rows per group,
    # from which every output follows (shares, NPS, the linearised variance, Kish's n).
    answer_class = (
        pl.when(~valid)
        .then(pl.lit(_INVALID))
        .when(score >= 9)
        .then(pl.lit(_PROMOTER))
        .when(score >= 7)
        .then(pl.lit(_PASSIVE))
        .otherwise(pl.lit(_DETRACTOR))
        .cast(pl.UInt8)
    )
    w_sum = pl.col(_W)
    return (
        frame.select(*keys, answer_class.alias(_CLASS), pl.when(valid).then(w).otherwise(0.0).alias(_W))
        .group_by([*keys, _CLASS])
        .agg(pl.len().cast(pl.Int64).alias(_COUNT), w_sum.sum(), (w_sum * w_sum).sum().alias(_W2))
    )


def _finish(per_class: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
    klass, count, w_sum, w2_sum = pl.col(_CLASS), pl.col(_COUNT), pl.col(_W), pl.col(_W2)

    def total(column: pl.Expr, *classes: int) -> pl.Expr:
        return column.filter(klass.is_in(classes)).sum()

    aggregations = [
        total(count, _PROMOTER, _PASSIVE, _DETRACTOR).cast(pl.Int64).alias("n"),
        total(count, _INVALID).cast(pl.Int64).alias("n_invalid"),
        total(count, _PROMOTER).cast(pl.Int64).alias("promoters"),
        total(count, _PASSIVE).cast(pl.Int64).alias("passives"),
        total(count, _DETRACTOR).cast(pl.Int64).alias("detractors"),
        total(w_sum, _PROMOTER, _PASSIVE, _DETRACTOR).alias("_weight"),
        total(w_sum, _PROMOTER).alias("_w_promoter"),
        total(w_sum, _PASSIVE).alias("_w_passive"),
        total(w_sum, _DETRACTOR).alias("_w_detractor"),
        total(w2_sum, _PROMOTER, _PASSIVE, _DETRACTOR).alias("_w2"),
        total(w2_sum, _PROMOTER).alias("_w2_promoter"),
        total(w2_sum, _DETRACTOR).alias("_w2_detractor"),
    ]
    weight_total = pl.col("_weight")
    has_answers = (pl.col("n") > 0) & (weight_total > 0)
    mean = (pl.col("_w_promoter") - pl.col("_w_detractor")) / weight_total  # m, the weighted mean of s
    # Linearised variance of m, Σw²(s − m)²/(Σw)² with s ∈ {1, 0, −1}, expanded into sums per class:
    # Σw²s² − 2m·Σw²s + m²·Σw². Without weights it is ((p+d) − (p−d)²)/n.
    spread = (
        (pl.col("_w2_promoter") + pl.col("_w2_detractor"))
        - 2 * mean * (pl.col("_w2_promoter") - pl.col("_w2_detractor"))
        + mean * mean * pl.col("_w2")
    )
    result = (
        aggregate(per_class, keys, aggregations)
        .with_columns(
            pl.when(has_answers).then(pl.col(f"_w_{kind}") / weight_total).alias(f"{kind}_share")
            for kind in ("promoter", "passive", "detractor")
        )
        .with_columns(
            n_effective=pl.when(has_answers).then(weight_total * weight_total / pl.col("_w2")),
            nps=100 * (pl.col("promoter_share") - pl.col("detractor_share")),
            se=pl.when(has_answers).then(100 * (spread.clip(lower_bound=0.0) / weight_total**2).sqrt()),
        )
        .with_columns(
            ci_low=(pl.col("nps") - Z95 * pl.col("se")).clip(-100.0, 100.0),
            ci_high=(pl.col("nps") + Z95 * pl.col("se")).clip(-100.0, 100.0),
        )
    )
    return result.select(*keys, *_OUTPUT)
