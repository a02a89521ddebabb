"""Aggregate cells computed from the extracts, in the shape of the store's result tables.

Pure functions: lazy canonical frames in, eager identifier-free frames out.
Cells are per region (and the whole country, ``NATIONAL``), per unit
(``unit_id`` '' means all units), per profession ('all' means every
profession) and per period. Suppression is not applied here: the threshold
is a display setting, so the store keeps the counts and every output applies
:func:`metrics.privacy.suppress_small_counts`.

**Service-type scope.** Access and continuity are computed on the visits of
``service_types`` (default :data:`metrics.scope.DEFAULT_SERVICE_TYPES`: ``T11``,
curative outpatient care, as THL's access and continuity statistics), applied
here, at aggregation, so that an extract keeps every visit it brought and a
different scope needs only a recomputation. Every row of ``access_results``,
``continuity_results`` and ``coc_distribution_results`` records the scope in
``service_types`` (:func:`metrics.scope.scope_label`). Regions are those of
the visits' ``region_code`` (the providing county; see
docs/decisions/0005-thl-conventions.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence

import polars as pl

from core import columns as c
from core.codes import PROFESSIONS
from core.codes import WHOLE_COUNTRY as NATIONAL
from metrics.access import access_within_days, t3
from metrics.continuity import DEFAULT_MIN_VISITS, coc_bins, continuity_indices, continuity_summary
from metrics.satisfaction import nps
from metrics.scope import DEFAULT_SERVICE_TYPES, in_service_scope, scope_label
from metrics.t3 import THL_CENSORED_DAYS
from pipeline.cell_levels import (
    ACCESS_DAYS,
    CELL,
    CONTINUITY_VALUES,
    SCOPE_COLUMN,
    Metric,
    in_memory,
    level_cells,
    month_of,
    quarter_of,
    year_of,
)
from pipeline.measures import named_provider_results, visit_measure_results

__all__ = [
    "ACCESS_DAYS",
    "ALSO_READS",
    "RESULTS_BY_TABLE",
    "SCOPE_COLUMN",
    "Metric",
    "in_memory",
    "level_cells",
    "month_of",
    "quarter_of",
    "year_of",
]


def access_cells(visits: pl.LazyFrame) -> pl.DataFrame:
    """Monthly shares within 7 and 14 days, by visit month."""
    frame = visits.with_columns(month_of(c.VISIT_AT).alias(c.PERIOD))
    results = []
    for days in ACCESS_DAYS:

        def metric(lazy: pl.LazyFrame, keys: list[str], days: int = days) -> pl.LazyFrame:
            return access_within_days(lazy, days=days, by=keys)

        results.append(level_cells(frame, metric, professions=True))
    return pl.concat(results).drop("n_missing_visit_at")


def continuity_cells(visits: pl.LazyFrame, *, min_visits: int = DEFAULT_MIN_VISITS) -> pl.DataFrame:
    """COC and UPC per calendar year at every level, and per quarter for regions and the country."""
    yearly = level_cells(
        visits.with_columns(year_of(c.VISIT_AT).alias(c.PERIOD)),
        lambda lazy, keys: continuity_summary(lazy, by=keys, min_visits=min_visits),
        professions=True,
    )
    quarterly = level_cells(
        visits.with_columns(quarter_of(c.VISIT_AT).alias(c.PERIOD)),
        lambda lazy, keys: continuity_summary(lazy, by=keys, min_visits=min_visits),
        professions=True,
        levels=("region", "country"),
    )
    return pl.concat([yearly, quarterly]).select(
        *CELL,
        *CONTINUITY_VALUES,
        "min_visits",
    )


def coc_distribution_cells(visits: pl.LazyFrame, *, min_visits: int = DEFAULT_MIN_VISITS) -> pl.DataFrame:
    """Eligible patients per COC bin, per county and the whole country, calendar year and profession.

    A patient's index is computed within each county (visits in two counties make two patients, as
    the county figures count them) and, for the whole country, over all their visits. Only bins with
    patients are stored; the page fills the empty bins and suppresses small ones.
    """
    needed = [c.PATIENT_ID, c.PROFESSIONAL_ID, c.VISIT_AT, c.VISIT_ID, c.REGION_CODE]
    by_year = visits.select(*needed, c.PROFESSION).with_columns(year_of(c.VISIT_AT).alias(c.PERIOD))
    parts = []
    for profession in PROFESSIONS:
        visits_of = by_year if profession == "all" else by_year.filter(pl.col(c.PROFESSION) == profession)
        for keys in ([c.REGION_CODE, c.PERIOD], [c.PERIOD]):
            indices = continuity_indices(visits_of.select(*needed, c.PERIOD), by=keys, min_visits=min_visits)
            area = pl.col(c.REGION_CODE).cast(pl.String) if c.REGION_CODE in keys else pl.lit(NATIONAL)
            parts.append(
                coc_bins(indices, keys).select(
                    area.alias(c.REGION_CODE),
                    pl.lit(profession).alias(c.PROFESSION),
                    c.PERIOD,
                    "bin",
                    "n",
                )
            )
    return pl.concat(pl.collect_all(parts)).sort(c.REGION_CODE, c.PROFESSION, c.PERIOD, "bin")


def nps_cells(answers: pl.LazyFrame) -> pl.DataFrame:
    """NPS per month and respondent group (patients, staff); profession is always 'all'."""
    frame = answers.with_columns(month_of(c.ANSWERED_AT).alias(c.PERIOD))
    result = level_cells(frame, lambda lazy, keys: nps(lazy, by=keys), professions=False, extra=[c.RESPONDENT])
    return result.select(
        *CELL, c.RESPONDENT, "n", "n_invalid", "promoters", "passives", "detractors", "nps", "ci_low", "ci_high"
    )


def t3_cells(slots: pl.LazyFrame, measured_at: Sequence[dt.datetime]) -> pl.DataFrame:
    """Median T3 across books per measurement date, without and with THL's 182-day substitution.

    T3 is computed once per book and measurement; every level is a summary of those rows.
    """
    if not measured_at:
        return pl.DataFrame()
    books = [c.REGION_CODE, c.UNIT_ID, c.PROFESSION, c.BOOK_ID]
    per_book = (
        t3(slots, measured_at=measured_at, by=books)
        .with_columns(pl.col(c.MEASURED_AT).dt.strftime("%Y-%m-%d").alias(c.PERIOD))
        .collect()  # small (books x measurements); every level summarises it
        .lazy()
    )
    substituted = pl.when(pl.col("censored")).then(pl.lit(THL_CENSORED_DAYS)).otherwise(pl.col("t3_days"))

    def metric(lazy: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
        return lazy.group_by(keys).agg(
            pl.len().cast(pl.Int64).alias("n_books"),
            pl.col("censored").sum().cast(pl.Int64).alias("n_censored"),
            pl.col("t3_days").median().cast(pl.Float64).alias("t3_median_days"),
            substituted.median().cast(pl.Float64).alias("t3_median_days_thl"),
        )

    result = level_cells(per_book, metric, professions=True)
    return result.select(*CELL, "n_books", "n_censored", "t3_median_days", "t3_median_days_thl")


def snapshot_times(slots: pl.LazyFrame) -> list[dt.datetime]:
    """Measurement times for T3: each distinct snapshot time in the slots."""
    times = slots.select(pl.col(c.CAPTURED_AT).unique().sort()).collect().to_series()
    return [value for value in times.to_list() if value is not None]


def scoped_visits(
    visits: pl.LazyFrame, *, service_types: Collection[str] | None = DEFAULT_SERVICE_TYPES
) -> tuple[pl.LazyFrame, pl.Expr]:
    """The visits of ``service_types`` (None: every visit) read once into memory with the columns every visit
    aggregate needs (``age_years`` too when the extract has it), and the ``service_types`` label their rows carry."""
    codes = [c.REGION_CODE, c.UNIT_ID, c.PROFESSION, c.PATIENT_ID, c.PROFESSIONAL_ID, c.SERVICE_TYPE, c.CONTACT_MODE]
    optional = [name for name in (c.AGE_YEARS,) if name in visits.collect_schema()]
    needed = [*codes, c.VISIT_ID, c.VISIT_AT, c.ASSESSMENT_AT, c.URGENT, *optional]
    loaded = in_memory(in_service_scope(visits, service_types=service_types), needed, codes)
    return loaded, scope_column(loaded, service_types=service_types)


def scope_column(scoped: pl.LazyFrame, *, service_types: Collection[str] | None) -> pl.Expr:
    """The ``service_types`` label of the rows computed from ``scoped`` (visits already in ``service_types``):
    :func:`metrics.scope.scope_label`, marked when some of the visits have no service type recorded."""
    unrecorded = bool(scoped.select(pl.col(c.SERVICE_TYPE).is_null().any()).collect().item())
    return pl.lit(scope_label(service_types, unrecorded=unrecorded)).alias(SCOPE_COLUMN)


def visit_results(
    visits: pl.LazyFrame,
    *,
    service_types: Collection[str] | None = DEFAULT_SERVICE_TYPES,
    min_visits: int = DEFAULT_MIN_VISITS,
    assignments: pl.LazyFrame | None = None,
) -> dict[str, pl.DataFrame]:
    """Access, continuity and the other measures' cells of the visits in ``service_types`` (None: every visit),
    each row labelled with its scope in ``service_types``; continuity counts patients with at least
    ``min_visits`` visits to a known professional, and records the value in ``min_visits``. With
    ``assignments`` (the named-provider table's extracts) also the named-provider cells
    (:mod:`pipeline.measures`)."""
    loaded, label = scoped_visits(visits, service_types=service_types)
    results = {
        "access_results": access_cells(loaded).with_columns(label),
        "continuity_results": continuity_cells(loaded, min_visits=min_visits).with_columns(label),
        "coc_distribution_results": coc_distribution_cells(loaded, min_visits=min_visits).with_columns(
            label, pl.lit(min_visits, dtype=pl.Int64).alias("min_visits")
        ),
    }
    results.update(visit_measure_results(loaded, assignments=assignments, min_visits=min_visits, label=label))
    return results


def slot_results(slots: pl.LazyFrame) -> dict[str, pl.DataFrame]:
    return {"t3_results": t3_cells(slots, snapshot_times(slots))}


def answer_results(answers: pl.LazyFrame) -> dict[str, pl.DataFrame]:
    return {"nps_results": nps_cells(answers)}


def assignment_results(assignments: pl.LazyFrame, *, visits: pl.LazyFrame | None = None) -> dict[str, pl.DataFrame]:
    """The named-provider cells: list sizes from the assignments, and with the ``visits`` (the visits table's
    extracts, in the same service-type scope and with the same label as every visit aggregate) the known-provider
    share.

    The visits stay lazy here, not read into memory as :func:`scoped_visits` reads them for the visits' many
    aggregates: the named-provider cells read a few of their columns, and a recomputation with visits computes
    these cells with the visits' aggregates instead (:data:`pipeline.recompute.COMPUTED_WITH`).
    """
    if visits is None:
        return named_provider_results(assignments, visits=None)
    scoped = in_service_scope(visits, service_types=DEFAULT_SERVICE_TYPES)
    results = named_provider_results(assignments, visits=scoped)
    if "named_provider_results" in results:
        label = scope_column(scoped, service_types=DEFAULT_SERVICE_TYPES)
        results["named_provider_results"] = results["named_provider_results"].with_columns(label)
    return results


#: Which aggregates each extract table feeds, keyed by result-table name.
RESULTS_BY_TABLE: dict[str, Callable[..., dict[str, pl.DataFrame]]] = {
    "visits": visit_results,
    "appointment_slots": slot_results,
    "survey_answers": answer_results,
    "assignments": assignment_results,
}

#: The other extract tables an aggregator also reads, passed as keyword arguments of the same name (each as one
#: lazy frame of that table's committed extracts, left out when the table has none): the named-provider cells
#: need both the visits and the assignments, whichever of the two is imported.
ALSO_READS: dict[str, tuple[str, ...]] = {"visits": ("assignments",), "assignments": ("visits",)}
