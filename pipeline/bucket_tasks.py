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
  bucket); whether a visit without service type entered. And the other
  measures of :mod:`pipeline.measures`: the remote-share counts at the finest
  cell with the visit's age group, the access histogram per age group, the
  continuity and heavy-user partials per age group or county and profession
  (per patient, so bucket-local), the known-provider counts against the
  named-provider assignments (each task reads their small files itself), and
  the first and last visit time (the years of the list sizes, which the driver
  computes from the assignments alone).
- appointment slots (a bucket of books): T3 per book and measurement time; the
  medians are taken on the driver.
- survey answers (a county): the NPS class counts at the finest cell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from core import columns as c
from core.codes import PROFESSIONS
from core.codes import WHOLE_COUNTRY as NATIONAL
from metrics.access import access_from_partials, access_partials, merge_access_partials
from metrics.age_groups import AGE_GROUP, has_ages, with_age_group
from metrics.continuity import (
    DEFAULT_MIN_VISITS,
    coc_distribution_from_partials,
    continuity_from_partials,
    continuity_partials,
    merge_continuity_partials,
)
from metrics.heavy_users import heavy_user_partials, heavy_users_from_partials, merge_heavy_user_partials
from metrics.named_provider import (
    known_provider_from_partials,
    known_provider_partials,
    merge_known_provider_partials,
)
from metrics.remote import merge_remote_partials, remote_from_partials, remote_partials
from metrics.satisfaction import merge_nps_partials, nps_from_partials, nps_partials
from metrics.scope import DEFAULT_SERVICE_TYPES, scope_label
from metrics.t3 import THL_CENSORED_DAYS, t3
from pipeline import cell_levels
from pipeline.aggregates import scoped_visits
from pipeline.cell_levels import (
    ACCESS_DAYS,
    CONTINUITY_VALUES,
    SCOPE_COLUMN,
    Metric,
    level_cells,
    month_of,
    quarter_of,
    year_of,
)
from pipeline.measures import (
    AGE_AREAS,
    MEASURE_PROFESSIONS,
    age_groups_only,
    list_sizes_over,
    no_cells,
    of_profession,
    with_all_ages,
)
from store.catalogue import scan_paths

CELL = (c.PERIOD, c.REGION_CODE, c.UNIT_ID, c.PROFESSION)
"""The finest cell the access and NPS histograms are kept at (NPS: respondent group instead of profession)."""
REMOTE_CELL = (*CELL, AGE_GROUP)
"""The finest cell of the remote-share counts: each visit's own age group too (``unknown`` without an age)."""
AGE_CELL = (c.PERIOD, c.REGION_CODE, c.PROFESSION, AGE_GROUP)
"""The finest cell of access per age group: counties and the country only, as pipeline.measures keeps them."""
_BOOK = [c.REGION_CODE, c.UNIT_ID, c.PROFESSION, c.BOOK_ID]
_ANSWER_CELL = [c.PERIOD, c.RESPONDENT, c.REGION_CODE, c.UNIT_ID]


def _levels(
    *, quarterly: bool = False, levels: Sequence[str] | None = None, professions: bool = True, extra: Sequence[str] = ()
) -> list[tuple[str, ...]]:
    """The key sets of the cells, as :func:`pipeline.cell_levels.level_cells` forms them (default: continuity's)."""
    if levels is None:
        levels = ("region", "country") if quarterly else ("unit", "region", "country")
    keys = []
    for level in levels:
        for by_profession in (True, False) if professions else (False,):
            names = [c.PERIOD, *extra]
            if level in ("unit", "region"):
                names.append(c.REGION_CODE)
            if level == "unit":
                names.append(c.UNIT_ID)
            if by_profession:
                names.append(c.PROFESSION)
            keys.append(tuple(names))
    return keys


CONTINUITY_LEVELS = {"year": _levels(quarterly=False), "quarter": _levels(quarterly=True)}
AGE_LEVELS = _levels(levels=AGE_AREAS, professions=False, extra=[AGE_GROUP])
"""The key sets of continuity by age group (per profession apart: the professions are not a key)."""
HEAVY_LEVELS = _levels(levels=AGE_AREAS, professions=False)
"""The key sets of heavy use (per profession apart)."""
NAMED_LEVELS = _levels()
"""The key sets of the known-provider share: every level, with and without the profession."""
_PERIODS = {"year": year_of, "quarter": quarter_of}


