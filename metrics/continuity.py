"""Continuity of care: Bice-Boxerman COC with UPC, SECON, MMCI and HHI.

Sources: Bice & Boxerman, Med Care 1977 (COC); Breslau & Reeb 1975 (UPC);
Steinwachs 1979 (SECON); Magill & Senf 1987 (MMCI); THL's *Hoidon jatkuvuus
perusterveydenhuollossa* (an individual COCI per client, averaged per area).
Conventions are in docs/metrics.md: visits without a professional are dropped
before counting and reported; every index is null below ``min_visits``.

:func:`continuity_indices` keys patients by their own values. At national
scale :func:`continuity_summary` instead works on compact integer columns (see
:func:`_hashed_summary`): a 64-bit hash per patient group and per professional,
checked against independent hashes, with the patients processed in slices so
that memory stays bounded. It falls back to the value-keyed computation when a
check fails, so both give the same results.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Final

import polars as pl

from core import columns as c
from core.errors import InvalidInputError
from core.schema import VISITS, require_columns
from metrics._frames import Frame, aggregate, check_int_option, collect_streaming, group_columns, same_kind
from metrics.stats import Z95

DEFAULT_MIN_VISITS: Final = 2
"""Visits with a known professional a patient needs for an index: 2, the mathematical minimum (COC is 0/0 at
one visit). THL's threshold for its COCI (Sotkanet 5502) is not published where we could read it; studies use 2,
3 or 4. Every stored continuity figure records the value it used (docs/decisions/0005-thl-conventions.md)."""

_NEEDED = (c.PATIENT_ID, c.PROFESSIONAL_ID, c.VISIT_AT, c.VISIT_ID)
INDICES: Final = ("coc", "upc", "secon", "mmci", "hhi")
"""The indices, in their output order."""
_COUNTS = ("n_patients", "n_eligible", "n_visits", "n_missing_provider")
_WITH_INTERVALS = (("coc", ""), ("upc", "upc_"))
_PLAIN_MEANS = ("secon", "mmci", "hhi")


def continuity_indices(visits: Frame, *, min_visits: int = DEFAULT_MIN_VISITS, by: Sequence[str] = ()) -> Frame:
    """Continuity indices per patient (per ``by`` group and patient).

    With n visits to a known provider, k providers and n_j visits to provider
    j: ``coc`` = (Σn_j² − n)/(n(n−1)), ``upc`` = max n_j/n, ``hhi`` =
    Σ(n_j/n)², ``mmci`` = (n − k + 1)/n, ``secon`` = share of consecutive
    visit pairs (ordered by visit_at, then visit_id, then professional_id
    for duplicated rows) with the same provider. All are unitless in
    [0, 1]. Visits with a null ``professional_id`` are dropped before
    counting (``n_missing_provider``); indices are null when n <
    ``min_visits`` (at least 2: COC is 0/0 at n = 1). Output columns:
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
    return same_kind(
        visits, lambda frame: _indices(frame, keys, min_visits).sort([*keys, c.PATIENT_ID], nulls_last=True)
    )


def continuity_summary(
    visits: Frame,
    *,
    by: Sequence[str] = (),
    min_visits: int = DEFAULT_MIN_VISITS,
    indices: Sequence[str] = INDICES,
) -> Frame:
    """Continuity per ``by`` group: patient means of COC and UPC with intervals.

    ``mean_coc`` is the unweighted mean of eligible patients' COC (THL's
    statistic) with a normal 95 % interval mean ± z·s/√m (``ci_low``,
    ``ci_high``; null when m < 2, clipped to [0, 1]); ``visit_weighted_coc`` =
    Σn_i·coc_i/Σn_i. The same for UPC (``mean_upc``, ``upc_ci_low``,
    ``upc_ci_high``, ``visit_weighted_upc``), plus ``mean_secon``,
    ``mean_mmci``, ``mean_hhi``. Counts: ``n_patients`` (patients with any
    visit in the group), ``n_eligible`` (n ≥ ``min_visits``), ``n_visits``
    (visits with a known provider), ``n_missing_provider``. ``indices`` names
    the indices wanted (default all five); only their columns are computed
    and returned, and leaving out ``secon`` skips the time-ordered pass.
    Returns one row per group (one row for ``by=()``), as the same kind of
    frame as the input; a lazy result does its work when it is collected.
    It is :func:`continuity_partials` followed by
    :func:`continuity_from_partials`, the same steps the distributed engines
    take per bucket and on the driver.
    """
    min_visits = _check_min_visits(min_visits)
    asked = _check_indices(indices)
    keys: list[str] = group_columns(by)
    VISITS.check(visits, _NEEDED)
    require_columns(visits, keys, table=VISITS.name)
    return same_kind(visits, lambda frame: _summary(frame, keys, min_visits, indices=asked))


