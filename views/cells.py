"""Indicator cells in one tidy shape, aggregated to the period grain a chart needs, then suppressed.

Every function returns the columns ``region_code``, ``unit_id``, ``period``,
``value``, ``ci_low``, ``ci_high``, ``n``, ``suppressed`` and ``suppressed_by``
(which rule hid the cell: 'primary', 'secondary', null when shown): the shape
the chart builders and the exports read. Aggregating over months re-derives the
statistic from summed counts (never an average of shares), so a year's share
is the share of that year's visits. Suppression runs last, on the counts that
decide it, through :func:`metrics.privacy.suppress_small_counts`: the
denominator n, and for the access shares also the visits within the limit and
those outside it (a share of 1/12 or 11/12 would otherwise tell a count under
the threshold), then secondary suppression of the parts of every shown total.

Grains: ``month`` ('2025-03'), ``quarter`` ('2025Q1'), ``year`` ('2025').
Continuity is stored per year (all levels) and per quarter (counties and the
country), so a monthly request for it is served quarterly. T3 is a snapshot
measure (THL's convention by default: a book that cannot give a time counts as
182 days; ``t3_open_books`` leaves such books out): a month's value is the mean of that month's measurements of the
median across books, a quarter's or year's value the median of them.

Age groups (``age_group``, :data:`metrics.age_groups.AGE_GROUPS`): the access
and continuity cells of one group come from the age tables (counties and the
country only; continuity yearly) and are suppressed like the others; the age
groups are parts of the all-ages cell (access in the linked step, continuity in
:func:`_linked_continuity_ages`), so a hidden group does not come back from the
all-ages figure minus the shown groups.

THL's published series (:attr:`Indicator.published`) are yearly whatever the
grain asked for, have no interval and no count of ours, and are not
suppressed here: Sotkanet publishes only what its own disclosure rules allow,
and a value it did not publish is simply absent (never filled).
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from core import columns as c
from core.codes import ALL_PROFESSIONS, ALL_UNITS, PROFESSIONS
from core.codes import WHOLE_COUNTRY as NATIONAL
from core.errors import InvalidInputError
from metrics.age_groups import AGE_GROUP, AGE_GROUPS, ALL_AGES
from metrics.privacy import (
    PRIMARY,
    SUPPRESSED_BY,
    Link,
    suppress_complements,
    suppress_linked,
    suppress_small_counts,
    suppressed_by,
)
from metrics.stats import Z95, wilson_exprs
from store.results import Level, Results
from views import kept_decisions
from views.indicators import INDICATORS, Indicator

Grain = Literal["month", "quarter", "year"]

CELL_COLUMNS = (c.REGION_CODE, c.UNIT_ID, c.PERIOD, "value", "ci_low", "ci_high", "n", c.SUPPRESSED, SUPPRESSED_BY)
_KEYS = [c.REGION_CODE, c.UNIT_ID, c.PERIOD]
EMPTY_CELLS = {
    **dict.fromkeys(_KEYS, pl.String),
    **dict.fromkeys(["value", "ci_low", "ci_high"], pl.Float64),
    "n": pl.Int64,
    c.SUPPRESSED: pl.Boolean,
    SUPPRESSED_BY: pl.String,
}


def period_key(grain: Grain) -> pl.Expr:
    """The period at ``grain`` from a stored period ('2025-03', '2025-03-03', '2025Q1' or '2025')."""
    text = pl.col(c.PERIOD)
    if grain == "year":
        return text.str.slice(0, 4)
    if grain == "month":
        return text.str.slice(0, 7)
    month = text.str.slice(5, 2).cast(pl.Int32, strict=False)
    from_month = pl.concat_str([text.str.slice(0, 4), pl.lit("Q"), ((month - 1) // 3 + 1).cast(pl.String)])
    return pl.when(text.str.contains("Q")).then(text).otherwise(from_month)


def has_age_groups(indicator: Indicator) -> bool:
    """Whether the indicator's cells can be of one age group: computed access and continuity (the appointment
    books and the survey answers carry no ages; THL publishes no age split of its series)."""
    return not indicator.published and indicator.family in ("access", "continuity")


def _profession(frame: pl.DataFrame, indicator: Indicator, profession: str) -> pl.DataFrame:
    return frame.filter(pl.col(c.PROFESSION) == (profession if indicator.by_profession else "all"))


def _access(frame: pl.DataFrame, indicator: Indicator) -> pl.DataFrame:
    frame = frame.filter(pl.col("days") == indicator.days)
    summed = frame.group_by(_KEYS).agg(pl.col("n_eligible").sum().alias("n"), pl.col("n_within").sum())
    low, high = wilson_exprs(pl.col("n_within"), pl.col("n"))
    share = pl.when(pl.col("n") > 0).then(pl.col("n_within") / pl.col("n"))
    return summed.with_columns(value=share, ci_low=low, ci_high=high)


def _continuity(frame: pl.DataFrame, indicator: Indicator, grain: Grain) -> pl.DataFrame:
    yearly = pl.col(c.PERIOD).str.len_chars() == 4
    frame = frame.filter(yearly if grain == "year" else pl.col(c.PERIOD).str.contains("Q"))
    is_coc = indicator.key == "coc"
    no_interval = pl.lit(None, pl.Float64)
    return frame.select(
        c.REGION_CODE,
        c.UNIT_ID,
        period_key(grain).alias(c.PERIOD),
        pl.col("mean_coc" if is_coc else "mean_upc").alias("value"),
        (pl.col("ci_low") if is_coc else no_interval).alias("ci_low"),
        (pl.col("ci_high") if is_coc else no_interval).alias("ci_high"),
        pl.col("n_eligible").alias("n"),
    )


def _t3(frame: pl.DataFrame, indicator: Indicator, grain: Grain) -> pl.DataFrame:
    days = pl.col(indicator.column)
    summary = days.mean() if grain == "month" else days.median()
    return (
        frame.with_columns(period_key(grain).alias(c.PERIOD))
        .group_by(_KEYS)
        .agg(
            summary.alias("value"),
            pl.lit(None, pl.Float64).alias("ci_low"),
            pl.lit(None, pl.Float64).alias("ci_high"),
            pl.col("n_books").min().alias("n"),
            pl.col("n_censored").sum(),
        )
    )


def nps_from_counts(promoters: pl.Expr, passives: pl.Expr, detractors: pl.Expr) -> dict[str, pl.Expr]:
    """NPS, its 95 % Wald interval and n from summed counts (the unweighted formula of ``metrics.satisfaction``)."""
    n = promoters + passives + detractors
    p = promoters / n
    d = detractors / n
    value = 100 * (p - d)
    se = 100 * ((p + d - (p - d) ** 2) / n).sqrt()
    defined = n > 0
    return {
        "value": pl.when(defined).then(value),
        "ci_low": pl.when(defined).then((value - Z95 * se).clip(-100.0, 100.0)),
        "ci_high": pl.when(defined).then((value + Z95 * se).clip(-100.0, 100.0)),
        "n": n,
        "promoter_share": pl.when(defined).then(p),
        "passive_share": pl.when(defined).then(passives / n),
        "detractor_share": pl.when(defined).then(d),
    }


def _nps(frame: pl.DataFrame, indicator: Indicator) -> pl.DataFrame:
    frame = frame.filter(pl.col(c.RESPONDENT) == indicator.respondent)
    summed = frame.group_by(_KEYS).agg(pl.col("promoters", "passives", "detractors").sum())
    shares = nps_from_counts(pl.col("promoters"), pl.col("passives"), pl.col("detractors"))
    return summed.select(*_KEYS, **shares)


def _published(results: Results, indicator: Indicator, level: Level) -> pl.DataFrame:
    """A Sotkanet series in the cell shape: yearly, as published (100 minus it when ``complement``)."""
    frame = results.published
    if level != "region" or frame.is_empty():
        frame = pl.DataFrame(schema={c.REGION_CODE: pl.String, c.PERIOD: pl.String, "value": pl.Float64})
    else:
        frame = frame.filter(pl.col("indicator_id") == indicator.sotkanet_id)
    value = pl.col("value").cast(pl.Float64)
    if indicator.complement:
        value = 100.0 - value
    if indicator.percent:
        value = value / 100.0
    return frame.select(
        c.REGION_CODE,
        pl.lit(ALL_UNITS).alias(c.UNIT_ID),
        pl.col(c.PERIOD).str.slice(0, 4),
        value.alias("value"),
        pl.lit(None, pl.Float64).alias("ci_low"),
        pl.lit(None, pl.Float64).alias("ci_high"),
        pl.lit(None, pl.Int64).alias("n"),
        pl.lit(value=False).alias(c.SUPPRESSED),
        pl.lit(None, pl.String).alias(SUPPRESSED_BY),
    ).sort(_KEYS)


def latest_period(cells: pl.DataFrame, period: str) -> str:
    """The latest period in ``cells`` not after the year of ``period`` (a survey every other year, a series not
    yet out for the chosen year); the latest of all when ``period`` is empty, '' when there is none."""
    periods = sorted(cells[c.PERIOD].unique().to_list()) if cells.height else []
    earlier = [item for item in periods if item[:4] <= period[:4]] if period else periods
    return earlier[-1] if earlier else ""


def indicator_cells(
    results: Results,
    indicator: Indicator,
    *,
    grain: Grain,
    profession: str = "all",
    level: Level = "region",
    threshold: int,
    age_group: str = ALL_AGES,
) -> pl.DataFrame:
    """One row per area and period at ``grain``, suppressed below ``threshold``; sorted by area and period.

    ``level`` 'region' gives the counties and the whole country (``NATIONAL``),
    'unit' the health centres. Extra columns (visits within the limit, NPS
    shares, censored T3 books) are kept and blanked with the value when a cell
    is suppressed. NPS has no profession (the surveys do not record one). ``age_group`` other than all ages:
    the cells of that group (:func:`has_age_groups` indicators only; none at the health-centre level, which
    has no age split; continuity yearly whatever the grain). Computed once per results, indicator and
    arguments: every chart of a page and every later filter change reuses the cells.
    """
    if age_group != ALL_AGES:
        if age_group not in AGE_GROUPS:
            raise InvalidInputError(f"age group must be one of {', '.join(AGE_GROUPS)}, got {age_group!r}")
        if not has_age_groups(indicator):
            raise InvalidInputError(f"{indicator.key} has no age groups: only computed access and continuity have")
    key = ("indicator_cells", indicator, grain, profession, level, threshold, age_group)
    return results.derived(
        key,
        lambda: _cells(
            results, indicator, grain=grain, profession=profession, level=level, threshold=threshold, age=age_group
        ),
    )


def _source(results: Results, indicator: Indicator, level: Level, age: str) -> pl.DataFrame:
    """The stored cells the indicator's cells are computed from: of every age, or of one age group."""
    if age == ALL_AGES:
        return results.table(indicator.table, level)
    frame = results.table(f"{indicator.family}_age_results", level)
    return frame.filter(pl.col("age_group") == age) if frame.height else frame


