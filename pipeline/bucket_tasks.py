"""The work of one bucket, and how the buckets' partial aggregates become the stored aggregate tables.

A task reads one piece of the bucketed layout (:mod:`store.buckets`) and returns
partial aggregates (:mod:`metrics` ``*_partials``): identifier-free frames keyed
by the cells' columns, small next to the visits. The driver merges them in any
order and finishes each family with the very functions the single-machine path
uses, so the figures are the same ones :data:`pipeline.aggregates.RESULTS_BY_TABLE`
computes (counts and medians exactly, means to rounding). Task functions are
module-level so that a process pool or a Dask worker can import them; their
arguments and results are plain data.

- visits (a year and a patient bucket): the access histogram at the finest cell
  (month, county, unit, profession), rolled up on the driver; continuity
  partials for every cell level (a patient's visits of a year are all in the
  bucket); whether a visit without service type entered.
- appointment slots (a bucket of books): T3 per book and measurement time; the
  medians are taken on the driver.
- survey answers (a county): the NPS class counts at the finest cell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from core import columns as c
from core.codes import PROFESSIONS
from core.codes import WHOLE_COUNTRY as NATIONAL
from metrics.access import access_from_partials, access_partials, merge_access_partials
from metrics.continuity import (
    DEFAULT_MIN_VISITS,
    coc_distribution_from_partials,
    continuity_from_partials,
    continuity_partials,
    merge_continuity_partials,
)
from metrics.satisfaction import merge_nps_partials, nps_from_partials, nps_partials
from metrics.scope import DEFAULT_SERVICE_TYPES, scope_label
from metrics.t3 import THL_CENSORED_DAYS, t3
from pipeline.aggregates import scoped_visits
from pipeline.cell_levels import (
    ACCESS_DAYS,
    CONTINUITY_VALUES,
    SCOPE_COLUMN,
    level_cells,
    month_of,
    quarter_of,
    year_of,
)
from store.catalogue import scan_paths

CELL = (c.PERIOD, c.REGION_CODE, c.UNIT_ID, c.PROFESSION)
"""The finest cell the access and NPS histograms are kept at (NPS: respondent group instead of profession)."""
_BOOK = [c.REGION_CODE, c.UNIT_ID, c.PROFESSION, c.BOOK_ID]
_ANSWER_CELL = [c.PERIOD, c.RESPONDENT, c.REGION_CODE, c.UNIT_ID]


def _levels(*, quarterly: bool) -> list[tuple[str, ...]]:
    """The key sets of the continuity cells, as :func:`pipeline.aggregates.level_cells` forms them."""
    levels = ("region", "country") if quarterly else ("unit", "region", "country")
    keys = []
    for level in levels:
        for by_profession in (True, False):
            names = [c.PERIOD]
            if level in ("unit", "region"):
                names.append(c.REGION_CODE)
            if level == "unit":
                names.append(c.UNIT_ID)
            if by_profession:
                names.append(c.PROFESSION)
            keys.append(tuple(names))
    return keys


CONTINUITY_LEVELS = {"year": _levels(quarterly=False), "quarter": _levels(quarterly=True)}
_PERIODS = {"year": year_of, "quarter": quarter_of}


@dataclass(frozen=True)
class VisitOptions:
    service_types: frozenset[str] | None = DEFAULT_SERVICE_TYPES
    min_visits: int = DEFAULT_MIN_VISITS


@dataclass
class VisitPartials:
    """One bucket's (or several buckets' merged) partial aggregates of visits."""

    access: pl.DataFrame
    continuity: dict[tuple[str, tuple[str, ...]], pl.DataFrame] = field(default_factory=dict)
    unrecorded: bool = False


def visit_task(files: Sequence[str], options: VisitOptions) -> VisitPartials:
    """The partial aggregates of one piece of visits (every file of one year and patient bucket)."""
    loaded, _label = scoped_visits(_scan(files), service_types=options.service_types)  # the label is the merge's
    unrecorded = bool(loaded.select(pl.col(c.SERVICE_TYPE).is_null().any()).collect().item())
    access = _as_text(access_partials(loaded.with_columns(month_of(c.VISIT_AT).alias(c.PERIOD)), by=CELL).collect())
    continuity = {}
    for period, levels in CONTINUITY_LEVELS.items():
        frame = loaded.with_columns(_PERIODS[period](c.VISIT_AT).alias(c.PERIOD))
        for keys in levels:
            partial = continuity_partials(frame, by=keys, min_visits=options.min_visits)
            continuity[(period, keys)] = _as_text(partial)
    return VisitPartials(access, continuity, unrecorded)


def merge_visits(parts: Iterable[VisitPartials]) -> VisitPartials:
    """Merge visit partials of disjoint buckets (any order); the access histogram is added as it comes."""
    merged: VisitPartials | None = None
    for part in parts:
        if merged is None:
            merged = part
            continue
        merged = VisitPartials(
            merge_access_partials([merged.access, part.access], by=CELL),
            {
                key: merge_continuity_partials([merged.continuity[key], part.continuity[key]], by=key[1])
                for key in merged.continuity
            },
            merged.unrecorded or part.unrecorded,
        )
    if merged is None:
        raise ValueError("no visit partials to merge")
    return merged


def visit_results_from(merged: VisitPartials, options: VisitOptions) -> dict[str, pl.DataFrame]:
    """The visits' aggregate tables from merged partials, as :func:`pipeline.aggregates.visit_results` gives them."""
    label = pl.lit(scope_label(options.service_types, unrecorded=merged.unrecorded)).alias(SCOPE_COLUMN)

    def access_of(days: int) -> pl.DataFrame:
        def metric(lazy: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
            return access_from_partials(merge_access_partials([lazy.collect()], by=keys).lazy(), days=days, by=keys)

        return level_cells(merged.access.lazy(), metric, professions=True)

    access = pl.concat([access_of(days) for days in ACCESS_DAYS]).drop("n_missing_visit_at")

    def continuity_of(period: str, levels: Sequence[str]) -> pl.DataFrame:
        return level_cells(
            pl.LazyFrame(),
            lambda _lazy, keys: continuity_from_partials(
                merged.continuity[(period, tuple(keys))], by=keys, min_visits=options.min_visits
            ).lazy(),
            professions=True,
            levels=levels,
        )

    continuity = pl.concat(
        [continuity_of("year", ("unit", "region", "country")), continuity_of("quarter", ("region", "country"))]
    ).select(
        c.REGION_CODE,
        c.UNIT_ID,
        c.PROFESSION,
        c.PERIOD,
        *CONTINUITY_VALUES,
        "min_visits",
    )
    return {
        "access_results": access.with_columns(label),
        "continuity_results": continuity.with_columns(label),
        "coc_distribution_results": _coc_distribution(merged).with_columns(
            label, pl.lit(options.min_visits, dtype=pl.Int64).alias("min_visits")
        ),
    }


def _coc_distribution(merged: VisitPartials) -> pl.DataFrame:
    """Eligible patients per tenth of COC per county and the country, year and profession."""
    parts = []
    for profession in PROFESSIONS:
        pooled = profession == "all"
        for area in ((c.PERIOD, c.REGION_CODE), (c.PERIOD,)):
            keys = area if pooled else (*area, c.PROFESSION)
            partial = merged.continuity[("year", keys)]
            if not pooled:
                partial = partial.filter(pl.col(c.PROFESSION) == profession)
            bins = coc_distribution_from_partials(partial, by=keys)
            region = pl.col(c.REGION_CODE) if c.REGION_CODE in keys else pl.lit(NATIONAL)
            parts.append(
                bins.select(
                    region.cast(pl.String).alias(c.REGION_CODE),
                    pl.lit(profession).alias(c.PROFESSION),
                    c.PERIOD,
                    "bin",
                    "n",
                )
            )
    return pl.concat(parts).sort(c.REGION_CODE, c.PROFESSION, c.PERIOD, "bin")


def snapshot_times_task(files: Sequence[str]) -> list[dt.datetime]:
    """The distinct snapshot times of one piece of slots."""
    times = _scan(files).select(pl.col(c.CAPTURED_AT).drop_nulls().unique()).collect()
    return times.to_series().to_list()


def slot_task(files: Sequence[str], measured_at: Sequence[dt.datetime]) -> pl.DataFrame:
    """T3 per book and measurement time of one piece of slots (every snapshot of its books)."""
    return (
        t3(_scan(files), measured_at=measured_at, by=_BOOK)
        .with_columns(pl.col(c.MEASURED_AT).dt.strftime("%Y-%m-%d").alias(c.PERIOD))
        .collect()
    )


def slot_results_from(per_book: Sequence[pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The T3 table from every piece's per-book rows, as :func:`pipeline.aggregates.slot_results` gives it."""
    if not per_book:
        return {"t3_results": pl.DataFrame()}
    books = pl.concat(per_book, how="vertical_relaxed").lazy()
    substituted = pl.when(pl.col("censored")).then(pl.lit(THL_CENSORED_DAYS)).otherwise(pl.col("t3_days"))

    def metric(lazy: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
        return lazy.group_by(keys).agg(
            pl.len().cast(pl.Int64).alias("n_books"),
            pl.col("censored").sum().cast(pl.Int64).alias("n_censored"),
            pl.col("t3_days").median().cast(pl.Float64).alias("t3_median_days"),
            substituted.median().cast(pl.Float64).alias("t3_median_days_thl"),
        )

    result = level_cells(books, metric, professions=True)
    return {
        "t3_results": result.select(
            c.REGION_CODE,
            c.UNIT_ID,
            c.PROFESSION,
            c.PERIOD,
            "n_books",
            "n_censored",
            "t3_median_days",
            "t3_median_days_thl",
        )
    }


def answer_task(files: Sequence[str]) -> pl.DataFrame:
    """The NPS class counts of one piece of survey answers (one county), at the finest cell."""
    frame = _scan(files).with_columns(month_of(c.ANSWERED_AT).alias(c.PERIOD))
    return _as_text(nps_partials(frame, by=_ANSWER_CELL).collect())


def answer_results_from(parts: Sequence[pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The NPS table from every piece's class counts, as :func:`pipeline.aggregates.answer_results` gives it."""
    merged = merge_nps_partials(parts, by=_ANSWER_CELL)
    result = level_cells(
        merged.lazy(),
        lambda lazy, keys: nps_from_partials(merge_nps_partials([lazy.collect()], by=keys).lazy(), by=keys),
        professions=False,
        extra=[c.RESPONDENT],
    )
    return {
        "nps_results": result.select(
            c.REGION_CODE,
            c.UNIT_ID,
            c.PROFESSION,
            c.PERIOD,
            c.RESPONDENT,
            "n",
            "n_invalid",
            "promoters",
            "passives",
            "detractors",
            "nps",
            "ci_low",
            "ci_high",
        )
    }


def _scan(files: Sequence[str]) -> pl.LazyFrame:
    """A piece's files as one frame (pieces of extracts written with and without an optional column fit)."""
    return scan_paths([Path(name) for name in files])


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Categorical keys as text: a worker's categories mean nothing in another process."""
    return frame.with_columns(pl.col(pl.Categorical).cast(pl.String))


def file_names(paths: Iterable[Path]) -> list[str]:
    return [str(path) for path in paths]


def as_options(service_types: Collection[str] | None, min_visits: int) -> VisitOptions:
    return VisitOptions(None if service_types is None else frozenset(service_types), min_visits)
