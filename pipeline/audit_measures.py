"""The disclosure audit's counts of the programme's other measures: age groups, remote share, heavy users, named
providers and list sizes.

What the County page's *other measures* tab and its headline cards show (:mod:`views.measures`), as counts
(:mod:`pipeline.audit_counts`) beside the indicators' of :mod:`pipeline.audit`:

* **age groups** (``group`` 0-17, 18-64, 65-74, 75+): access within 7 and 14 days (quarters and years, every
  profession) and continuity's eligible patients (years), read through :func:`views.cells.indicator_cells` as the
  trend, comparison and age-group charts ask for them; the remote share's contacts;
* **remote share** (:func:`views.measures.remote_cells`): eligible contacts and remote ones (a shown share times
  a shown n), per county and the country, quarter and year, profession, and age group (years only);
* **heavy users** (:func:`views.measures.heavy_user_cells`): patients, heavy users (share times n), and the heavy
  and other patients eligible for COC (the bars' n), per area, year and profession;
* **named providers** (:func:`views.measures.named_cells`): patients seen and those seen with a named provider
  (all professions), visits to a doctor or nurse with a named one in force and those with the named one;
* **list sizes** (:func:`views.measures.list_size_cells`, as :func:`views.measures.list_size_table` shows them):
  named providers, assigned patients and the providers under, within and over the 200-300 guide, per kind.

Every area is a county or the country: no health centre has these measures, so every role sees the same of
them. Relations, each used only where it holds exactly on the true counts (:mod:`pipeline.audit` checks):

* time: quarters sum to the year (remote share, access by age group; nothing monthly is shown by age group);
* place: the counties sum to the country;
* profession: doctors + nurses + other professions (never shown) = all (remote contacts; access by age group
  through the indicators' relations);
* age: the four groups + the visits or patients without an age (``unknown``, never shown) = all ages. The
  remainder is a count of its own, at least 0: the relation is an equation with it, and the groups' sum is
  thereby an upper bound an attacker uses. The all-ages access and continuity counts are the indicators' own
  (the same key): the age groups' cells and the indicator cells are one table to an attacker;
* parts of a whole: remote + not remote = eligible contacts; heavy users + the others = patients, each split
  into those eligible for COC and not; the eligible heavy and other patients = continuity's eligible patients
  (the COC cell's n); patients seen with a named provider + without = patients seen, and the heavy-user
  table's patients = the named-provider table's; visits with the named provider + with another = visits
  covered; the guide bands = the named providers.

Not modelled (see ``docs/decisions/0006-disclosure-audit.md``): the shares without their counts (heavy users'
share of visits), means and medians (mean COC of the groups, the median list size), and the measures' months,
which no page shows.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import polars as pl

from core import columns as c
from core.codes import ALL_UNITS, PROFESSIONS
from metrics.age_groups import AGE_GROUP, AGE_GROUPS, ALL_AGES, UNKNOWN_AGE
from pipeline.audit_counts import (
    ALL_AGES_GROUP,
    EDGE_SCHEMA,
    KEY_COLUMNS,
    KEY_SCHEMA,
    OTHER,
    WHERE,
    access_counts,
    edges_to,
    fixed_edges,
    long_counts,
    summed_access,
)
from store.results import Results
from views.cells import Grain, has_age_groups, indicator_cells, period_key
from views.indicators import INDICATORS, Indicator
from views.measures import heavy_user_cells, list_size_cells, named_cells, remote_cells

Tables = Mapping[str, pl.DataFrame]

#: The grains the age groups and the remote share are shown at (no page shows them by month).
AGE_GRAINS: tuple[Grain, ...] = ("quarter", "year")
CONTINUITY = "continuity.patients"
"""Continuity's eligible patients (the indicators' measure of the same name)."""
ACCESS_BASE = ("access.eligible7", "access.eligible14", "access.within7", "access.within14")

REMOTE_ELIGIBLE, REMOTE, NOT_REMOTE = "remote.eligible", "remote.remote", "remote.not_remote"
HEAVY_PATIENTS, HEAVY, NOT_HEAVY = "heavy.patients", "heavy.heavy", "heavy.not_heavy"
HEAVY_ELIGIBLE, HEAVY_NOT_ELIGIBLE = "heavy.heavy_eligible", "heavy.heavy_not_eligible"
OTHER_ELIGIBLE, OTHER_NOT_ELIGIBLE = "heavy.other_eligible", "heavy.other_not_eligible"
NAMED_PATIENTS, NAMED_ASSIGNED, NAMED_UNASSIGNED = "named.patients", "named.assigned", "named.unassigned"
NAMED_COVERED, NAMED_SEEN, NAMED_NOT_SEEN = "named.covered", "named.with_named", "named.with_other"
LIST_PROVIDERS, LIST_ASSIGNED = "lists.providers", "lists.assigned"
LIST_BANDS = {"n_below_guide": "lists.below", "n_within_guide": "lists.within", "n_above_guide": "lists.above"}

#: The measures' counts that add up over quarters, over counties, over professions and over age groups (the
#: counts derived from them follow through their own relations).
TIME_ADDITIVE = (REMOTE_ELIGIBLE, REMOTE)
PLACE_ADDITIVE = (
    REMOTE_ELIGIBLE,
    REMOTE,
    HEAVY_PATIENTS,
    HEAVY,
    HEAVY_ELIGIBLE,
    OTHER_ELIGIBLE,
    NAMED_PATIENTS,
    NAMED_ASSIGNED,
    NAMED_COVERED,
    NAMED_SEEN,
    LIST_PROVIDERS,
    LIST_ASSIGNED,
    *LIST_BANDS.values(),
)
PROFESSION_ADDITIVE = (REMOTE_ELIGIBLE, REMOTE)
AGE_ADDITIVE = (*ACCESS_BASE, CONTINUITY, REMOTE_ELIGIBLE, REMOTE)
#: The named providers' counts each view shows, by profession: patients of every profession, visits to a
#: doctor or a nurse (the chart's profession).
_NAMED_PROFESSIONS = {"named_coverage": ("all",), "known_provider": ("doctor", "nurse")}


def _group(column: str = AGE_GROUP) -> pl.Expr:
    """A stored age group as a count's ``group``: all ages are ''."""
    return pl.when(pl.col(column) == ALL_AGES).then(pl.lit(ALL_AGES_GROUP)).otherwise(pl.col(column)).alias("group")