def continuity_partials(
    visits: Frame,
    *,
    by: Sequence[str] = (),
    min_visits: int = DEFAULT_MIN_VISITS,
    indices: Sequence[str] = INDICES,
) -> pl.DataFrame:
    """Mergeable partial aggregates of continuity per ``by`` group (an eager frame, a few rows per group).

    Columns: the ``by`` values; ``n_patients``, ``n_eligible``, ``n_visits``,
    ``n_missing_provider``; ``_weight`` (Σn of eligible patients); per asked
    index x of COC and UPC ``_sum_x`` (Σx), ``_m2_x`` (Σ(x − mean)²) and
    ``_weighted_x`` (Σn·x); per asked plain index ``_sum_x``; with COC the
    eligible patients per tenth of COC ``_bin_0`` … ``_bin_9``. Partials of
    visits that share no patient (e.g. two buckets of patients) merge exactly
    with :func:`merge_continuity_partials`; a patient's visits must all be in
    one input, since the indices are per patient.
    """
    min_visits = _check_min_visits(min_visits)
    asked = _check_indices(indices)
    keys: list[str] = group_columns(by)
    VISITS.check(visits, _NEEDED)
    require_columns(visits, keys, table=VISITS.name)
    return _partials(visits.lazy(), keys, min_visits, slices=None, indices=asked)


def merge_continuity_partials(partials: Sequence[pl.DataFrame], *, by: Sequence[str] = ()) -> pl.DataFrame:
    """Pool partials (see :func:`continuity_partials`) per ``by`` group: sums add, spreads pool by Chan et al.

    Σ(x − mean)² over the union = Σ m2_i + Σ m_i·(mean_i − mean)². ``by`` may be the partials' own keys
    (merging buckets) but not fewer (a patient may be in several of the finer groups). The result is
    again a partial, so merging is associative and the order of the parts does not matter (to rounding).
    """
    keys: list[str] = group_columns(by)
    frame = pl.concat(list(partials), how="diagonal_relaxed")
    return _pool(frame, keys)


def continuity_from_partials(
    partials: pl.DataFrame,
    *,
    by: Sequence[str] = (),
    min_visits: int = DEFAULT_MIN_VISITS,
    indices: Sequence[str] = INDICES,
) -> pl.DataFrame:
    """The summary of :func:`continuity_summary` from merged partials (one row per ``by`` group)."""
    asked = _check_indices(indices)
    keys: list[str] = group_columns(by)
    return _finish(_pool(partials, keys), keys, _check_min_visits(min_visits), asked)


def coc_distribution_from_partials(partials: pl.DataFrame, *, by: Sequence[str] = ()) -> pl.DataFrame:
    """Eligible patients per ``by`` group and tenth of COC (``bin`` 0-9, ``n``); only bins with patients."""
    keys: list[str] = group_columns(by)
    pooled = _pool(partials, keys)
    bins = pooled.select(*keys, *(pl.col(_bin(b)).alias(str(b)) for b in range(COC_BINS)))
    long = (
        bins.unpivot(index=keys, variable_name="bin", value_name="n")
        if keys
        else bins.unpivot(variable_name="bin", value_name="n")
    )
    return long.with_columns(pl.col("bin").cast(pl.Int32), pl.col("n").cast(pl.Int64)).filter(pl.col("n") > 0)


def _summary(
    frame: pl.LazyFrame,
    keys: list[str],
    min_visits: int,
    *,
    slices: int | None = None,
    indices: tuple[str, ...] = INDICES,
) -> pl.LazyFrame:
    """The summary as a lazy frame whose work (:func:`_partials`, then :func:`_finish`) runs when it is collected."""
    schema = frame.collect_schema()
    output = pl.Schema(
        {
            **{key: schema[key] for key in keys},
            **dict.fromkeys(_COUNTS, pl.Int64()),
            **{name: pl.Float64() for name in _summary_value_names(indices)},
            "min_visits": pl.Int64(),
        }
    )
    return pl.defer(
        lambda: _finish(
            _pool(_partials(frame, keys, min_visits, slices=slices, indices=indices), keys), keys, min_visits, indices
        ),
        schema=output,
    )


def _summary_value_names(indices: Sequence[str] = INDICES) -> list[str]:
    names = []
    for index, prefix in _WITH_INTERVALS:
        if index in indices:
            names += [f"mean_{index}", f"{prefix}ci_low", f"{prefix}ci_high", f"visit_weighted_{index}"]
    return names + [f"mean_{index}" for index in _PLAIN_MEANS if index in indices]


def _check_indices(indices: Sequence[str]) -> tuple[str, ...]:
    names = [indices] if isinstance(indices, str) else list(indices)
    unknown = [name for name in names if name not in INDICES]
    if unknown or not names:
        raise InvalidInputError(
            f"indices must name one or more of {', '.join(INDICES)}; got {names!r}"
            + (f" ({', '.join(map(repr, unknown))} unknown)" if unknown else "")
        )
    return tuple(name for name in INDICES if name in names)


def _bin(number: int) -> str:
    return f"_bin_{number}"


# --- the value-keyed computation: per-patient indices, and the summary built on them ------------