@dataclass(frozen=True)
class VisitOptions:
    """What every visit task is told: the service-type scope, the continuity threshold, and the named-provider
    assignments' files (none: no known-provider share)."""

    service_types: frozenset[str] | None = DEFAULT_SERVICE_TYPES
    min_visits: int = DEFAULT_MIN_VISITS
    assignments: tuple[str, ...] = ()


Keyed = dict[tuple[str, tuple[str, ...]], pl.DataFrame]
"""Partials per (profession or period, key set)."""


@dataclass
class VisitPartials:
    """One bucket's (or several buckets' merged) partial aggregates of visits.

    ``access_age`` and ``continuity_age`` are empty (None, {}) for a piece without ages; ``known_provider`` is
    empty without assignments; ``first_visit`` and ``last_visit`` are None for a piece without visit times.
    """

    access: pl.DataFrame
    continuity: Keyed = field(default_factory=dict)
    unrecorded: bool = False
    remote: pl.DataFrame | None = None
    access_age: pl.DataFrame | None = None
    continuity_age: Keyed = field(default_factory=dict)
    heavy: Keyed = field(default_factory=dict)
    known_provider: dict[tuple[str, ...], pl.DataFrame] = field(default_factory=dict)
    has_ages: bool = False
    first_visit: dt.datetime | None = None
    last_visit: dt.datetime | None = None


def visit_task(files: Sequence[str], options: VisitOptions) -> VisitPartials:
    """The partial aggregates of one piece of visits (every file of one year and patient bucket)."""
    loaded, _label = scoped_visits(_scan(files), service_types=options.service_types)  # the label is the merge's
    unrecorded = bool(loaded.select(pl.col(c.SERVICE_TYPE).is_null().any()).collect().item())
    monthly = loaded.with_columns(month_of(c.VISIT_AT).alias(c.PERIOD))
    access = _as_text(access_partials(monthly, by=CELL).collect())
    continuity = {}
    for period, levels in CONTINUITY_LEVELS.items():
        frame = loaded.with_columns(_PERIODS[period](c.VISIT_AT).alias(c.PERIOD))
        for keys in levels:
            partial = continuity_partials(frame, by=keys, min_visits=options.min_visits)
            continuity[(period, keys)] = _as_text(partial)
    yearly = loaded.with_columns(year_of(c.VISIT_AT).alias(c.PERIOD))
    aged = has_ages(loaded.collect_schema())
    by_age = with_age_group(monthly)  # each visit's own age group ('unknown' without an age)
    span = loaded.select(pl.col(c.VISIT_AT).min().alias("first"), pl.col(c.VISIT_AT).max().alias("last"))
    first, last = span.collect().row(0)
    return VisitPartials(
        access,
        continuity,
        unrecorded,
        remote=_as_text(remote_partials(by_age, by=REMOTE_CELL).collect()),
        access_age=_as_text(access_partials(by_age, by=AGE_CELL).collect()) if aged else None,
        continuity_age=_continuity_by_age(yearly, options.min_visits) if aged else {},
        heavy={
            (profession, keys): _as_text(
                heavy_user_partials(of_profession(yearly, profession), by=keys, min_visits=options.min_visits).collect()
            )
            for profession in MEASURE_PROFESSIONS
            for keys in HEAVY_LEVELS
        },
        known_provider=_known_provider(yearly, options.assignments),
        has_ages=aged,
        first_visit=first,
        last_visit=last,
    )


def _continuity_by_age(yearly: pl.LazyFrame, min_visits: int) -> Keyed:
    """Continuity partials per age group, county and year, for each profession apart.

    As :func:`pipeline.measures.continuity_age_cells`: the patient's age group is decided within the
    profession's visits of the year (the bucket holds all of them).
    """
    partials = {}
    for profession in MEASURE_PROFESSIONS:
        aged = with_age_group(of_profession(yearly, profession), per_patient=[c.PERIOD])
        for keys in AGE_LEVELS:
            partials[(profession, keys)] = _as_text(continuity_partials(aged, by=keys, min_visits=min_visits))
    return partials


def _known_provider(yearly: pl.LazyFrame, assignments: Sequence[str]) -> dict[tuple[str, ...], pl.DataFrame]:
    """The known-provider counts at every level; patients are distinct within the bucket, and a patient's
    visits of a year are all in one bucket, so the counts of buckets add."""
    if not assignments:
        return {}
    named = _scan(assignments).collect()  # small beside the visits; every level joins it
    return {keys: _as_text(known_provider_partials(yearly, named, by=keys).collect()) for keys in NAMED_LEVELS}