def _with_unknown(groups: pl.DataFrame, everyone: pl.DataFrame, keys: list[str], counts: list[str]) -> pl.DataFrame:
    """``groups`` (a ``group`` column) and the remainder without an age: ``everyone`` minus the groups' sum, where
    that is not negative (a remainder under 0 means the groups overlap: no remainder, no relation)."""
    if groups.is_empty():
        return groups
    summed = groups.group_by(keys).agg(pl.col(counts).sum().name.suffix("_groups"))
    rest = everyone.join(summed, on=keys, how="left").select(
        *keys,
        pl.lit(UNKNOWN_AGE).alias("group"),
        *((pl.col(name) - pl.col(f"{name}_groups").fill_null(0)).alias(name) for name in counts),
    )
    rest = rest.with_columns(pl.when(pl.col(name) >= 0).then(pl.col(name)).alias(name) for name in counts)
    return pl.concat([groups, rest.select(groups.columns)], how="vertical_relaxed")


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema={**KEY_SCHEMA, "value": pl.Int64})


# ---------------------------------------------------------------------------------------------------------------
# True counts, from the unsuppressed stored tables


def measure_truth(results: Results, tables: Tables) -> pl.DataFrame:
    """Every count of the other measures, from the stored (unsuppressed) tables: :data:`KEY_COLUMNS` and ``value``."""
    parts = [
        _access_by_age(results),
        _continuity_by_age(results),
        _remote(tables),
        _heavy_users(tables),
        _named_providers(tables),
        _list_sizes(tables),
    ]
    kept = [part.select(*KEY_COLUMNS, "value") for part in parts if part.height]
    return pl.concat(kept) if kept else _empty()


def _access_by_age(results: Results) -> pl.DataFrame:
    stored = results.table("access_age_results", "region")
    if stored.is_empty():
        return _empty()
    everyone_stored = results.table("access_results", "region")
    parts = []
    keys = [c.REGION_CODE, c.UNIT_ID, c.PROFESSION, c.PERIOD]
    for grain in AGE_GRAINS:
        groups, limits = summed_access(stored, grain, by=[AGE_GROUP])
        everyone, _ = summed_access(everyone_stored, grain)
        counts = [f"{name}{days}" for days in limits for name in ("eligible", "within")]
        groups = groups.rename({AGE_GROUP: "group"}).select(*keys, "group", *counts)
        parts.append(access_counts(_with_unknown(groups, everyone, keys, counts), limits))
    return pl.concat(parts)


