"""The disclosure audit: what an attacker can deduce from every count a role sees, by linear programming.

Independent of the suppressor (it never imports :mod:`metrics.privacy`), the
audit reads what each role sees through the views the pages use
(:func:`views.cells.indicator_cells` for every computed indicator, grain,
level and profession; :func:`views.county.stored_coc_distribution` for every
area, year and profession), takes the true counts from the store's
unsuppressed aggregates, and links the cells by the relations the product
publishes them under:

* time: the months of a quarter sum to the quarter, the quarters to the year;
* place: the health centres of a county sum to the county, the counties to the country;
* profession: doctors + nurses + other professions (never shown) = all;
* wait: within 7 + the 8-14-day band = within 14; within + outside = all eligible visits;
* NPS: promoters + passives + detractors = n (a shown share times a shown n gives a class count);
* COC: the distribution's bins sum to the eligible patients.

A relation is used only where it holds exactly on the true counts (continuity's
patients are not additive over quarters or professions, for instance, so no
such relation is made). Every count a role does not see is a variable, at
least 0. For every hidden count, and every never-shown count under the
threshold, :mod:`pipeline.deduction` finds an interval at least the threshold
wide that the attacker cannot rule out, or else the exact smallest and largest
value (linear programs, SciPy's HiGHS). Counts and relations are polars frames
and sparse matrices, so a store's audit takes minutes, not hours. Findings:

* ``shown_small``: a shown count of 1 to threshold-1;
* ``recovered_small``: a hidden or never-shown count whose deducible interval holds only values 1 to threshold-1;
* ``narrow``: a hidden count whose deducible interval is narrower than the threshold;
* ``derived_narrow``: a never-shown count under the threshold (the other professions, the 8-14-day band, ...)
  whose interval is narrower than the threshold.

The reports name cells by measure, area, health centre, profession and period: never a patient or professional.
See ``docs/decisions/0006-disclosure-audit.md`` for the limits.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
import sqlalchemy as sa
from scipy import sparse

from core import columns as c
from core.access import Role
from core.codes import ALL_UNITS, PROFESSIONS
from core.codes import WHOLE_COUNTRY as NATIONAL
from pipeline import audit_measures
from pipeline.audit_counts import (
    ALL_AGES_GROUP,
    KEY_COLUMNS,
    KEY_SCHEMA,
    OTHER,
    WHERE,
    Key,
    access_counts,
    edges_to,
    fixed_edges,
    key_frame,
    long_counts,
    quarter_of,
    summed_access,
)
from pipeline.deduction import deduce_intervals
from store.audits import AuditRecord, save_audit
from store.measure_tables import read_measures
from store.results import Level, Results, load_results
from views.cells import Grain, indicator_cells, period_key
from views.county import stored_coc_distribution
from views.indicators import INDICATORS, Indicator

GRAINS: tuple[Grain, ...] = ("month", "quarter", "year")
LEVELS: tuple[Level, ...] = ("region", "unit")
COC_BINS = 10
EXAMPLES = 5
Tables = audit_measures.Tables


Relation = tuple[tuple[Key, int], ...]
"""``sum(coefficient * count) == 0`` over the terms."""

# Measures. Access counts are visits, by the wait limit in days.
ACCESS_BASE = ("access.eligible7", "access.eligible14", "access.within7", "access.within14")
ACCESS_DERIVED = ("access.outside7", "access.outside14", "access.band8_14")
CONTINUITY = "continuity.patients"
T3_BOOKS = "t3.books"
NPS_CLASSES = ("promoters", "passives", "detractors")


def nps_measure(respondent: str, part: str) -> str:
    return f"nps.{respondent}.{part}"


def coc_bin(number: int) -> str:
    return f"coc.bin{number}"


# ---------------------------------------------------------------------------------------------------------------
# Relations between the counts, numbered


def relation_terms(cells: pl.DataFrame) -> pl.DataFrame:
    """Every linear relation the product's hierarchies make between the counts in ``cells`` (columns
    :data:`KEY_COLUMNS` and ``id``): rows ``relation``, ``id``, ``coefficient`` (the total +1, its parts -1)."""
    measure, period, unit, region = pl.col("measure"), pl.col("period"), pl.col("unit"), pl.col("region")
    time_additive = measure.is_in([*ACCESS_BASE, *audit_measures.TIME_ADDITIVE]) | (
        measure.str.starts_with("nps.") & measure.str.split(".").list.last().is_in(NPS_CLASSES)
    )
    place_additive = (
        time_additive
        | (measure == CONTINUITY)
        | measure.str.starts_with("coc.bin")
        | measure.is_in(audit_measures.PLACE_ADDITIVE)
    )
    is_month = (period.str.len_chars() == 7) & (period.str.slice(4, 1) == "-")
    is_quarter = (period.str.len_chars() == 6) & (period.str.slice(4, 1) == "Q")
    edges = [
        edges_to(cells, time_additive & is_month, {"period": quarter_of(period)}, "time"),
        edges_to(cells, time_additive & is_quarter, {"period": period.str.slice(0, 4)}, "time"),
        edges_to(
            cells, place_additive & (region != NATIONAL) & (unit != ALL_UNITS), {"unit": pl.lit(ALL_UNITS)}, "place"
        ),
        edges_to(
            cells, place_additive & (region != NATIONAL) & (unit == ALL_UNITS), {"region": pl.lit(NATIONAL)}, "place"
        ),
    ]
    access = cells.filter(measure.is_in(ACCESS_BASE))
    edges.append(fixed_edges(access, "all", ["doctor", "nurse", OTHER], "profession", by="profession"))
    waits = cells.filter(measure.str.starts_with("access."))
    for total, members in (
        ("access.eligible7", ["access.within7", "access.outside7"]),
        ("access.eligible14", ["access.within14", "access.outside14"]),
        ("access.within14", ["access.within7", "access.band8_14"]),
        ("access.eligible7", ["access.eligible14"]),
    ):
        edges.append(fixed_edges(waits, total, members, f"{total}={'+'.join(members)}", by="measure"))
    for respondent in cells.filter(measure.str.starts_with("nps."))["measure"].str.split(".").list.get(1).unique():
        nps = cells.filter(measure.str.starts_with(f"nps.{respondent}."))
        parts = [nps_measure(respondent, part) for part in NPS_CLASSES]
        edges.append(fixed_edges(nps, nps_measure(respondent, "n"), parts, f"nps.{respondent}", by="measure"))
    coc = cells.filter(
        ((measure == CONTINUITY) & (unit == ALL_UNITS) & (period.str.len_chars() == 4))
        | measure.str.starts_with("coc.bin")
    )
    edges.append(fixed_edges(coc, CONTINUITY, [coc_bin(number) for number in range(COC_BINS)], "coc", by="measure"))
    edges.extend(audit_measures.measure_edges(cells))
    found = [edge.with_columns(pl.col("total", "member").cast(pl.Int64)) for edge in edges if edge.height]
    if not found:
        return pl.DataFrame(schema={"relation": pl.Int64, "id": pl.Int64, "coefficient": pl.Int64})
    every = pl.concat(found)
    numbered = every.with_columns(pl.struct("kind", "total").rank("dense").cast(pl.Int64).sub(1).alias("relation"))
    totals = numbered.select("relation", pl.col("total").alias("id"), pl.lit(1, pl.Int64).alias("coefficient")).unique()
    part_terms = numbered.select("relation", pl.col("member").alias("id"), pl.lit(-1, pl.Int64).alias("coefficient"))
    return pl.concat([totals, part_terms]).sort("relation", "id")


def build_relations(keys: Iterable[Key]) -> list[Relation]:
    """Every linear relation the product's hierarchies make between ``keys`` (checked later on the true counts)."""
    ordered = list(dict.fromkeys(keys))
    if not ordered:
        return []
    cells = key_frame(ordered).with_row_index("id").with_columns(pl.col("id").cast(pl.Int64))
    terms = relation_terms(cells)
    relations: list[Relation] = []
    for _, group in terms.group_by("relation", maintain_order=True):
        relations.append(
            tuple((ordered[index], coefficient) for index, coefficient in group.select("id", "coefficient").iter_rows())
        )
    return relations