def _cells(
    results: Results, indicator: Indicator, *, grain: Grain, profession: str, level: Level, threshold: int, age: str
) -> pl.DataFrame:
    if grain not in ("month", "quarter", "year"):
        raise InvalidInputError(f"grain must be month, quarter or year, got {grain!r}")
    if indicator.published:
        return _published(results, indicator, level)
    frame = _source(results, indicator, level, age)
    if age != ALL_AGES and frame.is_empty():  # no ages in the extracts, or the health centres
        return pl.DataFrame(schema=EMPTY_CELLS)
    frame = _profession(frame, indicator, profession)
    if age != ALL_AGES and indicator.family == "continuity":
        grain = "year"  # stored per year only
    if indicator.family == "access":
        cells = _access(frame.with_columns(period_key(grain).alias(c.PERIOD)), indicator)
    elif indicator.family == "continuity":
        cells = _continuity(frame, indicator, grain)
    elif indicator.family == "t3":
        cells = _t3(frame, indicator, grain)
    else:
        cells = _nps(frame.with_columns(period_key(grain).alias(c.PERIOD)), indicator)
    extra = [name for name in cells.columns if name not in CELL_COLUMNS]
    cells = cells.with_columns(pl.col("n").cast(pl.Int64), pl.col("value", "ci_low", "ci_high").cast(pl.Float64))
    values = ["value", "ci_low", "ci_high", *extra]
    counts = ["n"]
    if indicator.family == "access":
        # A share also tells its numerator and its complement: both are counts of visits too.
        cells = cells.with_columns((pl.col("n") - pl.col("n_within")).alias("_n_outside"))
        counts = ["n", "n_within", "_n_outside"]
    if indicator.family in ("access", "nps") or age != ALL_AGES:
        # Months, quarters and years; health centres, counties and the country; doctors, nurses and all; the
        # wait bands and the NPS classes are published together: one linked suppression decides them all.
        # The age groups are parts of the all-ages cell: they are decided together with it too.
        linked = _linked_cells(results, indicator, level, threshold, age).filter(
            pl.col("grain") == grain,
            pl.col(c.PROFESSION) == (profession if indicator.by_profession else "all"),
        )
        flags = linked.select(*_KEYS, pl.col(c.SUPPRESSED).alias("_linked"), pl.col(SUPPRESSED_BY).alias("_by"))
        marked = cells.join(flags, on=_KEYS, how="left").with_columns(
            pl.col("_linked").fill_null(True).alias(c.SUPPRESSED),
            # a cell the linked step does not know has no counts to publish: hidden by the primary rule
            pl.when(pl.col("_linked").is_null()).then(pl.lit(PRIMARY)).otherwise(pl.col("_by")).alias(SUPPRESSED_BY),
        )
        blanked = marked.with_columns(
            pl.when(~pl.col(c.SUPPRESSED)).then(pl.col(name)).alias(name) for name in ["n", *values]
        )
        return blanked.select(*CELL_COLUMNS, *extra).sort(_KEYS)
    cells = cells.with_columns(pl.col("n").alias("_true_n"))
    suppressed = suppress_small_counts(cells, count_columns=counts, threshold=threshold, value_columns=values)
    suppressed = suppressed.with_columns(pl.col(c.SUPPRESSED).alias("_primary"))
    # The parts of a shown total (a county's health centres; the counties under the national figure)
    # must not give a suppressed part back by subtraction.
    parts_of = [c.PERIOD] if level == "region" else [c.REGION_CODE, c.PERIOD]
    secondary = suppress_complements(
        suppressed,
        by=parts_of,
        count_column="n",
        value_columns=values,
        exclude=pl.col(c.REGION_CODE) == NATIONAL,
        hidden_total="_true_n",
        threshold=threshold,
    )
    secondary = secondary.with_columns(suppressed_by(pl.col(c.SUPPRESSED), pl.col("_primary")))
    return secondary.select(*CELL_COLUMNS, *extra).sort(_KEYS)