def _continuity_by_age(results: Results) -> pl.DataFrame:
    yearly = pl.col(c.PERIOD).str.len_chars() == 4
    stored = results.table("continuity_age_results", "region")
    if stored.is_empty():
        return _empty()
    keys = [c.REGION_CODE, c.UNIT_ID, c.PROFESSION, c.PERIOD]
    groups = stored.filter(yearly).select(*keys, pl.col(AGE_GROUP).alias("group"), "n_eligible")
    everyone = results.table("continuity_results", "region").filter(yearly).select(*keys, "n_eligible")
    both = _with_unknown(groups, everyone, keys, ["n_eligible"])
    return long_counts(_renamed(both), {"n_eligible": CONTINUITY}, WHERE)


def _renamed(frame: pl.DataFrame) -> pl.DataFrame:
    names = {c.REGION_CODE: "region", c.UNIT_ID: "unit", c.PROFESSION: "profession", c.PERIOD: "period"}
    return frame.rename({old: new for old, new in names.items() if old in frame.columns})


def _remote(tables: Tables) -> pl.DataFrame:
    stored = tables.get("remote_results", pl.DataFrame())
    if stored.is_empty():
        return _empty()
    stored = stored.filter(pl.col(c.UNIT_ID) == ALL_UNITS)
    keys = [c.REGION_CODE, c.UNIT_ID, c.PROFESSION, c.PERIOD]
    counts = ["n_eligible", "n_remote"]
    parts = []
    for grain in AGE_GRAINS:
        summed = (
            stored.with_columns(period_key(grain).alias(c.PERIOD))
            .group_by(*keys, AGE_GROUP)
            .agg(pl.col(counts).sum())
            .with_columns(_group())
        )
        everyone = summed.filter(pl.col("group") == ALL_AGES_GROUP).select(*keys, *counts)
        groups = summed.filter(pl.col("group") != ALL_AGES_GROUP).select(*keys, "group", *counts)
        every = pl.concat(
            [
                everyone.with_columns(pl.lit(ALL_AGES_GROUP).alias("group")).select(*keys, "group", *counts),
                _with_unknown(groups, everyone, keys, counts),
            ]
        ).with_columns((pl.col("n_eligible") - pl.col("n_remote")).alias("n_not_remote"))
        measures = {"n_eligible": REMOTE_ELIGIBLE, "n_remote": REMOTE, "n_not_remote": NOT_REMOTE}
        parts.append(long_counts(_renamed(every), measures, WHERE))
    return pl.concat(parts).filter(pl.col("value") >= 0)


def _heavy_users(tables: Tables) -> pl.DataFrame:
    stored = tables.get("heavy_user_results", pl.DataFrame())
    if stored.is_empty():
        return _empty()
    counts = stored.filter(pl.col(c.UNIT_ID) == ALL_UNITS).with_columns(
        (pl.col("n_patients") - pl.col("n_heavy")).alias("_not_heavy"),
        (pl.col("n_heavy") - pl.col("heavy_n_eligible")).alias("_heavy_not_eligible"),
        (pl.col("n_patients") - pl.col("n_heavy") - pl.col("other_n_eligible")).alias("_other_not_eligible"),
    )
    measures = {
        "n_patients": HEAVY_PATIENTS,
        "n_heavy": HEAVY,
        "_not_heavy": NOT_HEAVY,
        "heavy_n_eligible": HEAVY_ELIGIBLE,
        "_heavy_not_eligible": HEAVY_NOT_ELIGIBLE,
        "other_n_eligible": OTHER_ELIGIBLE,
        "_other_not_eligible": OTHER_NOT_ELIGIBLE,
    }
    return long_counts(_renamed(counts), measures, WHERE).filter(pl.col("value") >= 0)