def _indices(frame: pl.LazyFrame, keys: list[str], min_visits: int, indices: tuple[str, ...] = INDICES) -> pl.LazyFrame:
    """Per-patient indices keyed by the ``by`` values and ``patient_id`` themselves (rows unordered).

    The plan has no row filter: visits without a provider are told apart inside the aggregations and
    by their place in the sort, so no filter of ours is pushed beneath the caller's own expressions
    (see :func:`metrics._frames.collect_streaming`), whichever engine collects the result.
    """
    patient = [*keys, c.PATIENT_ID]
    provider = pl.col(c.PROFESSIONAL_ID)
    known = provider.is_not_null()
    n_j = pl.col("n_j").filter(known)
    concentration = (
        frame.group_by([*patient, c.PROFESSIONAL_ID])
        .agg(pl.len().cast(pl.Int64).alias("n_j"))
        .group_by(patient)
        .agg(
            n_j.sum().cast(pl.Int64).alias("n_visits"),
            known.sum().cast(pl.Int64).alias("n_providers"),
            (n_j**2).sum().cast(pl.Int64).alias("_sum_sq"),
            n_j.max().alias("_max"),
            pl.col("n_j").filter(~known).sum().cast(pl.Int64).alias("n_missing_provider"),
        )
    )
    # SECON: each patient's known-provider visits in (visit_at, visit_id) order, counting repeats of the
    # previous provider. The visits without a provider sort after them, so they part no pair. The
    # professional breaks the last ties (duplicated rows), so the count never depends on row order.
    same_patient = pl.all_horizontal(pl.col(name).eq_missing(pl.col(name).shift(1)) for name in patient)
    repeats = (
        frame.select(*patient, c.PROFESSIONAL_ID, c.VISIT_AT, c.VISIT_ID)
        .sort([*patient, provider.is_null(), c.VISIT_AT, c.VISIT_ID, c.PROFESSIONAL_ID])
        .with_columns((same_patient & provider.eq(provider.shift(1))).fill_null(False).alias("_repeat"))
        .group_by(patient)
        .agg(pl.col("_repeat").sum().cast(pl.Int64).alias("_repeats"))
    )
    if "secon" in indices:
        concentration = concentration.join(repeats, on=patient, how="left", nulls_equal=True)
    return concentration.with_columns(_index_exprs(min_visits, indices)).select(
        *patient, "n_visits", "n_providers", *indices, "n_missing_provider"
    )


def _index_exprs(min_visits: int, indices: Sequence[str] = INDICES) -> list[pl.Expr]:
    """The ``indices`` from ``n_visits``, ``n_providers``, ``_sum_sq``, ``_max`` and ``_repeats``."""
    n = pl.col("n_visits").cast(pl.Float64)
    k = pl.col("n_providers").cast(pl.Float64)
    sum_sq = pl.col("_sum_sq").cast(pl.Float64)
    defined = pl.col("n_visits") >= min_visits
    formulas = {
        "coc": (sum_sq - n) / (n * (n - 1)),
        "upc": pl.col("_max").cast(pl.Float64) / n,
        "secon": pl.col("_repeats").cast(pl.Float64) / (n - 1),
        "mmci": (n - k + 1) / n,
        "hhi": sum_sq / (n * n),
    }
    return [pl.when(defined).then(expr).alias(name) for name, expr in formulas.items() if name in indices]


def _exact_summary(frame: pl.LazyFrame, keys: list[str], min_visits: int) -> pl.LazyFrame:
    """The summary straight from the value-keyed per-patient indices (the reference computation)."""
    per_patient = _indices(frame, keys, min_visits)
    eligible = pl.col("coc").is_not_null()
    weights = pl.col("n_visits").filter(eligible)
    aggregations = [
        pl.len().cast(pl.Int64).alias("n_patients"),
        eligible.sum().cast(pl.Int64).alias("n_eligible"),
        pl.col("n_visits").sum().cast(pl.Int64).alias("n_visits"),
        pl.col("n_missing_provider").sum().cast(pl.Int64).alias("n_missing_provider"),
    ]
    for index, prefix in _WITH_INTERVALS:
        values = pl.col(index).filter(eligible)
        mean = values.mean()
        half = Z95 * values.std(ddof=1) / values.count().sqrt()
        aggregations += [
            mean.alias(f"mean_{index}"),
            (mean - half).clip(0.0, 1.0).alias(f"{prefix}ci_low"),
            (mean + half).clip(0.0, 1.0).alias(f"{prefix}ci_high"),
            ((values * weights).sum() / weights.sum()).alias(f"visit_weighted_{index}"),
        ]
    aggregations += [pl.col(index).filter(eligible).mean().alias(f"mean_{index}") for index in _PLAIN_MEANS]
    return (
        aggregate(per_patient, keys, aggregations)
        .with_columns(
            # With no eligible patient every statistic is null (0/0), never NaN.
            pl.when(pl.col("n_eligible") > 0).then(pl.col(name)).alias(name)
            for name in ("visit_weighted_coc", "visit_weighted_upc")
        )
        .with_columns(pl.lit(min_visits, dtype=pl.Int64).alias("min_visits"))
    )


def _exact_partials(frame: pl.LazyFrame, keys: list[str], min_visits: int, indices: tuple[str, ...]) -> pl.DataFrame:
    """The partials straight from the value-keyed per-patient indices (the fallback of :func:`_partials`)."""
    per_patient = _indices(frame, keys, min_visits, indices).with_columns(pl.lit(0, pl.UInt32).alias(_BY))
    return collect_streaming(_partial_sums_frame(per_patient, min_visits, indices, keys=[*keys], ready=True))