def merge_visits(parts: Iterable[VisitPartials]) -> VisitPartials:
    """Merge visit partials of disjoint buckets (any order); every partial is added as it comes."""
    merged: VisitPartials | None = None
    for part in parts:
        merged = part if merged is None else _merge_two(merged, part)
    if merged is None:
        raise ValueError("no visit partials to merge")
    return merged


def _merge_two(one: VisitPartials, other: VisitPartials) -> VisitPartials:
    def keyed(
        first: dict[Any, pl.DataFrame], second: dict[Any, pl.DataFrame], merge: Callable[..., pl.DataFrame]
    ) -> dict[Any, pl.DataFrame]:
        # A piece without ages (or without assignments) has no such partials: the other's stand alone.
        both = {**first, **second}
        return {
            key: merge([first[key], second[key]], by=key[-1]) if key in first and key in second else frame
            for key, frame in both.items()
        }

    def frames(
        first: pl.DataFrame | None, second: pl.DataFrame | None, merge: Callable[..., pl.DataFrame], by: Sequence[str]
    ) -> pl.DataFrame | None:
        if first is None or second is None:
            return first if second is None else second
        return merge([first, second], by=by)

    return VisitPartials(
        merge_access_partials([one.access, other.access], by=CELL),
        {
            key: merge_continuity_partials([one.continuity[key], other.continuity[key]], by=key[1])
            for key in one.continuity
        },
        one.unrecorded or other.unrecorded,
        remote=frames(one.remote, other.remote, merge_remote_partials, REMOTE_CELL),
        access_age=frames(one.access_age, other.access_age, merge_access_partials, AGE_CELL),
        continuity_age=keyed(one.continuity_age, other.continuity_age, merge_continuity_partials),
        heavy=keyed(one.heavy, other.heavy, merge_heavy_user_partials),
        known_provider=_merge_known(one.known_provider, other.known_provider),
        has_ages=one.has_ages or other.has_ages,
        first_visit=_extreme(min, one.first_visit, other.first_visit),
        last_visit=_extreme(max, one.last_visit, other.last_visit),
    )


def _merge_known(
    first: dict[tuple[str, ...], pl.DataFrame], second: dict[tuple[str, ...], pl.DataFrame]
) -> dict[tuple[str, ...], pl.DataFrame]:
    if not first or not second:
        return first or second
    return {keys: merge_known_provider_partials([first[keys], second[keys]], by=keys) for keys in first}


def _extreme(
    pick: Callable[[dt.datetime, dt.datetime], dt.datetime], one: dt.datetime | None, other: dt.datetime | None
) -> dt.datetime | None:
    if one is None or other is None:
        return one if other is None else other
    return pick(one, other)


def visit_results_from(
    merged: VisitPartials, options: VisitOptions, *, assignments: pl.LazyFrame | None = None
) -> dict[str, pl.DataFrame]:
    """The visits' aggregate tables from merged partials, as :func:`pipeline.aggregates.visit_results` gives them.

    With ``assignments`` (the named-provider table's extracts, read on this process: they are small) also the
    list sizes, and the known-provider share the tasks counted (``options.assignments`` must name their files).
    """
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
    results = {
        "access_results": access.with_columns(label),
        "continuity_results": continuity.with_columns(label),
        "coc_distribution_results": _coc_distribution(merged).with_columns(
            label, pl.lit(options.min_visits, dtype=pl.Int64).alias("min_visits")
        ),
        "remote_results": _remote_cells(merged),
        "access_age_results": _access_age_cells(merged),
        "continuity_age_results": _continuity_age_cells(merged, options.min_visits),
        "heavy_user_results": _heavy_user_cells(merged),
    }
    if assignments is not None:
        results.update(_named_provider_cells(merged, assignments))
    # As visit_results labels them: the list sizes come from the assignments alone, with no visit scope.
    return {
        name: frame if name == "list_size_results" else frame.with_columns(label) for name, frame in results.items()
    }