def _named_providers(tables: Tables) -> pl.DataFrame:
    stored = tables.get("named_provider_results", pl.DataFrame())
    if stored.is_empty():
        return _empty()
    stored = stored.filter(pl.col(c.UNIT_ID) == ALL_UNITS)
    patients = stored.filter(pl.col(c.PROFESSION).is_in(_NAMED_PROFESSIONS["named_coverage"])).with_columns(
        (pl.col("n_patients") - pl.col("n_patients_assigned")).alias("_unassigned")
    )
    visits = stored.filter(pl.col(c.PROFESSION).is_in(_NAMED_PROFESSIONS["known_provider"])).with_columns(
        (pl.col("n_covered") - pl.col("n_named")).alias("_other")
    )
    both = pl.concat(
        [
            long_counts(
                _renamed(patients),
                {"n_patients": NAMED_PATIENTS, "n_patients_assigned": NAMED_ASSIGNED, "_unassigned": NAMED_UNASSIGNED},
                WHERE,
            ),
            long_counts(
                _renamed(visits), {"n_covered": NAMED_COVERED, "n_named": NAMED_SEEN, "_other": NAMED_NOT_SEEN}, WHERE
            ),
        ]
    )
    return both.filter(pl.col("value") >= 0)


def _list_sizes(tables: Tables) -> pl.DataFrame:
    stored = tables.get("list_size_results", pl.DataFrame())
    if stored.is_empty():
        return _empty()
    lists = stored.filter(pl.col(c.UNIT_ID) == ALL_UNITS).with_columns(pl.col("provider_kind").alias(c.PROFESSION))
    measures = {"n_providers": LIST_PROVIDERS, "n_assigned": LIST_ASSIGNED, **LIST_BANDS}
    return long_counts(_renamed(lists), measures, WHERE)


# ---------------------------------------------------------------------------------------------------------------
# What the pages show


def age_group_cells(results: Results, *, threshold: int) -> Iterator[tuple[Indicator, str, str, pl.DataFrame]]:
    """(indicator, profession, age group, cells) of every age group's indicator cells a page shows: access at
    quarters and years (the trends, the comparison, the age-group chart and the over-75s' card), continuity yearly."""
    if not results.has_ages:
        return
    for indicator in INDICATORS.values():
        if not has_age_groups(indicator):
            continue
        grains: tuple[Grain, ...] = ("year",) if indicator.family == "continuity" else AGE_GRAINS
        professions = PROFESSIONS if indicator.by_profession else ("all",)
        for group in AGE_GROUPS:
            for grain in grains:
                for profession in professions:
                    cells = indicator_cells(
                        results, indicator, grain=grain, profession=profession, threshold=threshold, age_group=group
                    )
                    if cells.height:
                        yield indicator, profession, group, cells


def _shown_counts(
    cells: pl.DataFrame, counts: Mapping[str, pl.Expr], *, profession: pl.Expr, group: str = ALL_AGES_GROUP
) -> list[pl.DataFrame]:
    """One frame per count (``counts``: measure -> its value in ``cells``): :data:`KEY_COLUMNS`, ``shown`` (null
    when hidden) and ``hidden``."""
    hidden = pl.col(c.SUPPRESSED).fill_null(True)
    where = [
        pl.col(c.REGION_CODE).alias("region"),
        pl.lit(ALL_UNITS).alias("unit"),
        profession.alias("profession"),
        pl.col(c.PERIOD).alias("period"),
        pl.lit(group).alias("group"),
    ]
    return [
        cells.select(
            pl.lit(measure).alias("measure"),
            *where,
            pl.when(~hidden).then(value.cast(pl.Float64)).alias("shown"),
            (hidden | value.is_null()).alias("hidden"),
        )
        for measure, value in counts.items()
    ]


def _share_times_n() -> pl.Expr:
    """The numerator a shown share and its n give (0 when n is 0: no share is shown, but none can be)."""
    return pl.when(pl.col("n") == 0).then(pl.lit(0.0)).otherwise(pl.col("value") * pl.col("n"))