#: The additive counts each published cell discloses, per family. The 7- and 14-day cells of an area and period
#: are shown side by side and share n, so together they disclose the visits within 7 days, in the 8-14-day band
#: and later: both are decided by all three. A store with one limit only: the visits within it and the later ones.
_COMPONENTS = {"access": ("_within", "_band", "_later"), "nps": ("promoters", "passives", "detractors")}
#: The components a hidden cell would have shown, each of which must stay at least the threshold wide whatever its
#: size (the others only when they are small): an access cell shows its visits within the days (its n is the sum of
#: every component, so at least as wide); an NPS cell shows every class. The linked step checks them by linear
#: programs over every link at once (``check_intervals``), after its group rules: for counties and the country (every
#: role's view). Not yet for the health centres (on the scale-0.03 sample a first check of every county's centres
#: took minutes, its partner search closing the cycles of empty centre-months one cell per round) nor the age groups.
_DISCLOSED: dict[str, tuple[str, ...]] = {"access": ("_within",), "nps": _COMPONENTS["nps"]}
_LINK_KEYS = [c.REGION_CODE, c.UNIT_ID, c.PROFESSION, "_respondent", "grain", c.PERIOD]
_GRAINS: tuple[Grain, ...] = ("month", "quarter", "year")
#: The professions other than doctors and nurses, in the linked step only (never published).
OTHER_PROFESSIONS = "other"