# --- the hashed computation -----------------------------------------------------------------------
#
# One streaming pass turns every visit into five integers (the columns below). Patients are then
# processed in slices (``patient hash % slices``), each collected on its own, so that memory stays a
# fraction of the input. In a slice, the fields a step needs are packed into one 127-bit integer per
# visit and sorted as plain values, which is much cheaper than sorting or grouping on several columns:
#
# - (patient, by, check, professional) sorted and run-length encoded gives the visits per patient
#   and professional (n_j), hence n, k, Σn_j² and max n_j;
# - (patient, time, professional) sorted gives each patient's visits in time order for SECON.
#
# Each slice adds its per-group partial sums; they are pooled exactly (to floating-point rounding),
# so the slicing does not change the results.
#
# Professionals get exact codes (their rank among the distinct ids). Patient groups are keyed by a
# 64-bit hash of the ``by`` values and patient_id; the ``by`` values by a 32-bit hash that is checked
# against the distinct groups. Two patient groups sharing the 64-bit hash would show up as one key
# with two ``by`` hashes or two values of an independent hash of patient_id (``_CHECK``), and then the
# whole summary is computed from the values instead (:func:`_exact_summary`). A collision escaping
# both has a probability of about m²·2⁻⁶⁵·2⁻ᶜ for m patients and c check bits (c = 32 unless there are
# very many groups or professionals; below 10⁻¹⁵ for ten million patients).

_PATIENT = "_patient"  # 64-bit hash of the ``by`` values and patient_id: the patient group
_CHECK = "_check"  # 32-bit hash of patient_id, independent of _PATIENT
_BY = "_by"  # 32-bit hash of the ``by`` values (checked exactly against the distinct groups)
_PROVIDER = "_provider"  # 1 + the professional's rank among the distinct professional_ids; 0 when unknown
_TIME = "_time"  # visit_at as its physical integer, which orders exactly as visit_at does
_SEED_PATIENT, _SEED_CHECK, _SEED_BY = 0x5EED_0001, 0x5EED_0002, 0x5EED_0003
_HALF = 2**32
_KEY_BITS = 127  # an Int128 sort key, kept non-negative
_MIN_CHECK_BITS = 16
#: Visits per slice, and slices processed at once: enough to keep the fixed costs small and the cores
#: busy, few enough to bound the memory (at 25 million visits the whole summary stays near 1.5 GiB).
_ROWS_PER_SLICE = 2_000_000
_CONCURRENT_SLICES = 2


@dataclass(frozen=True)
class _Layout:
    """Bit widths of the packed sort keys (the patient hash always takes 64 bits)."""

    by_bits: int
    check_bits: int
    provider_bits: int
    time_bits: int
    time_origin: int
    dense_time: bool  # the time span does not fit: use each slice's dense time ranks instead


def _partials(
    frame: pl.LazyFrame, keys: list[str], min_visits: int, *, slices: int | None, indices: tuple[str, ...]
) -> pl.DataFrame:
    """Partial sums keyed by the ``by`` values, one set per patient slice (see the notes above); unpooled."""
    groups = _by_groups(frame, keys)
    providers = _providers(frame)
    by_bits = _distinct_bits(groups[_BY]) if groups is not None else None
    provider_bits = len(providers).bit_length()
    check_bits = min(32, _KEY_BITS - 64 - provider_bits - (by_bits or 0))
    if groups is None or by_bits is None or check_bits < _MIN_CHECK_BITS:
        return _exact_partials(frame, keys, min_visits, indices)
    groups = groups.with_columns(pl.col(_BY) % (2**by_bits))  # the bits the keys carry
    visits = collect_streaming(frame.select(_hashed_columns(keys, providers)))
    layout = _time_layout(visits, by_bits, check_bits, provider_bits)
    workers = min(_CONCURRENT_SLICES, pl.thread_pool_size())
    count = slices if slices is not None else _slice_count(visits.height, workers)
    # Slices are independent: a few at a time keep every core busy (polars releases the GIL).
    work = partial(_slice_sums, visits, count, layout=layout, min_visits=min_visits, indices=indices)
    with ThreadPoolExecutor(max_workers=min(count, workers)) as pool:
        done = list(pool.map(work, range(count)))
    if any(result is None for result in done):
        return _exact_partials(frame, keys, min_visits, indices)
    partials = [result[0] for result in done if result is not None]
    tied = [result[1] for result in done if result is not None]
    del visits, work  # the slices are done: free the visits before reading the tied ones again
    sums = pl.concat(partials)
    tied_visits = pl.concat(tied)
    if "secon" in indices and tied_visits.height:
        corrections = _secon_corrections(frame, keys, providers, tied_visits, min_visits)
        sums = pl.concat([sums, corrections], how="diagonal")
    # Every group with visits has a row, and the rows carry the ``by`` values instead of their hash.
    return groups.join(sums, on=_BY, how="left").drop(_BY)