def holds(relation: Relation, truth: Mapping[Key, int]) -> bool:
    return sum(coefficient * truth[key] for key, coefficient in relation) == 0


# ---------------------------------------------------------------------------------------------------------------
# Deduction


@dataclass(frozen=True)
class Finding:
    kind: str
    key: Key
    low: float
    high: float

    def interval(self) -> str:
        high = "∞" if math.isinf(self.high) else f"{self.high:g}"
        return f"[{self.low + 0.0:g}, {high}]"


@dataclass
class Problem:
    """What one role sees: the true counts, the shown ones, the hidden (suppressed) ones and the relations."""

    truth: dict[Key, int]
    shown: dict[Key, int]
    hidden: set[Key]
    relations: list[Relation] = field(default_factory=list)


@dataclass
class Outcome:
    seen: int = 0
    hidden: int = 0
    derived: int = 0
    relations: int = 0
    relations_not_exact: int = 0
    components: int = 0
    linear_programs: int = 0
    findings: list[Finding] = field(default_factory=list)
    intervals: dict[Key, tuple[float, float]] = field(default_factory=dict)

    def by_kind(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for finding in self.findings:
            counts[finding.kind] += 1
        return dict(sorted(counts.items()))

    def by_measure(self) -> dict[str, dict[str, int]]:
        """Findings per kind and table: the measure, with ' by age' for an age group's count."""
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for finding in self.findings:
            counts[finding.kind][_table_of(finding.key)] += 1
        return {kind: dict(sorted(measures.items())) for kind, measures in sorted(counts.items())}

    def examples(self) -> dict[str, list[Finding]]:
        """A few findings of each kind, one of each table in turn (the first of every table, then the second...)."""
        chosen: dict[str, list[Finding]] = {}
        for kind in self.by_kind():
            seen: dict[str, int] = defaultdict(int)
            ranked = []
            for finding in (finding for finding in self.findings if finding.kind == kind):
                table = _table_of(finding.key)
                ranked.append((seen[table], table, finding))
                seen[table] += 1
            chosen[kind] = [finding for _, _, finding in sorted(ranked, key=lambda item: item[:2])[:EXAMPLES]]
        return chosen


def _table_of(key: Key) -> str:
    return f"{key.measure} by age" if key.group else key.measure


def deduce(problem: Problem, *, threshold: int) -> Outcome:
    """The interval an attacker can deduce for every count the role does not see, and the findings."""
    keys = list(problem.truth)
    index = {key: number for number, key in enumerate(keys)}
    cells = key_frame(keys, problem.truth.values()).with_row_index("id").with_columns(pl.col("id").cast(pl.Int64))
    terms = [
        (number, index[key], coefficient)
        for number, relation in enumerate(problem.relations)
        if all(key in index for key, _ in relation)
        for key, coefficient in relation
    ]
    frame = pl.DataFrame(terms, schema={"relation": pl.Int64, "id": pl.Int64, "coefficient": pl.Int64}, orient="row")
    outcome = Outcome(
        relations_not_exact=sum(not all(key in index for key, _ in relation) for relation in problem.relations)
    )
    shown = np.array([key in problem.shown for key in keys], dtype=bool)
    hidden = np.array([key in problem.hidden and key not in problem.shown for key in keys], dtype=bool)
    return _deduce_frame(cells, frame, shown, hidden, threshold=threshold, outcome=outcome)


def _deduce_frame(
    cells: pl.DataFrame,
    terms: pl.DataFrame,
    shown: np.ndarray,
    hidden: np.ndarray,
    *,
    threshold: int,
    outcome: Outcome | None = None,
) -> Outcome:
    """:func:`deduce` on numbered counts (``cells``: :data:`KEY_COLUMNS`, ``value``, ``id`` = row number) and the
    relations' ``terms``; ``shown`` and ``hidden`` are masks over the rows."""
    outcome = outcome or Outcome()
    cells = cells.sort("id")
    truth = cells["value"].to_numpy().astype(float)
    size = truth.shape[0]
    exact = (
        terms.join(cells.select("id", "value"), on="id")
        .group_by("relation")
        .agg((pl.col("coefficient") * pl.col("value")).sum().alias("_sum"))
    )
    good = exact.filter(pl.col("_sum") == 0)["relation"]
    outcome.relations_not_exact += exact.height - good.len()
    outcome.relations = good.len()
    used = terms.filter(pl.col("relation").is_in(good.implode())).with_columns(
        pl.col("relation").rank("dense").cast(pl.Int64).sub(1)
    )
    matrix = sparse.csr_matrix(
        (used["coefficient"].to_numpy().astype(float), (used["relation"].to_numpy(), used["id"].to_numpy())),
        shape=(good.len(), size),
    )
    small = (truth >= 1) & (truth < threshold)
    targets = hidden | (~shown & ~hidden & small)
    found = deduce_intervals(matrix, truth, shown, targets, threshold=threshold)
    outcome.seen = int(shown.sum())
    outcome.hidden = int(hidden.sum())
    outcome.derived = size - outcome.seen - outcome.hidden
    outcome.components = found.components
    outcome.linear_programs = found.linear_programs
    rows = cells.select(*KEY_COLUMNS).rows()
    findings = []
    for number in np.flatnonzero(targets):
        key = Key(*rows[number])
        low, high = float(found.low[number]), float(found.high[number])
        outcome.intervals[key] = (low, high)
        if low >= 1 and high < threshold:
            findings.append(Finding("recovered_small", key, low, high))
        elif high - low < threshold:
            findings.append(Finding("narrow" if hidden[number] else "derived_narrow", key, low, high))
    for number in np.flatnonzero(shown & small):
        findings.append(Finding("shown_small", Key(*rows[number]), truth[number], truth[number]))
    outcome.findings = sorted(findings, key=lambda finding: (finding.kind, finding.key))
    return outcome


# ---------------------------------------------------------------------------------------------------------------
# The store: true counts and what each role sees


def true_frame(results: Results, tables: Tables | None = None, *, measures: bool = True) -> pl.DataFrame:
    """Every count the product could publish, from the store's unsuppressed aggregates (every health centre), and
    the other measures' from their ``tables`` (:func:`store.measure_tables.read_measures`; None: only the age
    groups, which ``results`` holds): :data:`KEY_COLUMNS` and ``value``. ``measures`` False: the indicators and
    the COC bins only (no age group, no other measure)."""
    keys = [
        pl.col(c.REGION_CODE).alias("region"),
        pl.col(c.UNIT_ID).alias("unit"),
        pl.col(c.PROFESSION).alias("profession"),
        pl.col(c.PERIOD).alias("period"),
    ]
    parts = []
    for level in LEVELS:
        access = results.table("access_results", level)
        for grain in GRAINS:
            summed, limits = summed_access(access, grain)
            parts.append(access_counts(summed, limits))
        continuity = results.table("continuity_results", level)
        parts.append(long_counts(continuity.select(*keys, "n_eligible"), {"n_eligible": CONTINUITY}, WHERE))
        for grain in GRAINS:
            books = (
                results.table("t3_results", level)
                .with_columns(period_key(grain).alias(c.PERIOD))
                .group_by(c.REGION_CODE, c.UNIT_ID, c.PROFESSION, c.PERIOD)
                .agg(pl.col("n_books").min())
            )
            parts.append(long_counts(books.select(*keys, "n_books"), {"n_books": T3_BOOKS}, WHERE))
            nps = (
                results.table("nps_results", level)
                .with_columns(period_key(grain).alias(c.PERIOD))
                .group_by(c.REGION_CODE, c.UNIT_ID, c.PERIOD, c.RESPONDENT)
                .agg(pl.col(*NPS_CLASSES).sum())
                .with_columns(pl.sum_horizontal(NPS_CLASSES).alias("n"))
            )
            for respondent in nps[c.RESPONDENT].unique().to_list():
                one = nps.filter(pl.col(c.RESPONDENT) == respondent).select(
                    pl.col(c.REGION_CODE).alias("region"),
                    pl.col(c.UNIT_ID).alias("unit"),
                    pl.lit("all").alias("profession"),
                    pl.col(c.PERIOD).alias("period"),
                    *NPS_CLASSES,
                    "n",
                )
                classes = {part: nps_measure(respondent, part) for part in (*NPS_CLASSES, "n")}
                parts.append(long_counts(one, classes, WHERE))
    distribution = results.coc_distribution
    if not distribution.is_empty():
        areas = results.continuity.filter(
            (pl.col(c.UNIT_ID) == ALL_UNITS) & (pl.col(c.PERIOD).str.len_chars() == 4)
        ).select(
            pl.col(c.REGION_CODE).alias("region"),
            pl.col(c.PROFESSION).alias("profession"),
            pl.col(c.PERIOD).alias("period"),
        )
        every_bin = areas.join(pl.DataFrame({"bin": list(range(COC_BINS))}, schema={"bin": pl.Int64}), how="cross")
        stored = distribution.select(
            pl.col(c.REGION_CODE).alias("region"),
            pl.col(c.PROFESSION).alias("profession"),
            pl.col(c.PERIOD).alias("period"),
            pl.col("bin").cast(pl.Int64),
            pl.col("n").cast(pl.Int64).alias("value"),
        )
        bins = pl.concat(
            [
                stored,
                every_bin.join(stored, on=["region", "profession", "period", "bin"], how="anti").with_columns(
                    pl.lit(0, pl.Int64).alias("value")
                ),
            ]
        )
        parts.append(
            bins.select(
                pl.concat_str([pl.lit("coc.bin"), pl.col("bin").cast(pl.String)]).alias("measure"),
                "region",
                pl.lit(ALL_UNITS).alias("unit"),
                "profession",
                "period",
                pl.lit(ALL_AGES_GROUP).alias("group"),
                "value",
            )
        )
    if measures:
        parts.append(audit_measures.measure_truth(results, tables or {}))
    truth = pl.concat([part.select(*KEY_COLUMNS, "value") for part in parts if part.height])
    if not measures:  # the age groups' counts come with the access and continuity tables: left out here
        truth = truth.filter(pl.col("group") == ALL_AGES_GROUP)
    return truth.unique(subset=KEY_COLUMNS, keep="first", maintain_order=True)


def true_counts(results: Results, tables: Tables | None = None) -> dict[Key, int]:
    """:func:`true_frame` as a mapping."""
    frame = true_frame(results, tables)
    return {Key(*row[:-1]): row[-1] for row in frame.iter_rows()}


def _computed_indicators() -> list[Indicator]:
    return [indicator for indicator in INDICATORS.values() if not indicator.published]


def seen_frame(
    results: Results, *, threshold: int, tables: Tables | None = None, measures: bool = True
) -> pl.DataFrame:
    """The counts the pages show to the viewer of ``results`` and the ones they hide: :data:`KEY_COLUMNS`,
    ``shown`` (the value, null when hidden) and ``hidden``; a count shown anywhere is shown. ``tables``: the
    other measures' (None: their age groups' indicator cells only); ``measures`` False: neither."""
    frames = []
    for indicator in _computed_indicators():
        professions = PROFESSIONS if indicator.by_profession else ("all",)
        for grain in GRAINS:
            for profession in professions:
                for level in LEVELS:
                    cells = indicator_cells(
                        results, indicator, grain=grain, profession=profession, level=level, threshold=threshold
                    )
                    frames.extend(_seen_cells(cells, indicator, profession))
    age_groups = audit_measures.age_group_cells(results, threshold=threshold) if measures else []
    for indicator, profession, group, cells in age_groups:
        frames.extend(_seen_cells(cells, indicator, profession, group))
    distribution = results.coc_distribution
    if not distribution.is_empty():
        for region, profession, year in distribution.select(c.REGION_CODE, c.PROFESSION, c.PERIOD).unique().iter_rows():
            bins = stored_coc_distribution(
                results, region=region, year=year, profession=profession, threshold=threshold
            )
            if bins is None or bins.is_empty():
                continue
            frames.append(
                bins.select(
                    pl.concat_str(
                        [pl.lit("coc.bin"), (pl.col("bin_low") * COC_BINS).round(0).cast(pl.Int64).cast(pl.String)]
                    ).alias("measure"),
                    pl.lit(region).alias("region"),
                    pl.lit(ALL_UNITS).alias("unit"),
                    pl.lit(profession).alias("profession"),
                    pl.lit(year).alias("period"),
                    pl.lit(ALL_AGES_GROUP).alias("group"),
                    pl.col("n").cast(pl.Float64).alias("shown"),
                    pl.col(c.SUPPRESSED).alias("hidden"),
                )
            )
    if tables and measures:
        frames.extend(audit_measures.measure_seen(results, tables, threshold=threshold))
    if not frames:
        return pl.DataFrame(schema={**KEY_SCHEMA, "shown": pl.Float64, "hidden": pl.Boolean})
    every = pl.concat(frames).with_columns(
        pl.when(~pl.col("hidden") & pl.col("shown").is_not_null()).then(pl.col("shown").round(0)).alias("shown")
    )
    return every.group_by(KEY_COLUMNS).agg(
        pl.col("shown").drop_nulls().first(), pl.col("shown").is_null().all().alias("hidden")
    )


def _seen_cells(
    cells: pl.DataFrame, indicator: Indicator, profession: str, group: str = ALL_AGES_GROUP
) -> list[pl.DataFrame]:
    family = indicator.family
    where = [
        pl.col(c.REGION_CODE).alias("region"),
        pl.col(c.UNIT_ID).alias("unit"),
        pl.lit(profession).alias("profession"),
        pl.col(c.PERIOD).alias("period"),
        pl.lit(group).alias("group"),
    ]
    hidden = pl.col(c.SUPPRESSED).fill_null(True)

    def counts(measure: str, value: pl.Expr) -> pl.DataFrame:
        return cells.select(
            pl.lit(measure).alias("measure"),
            *where,
            pl.when(~hidden).then(value.cast(pl.Float64)).alias("shown"),
            (hidden | value.is_null()).alias("hidden"),
        )

    if family == "access":
        return [
            counts(f"access.eligible{indicator.days}", pl.col("n")),
            counts(f"access.within{indicator.days}", pl.col("n_within")),
        ]
    if family == "continuity":
        return [counts(CONTINUITY, pl.col("n"))]
    if family == "t3":
        return [counts(T3_BOOKS, pl.col("n"))]
    if family == "nps":
        respondent = indicator.respondent or ""
        frames = [counts(nps_measure(respondent, "n"), pl.col("n"))]
        for part in NPS_CLASSES:
            frames.append(counts(nps_measure(respondent, part), pl.col(_share_column(part)) * pl.col("n")))
        return frames
    return []


def seen_counts(results: Results, *, threshold: int, tables: Tables | None = None) -> tuple[dict[Key, int], set[Key]]:
    """The counts the pages show to the viewer of ``results`` (``shown``) and the ones they hide (``hidden``)."""
    frame = seen_frame(results, threshold=threshold, tables=tables)
    width = len(KEY_COLUMNS)
    shown = {Key(*row[:width]): round(row[width]) for row in frame.filter(pl.col("shown").is_not_null()).iter_rows()}
    hidden = {Key(*row[:width]) for row in frame.filter(pl.col("shown").is_null()).iter_rows()}
    return shown, hidden


def _share_column(part: str) -> str:
    return {"promoters": "promoter_share", "passives": "passive_share", "detractors": "detractor_share"}[part]


# ---------------------------------------------------------------------------------------------------------------
# Roles and the report


@dataclass(frozen=True)
class RoleReport:
    role: str
    scope: str
    outcome: Outcome
    seconds: float
    store_version: str = ""
    dataset: str = ""

    def as_dict(self) -> dict[str, Any]:
        with_unit = self.role != "public"
        examples: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for kind, chosen in self.outcome.examples().items():
            for finding in chosen:
                key = finding.key
                examples[kind].append(
                    {
                        "measure": key.measure,
                        "region": key.region,
                        **({"unit": key.unit} if with_unit and key.unit else {}),
                        "profession": key.profession,
                        "period": key.period,
                        **({"age_group": key.group} if key.group else {}),
                        "interval": [finding.low + 0.0, None if math.isinf(finding.high) else finding.high + 0.0],
                    }
                )
        return {
            "role": self.role,
            "dataset": self.dataset,
            "scope": self.scope,
            "cells_seen": self.outcome.seen,
            "cells_hidden": self.outcome.hidden,
            "cells_never_shown": self.outcome.derived,
            "relations": self.outcome.relations,
            "relations_not_exact": self.outcome.relations_not_exact,
            "components": self.outcome.components,
            "linear_programs": self.outcome.linear_programs,
            "findings": len(self.outcome.findings),
            "findings_by_kind": self.outcome.by_kind(),
            "findings_by_measure": self.outcome.by_measure(),
            "examples": dict(examples),
            "seconds": round(self.seconds, 1),
        }


def role_scopes(results: Results, county: str | None) -> list[tuple[Role, str, frozenset[str] | None]]:
    regions = sorted(set(results.access[c.REGION_CODE].to_list()) - {NATIONAL})
    chosen = county or (regions[0] if regions else "")
    return [("public", "", frozenset()), ("county", chosen, frozenset({chosen})), ("analyst", "", None)]


def audit_store(
    engine: sa.Engine,
    *,
    threshold: int,
    county: str | None = None,
    roles: Sequence[str] = ("public", "county", "analyst"),
    dataset: str | None = None,
    progress: Callable[[str], None] = lambda _message: None,
    measures: bool = True,
) -> list[RoleReport]:
    """Audit every role's view of one data set of the store at ``engine`` (``dataset``; None: the one the pages
    show by default). ``measures`` False: the indicators' cells and the COC bins only, not the age groups and the
    County page's other measures (much faster while those still leak: see decision 0006's amendment)."""
    everything = load_results(engine, unit_regions=None, dataset=dataset)
    # The other measures' tables hold counties and the country only: every role sees the same of them.
    tables = read_measures(engine, everything.dataset)
    truth = (
        true_frame(everything, tables, measures=measures).with_row_index("id").with_columns(pl.col("id").cast(pl.Int64))
    )
    terms = relation_terms(truth)
    reports = []
    for role, scope, unit_regions in role_scopes(everything, county):
        if role not in roles:
            continue
        started = time.perf_counter()
        progress(f"auditing the {role} role")
        results = load_results(engine, unit_regions=unit_regions, dataset=everything.dataset)
        outcome = _audit_view(truth, terms, results, tables, unit_regions, threshold=threshold, measures=measures)
        seconds = time.perf_counter() - started
        reports.append(RoleReport(role, scope, outcome, seconds, everything.version, everything.dataset))
    return reports


def audit_results(results: Results, tables: Tables | None = None, *, threshold: int) -> Outcome:
    """The audit of the viewer of ``results`` who may see every count in them (their health centres included),
    with the other measures' ``tables``: :func:`audit_store`'s for one role, on results at hand."""
    truth = true_frame(results, tables).with_row_index("id").with_columns(pl.col("id").cast(pl.Int64))
    return _audit_view(truth, relation_terms(truth), results, tables, None, threshold=threshold)


def _audit_view(
    truth: pl.DataFrame,
    terms: pl.DataFrame,
    results: Results,
    tables: Tables | None,
    unit_regions: frozenset[str] | None,
    *,
    threshold: int,
    measures: bool = True,
) -> Outcome:
    """One role's audit: the numbered true counts and their relations (``terms``) narrowed to what a viewer of
    the health centres of ``unit_regions`` (None: all) may see, marked by what ``results`` and ``tables`` show."""
    visible = (pl.col("unit") == ALL_UNITS) | (
        pl.lit(value=True) if unit_regions is None else pl.col("region").is_in(sorted(unit_regions))
    )
    cells = truth.filter(visible)
    outside = truth.filter(~visible)["id"]
    relations = terms.filter(
        ~pl.col("relation").is_in(terms.filter(pl.col("id").is_in(outside.implode()))["relation"].unique().implode())
    )
    renumber = cells.select(pl.col("id").alias("_old")).with_row_index("id").with_columns(pl.col("id").cast(pl.Int64))
    relations = relations.join(renumber, left_on="id", right_on="_old").select(
        "relation", pl.col("id_right").alias("id"), "coefficient"
    )
    cells = cells.with_row_index("_new").drop("id").rename({"_new": "id"}).with_columns(pl.col("id").cast(pl.Int64))
    seen = seen_frame(results, threshold=threshold, tables=tables, measures=measures)
    marked = cells.join(seen, on=KEY_COLUMNS, how="left").sort("id")
    shown = marked["shown"].is_not_null().to_numpy()
    hidden = (marked["hidden"].fill_null(False) & marked["shown"].is_null()).to_numpy()
    return _deduce_frame(cells, relations, shown, hidden, threshold=threshold)


def record_audits(engine: sa.Engine, reports: Sequence[RoleReport], *, threshold: int) -> None:
    """Keep each role's summary in the store (:func:`store.audits.save_audit`), with the data set and the store version
    audited."""
    for report in reports:
        outcome = report.outcome
        save_audit(
            engine,
            AuditRecord(
                role=report.role,
                dataset=report.dataset,
                scope=report.scope,
                threshold=threshold,
                cells_seen=outcome.seen,
                cells_hidden=outcome.hidden,
                findings=len(outcome.findings),
                store_version=report.store_version,
                seconds=round(report.seconds, 1),
                ran_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                findings_by_kind=outcome.by_kind(),
            ),
        )


def format_text(reports: Sequence[RoleReport], *, threshold: int) -> str:
    audited = {report.dataset for report in reports if report.dataset}
    of = f" of the data set {', '.join(sorted(audited))}" if audited else ""
    lines = [f"disclosure audit{of}, threshold {threshold}"]
    for report in reports:
        data = report.as_dict()
        scope = f" ({report.scope})" if report.scope else ""
        lines.append(
            f"{report.role}{scope}: {data['cells_seen']:,} cells seen, {data['cells_hidden']:,} hidden, "
            f"{data['cells_never_shown']:,} never shown; {data['relations']:,} relations; "
            f"{data['findings']:,} findings ({data['seconds']} s)"
        )
        for kind, count in data["findings_by_kind"].items():
            tables = ", ".join(f"{table} {number:,}" for table, number in data["findings_by_measure"][kind].items())
            lines.append(f"  {kind}: {count:,} ({tables})")
            for example in data["examples"].get(kind, []):
                place = example["region"] + (f"/{example['unit']}" if "unit" in example else "")
                low, high = example["interval"]
                ages = f" age {example['age_group']}" if "age_group" in example else ""
                lines.append(
                    f"    e.g. {example['measure']} {place} {example['profession']} {example['period']}{ages}: "
                    f"[{low:g}, {'∞' if high is None else f'{high:g}'}]"
                )
    return "\n".join(lines)