def _from_keyed(
    partials: dict[Any, pl.DataFrame], finish: Callable[..., pl.DataFrame], prefix: tuple[str, ...] = ()
) -> Metric:
    """A level_cells metric that finishes the partials kept for the level's key set (under ``prefix``)."""

    def metric(_lazy: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
        key: Any = (*prefix, tuple(keys)) if prefix else tuple(keys)
        return finish(partials[key], by=keys).lazy()

    return metric


def _remote_cells(merged: VisitPartials) -> pl.DataFrame:
    """As :func:`pipeline.measures.remote_cells`: every level with age group ``all``, and the age groups for
    counties and the country when the visits carry ages."""
    if merged.remote is None:
        raise ValueError("the visit partials hold no remote-share counts")
    finest = merged.remote

    def metric(lazy: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
        return remote_from_partials(merge_remote_partials([lazy.collect()], by=keys).lazy(), by=keys)

    parts = [with_all_ages(level_cells(finest.lazy(), metric, professions=True))]
    if merged.has_ages:
        by_age = level_cells(finest.lazy(), metric, professions=True, extra=[AGE_GROUP], levels=AGE_AREAS)
        parts.append(age_groups_only(by_age))
    every = cell_levels.CELL
    return pl.concat(parts, how="diagonal").select(*every, AGE_GROUP, pl.exclude([*every, AGE_GROUP]))


def _access_age_cells(merged: VisitPartials) -> pl.DataFrame:
    """As :func:`pipeline.measures.access_age_cells` (empty without ages)."""
    if not merged.has_ages or merged.access_age is None:
        return no_cells("access_age_results")
    finest = merged.access_age.lazy()
    parts = []
    for days in ACCESS_DAYS:

        def metric(lazy: pl.LazyFrame, keys: list[str], days: int = days) -> pl.LazyFrame:
            return access_from_partials(merge_access_partials([lazy.collect()], by=keys).lazy(), days=days, by=keys)

        parts.append(level_cells(finest, metric, professions=True, extra=[AGE_GROUP], levels=AGE_AREAS))
    return age_groups_only(pl.concat(parts)).drop("n_missing_visit_at")


def _continuity_age_cells(merged: VisitPartials, min_visits: int) -> pl.DataFrame:
    """As :func:`pipeline.measures.continuity_age_cells` (empty without ages)."""
    if not merged.has_ages:
        return no_cells("continuity_age_results")

    def finish(partials: pl.DataFrame, *, by: Sequence[str]) -> pl.DataFrame:
        return continuity_from_partials(partials, by=by, min_visits=min_visits)

    parts = [
        level_cells(
            pl.LazyFrame(),
            _from_keyed(merged.continuity_age, finish, (profession,)),
            professions=False,
            extra=[AGE_GROUP],
            levels=AGE_AREAS,
        ).with_columns(pl.lit(profession).alias(c.PROFESSION))
        for profession in MEASURE_PROFESSIONS
    ]
    return age_groups_only(pl.concat(parts)).select(
        *cell_levels.CELL,
        AGE_GROUP,
        *CONTINUITY_VALUES,
        pl.lit(min_visits, dtype=pl.Int64).alias("min_visits"),
    )


def _heavy_user_cells(merged: VisitPartials) -> pl.DataFrame:
    """As :func:`pipeline.measures.heavy_user_cells`."""
    parts = [
        level_cells(
            pl.LazyFrame(),
            _from_keyed(merged.heavy, heavy_users_from_partials, (profession,)),
            professions=False,
            levels=AGE_AREAS,
        ).with_columns(pl.lit(profession).alias(c.PROFESSION))
        for profession in MEASURE_PROFESSIONS
    ]
    return pl.concat(parts).select(*cell_levels.CELL, pl.exclude(cell_levels.CELL)).sort(cell_levels.CELL)


def _named_provider_cells(merged: VisitPartials, assignments: pl.LazyFrame) -> dict[str, pl.DataFrame]:
    """As :func:`pipeline.measures.named_provider_results` with the visits: list sizes for every year of the
    visits up to their last day, and the known-provider share (none when no visit has a time)."""
    first, last = merged.first_visit, merged.last_visit
    results = {"list_size_results": list_sizes_over(assignments, first=first, last=last)}
    if first is not None and last is not None:
        results["named_provider_results"] = level_cells(
            pl.LazyFrame(), _from_keyed(merged.known_provider, known_provider_from_partials), professions=True
        )
    return results


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


def as_options(
    service_types: Collection[str] | None, min_visits: int, *, assignments: Iterable[Path] = ()
) -> VisitOptions:
    """The options of every visit task; ``assignments``: the named-provider assignments' extract files."""
    scope = None if service_types is None else frozenset(service_types)
    return VisitOptions(scope, min_visits, tuple(file_names(assignments)))
