"""Aggregate cells of the programme's other measures: the remote share, age groups, heavy users, named providers.

Pure functions like :mod:`pipeline.aggregates` (lazy canonical frames in,
eager identifier-free frames out, counts kept unsuppressed: every output
suppresses where it shows them). Cells are per county and the whole country
(``unit_id`` '' ); the remote share and the known-provider share also per
health centre. ``age_group`` is ``all`` for every visit, or one of
:data:`metrics.age_groups.AGE_GROUPS` where the visits carry ``age_years``
(counties and the country only; a visit without an age is in no group, so
the groups need not add up to ``all``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from core import columns as c
from core.assignments import PROVIDER_KIND, VALID_FROM
from core.codes import ALL_PROFESSIONS, ALL_UNITS
from core.codes import WHOLE_COUNTRY as NATIONAL
from metrics.access import access_within_days
from metrics.age_groups import AGE_GROUP, AGE_GROUPS, ALL_AGES, has_ages, with_age_group
from metrics.continuity import DEFAULT_MIN_VISITS, continuity_summary
from metrics.heavy_users import DEFAULT_THRESHOLD, heavy_users
from metrics.named_provider import PERSONAL_KINDS, known_provider_share, list_sizes
from metrics.remote import remote_share
from pipeline.cell_levels import ACCESS_DAYS, CELL, CONTINUITY_VALUES, SCOPE_COLUMN, level_cells, month_of, year_of
from store import measure_tables
from store.repository import table_schema

AGE_AREAS = ("region", "country")
"""The area levels of the age-group and heavy-user cells: counties and the whole country (no health centre)."""
MEASURE_PROFESSIONS = ("doctor", "nurse", ALL_PROFESSIONS)
"""The professions whose patients are counted apart for continuity by age group and heavy use."""


def no_cells(table: str) -> pl.DataFrame:
    """A result table's frame with no rows but every column it computes (its data set and scope are added by the
    import), so an extract without ages or assignments writes an empty table rather than failing."""
    added = {"dataset", SCOPE_COLUMN}
    schema = table_schema(measure_tables.metadata_table(table))
    return pl.DataFrame(schema={name: dtype for name, dtype in schema.items() if name not in added})


def age_groups_only(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows of the age groups (:data:`metrics.age_groups.AGE_GROUPS`): not ``all``, not ``unknown``."""
    return frame.filter(pl.col(AGE_GROUP).is_in(AGE_GROUPS))