def _linked_cells(results: Results, indicator: Indicator, level: Level, threshold: int, age: str) -> pl.DataFrame:
    """The linked step's decisions for the indicator's cells: its respondents' (NPS), or one age group's."""
    if age != ALL_AGES and indicator.family == "continuity":
        return _linked_continuity_ages(results, threshold).filter(pl.col(AGE_GROUP) == age)
    if age != ALL_AGES:
        return _linked_ages(results, threshold).filter(pl.col(c.RESPONDENT) == age)
    linked = _linked(results, indicator, level, threshold)
    if indicator.family == "nps":
        linked = linked.filter(pl.col(c.RESPONDENT) == indicator.respondent)
    return linked


def _links() -> list[Link]:
    """How the published tables add up: time, place and profession (the wait bands and classes are components)."""
    month, quarter = pl.col("grain") == "month", pl.col("grain") == "quarter"
    year = pl.col(c.PERIOD).str.slice(0, 4)
    county = (pl.col(c.UNIT_ID) == ALL_UNITS) & (pl.col(c.REGION_CODE) != NATIONAL)
    return [
        Link(month, {"grain": pl.lit("quarter"), c.PERIOD: period_key("quarter")}),
        Link(month, {"grain": pl.lit("year"), c.PERIOD: year}),
        Link(quarter, {"grain": pl.lit("year"), c.PERIOD: year}),
        Link(county, {c.REGION_CODE: pl.lit(NATIONAL)}),
        Link(pl.col(c.UNIT_ID) != ALL_UNITS, {c.UNIT_ID: pl.lit(ALL_UNITS)}),
        Link(pl.col(c.PROFESSION) != ALL_PROFESSIONS, {c.PROFESSION: pl.lit(ALL_PROFESSIONS)}),
    ]