def _slice_count(rows: int, workers: int) -> int:
    """About ``_ROWS_PER_SLICE`` visits per slice; when there are several, a multiple of the workers."""
    count = max(1, math.ceil(rows / _ROWS_PER_SLICE))
    return count if count == 1 else math.ceil(count / workers) * workers


def _slice_sums(
    visits: pl.DataFrame, count: int, number: int, *, layout: _Layout, min_visits: int, indices: tuple[str, ...]
) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """One slice's partial sums and tied visits, or None when its patient keys collide."""
    part = visits if count == 1 else visits.filter(pl.col(_PATIENT) % count == number)
    patients = _slice_patients(part, layout, with_secon="secon" in indices)
    if patients.select(pl.col("_collision").any()).item():
        return None
    sums = _partial_sums_frame(patients.lazy(), min_visits, indices, keys=[]).collect(engine="streaming")
    return sums, _tied_visits(part, patients)


def _hashed_columns(keys: list[str], providers: pl.Series) -> list[pl.Expr]:
    by_hash = pl.struct(*keys).hash(_SEED_BY) % _HALF if keys else pl.lit(0)
    return [
        _patient_hash(keys),
        _check_hash(),
        by_hash.cast(pl.UInt32).alias(_BY),
        _provider_code(providers),
        _time_value(),
    ]


def _patient_hash(keys: list[str]) -> pl.Expr:
    return pl.struct(*keys, c.PATIENT_ID).hash(_SEED_PATIENT).alias(_PATIENT)


def _check_hash() -> pl.Expr:
    return (pl.col(c.PATIENT_ID).hash(_SEED_CHECK) % _HALF).cast(pl.UInt32).alias(_CHECK)


def _provider_code(providers: pl.Series) -> pl.Expr:
    """1 + the rank of professional_id among ``providers`` (its sorted distinct values); 0 when null."""
    provider = pl.col(c.PROFESSIONAL_ID)
    if providers.dtype == pl.String or isinstance(providers.dtype, pl.Categorical | pl.Enum):
        code = provider.cast(pl.String).cast(pl.Enum(providers.cast(pl.String))).to_physical()
    else:
        code = provider.replace_strict(providers, pl.int_range(len(providers), eager=True), return_dtype=pl.UInt32)
    return (code.cast(pl.UInt32) + 1).fill_null(0).alias(_PROVIDER)


def _time_value() -> pl.Expr:
    return pl.col(c.VISIT_AT).to_physical().cast(pl.Int64).alias(_TIME)


def _by_groups(frame: pl.LazyFrame, keys: list[str]) -> pl.DataFrame | None:
    """The distinct ``by`` values with their hash, or None when two groups share a hash."""
    if not keys:
        return pl.DataFrame({_BY: [0]}, schema={_BY: pl.UInt32})
    groups = collect_streaming(frame.group_by(keys).agg()).with_columns(
        (pl.struct(*keys).hash(_SEED_BY) % _HALF).cast(pl.UInt32).alias(_BY)
    )
    return groups if groups[_BY].n_unique() == groups.height else None


def _providers(frame: pl.LazyFrame) -> pl.Series:
    """The distinct known professional_ids, sorted (their ranks are the professionals' codes)."""
    return collect_streaming(frame.select(pl.col(c.PROFESSIONAL_ID).drop_nulls().unique())).to_series().sort()


def _distinct_bits(hashes: pl.Series) -> int | None:
    """The fewest low bits of the ``by`` hashes that still tell every group apart (None: none do)."""
    for bits in range(33):
        if (hashes.cast(pl.UInt64) % (2**bits)).n_unique() == len(hashes):
            return bits
    return None


def _time_layout(visits: pl.DataFrame, by_bits: int, check_bits: int, provider_bits: int) -> _Layout:
    """Time codes: the offset from the earliest visit (+1, 0 for a null time) when it fits beside the rest."""
    first, last = visits.select(
        pl.col(_TIME).min().fill_null(0).alias("first"), pl.col(_TIME).max().fill_null(-1).alias("last")
    ).row(0)
    time_bits = (last - first + 1).bit_length()
    if 64 + time_bits + provider_bits <= _KEY_BITS:
        return _Layout(by_bits, check_bits, provider_bits, time_bits, first, dense_time=False)
    return _Layout(by_bits, check_bits, provider_bits, 32, first, dense_time=True)


def _pack(fields: Sequence[tuple[pl.Expr, int]]) -> pl.Expr:
    """One non-negative Int128 from unsigned fields, the first in the highest bits (fields' widths in bits)."""
    key = pl.lit(0, dtype=pl.Int128)
    for value, bits in fields:
        key = key * pl.lit(2**bits, dtype=pl.Int128) + value.cast(pl.Int128)
    return key