def measure_seen(results: Results, tables: Tables, *, threshold: int) -> list[pl.DataFrame]:
    """The counts the other measures' views show (and hide), as :func:`_shown_counts` frames."""
    frames: list[pl.DataFrame] = []
    if not tables.get("remote_results", pl.DataFrame()).is_empty():
        for grain in AGE_GRAINS:
            for profession in PROFESSIONS:
                # the age groups' remote share is shown by year only (:func:`views.measures.remote_trend`)
                for age in (ALL_AGES, *(AGE_GROUPS if grain == "year" else ())):
                    cells = remote_cells(
                        results, tables, grain=grain, profession=profession, threshold=threshold, age_group=age
                    )
                    group = ALL_AGES_GROUP if age == ALL_AGES else age
                    counts = {REMOTE_ELIGIBLE: pl.col("n"), REMOTE: _share_times_n()}
                    frames.extend(_shown_counts(cells, counts, profession=pl.lit(profession), group=group))
    if not tables.get("heavy_user_results", pl.DataFrame()).is_empty():
        for profession in PROFESSIONS:
            cells = heavy_user_cells(results, tables, profession=profession, threshold=threshold)
            counts = {
                HEAVY_PATIENTS: pl.col("n"),
                HEAVY: _share_times_n(),
                HEAVY_ELIGIBLE: pl.col("heavy_n_eligible"),
                OTHER_ELIGIBLE: pl.col("other_n_eligible"),
            }
            frames.extend(_shown_counts(cells, counts, profession=pl.lit(profession)))
    if not tables.get("named_provider_results", pl.DataFrame()).is_empty():
        for key, (total, part) in {
            "named_coverage": (NAMED_PATIENTS, NAMED_ASSIGNED),
            "known_provider": (NAMED_COVERED, NAMED_SEEN),
        }.items():
            for profession in _NAMED_PROFESSIONS[key]:
                cells = named_cells(results, tables, key, profession=profession, threshold=threshold)
                counts = {total: pl.col("n"), part: _share_times_n()}
                frames.extend(_shown_counts(cells, counts, profession=pl.lit(profession)))
    lists = list_size_cells(tables, threshold=threshold)
    if lists.height:
        counts = {LIST_PROVIDERS: pl.col("n_providers"), LIST_ASSIGNED: pl.col("n_assigned")}
        frames.extend(_shown_counts(lists, counts, profession=pl.col("provider_kind")))
        # a band is shown where its row is and it is not blanked (a band hidden alone reads as the suppression mark)
        for column, measure in LIST_BANDS.items():
            banded = lists.with_columns((pl.col(c.SUPPRESSED) | pl.col(column).is_null()).alias(c.SUPPRESSED))
            frames.extend(_shown_counts(banded, {measure: pl.col(column)}, profession=pl.col("provider_kind")))
    return frames


# ---------------------------------------------------------------------------------------------------------------
# Relations


def measure_edges(cells: pl.DataFrame) -> list[pl.DataFrame]:
    """The other measures' relations among ``cells`` (:data:`KEY_COLUMNS` and ``id``) as (kind, total, member)
    edges; the time and place relations are :func:`pipeline.audit.relation_terms`'s, by :data:`TIME_ADDITIVE` and
    :data:`PLACE_ADDITIVE`."""
    measure, group = pl.col("measure"), pl.col("group")
    edges = [
        edges_to(cells, measure.is_in(AGE_ADDITIVE) & (group != ALL_AGES_GROUP), {"group": pl.lit("")}, "age"),
        fixed_edges(
            cells.filter(measure.is_in(PROFESSION_ADDITIVE)),
            "all",
            ["doctor", "nurse", OTHER],
            "remote.prof",
            by="profession",
        ),
    ]
    wholes = (
        (REMOTE_ELIGIBLE, [REMOTE, NOT_REMOTE]),
        (HEAVY_PATIENTS, [HEAVY, NOT_HEAVY]),
        (HEAVY, [HEAVY_ELIGIBLE, HEAVY_NOT_ELIGIBLE]),
        (NOT_HEAVY, [OTHER_ELIGIBLE, OTHER_NOT_ELIGIBLE]),
        (CONTINUITY, [HEAVY_ELIGIBLE, OTHER_ELIGIBLE]),
        (HEAVY_PATIENTS, [NAMED_PATIENTS]),
        (NAMED_PATIENTS, [NAMED_ASSIGNED, NAMED_UNASSIGNED]),
        (NAMED_COVERED, [NAMED_SEEN, NAMED_NOT_SEEN]),
        (LIST_PROVIDERS, list(LIST_BANDS.values())),
    )
    for total, members in wholes:
        names = [total, *members]
        edges.append(fixed_edges(cells.filter(measure.is_in(names)), total, members, "=".join(names), by="measure"))
    return [edge if edge.height else pl.DataFrame(schema=EDGE_SCHEMA) for edge in edges]