def _components(
    results: Results, family: str, level: Level, days: int | None = None, *, ages: bool = False
) -> pl.DataFrame:
    """The family's additive counts per area, profession (and respondent) and period, at every grain.

    ``ages``: the access counts per age group instead, the group in ``_respondent`` (all ages are '')."""
    if family == "access":
        frame = results.table("access_age_results" if ages else "access_results", level)
        monthly = (
            frame.group_by(c.REGION_CODE, c.UNIT_ID, c.PROFESSION, c.PERIOD, *(["age_group"] if ages else []))
            .agg(
                pl.col("n_eligible").max().alias("_n"),
                pl.col("n_within").filter(pl.col("days") == 7).first().alias("_w7"),
                pl.col("n_within").filter(pl.col("days") == 14).first().alias("_w14"),
            )
            .select(
                c.REGION_CODE,
                c.UNIT_ID,
                c.PROFESSION,
                pl.col("age_group").alias("_respondent") if ages else pl.lit("").alias("_respondent"),
                c.PERIOD,
                pl.coalesce("_w7", "_w14").alias("_within"),
                (pl.col("_w14") - pl.col("_w7")).alias("_band") if days != 7 else pl.lit(None, pl.Int64).alias("_band"),
                (pl.col("_n") - (pl.coalesce("_w14", "_w7") if days != 7 else pl.coalesce("_w7", "_w14"))).alias(
                    "_later"
                ),
            )
        )
    else:
        frame = results.table("nps_results", level)
        monthly = frame.select(
            c.REGION_CODE,
            c.UNIT_ID,
            c.PROFESSION,
            pl.col(c.RESPONDENT).alias("_respondent"),
            c.PERIOD,
            "promoters",
            "passives",
            "detractors",
        )
    return _every_grain(monthly, list(_COMPONENTS[family]))


def _every_grain(monthly: pl.DataFrame, parts: list[str]) -> pl.DataFrame:
    """Monthly additive counts (per area, profession, respondent and month) summed to every grain, with the
    other professions as cells of their own."""
    # 'other' professions are never published, but all minus doctors and nurses gives them: cells of their own in
    # the linked step (unpublished), so they are protected across months and places like the published ones.
    monthly = monthly.filter(pl.col(c.PROFESSION).is_in(PROFESSIONS))
    monthly = pl.concat([monthly, _other_professions(monthly, parts)], how="vertical_relaxed")
    return pl.concat(
        monthly.with_columns(period_key(grain).alias(c.PERIOD), pl.lit(grain).alias("grain"))
        .group_by(_LINK_KEYS)
        .agg(pl.when(pl.col(name).is_not_null().any()).then(pl.col(name).sum()).cast(pl.Int64) for name in parts)
        for grain in _GRAINS
    ).select(*_LINK_KEYS, *parts)