def with_all_ages(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame``'s cells as those of every age (age group ``all``)."""
    return frame.with_columns(pl.lit(ALL_AGES).alias(AGE_GROUP))


def of_profession(frame: pl.LazyFrame, profession: str) -> pl.LazyFrame:
    """The visits of one profession (``all``: every visit)."""
    return frame if profession == ALL_PROFESSIONS else frame.filter(pl.col(c.PROFESSION) == profession)


def remote_cells(visits: pl.LazyFrame) -> pl.DataFrame:
    """Monthly remote shares at every level and profession (age group ``all``), and per age group for counties
    and the country when the visits carry ages."""
    frame = visits.with_columns(month_of(c.VISIT_AT).alias(c.PERIOD))

    def metric(lazy: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
        return remote_share(lazy, by=keys)

    parts = [with_all_ages(level_cells(frame, metric, professions=True))]
    if has_ages(visits.collect_schema()):
        aged = with_age_group(frame)
        parts.append(age_groups_only(level_cells(aged, metric, professions=True, extra=[AGE_GROUP], levels=AGE_AREAS)))
    return pl.concat(parts, how="diagonal").select(*CELL, AGE_GROUP, pl.exclude([*CELL, AGE_GROUP]))


def access_age_cells(visits: pl.LazyFrame) -> pl.DataFrame:
    """Monthly shares within 7 and 14 days per age group (of the age at the visit), counties and the country.

    Empty when the visits carry no ages: the ``all`` figures are those of ``access_results``.
    """
    if not has_ages(visits.collect_schema()):
        return no_cells("access_age_results")
    frame = with_age_group(visits.with_columns(month_of(c.VISIT_AT).alias(c.PERIOD)))
    parts = []
    for days in ACCESS_DAYS:

        def metric(lazy: pl.LazyFrame, keys: list[str], days: int = days) -> pl.LazyFrame:
            return access_within_days(lazy, days=days, by=keys)

        parts.append(level_cells(frame, metric, professions=True, extra=[AGE_GROUP], levels=AGE_AREAS))
    return age_groups_only(pl.concat(parts)).drop("n_missing_visit_at")


def continuity_age_cells(visits: pl.LazyFrame, *, min_visits: int = DEFAULT_MIN_VISITS) -> pl.DataFrame:
    """Yearly COC per age group (the age a patient reached in the year), counties and the country.

    Empty when the visits carry no ages.
    """
    if not has_ages(visits.collect_schema()):
        return no_cells("continuity_age_results")
    frame = visits.with_columns(year_of(c.VISIT_AT).alias(c.PERIOD))
    parts = []
    for profession in MEASURE_PROFESSIONS:
        # The patient's age group is decided within the profession's visits of the year, as their index is.
        aged = with_age_group(of_profession(frame, profession), per_patient=[c.PERIOD])
        result = level_cells(
            aged,
            lambda lazy, keys: continuity_summary(lazy, by=keys, min_visits=min_visits),
            professions=False,
            extra=[AGE_GROUP],
            levels=AGE_AREAS,
        )
        parts.append(result.with_columns(pl.lit(profession).alias(c.PROFESSION)))
    return age_groups_only(pl.concat(parts)).select(
        *CELL,
        AGE_GROUP,
        *CONTINUITY_VALUES,
        pl.lit(min_visits, dtype=pl.Int64).alias("min_visits"),
    )


def heavy_user_cells(
    visits: pl.LazyFrame, *, threshold: int = DEFAULT_THRESHOLD, min_visits: int = DEFAULT_MIN_VISITS
) -> pl.DataFrame:
    """Heavy users per calendar year, county and the country, for doctors, nurses and every profession pooled.

    A patient's visits are counted within the profession (a heavy user of doctor visits has at least
    ``threshold`` doctor visits in the year) and within the county (the whole country: all their visits).
    """
    frame = visits.with_columns(year_of(c.VISIT_AT).alias(c.PERIOD))
    parts = []
    for profession in MEASURE_PROFESSIONS:
        result = level_cells(
            of_profession(frame, profession),
            lambda lazy, keys: heavy_users(lazy, by=keys, threshold=threshold, min_visits=min_visits),
            professions=False,
            levels=AGE_AREAS,
        )
        parts.append(result.with_columns(pl.lit(profession).alias(c.PROFESSION)))
    return pl.concat(parts).select(*CELL, pl.exclude(CELL)).sort(CELL)


def named_provider_cells(visits: pl.LazyFrame, assignments: pl.LazyFrame) -> pl.DataFrame:
    """The known-provider share and the patients seen with a named provider, per year, at every level, for
    doctors, nurses and both together (``all``: visits of other professions are counted apart, as always)."""
    frame = visits.with_columns(year_of(c.VISIT_AT).alias(c.PERIOD))
    named = assignments.collect()  # small beside the visits; every level joins it

    def metric(lazy: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
        return known_provider_share(lazy, named, by=keys)

    return level_cells(frame, metric, professions=True)


def list_size_cells(assignments: pl.LazyFrame, *, years: Sequence[str], as_of: dt.date) -> pl.DataFrame:
    """List sizes of named doctors, nurses and teams on the last day of each of ``years`` (on ``as_of`` for the
    year it falls in: the data's last day), per county and the whole country; counties without an
    assignment in force are left out."""
    cell = [c.REGION_CODE, c.UNIT_ID, PROVIDER_KIND, c.PERIOD]
    rows = []
    for year in sorted(years):
        day = min(dt.date(int(year), 12, 31), as_of)
        for kind in (*PERSONAL_KINDS, "team"):
            for by in ([c.REGION_CODE], []):
                result = list_sizes(assignments, at=day, kind=kind, by=by).collect()
                rows.append(
                    result.with_columns(
                        *([] if by else [pl.lit(NATIONAL).alias(c.REGION_CODE)]),
                        pl.lit(ALL_UNITS).alias(c.UNIT_ID),
                        pl.lit(kind).alias(PROVIDER_KIND),
                        pl.lit(year).alias(c.PERIOD),
                    )
                    .filter(pl.col("n_assigned") > 0)
                    .select(pl.col(c.REGION_CODE).cast(pl.String), *cell[1:], pl.exclude(cell))
                )
    if not rows:
        return no_cells("list_size_results")
    return pl.concat(rows, how="vertical_relaxed").sort(cell)


def visit_measure_results(
    visits: pl.LazyFrame,
    *,
    assignments: pl.LazyFrame | None = None,
    min_visits: int = DEFAULT_MIN_VISITS,
    label: pl.Expr | None = None,
) -> dict[str, pl.DataFrame]:
    """Every measure of this module that the visits feed (those of the named providers too when
    ``assignments`` are given), keyed by result-table name; an empty frame (with its columns) means no rows.

    ``label`` (the visits' service-type scope, :func:`pipeline.aggregates.scoped_visits`) goes on every table
    computed from the visits; the list sizes come from the assignments alone and carry none.
    """
    results = {
        "remote_results": remote_cells(visits),
        "access_age_results": access_age_cells(visits),
        "continuity_age_results": continuity_age_cells(visits, min_visits=min_visits),
        "heavy_user_results": heavy_user_cells(visits, min_visits=min_visits),
    }
    if assignments is not None:
        results.update(named_provider_results(assignments, visits=visits))
    if label is None:
        return results
    return {
        name: frame if name == "list_size_results" else frame.with_columns(label) for name, frame in results.items()
    }


def named_provider_results(assignments: pl.LazyFrame, *, visits: pl.LazyFrame | None) -> dict[str, pl.DataFrame]:
    """List sizes for every year the assignments (or the visits, when given) cover, up to the data's last day,
    and with the ``visits`` the known-provider share."""
    if visits is None:
        span = assignments.select(pl.col(VALID_FROM).min().alias("first"), pl.col(VALID_FROM).max().alias("last"))
    else:
        span = visits.select(pl.col(c.VISIT_AT).min().alias("first"), pl.col(c.VISIT_AT).max().alias("last"))
    first, last = span.collect().row(0)
    results = {"list_size_results": list_sizes_over(assignments, first=first, last=last)}
    if visits is not None and first is not None:
        results["named_provider_results"] = named_provider_cells(visits, assignments)
    return results


def list_sizes_over(assignments: pl.LazyFrame, *, first: dt.date | None, last: dt.date | None) -> pl.DataFrame:
    """List sizes for every year from ``first`` to ``last`` (days or times: the data's first and last), the last
    year's on ``last``'s day (:func:`list_size_cells`); no rows when either is None (nothing dated)."""
    if first is None or last is None:
        return no_cells("list_size_results")
    as_of = last.date() if isinstance(last, dt.datetime) else last
    years = [str(year) for year in range(first.year, last.year + 1)]
    return list_size_cells(assignments, years=years, as_of=as_of)