def _unpack(key: pl.Expr, shift: int, bits: int, dtype: pl.DataType) -> pl.Expr:
    """The ``bits``-wide field of a packed key that sits ``shift`` bits from the bottom."""
    return ((key // pl.lit(2**shift, dtype=pl.Int128)) % pl.lit(2**bits, dtype=pl.Int128)).cast(dtype)


def _slice_patients(part: pl.DataFrame, layout: _Layout, *, with_secon: bool = True) -> pl.DataFrame:
    """Per patient group of one slice: counts, Σn_j², max n_j, SECON repeats and the collision check."""
    by_bits, check_bits, provider_bits = layout.by_bits, layout.check_bits, layout.provider_bits
    # Visits per patient and professional: runs of equal (patient, by, check, professional) keys.
    pair_key = _pack(
        [
            (pl.col(_PATIENT), 64),
            (pl.col(_BY) % (2**by_bits), by_bits),
            (pl.col(_CHECK) % (2**check_bits), check_bits),
            (pl.col(_PROVIDER), provider_bits),
        ]
    )
    key = pl.col("value")
    low = check_bits + provider_bits
    runs = (
        part.lazy()
        .select(pair_key.sort().rle().alias("_run"))
        .unnest("_run")
        .select(
            _unpack(key, by_bits + low, 64, pl.UInt64()).alias(_PATIENT),
            _unpack(key, low, by_bits, pl.UInt32()).alias(_BY),
            _unpack(key, provider_bits, check_bits, pl.UInt32()).alias("_check_bits"),
            (_unpack(key, 0, provider_bits, pl.UInt32()) > 0).alias("_known"),
            pl.col("len").cast(pl.Int64).alias("_n"),
        )
        .with_columns(pl.when(pl.col("_known")).then(pl.col("_n")).otherwise(0).alias("_n_j"))
    )
    n_j, same = pl.col("_n_j"), pl.col(_PATIENT) == pl.col(_PATIENT).shift(1)
    # Two patient groups sharing a key would show as a change of by or check values within its runs.
    collision = same & (
        (pl.col(_BY) != pl.col(_BY).shift(1)) | (pl.col("_check_bits") != pl.col("_check_bits").shift(1))
    )
    concentration = _segment_totals(
        runs,
        _PATIENT,
        sums={
            "n_visits": n_j,
            "n_providers": pl.col("_known").cast(pl.Int64),
            "_sum_sq": n_j * n_j,
            "n_missing_provider": pl.col("_n") - n_j,
            "_collisions": collision.fill_null(False).cast(pl.Int64),
        },
        maxima={"_max": n_j},
        lasts=[_BY],
    )
    if not with_secon:
        return concentration.collect().select(
            pl.exclude("_collisions"),
            pl.lit(0, pl.Int64).alias("_repeats"),
            pl.lit(False).alias("_ambiguous"),
            (pl.col("_collisions") > 0).alias("_collision"),
        )
    # SECON: each patient's known-provider visits in time order. Visits at the same time are ordered by
    # visit_id, which is not at hand here; a run of same-time visits with more than one professional is
    # flagged (``_ambiguous``) and recounted from the values afterwards (_secon_corrections).
    time = pl.col(_TIME)
    time_code = time.rank("dense") if layout.dense_time else time - layout.time_origin + 1
    time_code = time_code.fill_null(0)
    sequence_key = _pack([(pl.col(_PATIENT), 64), (time_code, layout.time_bits), (pl.col(_PROVIDER), provider_bits)])
    moment, code = pl.col("_moment"), pl.col("_code")
    visits_in_order = (
        part.lazy()
        .filter(pl.col(_PROVIDER) > 0)
        .select(sequence_key.sort().alias("value"))
        .select(
            _unpack(key, layout.time_bits + provider_bits, 64, pl.UInt64()).alias(_PATIENT),
            _unpack(key, provider_bits, layout.time_bits, pl.UInt64()).alias("_moment"),
            _unpack(key, 0, provider_bits, pl.UInt32()).alias("_code"),
        )
    )
    sequence = _segment_totals(
        visits_in_order,
        _PATIENT,
        sums={
            "_repeats": (same & (code == code.shift(1))).fill_null(False).cast(pl.Int64),
            "_ties": (same & (moment == moment.shift(1)) & (code != code.shift(1))).fill_null(False).cast(pl.Int64),
        },
    )
    concentration_frame, sequence_frame = pl.collect_all([concentration, sequence])
    return concentration_frame.join(sequence_frame, on=_PATIENT, how="left").select(
        pl.exclude("_collisions", "_ties", "_repeats"),
        pl.col("_repeats").fill_null(0),
        (pl.col("_ties").fill_null(0) > 0).alias("_ambiguous"),
        (pl.col("_collisions") > 0).alias("_collision"),
    )


def _segment_totals(
    frame: pl.LazyFrame,
    key: str,
    *,
    sums: dict[str, pl.Expr],
    maxima: dict[str, pl.Expr] | None = None,
    lasts: Sequence[str] = (),
) -> pl.LazyFrame:
    """Per run of equal ``key`` values of a frame sorted by ``key``: sums, maxima and last values.

    Running sums read at each run's end and differenced, instead of a hash group-by: the frame is
    already in key order, and this costs the same per row however many runs there are. A maximum
    (of values in [0, 2³²)) is the running maximum of run number·2³² + value.
    """
    run = (pl.col(key) != pl.col(key).shift(1)).fill_null(True).cum_sum().cast(pl.UInt64)
    last = (pl.col(key) != pl.col(key).shift(-1)).fill_null(True)
    half = pl.lit(_HALF, dtype=pl.UInt64)
    maxima = maxima or {}
    return (
        frame.select(
            key,
            *lasts,
            *(expr.cum_sum().alias(name) for name, expr in sums.items()),
            *((run * half + expr.cast(pl.UInt64)).cum_max().alias(name) for name, expr in maxima.items()),
            last.alias("_last"),
        )
        .filter(pl.col("_last"))
        .select(
            key,
            *lasts,
            *(pl.col(name) - pl.col(name).shift(1, fill_value=0) for name in sums),
            *((pl.col(name) % half).cast(pl.Int64) for name in maxima),
        )
    )


def _tied_visits(part: pl.DataFrame, patients: pl.DataFrame) -> pl.DataFrame:
    """The known-provider visits of the patients whose visit order depends on visit_id."""
    flagged = patients.filter(pl.col("_ambiguous")).select(_PATIENT, _BY, "n_visits", "_repeats")
    if not flagged.height:
        return flagged.with_columns(
            pl.lit(None, pl.UInt32).alias(_CHECK),
            pl.lit(None, pl.UInt32).alias(_PROVIDER),
            pl.lit(None, pl.Int64).alias(_TIME),
        )
    visits = part.filter(pl.col(_PROVIDER) > 0).select(_PATIENT, _CHECK, _PROVIDER, _TIME)
    return flagged.join(visits, on=_PATIENT)


def _partial_sums_frame(
    patients: pl.LazyFrame, min_visits: int, indices: tuple[str, ...], *, keys: list[str], ready: bool = False
) -> pl.LazyFrame:
    """Per group of patients (``keys`` and ``_BY``): counts and the sums the means, intervals and weights need.

    ``ready``: the patients already carry their indices (else they are computed from the counts).
    """
    eligible = pl.col("n_visits") >= min_visits
    n = pl.col("n_visits").cast(pl.Float64)
    sums = [
        pl.len().cast(pl.Int64).alias("n_patients"),
        eligible.sum().cast(pl.Int64).alias("n_eligible"),
        pl.col("n_visits").sum().cast(pl.Int64).alias("n_visits"),
        pl.col("n_missing_provider").sum().cast(pl.Int64).alias("n_missing_provider"),
        pl.when(eligible).then(n).sum().alias("_weight"),
    ]
    for index, _ in _WITH_INTERVALS:
        if index not in indices:
            continue
        value = pl.col(index)
        sums += [
            value.sum().alias(f"_sum_{index}"),
            # Squared deviations from this part's mean; parts are pooled exactly in _pool (Chan et al.).
            (value.var(ddof=0) * value.count()).fill_null(0.0).alias(f"_m2_{index}"),
            (value * n).sum().alias(f"_weighted_{index}"),
        ]
    sums += [pl.col(index).sum().alias(f"_sum_{index}") for index in _PLAIN_MEANS if index in indices]
    if "coc" in indices:
        tenth = (pl.col("coc") * COC_BINS).floor().clip(0, COC_BINS - 1)
        sums += [(tenth == number).sum().cast(pl.Int64).alias(_bin(number)) for number in range(COC_BINS)]
    with_indices = patients if ready else patients.with_columns(_index_exprs(min_visits, indices))
    grouped = with_indices.group_by([*keys, _BY]).agg(sums)
    return grouped.drop(_BY) if keys or ready else grouped


def _secon_corrections(
    frame: pl.LazyFrame, keys: list[str], providers: pl.Series, tied: pl.DataFrame, min_visits: int
) -> pl.DataFrame:
    """Corrections to the SECON sums of the patients with same-time visits to different professionals.

    Their same-time runs are read again with visit_id and put in (visit_at, visit_id, professional)
    order, as in :func:`_indices`; the rest of their visits keep their places. Returns rows of ``_BY`` and
    ``_sum_secon`` to add (the counts are already right).
    """
    patient, provider, time = pl.col(_PATIENT), pl.col(_PROVIDER), pl.col(_TIME)
    same = patient == patient.shift(1)
    same_time = same & time.eq_missing(time.shift(1))
    runs = (
        tied.lazy()
        .sort(_PATIENT, _TIME)
        .filter(same_time | same_time.shift(-1))
        .select(_PATIENT, _TIME)
        .unique()
        .collect()
    )
    visit_id_dtype = frame.collect_schema()[c.VISIT_ID]
    reread = collect_streaming(
        # Filter on the time and a cheap hash of patient_id first: few visits are left to hash in full.
        # The filter stays after the caller's own expressions (a period label, say): see collect_streaming.
        frame.filter(
            _time_value().is_in(runs[_TIME].unique().implode(), nulls_equal=True)
            & _check_hash().is_in(tied[_CHECK].unique().implode())
        )
        .select(_patient_hash(keys), _provider_code(providers), _time_value(), pl.col(c.VISIT_ID))
        .filter(provider > 0)
        .join(runs.lazy(), on=[_PATIENT, _TIME], how="semi", nulls_equal=True)
    )
    kept = (
        tied.lazy()
        .select(_PATIENT, _PROVIDER, _TIME)
        .join(runs.lazy(), on=[_PATIENT, _TIME], how="anti", nulls_equal=True)
        .with_columns(pl.lit(None, dtype=visit_id_dtype).alias(c.VISIT_ID))
    )
    repeats = (
        pl.concat([kept, reread.lazy()])
        # As in _indices: the professional (whose code has the same order) breaks ties of visit_id.
        .sort(_PATIENT, _TIME, c.VISIT_ID, _PROVIDER)
        .select(_PATIENT, (same & (provider == provider.shift(1))).fill_null(False).alias("_repeat"))
        .group_by(_PATIENT)
        .agg(pl.col("_repeat").sum().cast(pl.Int64).alias("_exact_repeats"))
    )
    eligible = pl.col("n_visits") >= min_visits
    change = (pl.col("_exact_repeats") - pl.col("_repeats")).cast(pl.Float64) / (pl.col("n_visits") - 1)
    return (
        tied.lazy()
        .select(_PATIENT, _BY, "n_visits", "_repeats")
        .unique()
        .join(repeats, on=_PATIENT)
        .group_by(_BY)
        .agg(pl.when(eligible).then(change).sum().alias("_sum_secon"))
        .collect()
    )


def _pool(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Pool partial rows per ``keys`` group: counts and sums add; spreads by Chan et al.'s formula."""
    key = keys or ["_group"]
    if not keys:
        frame = frame.with_columns(pl.lit(0, pl.UInt8).alias("_group"))
    spreads = [name.removeprefix("_m2_") for name in frame.columns if name.startswith("_m2_")]
    added = [name for name in frame.columns if (name in _COUNTS or name.startswith("_")) and name not in key]
    added = [name for name in added if not name.startswith("_m2_")]
    totals = frame.group_by(key).agg(pl.col(name).sum() for name in added)
    if not keys and totals.height == 0:  # no visits at all: still one row, of zero counts
        totals = pl.DataFrame([pl.Series(name, [None], dtype=dtype) for name, dtype in totals.schema.items()])
    if spreads:
        m = pl.col("n_eligible")
        # Chan et al.'s pooled sum of squares: Σ m2_i + Σ m_i·(mean_i − mean)² over the parts.
        pooled = (
            frame.filter(m.fill_null(0) > 0)
            .join(
                totals.select(*key, *[(pl.col(f"_sum_{i}") / m).alias(f"_mean_{i}") for i in spreads]),
                on=key,
                nulls_equal=True,
            )
            .group_by(key)
            .agg(
                (pl.col(f"_m2_{i}") + m * (pl.col(f"_sum_{i}") / m - pl.col(f"_mean_{i}")) ** 2).sum().alias(f"_m2_{i}")
                for i in spreads
            )
        )
        totals = totals.join(pooled, on=key, how="left", nulls_equal=True).with_columns(
            pl.col(f"_m2_{i}").fill_null(0.0) for i in spreads
        )
    totals = totals.with_columns(pl.col(name).fill_null(0).cast(pl.Int64) for name in _COUNTS)
    return totals.drop("_group") if not keys else totals


def _finish(pooled: pl.DataFrame, keys: list[str], min_visits: int, indices: tuple[str, ...]) -> pl.DataFrame:
    """The means, intervals and weights from pooled partials."""
    m = pl.col("n_eligible")
    has = m > 0
    values: list[pl.Expr] = []
    for index, prefix in _WITH_INTERVALS:
        if index not in indices:
            continue
        mean = pl.when(has).then(pl.col(f"_sum_{index}") / m)
        half = pl.when(m > 1).then(Z95 * (pl.col(f"_m2_{index}") / (m - 1)).sqrt() / m.cast(pl.Float64).sqrt())
        values += [
            mean.alias(f"mean_{index}"),
            (mean - half).clip(0.0, 1.0).alias(f"{prefix}ci_low"),
            (mean + half).clip(0.0, 1.0).alias(f"{prefix}ci_high"),
            pl.when(has).then(pl.col(f"_weighted_{index}") / pl.col("_weight")).alias(f"visit_weighted_{index}"),
        ]
    values += [
        pl.when(has).then(pl.col(f"_sum_{index}") / m).alias(f"mean_{index}")
        for index in _PLAIN_MEANS
        if index in indices
    ]
    result = pooled.select(*keys, *_COUNTS, *values, pl.lit(min_visits, dtype=pl.Int64).alias("min_visits"))
    return result.sort(keys, nulls_last=True) if keys else result


def _check_min_visits(min_visits: int) -> int:
    return check_int_option("min_visits", min_visits, minimum=2)


COC_BINS: Final = 10
"""The COC distribution's bins: tenths of the index, the last one closed (1.0 falls in 0.9-1.0)."""


def coc_bins(indices: pl.LazyFrame, keys: Sequence[str], *, bins: int = COC_BINS) -> pl.LazyFrame:
    """Eligible patients (non-null ``coc``) per ``keys`` and bin, from patient-level indices; no identifier leaves."""
    return (
        indices.filter(pl.col("coc").is_not_null())
        .with_columns((pl.col("coc") * bins).floor().clip(0, bins - 1).cast(pl.Int32).alias("bin"))
        .group_by(*keys, "bin")
        .agg(pl.len().cast(pl.Int64).alias("n"))
    )