def _other_professions(monthly: pl.DataFrame, parts: list[str]) -> pl.DataFrame:
    """All minus doctors minus nurses, per area, respondent and month (none where a profession is missing)."""
    place = [c.REGION_CODE, c.UNIT_ID, "_respondent", c.PERIOD]
    split = monthly.filter(pl.col(c.PROFESSION) != ALL_PROFESSIONS)
    if split.is_empty():
        return monthly.clear()
    professions = split.group_by(place).agg(
        pl.len().alias("_professions"), *(pl.col(name).sum().alias(f"_s_{name}") for name in parts)
    )
    other = (
        monthly.filter(pl.col(c.PROFESSION) == ALL_PROFESSIONS)
        .join(professions.filter(pl.col("_professions") == len(PROFESSIONS) - 1), on=place)
        .with_columns(
            pl.lit(OTHER_PROFESSIONS).alias(c.PROFESSION),
            *(pl.col(name) - pl.col(f"_s_{name}") for name in parts),
        )
    )
    nests = pl.all_horizontal((pl.col(name) >= 0).fill_null(True) for name in parts)
    return other.filter(nests).select(monthly.columns)


def _linked(results: Results, indicator: Indicator, level: Level, threshold: int) -> pl.DataFrame:
    """Which cells of the indicator's family are hidden, decided together for every grain, area and profession.

    Counties and the country are decided first, from their own cells only, so every role sees the same
    county figures; a county's health centres are then decided under its fixed county cells, county by
    county, so a health centre's suppression does not depend on which other counties the viewer may see.
    """
    family = indicator.family
    # One decision for the 7- and 14-day cells: they share n, so a pattern of their own for each would let one
    # give back what the other hides (the other professions' n, for one).
    days = None
    key = ("linked_suppression", family, days, level, threshold)

    def build() -> pl.DataFrame:
        parts = list(_COMPONENTS[family])
        if level == "region":
            cells = _components(results, family, "region", days)
            decided = kept_decisions.kept(
                results, cells, family=family, threshold=threshold, keys=_LINK_KEYS, respondent="_respondent"
            )
            if decided is not None:
                return decided.rename({"_respondent": c.RESPONDENT})
            decided = suppress_linked(
                cells,
                keys=_LINK_KEYS,
                components=parts,
                links=_links(),
                threshold=threshold,
                unpublished=pl.col(c.PROFESSION) == OTHER_PROFESSIONS,
                disclosed=_DISCLOSED[family],
                check_intervals=True,
            )
        else:
            region = _linked(results, indicator, "region", threshold).rename({c.RESPONDENT: "_respondent"})
            units = _components(results, family, "unit", days)
            both = pl.concat([region.filter(pl.col(c.REGION_CODE) != NATIONAL), units], how="diagonal_relaxed")
            decided = suppress_linked(
                both,
                keys=_LINK_KEYS,
                components=parts,
                links=_links(),
                threshold=threshold,
                fixed=pl.col(c.UNIT_ID) == ALL_UNITS,
                unpublished=pl.col(c.PROFESSION) == OTHER_PROFESSIONS,
            ).filter(pl.col(c.UNIT_ID) != ALL_UNITS)
        return decided.rename({"_respondent": c.RESPONDENT})

    return results.derived(key, build)


def linked_to_keep(results: Results, threshold: int) -> pl.DataFrame:
    """The linked step's decisions for the counties' and the country's cells of every kept family, as rows of the
    store's ``linked_suppression`` (:mod:`views.kept_decisions`): decided now unless these results hold them."""
    kept: list[pl.DataFrame] = []
    for family in kept_decisions.KEPT_FAMILIES:
        indicator = next(item for item in INDICATORS.values() if item.family == family and not item.published)
        cells = _components(results, family, "region")
        if cells.is_empty():
            continue
        inputs = kept_decisions.fingerprint(cells, family=family, threshold=threshold, keys=_LINK_KEYS)
        decided = _linked(results, indicator, "region", threshold)
        kept.append(kept_decisions.to_keep(decided, family=family, threshold=threshold, inputs=inputs))
    return pl.concat(kept) if kept else pl.DataFrame(schema=kept_decisions.KEPT_SCHEMA)


def _linked_ages(results: Results, threshold: int) -> pl.DataFrame:
    """Which access cells of the age groups are hidden (counties and the country), the group in ``respondent``.

    The groups are parts of the all-ages cell (its decision fixed: :func:`_linked` made it), linked like every
    cell across time, place and profession; the visits without an age are the unpublished remainder.
    """
    key = ("linked_suppression_ages", threshold)

    def build() -> pl.DataFrame:
        all_ages = _linked(results, INDICATORS["access_7d"], "region", threshold).rename({c.RESPONDENT: "_respondent"})
        groups = _components(results, "access", "region", ages=True)
        decided = _groups_under_all_ages(all_ages, groups, list(_COMPONENTS["access"]), threshold)
        return decided.rename({"_respondent": c.RESPONDENT})

    return results.derived(key, build)


#: The other professions' cells of the linked step: never published, protected where they can be derived.
_UNPUBLISHED = pl.col(c.PROFESSION) == OTHER_PROFESSIONS


def _groups_under_all_ages(
    all_ages: pl.DataFrame, groups: pl.DataFrame, parts: list[str], threshold: int
) -> pl.DataFrame:
    """The age groups' linked decisions (``_respondent`` the group) beside the decided all-ages cells (``_respondent``
    ''): each group is a part of its all-ages cell, whose decision stays as it is, and linked like every cell."""
    both = pl.concat([all_ages, groups], how="diagonal_relaxed")
    is_all = pl.col("_respondent") == ""
    return suppress_linked(
        both,
        keys=_LINK_KEYS,
        components=parts,
        links=[*_links(), Link(~is_all, {"_respondent": pl.lit("")})],
        threshold=threshold,
        fixed=is_all,
        unpublished=_UNPUBLISHED,
    ).filter(~is_all)


#: The continuity cells the age groups are parts of: an area's all-ages cell of one year and profession.
_AREA_YEAR = [c.REGION_CODE, c.PERIOD, c.PROFESSION]


def _linked_continuity_ages(results: Results, threshold: int) -> pl.DataFrame:
    """Which continuity cells of the age groups are hidden: counties and the country, yearly, every profession.

    A group's eligible patients are counted at every area, so the counties' groups are parts of the country's
    (a lone hidden county takes the smallest other with it, as for all ages). And an area's groups add up, with
    the patients without an age (the remainder), to its all-ages cell, whose decision is fixed (made from its
    own cells, so it is the same whatever ages the data carry). Under a shown all-ages cell the hidden groups and
    the remainder hold at least the threshold (else the shown groups tell a small count), and a hidden group is
    alone only beside a remainder of at least the threshold: the remainder, derivable at no other grain (the
    groups are yearly only), is then its partner. A hidden all-ages cell is not the sum of its shown groups and a
    remainder under the threshold. County and whole-country rows only: one decision for every viewer.
    """
    key = ("linked_suppression_continuity_ages", threshold)

    def build() -> pl.DataFrame:
        yearly = pl.col(c.PERIOD).str.len_chars() == 4
        stored = results.table("continuity_age_results", "region").filter(yearly)
        small = (pl.col("n") < threshold).fill_null(True)
        cells = stored.select(*_AREA_YEAR, AGE_GROUP, pl.col("n_eligible").cast(pl.Int64).alias("n")).with_columns(
            small.alias(c.SUPPRESSED), small.alias("_primary")
        )
        parents = _all_ages_parents(results, cells, threshold)
        while True:
            before = int(cells[c.SUPPRESSED].sum())
            cells = _hide_age_partners(cells, parents, threshold)
            cells = suppress_complements(
                cells.with_columns(pl.col("n").alias("_size")),
                by=[c.PERIOD, c.PROFESSION, AGE_GROUP],
                count_column="_size",
                exclude=pl.col(c.REGION_CODE) == NATIONAL,
            ).drop("_size")
            if int(cells[c.SUPPRESSED].sum()) == before:
                break
        return cells.select(
            c.REGION_CODE,
            pl.lit(ALL_UNITS).alias(c.UNIT_ID),
            c.PROFESSION,
            AGE_GROUP,
            pl.lit("year").alias("grain"),
            c.PERIOD,
            c.SUPPRESSED,
            suppressed_by(pl.col(c.SUPPRESSED), pl.col("_primary")),
        )

    return results.derived(key, build)


def _all_ages_parents(results: Results, groups: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """Per area, year and profession of ``groups``: whether the all-ages continuity cell is hidden, and the
    remainder (its eligible patients minus the groups': those without an age)."""
    if groups.is_empty():
        return pl.DataFrame(
            schema={**dict.fromkeys(_AREA_YEAR, pl.String), "_all_hidden": pl.Boolean, "_rest": pl.Int64}
        )
    decided = pl.concat(
        indicator_cells(results, INDICATORS["coc"], grain="year", profession=profession, threshold=threshold).select(
            c.REGION_CODE, c.PERIOD, pl.lit(profession).alias(c.PROFESSION), pl.col(c.SUPPRESSED).alias("_all_hidden")
        )
        for profession in sorted(groups[c.PROFESSION].unique().to_list())
    )
    everyone = (
        results.table("continuity_results", "region")
        .filter(pl.col(c.PERIOD).str.len_chars() == 4)
        .select(*_AREA_YEAR, pl.col("n_eligible").cast(pl.Int64).alias("_all_n"))
    )
    grouped = groups.group_by(_AREA_YEAR).agg(pl.col("n").sum().alias("_grouped"))
    return (
        everyone.join(decided, on=_AREA_YEAR)
        .join(grouped, on=_AREA_YEAR)
        .select(*_AREA_YEAR, "_all_hidden", (pl.col("_all_n") - pl.col("_grouped")).clip(lower_bound=0).alias("_rest"))
    )


def _hide_age_partners(cells: pl.DataFrame, parents: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """One round of the age groups' rule of :func:`_linked_continuity_ages`: in every area, year and profession
    that breaks it, the smallest shown group is hidden (one that brings the hidden ones to the threshold first)."""
    hidden = pl.col(c.SUPPRESSED)
    state = (
        cells.group_by(_AREA_YEAR)
        .agg(hidden.sum().alias("_n_hidden"), pl.col("n").filter(hidden).sum().alias("_hidden_n"))
        .join(parents, on=_AREA_YEAR)
        .with_columns((pl.col("_hidden_n") + pl.col("_rest")).alias("_left"))
    )
    told = ((pl.col("_n_hidden") > 0) | (pl.col("_rest") > 0)) & (pl.col("_left") < threshold)
    alone = (pl.col("_n_hidden") == 1) & (pl.col("_rest") < threshold)
    shown_fails = ~pl.col("_all_hidden") & (told | alone)
    hidden_fails = pl.col("_all_hidden") & (pl.col("_n_hidden") == 0) & (pl.col("_rest") < threshold)
    failing = state.filter(shown_fails | hidden_fails).select(*_AREA_YEAR, "_left")
    if failing.is_empty():
        return cells
    short = pl.col("n") < threshold - pl.col("_left")
    chosen = (
        cells.filter(~hidden)
        .join(failing, on=_AREA_YEAR)
        .sort(short, "n", AGE_GROUP)
        .group_by(_AREA_YEAR, maintain_order=True)
        .first()
        .select(*_AREA_YEAR, AGE_GROUP, pl.lit(True).alias("_chosen"))
    )
    marked = cells.join(chosen, on=[*_AREA_YEAR, AGE_GROUP], how="left", nulls_equal=True)
    return marked.with_columns((hidden | pl.col("_chosen").fill_null(False)).alias(c.SUPPRESSED)).drop("_chosen")


def national(cells: pl.DataFrame) -> pl.DataFrame:
    return cells.filter(pl.col(c.REGION_CODE) == NATIONAL)


def counties(cells: pl.DataFrame) -> pl.DataFrame:
    return cells.filter(pl.col(c.REGION_CODE) != NATIONAL)
