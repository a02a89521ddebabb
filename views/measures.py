"""The programme's other measures on the county page: the remote share, population groups, heavy users and named
providers, each computed from the extracts (the sample, badged, until one is imported) and suppressed like the
four indicators.

Pure functions: the measure tables (:func:`store.measure_tables.read_measures`, county and whole-country rows)
and the results in, suppressed cells and chart views out. Every cell is hidden when a count it discloses (the
share's numerator, its complement, the denominator) is under the threshold, or a count a viewer derives from
them is 1 to threshold - 1; the counties under a shown national figure are never hidden alone and hold the
threshold of every such count together (:func:`place_suppression`). The heavy users' cells are hidden where the
COC cell is (their bars' n add up to its n), and decided with the named-provider coverage, whose patients are
the same count. The remote share, shown per quarter, per year, per profession and per age group, is decided for
all of them in one linked step checked by linear programs (:func:`remote_suppression`); the age groups' access
and COC are the indicator cells of :func:`views.cells.indicator_cells`, linked to their all-ages cells: the
all-ages figure minus the shown groups tells no hidden group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from charts.builders import Reference, grouped_bars, trend_chart
from core import columns as c
from core.assignments import PROVIDER_KIND
from core.codes import ALL_PROFESSIONS, ALL_UNITS, PROFESSIONS
from core.codes import WHOLE_COUNTRY as NATIONAL
from i18n import t
from i18n.format import MISSING, SUPPRESSED_MARKER, number, percent
from metrics.age_groups import AGE_GROUP, AGE_GROUPS, ALL_AGES, UNKNOWN_AGE
from metrics.heavy_users import DEFAULT_THRESHOLD as HEAVY_USER_VISITS
from metrics.privacy import Link, suppress_complements, suppress_linked, suppress_small_counts
from metrics.remote import NATIONAL_BASELINE, NATIONAL_TARGETS
from metrics.stats import wilson_exprs
from store.results import Results
from views import kept_decisions
from views.ages import age_label, age_line, joined, no_split_line
from views.caveats import Caveat, caveat_notes
from views.cells import Grain, indicator_cells, period_key
from views.common import ChartView, area_label, chart_text, filters_line
from views.indicators import INDICATORS, MEASURE_INDICATORS
from views.overview import Headline, card, with_line
from views.state import ALL_REGIONS, ViewState

Tables = Mapping[str, pl.DataFrame]
_KEYS = [c.REGION_CODE, c.PERIOD]
CELL_COLUMNS = (c.REGION_CODE, c.PERIOD, "value", "ci_low", "ci_high", "n", c.SUPPRESSED)
_EMPTY_CELLS = {
    c.REGION_CODE: pl.String,
    c.PERIOD: pl.String,
    "value": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "n": pl.Int64,
    c.SUPPRESSED: pl.Boolean,
}


def _area(state: ViewState) -> str:
    return NATIONAL if state.region == ALL_REGIONS else state.region


def _table(tables: Tables, name: str) -> pl.DataFrame:
    return tables.get(name, pl.DataFrame())


def place_suppression(
    cells: pl.DataFrame,
    *,
    by: Sequence[str],
    published: Sequence[str],
    derived: Sequence[str] = (),
    threshold: int,
) -> pl.DataFrame:
    """Which county and country cells of a yearly table are hidden: ``cells`` with the boolean ``suppressed``
    (one given is kept: those cells are hidden whatever their counts).

    ``published`` are the counts a shown cell discloses (a share's numerator, its complement, its n), ``derived``
    the counts a viewer computes from them but the page never shows (heavy users not eligible for COC: their
    number minus the bar's n). A cell is hidden first when a published count is under ``threshold``, zero
    included, or a derived one is 1 to ``threshold`` - 1 (an empty one is no secret); a null count is one the
    cell does not publish, so the caller hides a cell without its n itself. The counties are parts of
    the country (the cells sharing ``by``): under a shown country, the hidden counties are never alone, hold at
    least ``threshold`` of every published count together (so a hidden county of 0 is not pinned to 0 by the
    country minus the shown ones), and no derived count of theirs adds up to 1 to ``threshold`` - 1; a hidden
    country has a hidden county (else it is their sum). Otherwise the smallest shown county is hidden too,
    preferring one that brings every count to the threshold; with none left, the country is hidden.
    """
    keys = list(by)
    names = [*published, *derived]
    small = pl.any_horizontal((pl.col(name) < threshold).fill_null(False) for name in published)
    if derived:
        small = small | pl.any_horizontal(
            pl.col(name).is_between(1, threshold - 1).fill_null(False) for name in derived
        )
    given = pl.col(c.SUPPRESSED).fill_null(True) if c.SUPPRESSED in cells.columns else pl.lit(False)
    data = cells.with_row_index("_row").with_columns((given | small).alias("_hidden"))
    country = pl.col(c.REGION_CODE) == NATIONAL
    hidden = pl.col("_hidden")
    while True:
        parents = data.filter(country).select(
            *keys, pl.col("_hidden").alias("_country_hidden"), pl.col("_row").alias("_parent")
        )
        groups = (
            data.filter(~country)
            .group_by(keys)
            .agg(
                hidden.sum().alias("_n_hidden"),
                # a count no hidden county publishes (null: not in its table) sets no bound
                *(
                    pl.when(pl.col(name).filter(hidden).is_not_null().any())
                    .then(pl.col(name).filter(hidden).sum())
                    .alias(f"_h_{name}")
                    for name in names
                ),
            )
            .join(parents, on=keys, how="inner", nulls_equal=True)
        )
        too_small = pl.any_horizontal((pl.col(f"_h_{name}") < threshold).fill_null(False) for name in published)
        if derived:
            too_small = too_small | pl.any_horizontal(
                pl.col(f"_h_{name}").is_between(1, threshold - 1).fill_null(False) for name in derived
            )
        shown_fails = ~pl.col("_country_hidden") & (pl.col("_n_hidden") > 0) & ((pl.col("_n_hidden") == 1) | too_small)
        hidden_fails = pl.col("_country_hidden") & (pl.col("_n_hidden") == 0)
        failing = groups.filter(shown_fails | hidden_fails)
        if failing.is_empty():
            break
        covers = pl.all_horizontal(
            *((pl.col(name) + pl.col(f"_h_{name}").fill_null(0) >= threshold).fill_null(True) for name in published),
            *(
                ~(pl.col(name) + pl.col(f"_h_{name}").fill_null(0)).is_between(1, threshold - 1).fill_null(False)
                for name in derived
            ),
        )
        size = pl.sum_horizontal(pl.col(name).fill_null(0) for name in published)
        chosen = (
            data.filter(~country & ~hidden)
            .join(failing, on=keys, how="inner", nulls_equal=True)
            .sort(covers.not_(), size, "_row")
            .group_by(keys, maintain_order=True)
            .first()
        )
        stuck = failing.join(chosen.select(keys), on=keys, how="anti", nulls_equal=True)
        extra = [*chosen["_row"].to_list(), *stuck.filter(~pl.col("_country_hidden"))["_parent"].to_list()]
        if not extra:
            break
        data = data.with_columns((hidden | pl.col("_row").is_in(extra)).alias("_hidden"))
    return data.with_columns(pl.col("_hidden").alias(c.SUPPRESSED)).drop("_row", "_hidden")


def _blanked(cells: pl.DataFrame, values: Sequence[str]) -> pl.DataFrame:
    """``cells`` with ``values`` blanked where ``suppressed``."""
    return cells.with_columns(pl.when(~pl.col(c.SUPPRESSED)).then(pl.col(name)).alias(name) for name in values)


def _summed_shares(frame: pl.DataFrame, numerator: str, denominator: str, *, grain: Grain) -> pl.DataFrame:
    """A share from summed counts per county (or the country) and period at ``grain``, with its Wilson interval
    and the complement of its numerator (``_rest``), unsuppressed."""
    summed = (
        frame.filter(pl.col(c.UNIT_ID) == ALL_UNITS)
        .with_columns(period_key(grain).alias(c.PERIOD))
        .group_by(_KEYS)
        .agg(pl.col(numerator, denominator).sum())
    )
    low, high = wilson_exprs(pl.col(numerator), pl.col(denominator))
    return summed.with_columns(
        value=pl.when(pl.col(denominator) > 0).then(pl.col(numerator) / pl.col(denominator)),
        ci_low=low,
        ci_high=high,
        n=pl.col(denominator).cast(pl.Int64),
        _rest=pl.col(denominator) - pl.col(numerator),
    )


_SHARE_VALUES = ["value", "ci_low", "ci_high", "n"]
#: The counts a heavy-user cell discloses: patients, heavy users (share times n), the others, and the bars' n
#: (the heavy users and the others eligible for COC); and the ones a viewer derives from them: each group's
#: patients not eligible (heavy users minus the bar's n, for one), never shown but small ones told all the same.
_HEAVY_PUBLISHED = ("n_patients", "n_heavy", "_not_heavy", "heavy_n_eligible", "other_n_eligible")
_HEAVY_DERIVED = ("_heavy_not_eligible", "_other_not_eligible")
_HEAVY_COUNTS = (*_HEAVY_PUBLISHED, *_HEAVY_DERIVED)
#: The named-provider coverage's counts beside them: patients seen with a named provider and without one.
_COVERAGE_PUBLISHED = ("n_patients_assigned", "_unassigned")
_HEAVY_VALUES = [
    "value",
    "ci_low",
    "ci_high",
    "n",
    "visit_share",
    "heavy_mean_coc",
    "other_mean_coc",
    "n_heavy_visits",
    "n_visits",
    "n_patients",
    "n_heavy",
    "heavy_n_eligible",
    "other_n_eligible",
]


def _heavy_counts(tables: Tables, profession: str) -> pl.DataFrame:
    """The heavy-user table's county and country rows of ``profession``, with the counts they disclose."""
    frame = _table(tables, "heavy_user_results")
    if frame.is_empty():
        return pl.DataFrame(schema={**dict.fromkeys(_KEYS, pl.String), **dict.fromkeys(_HEAVY_COUNTS, pl.Int64)})
    return frame.filter(pl.col(c.PROFESSION) == profession, pl.col(c.UNIT_ID) == ALL_UNITS).with_columns(
        (pl.col("n_patients") - pl.col("n_heavy")).alias("_not_heavy"),
        (pl.col("n_heavy") - pl.col("heavy_n_eligible")).alias("_heavy_not_eligible"),
        (pl.col("n_patients") - pl.col("n_heavy") - pl.col("other_n_eligible")).alias("_other_not_eligible"),
    )


def _coc_hidden(results: Results, profession: str, threshold: int) -> pl.DataFrame:
    """Per area and year, whether the COC cell of ``profession`` is hidden: its n is the heavy users' and the
    other patients' eligible ones together."""
    coc = indicator_cells(results, INDICATORS["coc"], grain="year", profession=profession, threshold=threshold)
    return coc.select(c.REGION_CODE, c.PERIOD, pl.col(c.SUPPRESSED).alias("_coc_hidden"))


def _heavy_and_coverage(results: Results, tables: Tables, profession: str, threshold: int) -> pl.DataFrame:
    """Which heavy-user cells of ``profession`` are hidden (and, for all professions, the named-provider coverage's:
    both count the patients seen, one number in two tables, so one decision covers them): region, period,
    ``suppressed``.

    A heavy-user cell is hidden where the COC cell is (the bars' n add up to its n), and by
    :func:`place_suppression` on every count it discloses or lets a viewer derive.
    """
    heavy = _heavy_counts(tables, profession).select(
        *_KEYS, *_HEAVY_PUBLISHED, *_HEAVY_DERIVED, pl.col("n_patients").is_null().alias(c.SUPPRESSED)
    )
    published = list(_HEAVY_PUBLISHED)
    coverage = _table(tables, "named_provider_results")
    if profession == ALL_PROFESSIONS and coverage.height:
        everyone = coverage.filter(pl.col(c.PROFESSION) == ALL_PROFESSIONS)
        named = _summed_shares(everyone, "n_patients_assigned", "n_patients", grain="year").select(
            *_KEYS,
            pl.col("n_patients").alias("_named_patients"),
            "n_patients_assigned",
            pl.col("_rest").alias("_unassigned"),
        )
        heavy = heavy.join(named, on=_KEYS, how="full", coalesce=True).with_columns(
            pl.coalesce("n_patients", "_named_patients").alias("n_patients"), pl.col(c.SUPPRESSED).fill_null(False)
        )
        published += list(_COVERAGE_PUBLISHED)
    marked = heavy.join(_coc_hidden(results, profession, threshold), on=_KEYS, how="left").with_columns(
        (pl.col(c.SUPPRESSED) | pl.col("_coc_hidden").fill_null(False)).alias(c.SUPPRESSED)
    )
    decided = place_suppression(marked, by=[c.PERIOD], published=published, derived=_HEAVY_DERIVED, threshold=threshold)
    return decided.select(*_KEYS, c.SUPPRESSED)


#: The counts a remote cell discloses, as additive parts for the linked step: the remote contacts and the others.
_REMOTE_PARTS = ("_remote", "_not_remote")


def remote_cells(
    results: Results, tables: Tables, *, grain: Grain, profession: str, threshold: int, age_group: str = ALL_AGES
) -> pl.DataFrame:
    """The remote share of non-urgent contacts per county (and the country) and period, suppressed.

    One linked decision (:func:`remote_suppression`) covers every grain, profession and age group, so the
    quarterly trend, the yearly card and the age groups' chart never give a hidden cell back by subtraction. It
    decides quarters and years of all ages, and years of the age groups: no page shows the others (a month, an
    age group's quarter), whose cells are all hidden.
    """
    frame = _table(tables, "remote_results")
    if frame.is_empty():
        return pl.DataFrame(schema=_EMPTY_CELLS)
    own = frame.filter(
        pl.col(c.UNIT_ID) == ALL_UNITS, pl.col(c.PROFESSION) == profession, pl.col(AGE_GROUP) == age_group
    )
    summed = (
        own.with_columns(period_key(grain).alias(c.PERIOD)).group_by(_KEYS).agg(pl.col("n_eligible", "n_remote").sum())
    )
    low, high = wilson_exprs(pl.col("n_remote"), pl.col("n_eligible"))
    cells = summed.with_columns(
        value=pl.when(pl.col("n_eligible") > 0).then(pl.col("n_remote") / pl.col("n_eligible")),
        ci_low=low,
        ci_high=high,
        n=pl.col("n_eligible").cast(pl.Int64),
    )
    decided = remote_suppression(results, frame, threshold=threshold).filter(
        pl.col("grain") == grain, pl.col(c.PROFESSION) == profession, pl.col(AGE_GROUP) == age_group
    )
    flags = decided.select(*_KEYS, pl.col(c.SUPPRESSED).alias("_linked"))
    marked = cells.join(flags, on=_KEYS, how="left").with_columns(
        # a cell the linked step does not know (another profession) has no counts it may publish
        pl.col("_linked").fill_null(True).alias(c.SUPPRESSED)
    )
    values = ["value", "ci_low", "ci_high", "n", "n_eligible", "n_remote"]
    return (
        marked.with_columns(pl.when(~pl.col(c.SUPPRESSED)).then(pl.col(name)).alias(name) for name in values)
        .drop("_linked")
        .sort(_KEYS)
    )


def remote_suppression(results: Results, frame: pl.DataFrame, *, threshold: int) -> pl.DataFrame:
    """Which remote cells are hidden: every grain, county and the country, profession and age group at once.

    ``frame`` is the stored ``remote_results`` (months) read with ``results``. The remote contacts and the other
    eligible ones are both counts a shown share discloses, so both are the linked step's parts
    (:func:`_linked_remote`). The decision depends on the stored counts only, so it is made once per
    frame and threshold and kept with ``results`` (:meth:`store.results.Results.derived`): a new import or data set
    brings new results and never meets an old decision. The key holds the frame's id and the memo the frame itself
    (so the id is not reused while the decision is kept): a frame read apart from ``results`` is decided anew.
    """

    def build() -> tuple[pl.DataFrame, pl.DataFrame]:
        monthly = _remote_counts(frame)
        inputs = kept_decisions.fingerprint(monthly, family=REMOTE, threshold=threshold, keys=_REMOTE_MONTHS)
        rows = kept_decisions.kept_rows(results, family=REMOTE, threshold=threshold, inputs=inputs)
        if rows is not None:
            return frame, rows.rename({c.RESPONDENT: AGE_GROUP})
        return frame, _linked_remote(monthly, threshold=threshold)

    _frame, decided = results.derived(("remote_suppression", id(frame), threshold), build)
    return decided


def remote_to_keep(results: Results, frame: pl.DataFrame, *, threshold: int) -> pl.DataFrame:
    """The remote share's decisions (:func:`remote_suppression` of the stored ``remote_results`` ``frame``) as rows
    of the store's ``linked_suppression`` (:mod:`views.kept_decisions`); none when there is no remote cell."""
    monthly = _remote_counts(frame)
    if monthly.is_empty():
        return pl.DataFrame(schema=kept_decisions.KEPT_SCHEMA)
    inputs = kept_decisions.fingerprint(monthly, family=REMOTE, threshold=threshold, keys=_REMOTE_MONTHS)
    decided = remote_suppression(results, frame, threshold=threshold).rename({AGE_GROUP: c.RESPONDENT})
    return kept_decisions.to_keep(decided, family=REMOTE, threshold=threshold, inputs=inputs)


def _remote_counts(frame: pl.DataFrame) -> pl.DataFrame:
    """The linked step's monthly parts of the stored remote cells: the remote contacts and the others."""
    return frame.filter(pl.col(c.UNIT_ID) == ALL_UNITS).select(
        c.REGION_CODE,
        c.PROFESSION,
        AGE_GROUP,
        c.PERIOD,
        pl.col("n_remote").cast(pl.Int64).alias("_remote"),
        (pl.col("n_eligible") - pl.col("n_remote")).cast(pl.Int64).alias("_not_remote"),
    )


#: The remote share's cells in the linked step: area, profession (with the unpublished other professions), age
#: group, grain and period. Only quarters and years: no page shows the remote share by month.
_REMOTE_KEYS = [c.REGION_CODE, c.PROFESSION, AGE_GROUP, "grain", c.PERIOD]
_REMOTE_MONTHS = [c.REGION_CODE, c.PROFESSION, AGE_GROUP, c.PERIOD]
#: The remote share's family in the store's kept decisions (:mod:`views.kept_decisions`).
REMOTE = "remote"
_REMOTE_GRAINS: tuple[Grain, ...] = ("quarter", "year")
_OTHER_PROFESSIONS = "other"


def _remote_links(*, ages: bool) -> list[Link]:
    """How the remote cells add up: quarters to the year, counties to the country, doctors, nurses and the others
    to all professions, and (``ages``) the age groups with the contacts without an age to all ages."""
    county = pl.col(c.REGION_CODE) != NATIONAL
    links = [
        Link(pl.col("grain") == "quarter", {"grain": pl.lit("year"), c.PERIOD: pl.col(c.PERIOD).str.slice(0, 4)}),
        Link(county, {c.REGION_CODE: pl.lit(NATIONAL)}),
        Link(pl.col(c.PROFESSION) != ALL_PROFESSIONS, {c.PROFESSION: pl.lit(ALL_PROFESSIONS)}),
    ]
    if ages:
        links.append(Link(pl.col(AGE_GROUP) != ALL_AGES, {AGE_GROUP: pl.lit(ALL_AGES)}))
    return links


def _without_an_age(monthly: pl.DataFrame, parts: list[str]) -> pl.DataFrame:
    """The contacts without an age (:data:`UNKNOWN_AGE`) per area, profession and month where the month has age
    groups: all ages minus the groups (none where that is negative: the groups would overlap)."""
    place = [c.REGION_CODE, c.PROFESSION, c.PERIOD]
    groups = (
        monthly.filter(pl.col(AGE_GROUP) != ALL_AGES)
        .group_by(place)
        .agg(pl.col(name).sum().alias(f"_g_{name}") for name in parts)
    )
    return (
        monthly.filter(pl.col(AGE_GROUP) == ALL_AGES)
        .join(groups, on=place)
        .with_columns(pl.lit(UNKNOWN_AGE).alias(AGE_GROUP), *(pl.col(name) - pl.col(f"_g_{name}") for name in parts))
        .filter(pl.all_horizontal(pl.col(name) >= 0 for name in parts))
        .select(monthly.columns)
    )


def _linked_remote(monthly: pl.DataFrame, *, threshold: int) -> pl.DataFrame:
    """Which remote cells are hidden, from the monthly counts ``_remote`` and ``_not_remote`` per area,
    profession, age group and month: the keys of :data:`_REMOTE_KEYS` and ``suppressed``.

    One linked suppression (:func:`metrics.privacy.suppress_linked`) with its interval check: a viewer who combines
    every link at once (quarters, counties, professions, age groups) narrows no hidden count, the remote contacts
    and the others alike, below the threshold. The other professions (all minus doctors and nurses) are cells of
    their own, never shown. The all-ages cells are decided first, from their own counts, so they are the same
    whatever ages the data carry; then the age groups, as parts of their fixed all-ages cell (the contacts
    without an age are cells of their own, never shown: all ages minus the groups, protected like the other
    professions, so the linked step's check bounds them across every link as a viewer does).
    """
    parts = list(_REMOTE_PARTS)
    monthly = pl.concat([monthly, _without_an_age(monthly, parts)])
    place = [c.REGION_CODE, AGE_GROUP, c.PERIOD]
    split = monthly.filter(pl.col(c.PROFESSION).is_in(["doctor", "nurse"]))
    professions = split.group_by(place).agg(
        pl.len().alias("_split"), *(pl.col(name).sum().alias(f"_s_{name}") for name in parts)
    )
    other = (
        monthly.filter(pl.col(c.PROFESSION) == ALL_PROFESSIONS)
        .join(professions.filter(pl.col("_split") == 2), on=place)
        .with_columns(
            pl.lit(_OTHER_PROFESSIONS).alias(c.PROFESSION), *(pl.col(name) - pl.col(f"_s_{name}") for name in parts)
        )
        .filter(pl.all_horizontal(pl.col(name) >= 0 for name in parts))
        .select(monthly.columns)
    )
    every = pl.concat([monthly.filter(pl.col(c.PROFESSION).is_in(PROFESSIONS)), other])
    cells = pl.concat(
        every.with_columns(period_key(grain).alias(c.PERIOD), pl.lit(grain).alias("grain"))
        .group_by(_REMOTE_KEYS)
        .agg(pl.col(name).sum() for name in parts)
        for grain in _REMOTE_GRAINS
    ).select(*_REMOTE_KEYS, *parts)
    unpublished = (pl.col(c.PROFESSION) == _OTHER_PROFESSIONS) | (pl.col(AGE_GROUP) == UNKNOWN_AGE)
    is_all = pl.col(AGE_GROUP) == ALL_AGES
    everyone = suppress_linked(
        cells.filter(is_all),
        keys=_REMOTE_KEYS,
        components=parts,
        links=_remote_links(ages=False),
        threshold=threshold,
        unpublished=unpublished,
        check_intervals=True,
    )
    # the age groups are shown by year only (their quarters would cost the linked step's check minutes)
    groups = suppress_linked(
        pl.concat([everyone, cells.filter(~is_all & (pl.col("grain") == "year"))], how="diagonal_relaxed"),
        keys=_REMOTE_KEYS,
        components=parts,
        links=_remote_links(ages=True),
        threshold=threshold,
        fixed=is_all,
        unpublished=unpublished,
        check_intervals=True,
    ).filter(~is_all)
    return pl.concat([everyone, groups.select(everyone.columns)]).filter(~unpublished)


def named_cells(results: Results, tables: Tables, key: str, *, profession: str, threshold: int) -> pl.DataFrame:
    """The known-provider share (``known_provider``: visits to a doctor or nurse with a named one in force, and
    those with the named one) or the patients seen with a named provider (``named_coverage``, every profession)
    per county and year, suppressed on the share's numerator, its complement and n; the coverage is decided
    with the heavy users' cells, whose patients are the same count (:func:`_heavy_and_coverage`)."""
    frame = _table(tables, "named_provider_results")
    if frame.is_empty():
        return pl.DataFrame(schema=_EMPTY_CELLS)
    frame = frame.filter(pl.col(c.PROFESSION) == profession)
    if key == "known_provider":
        cells = _summed_shares(frame, "n_named", "n_covered", grain="year")
        decided = place_suppression(
            cells.with_columns(pl.col("n").is_null().alias(c.SUPPRESSED)),
            by=[c.PERIOD],
            published=["n_covered", "n_named", "_rest"],
            threshold=threshold,
        )
        return _blanked(decided, [*_SHARE_VALUES, "n_covered", "n_named"]).drop("_rest").sort(_KEYS)
    cells = _summed_shares(frame, "n_patients_assigned", "n_patients", grain="year")
    flags = _heavy_and_coverage(results, tables, profession, threshold)
    marked = cells.join(flags, on=_KEYS, how="left").with_columns(pl.col(c.SUPPRESSED).fill_null(True))
    return _blanked(marked, [*_SHARE_VALUES, "n_patients", "n_patients_assigned"]).drop("_rest").sort(_KEYS)


def heavy_user_cells(results: Results, tables: Tables, *, profession: str, threshold: int) -> pl.DataFrame:
    """Heavy users per county and year: their share of patients and of visits, and the mean COC of heavy users
    and of the other patients, suppressed on every count they disclose (:func:`_heavy_and_coverage`)."""
    if _table(tables, "heavy_user_results").is_empty():
        return pl.DataFrame(schema=_EMPTY_CELLS)
    cells = (
        _heavy_counts(tables, profession)
        .drop(*_HEAVY_DERIVED, "_not_heavy")
        .with_columns(
            pl.col("patient_share").alias("value"),
            pl.col("patient_ci_low").alias("ci_low"),
            pl.col("patient_ci_high").alias("ci_high"),
            pl.col("n_patients").cast(pl.Int64).alias("n"),
        )
    )
    flags = _heavy_and_coverage(results, tables, profession, threshold)
    marked = cells.join(flags, on=_KEYS, how="left").with_columns(pl.col(c.SUPPRESSED).fill_null(True))
    return _blanked(marked, _HEAVY_VALUES).sort(_KEYS)


#: The named providers' lists under, within and over the 200-300 guide, counted in professionals.
GUIDE_BANDS = ("n_below_guide", "n_within_guide", "n_above_guide")


def list_size_cells(tables: Tables, *, threshold: int) -> pl.DataFrame:
    """Named providers' list sizes per county, year and kind; a cell of fewer named providers or assigned
    patients than ``threshold`` is hidden (a list size would tell one professional's list)."""
    frame = _table(tables, "list_size_results")
    if frame.is_empty():
        return frame
    values = ["median_list_size", *GUIDE_BANDS]
    counts = ["n_providers", "n_assigned"]
    cells = suppress_small_counts(frame, count_columns=counts, threshold=threshold, value_columns=values)
    # The counties are parts of the country: the country minus the shown counties must not tell a hidden one.
    parts_of = [c.PERIOD, PROVIDER_KIND]
    country = pl.col(c.REGION_CODE) == NATIONAL
    cells = suppress_complements(
        cells.with_columns(pl.col("n_providers").alias("_size")),
        by=parts_of,
        count_column="_size",
        value_columns=[*counts, *values],
        exclude=country,
    ).drop("_size")
    # The bands count professionals and add up to the shown number of them: one band of 1 to threshold - 1
    # would tell a few professionals' list sizes, and hiding it alone would leave it as the total minus the others.
    # The counties' bands are parts of the country's too: hidden bands take another county's with them.
    small_band = pl.any_horizontal([pl.col(band).is_between(1, threshold - 1) for band in GUIDE_BANDS])
    bands = suppress_complements(
        cells.with_columns(
            (pl.col(c.SUPPRESSED) | small_band).alias(c.SUPPRESSED), pl.col("n_providers").alias("_size")
        ),
        by=parts_of,
        count_column="_size",
        value_columns=list(GUIDE_BANDS),
        exclude=country,
    )
    return cells.with_columns(bands.select(GUIDE_BANDS)).sort(c.REGION_CODE, c.PERIOD, PROVIDER_KIND)


# --- chart views ---------------------------------------------------------------------------------------------


def _county_and_country(cells: pl.DataFrame, state: ViewState) -> pl.DataFrame:
    areas = [NATIONAL] if state.region == ALL_REGIONS else [state.region, NATIONAL]
    if cells.is_empty():
        return pl.DataFrame(schema={**_EMPTY_CELLS, "label": pl.String})
    chosen = cells.filter(pl.col(c.REGION_CODE).is_in(areas))
    names = {code: area_label(code, state.lang) for code in areas}
    order = {code: index for index, code in enumerate(areas)}
    return (
        chosen.with_columns(
            pl.col(c.REGION_CODE).replace_strict(names, return_dtype=pl.String).alias("label"),
            pl.col(c.REGION_CODE).replace_strict(order, return_dtype=pl.Int64).alias("_order"),
        )
        .sort("_order", c.PERIOD)
        .drop("_order")
    )


def remote_targets(language: str) -> list[Reference]:
    """The national indicator's targets and its baseline as reference lines (003:2052-2054, 4175-4177)."""
    lines = [
        Reference(
            share,
            t("measures.remote_target", language, share=percent(share, language, digits=0), period=period),
            kind="target",
        )
        for period, share in NATIONAL_TARGETS
    ]
    year, share = NATIONAL_BASELINE
    lines.append(
        Reference(
            share,
            t("measures.remote_baseline", language, share=percent(share, language, digits=0), year=year),
            kind="national",
        )
    )
    return lines


def remote_trend(
    results: Results, tables: Tables, state: ViewState, *, threshold: int, caveats: Sequence[Caveat] = ()
) -> ChartView:
    """The quarterly remote share of the county and the country, with the national targets and baseline; the
    county's own caveats on its contact-type recording in the notes. Of all ages whatever the age group chosen
    (the groups are shown by year only, :func:`_linked_remote`), and the subtitle says so."""
    cells = remote_cells(results, tables, grain="quarter", profession=state.profession, threshold=threshold)
    plotted = _county_and_country(cells, state)
    title = t("measures.remote_title", state.lang)
    ages = (
        ""
        if state.age_group == ALL_AGES
        else t("measures.remote_quarters_all_ages", state.lang, group=age_label(state.age_group, state.lang))
    )
    text = chart_text(
        results,
        state,
        title=title,
        subtitle=joined(filters_line(state, period=t("measures.quarterly", state.lang)), ages),
        plotted=plotted,
        threshold=threshold,
    )
    figure = trend_chart(
        plotted, text, percent=True, value_label=t("unit.share", state.lang), references=remote_targets(state.lang)
    )
    data = (
        plotted.select("label", c.PERIOD, "value", "ci_low", "ci_high", "n", c.SUPPRESSED)
        if plotted.height
        else plotted
    )
    notes = caveat_notes(caveats, _area(state), "remote", state.lang)
    return ChartView(
        key="remote_share", figure=figure, data=data, text=text, region=state.region, period=state.period, notes=notes
    )


AGE_MEASURES = ("access_7d", "remote", "coc")
"""The measures shown per age group: the share within 7 days, the remote share and COC."""


def age_group_cells(results: Results, tables: Tables, state: ViewState, *, threshold: int) -> pl.DataFrame:
    """Per age group and measure (:data:`AGE_MEASURES`), per county and year, suppressed: the population groups.

    Empty when the extract carries no ages. A visit without an age is in no group. Every group's cells are
    decided together with the all-ages cells they are parts of (:func:`views.cells.indicator_cells`,
    :func:`remote_cells`), so the all-ages figure minus the shown groups never tells a hidden one.
    """
    parts = []
    remote = _table(tables, "remote_results")
    for group in AGE_GROUPS:
        for measure in AGE_MEASURES:
            if measure == "remote":
                if remote.is_empty():
                    continue
                cells = remote_cells(
                    results, tables, grain="year", profession=state.profession, threshold=threshold, age_group=group
                )
            else:
                cells = indicator_cells(
                    results,
                    INDICATORS[measure],
                    grain="year",
                    profession=state.profession,
                    threshold=threshold,
                    age_group=group,
                )
            parts.append(cells.with_columns(measure=pl.lit(measure), age_group=pl.lit(group)))
    columns = [c.REGION_CODE, c.PERIOD, "age_group", "measure", "value", "ci_low", "ci_high", "n", c.SUPPRESSED]
    parts = [part.select(columns) for part in parts if part.height]
    if not parts:
        return pl.DataFrame()
    return pl.concat(parts, how="vertical_relaxed")


def age_group_view(results: Results, tables: Tables, state: ViewState, measure: str, *, threshold: int) -> ChartView:
    """One measure by age group in the chosen year: the county beside the whole country."""
    cells = age_group_cells(results, tables, state, threshold=threshold)
    if cells.height:
        cells = cells.filter(pl.col("measure") == measure, pl.col(c.PERIOD) == state.period)
    plotted = _county_and_country(cells, state)
    scale = 1.0 if measure == "coc" else 100.0
    bars = (
        plotted.select(
            pl.col("age_group").alias("label"),
            pl.col("label").alias("group"),
            (pl.col("value") * scale).alias("value"),
            "n",
            c.SUPPRESSED,
        )
        if plotted.height
        else pl.DataFrame(
            schema={
                "label": pl.String,
                "group": pl.String,
                "value": pl.Float64,
                "n": pl.Int64,
                c.SUPPRESSED: pl.Boolean,
            }
        )
    )
    title = t(f"measures.age_title_{measure}", state.lang)
    text = chart_text(results, state, title=title, subtitle=filters_line(state), plotted=plotted, threshold=threshold)
    unit = t("unit.index", state.lang) if measure == "coc" else t("measures.percent_axis", state.lang)
    figure = grouped_bars(bars, text, value_label=unit)
    data = (
        plotted.select(pl.col("age_group"), "label", c.PERIOD, "value", "ci_low", "ci_high", "n", c.SUPPRESSED)
        if plotted.height
        else plotted
    )
    return ChartView(
        key=f"age_groups_{measure}", figure=figure, data=data, text=text, region=state.region, period=state.period
    )


def heavy_user_view(results: Results, tables: Tables, state: ViewState, *, threshold: int) -> ChartView:
    """Heavy users' continuity against the other patients' (mean COC), county and country, in the chosen year;
    their shares of patients and visits in the notes."""
    cells = heavy_user_cells(results, tables, profession=state.profession, threshold=threshold)
    if cells.height:
        cells = cells.filter(pl.col(c.PERIOD) == state.period)
    plotted = _county_and_country(cells, state)
    rows = []
    for who, column in (("heavy", "heavy_mean_coc"), ("other", "other_mean_coc")):
        if plotted.height:
            rows.append(
                plotted.select(
                    pl.lit(t(f"measures.heavy_{who}", state.lang)).alias("label"),
                    pl.col("label").alias("group"),
                    pl.col(column).alias("value"),
                    pl.col(f"{who}_n_eligible" if f"{who}_n_eligible" in plotted.columns else "n").alias("n"),
                    c.SUPPRESSED,
                )
            )
    bars = (
        pl.concat(rows)
        if rows
        else pl.DataFrame(
            schema={
                "label": pl.String,
                "group": pl.String,
                "value": pl.Float64,
                "n": pl.Int64,
                c.SUPPRESSED: pl.Boolean,
            }
        )
    )
    threshold_visits = int(cells["threshold"].max()) if cells.height else HEAVY_USER_VISITS  # type: ignore[arg-type]
    title = t("measures.heavy_title", state.lang, visits=threshold_visits)
    subtitle = joined(filters_line(state), no_split_line(state))
    text = chart_text(results, state, title=title, subtitle=subtitle, plotted=plotted, threshold=threshold)
    figure = grouped_bars(bars, text, value_label=t("measures.coc_axis", state.lang))
    notes = tuple(
        t(
            "measures.heavy_note",
            state.lang,
            area=row["label"],
            patients=percent(row["value"], state.lang),
            visits=percent(row["visit_share"], state.lang),
            visits_threshold=threshold_visits,
        )
        for row in plotted.iter_rows(named=True)
        if not row[c.SUPPRESSED]
    )
    data = (
        plotted.select(
            "label",
            c.PERIOD,
            pl.col("value").alias("patient_share"),
            "visit_share",
            "heavy_mean_coc",
            "other_mean_coc",
            "n",
            c.SUPPRESSED,
        )
        if plotted.height
        else plotted
    )
    return ChartView(
        key="heavy_users", figure=figure, data=data, text=text, region=state.region, period=state.period, notes=notes
    )


def named_provider_view(results: Results, tables: Tables, state: ViewState, *, threshold: int) -> ChartView:
    """Patients seen with a named provider, the known-provider share and COC (doctors, or the chosen profession),
    county and country, in the chosen year: COC can be high while the named doctor is seldom the one seen."""
    profession = state.profession if state.profession in ("doctor", "nurse") else "doctor"
    parts = []
    for key in ("named_coverage", "known_provider"):
        cells = named_cells(
            results, tables, key, profession=profession if key == "known_provider" else "all", threshold=threshold
        )
        if cells.height:
            parts.append(cells.select(*CELL_COLUMNS).with_columns(measure=pl.lit(key)))
    coc = indicator_cells(results, INDICATORS["coc"], grain="year", profession=profession, threshold=threshold)
    if coc.height:
        parts.append(coc.select(*CELL_COLUMNS).with_columns(measure=pl.lit("coc")))
    cells = (
        pl.concat(parts, how="vertical_relaxed").filter(pl.col(c.PERIOD) == state.period) if parts else pl.DataFrame()
    )
    plotted = _county_and_country(cells, state)
    names = {key: t(f"measures.named_{key}", state.lang) for key in ("named_coverage", "known_provider", "coc")}
    bars = (
        plotted.select(
            pl.col("measure").replace_strict(names, return_dtype=pl.String).alias("label"),
            pl.col("label").alias("group"),
            "value",
            "n",
            c.SUPPRESSED,
        )
        if plotted.height
        else pl.DataFrame(
            schema={
                "label": pl.String,
                "group": pl.String,
                "value": pl.Float64,
                "n": pl.Int64,
                c.SUPPRESSED: pl.Boolean,
            }
        )
    )
    title = t("measures.named_title", state.lang)
    text = chart_text(
        results,
        state,
        title=title,
        subtitle=joined(
            filters_line(state, profession=False), t(f"profession.{profession}", state.lang), no_split_line(state)
        ),
        plotted=plotted,
        threshold=threshold,
    )
    figure = grouped_bars(bars, text, value_label=t("measures.zero_one_axis", state.lang))
    data = (
        plotted.select("measure", "label", c.PERIOD, "value", "ci_low", "ci_high", "n", c.SUPPRESSED)
        if plotted.height
        else plotted
    )
    return ChartView(
        key="named_providers", figure=figure, data=data, text=text, region=state.region, period=state.period
    )


def list_size_table(tables: Tables, state: ViewState, *, threshold: int) -> pl.DataFrame:
    """Named providers' list sizes of the county and the country in the chosen year, against the 200-300 guide,
    as a table in the reader's language (a hidden cell reads as the suppression mark)."""
    cells = list_size_cells(tables, threshold=threshold)
    if cells.is_empty():
        return cells
    areas = [NATIONAL] if state.region == ALL_REGIONS else [state.region, NATIONAL]
    chosen = cells.filter(pl.col(c.REGION_CODE).is_in(areas), pl.col(c.PERIOD) == state.period)
    language = state.lang
    rows = []
    for row in chosen.iter_rows(named=True):
        hidden = row[c.SUPPRESSED]
        rows.append(
            {
                t("measures.list_area", language): area_label(row[c.REGION_CODE], language),
                t("measures.list_kind", language): t(f"measures.kind_{row['provider_kind']}", language),
                t("measures.list_providers", language): _shown(row["n_providers"], hidden, language, 0),
                t("measures.list_patients", language): _shown(row["n_assigned"], hidden, language, 0),
                t("measures.list_median", language): _shown(row["median_list_size"], hidden, language, 0),
                # a band hidden alone (it held a few professionals) reads as the suppression mark too
                t("measures.list_within", language): _shown(row["n_within_guide"], hidden, language, 0, banded=True),
                t("measures.list_below", language): _shown(row["n_below_guide"], hidden, language, 0, banded=True),
                t("measures.list_above", language): _shown(row["n_above_guide"], hidden, language, 0, banded=True),
            }
        )
    return pl.DataFrame(rows) if rows else pl.DataFrame()


def _shown(value: float | None, hidden: bool, language: str, digits: int, *, banded: bool = False) -> str:
    if hidden or (banded and value is None):
        return SUPPRESSED_MARKER
    return MISSING if value is None else number(value, language, digits=digits)


def _remote_target(period: str, language: str) -> str:
    """The national target of the chosen year in words ('National target 35 % (2025Q4)'), '' for other years."""
    for due, share in NATIONAL_TARGETS:
        if due[:4] == period[:4]:
            return t("measures.remote_target", language, share=percent(share, language, digits=0), period=due)
    return ""


def measure_headlines(results: Results, tables: Tables, state: ViewState, *, threshold: int) -> tuple[Headline, ...]:
    """Cards beside the four indicators: the remote share (with the year's national target), the over-75s' share
    within 7 days, heavy users' share of patients and the patients seen with a named provider; a measure the
    data cannot give (no ages, no assignments) has no card."""
    language = state.lang
    cards = []
    remote = remote_cells(
        results, tables, grain="year", profession=state.profession, threshold=threshold, age_group=state.age_group
    )
    if remote.height:
        target = _remote_target(state.period, language)
        short = t("indicator_short.remote", language)
        shown = card(remote, MEASURE_INDICATORS["remote"], state, target=target, short_title=short)
        cards.append(with_line(shown, age_line(state, INDICATORS["access_7d"])))  # the remote share has age groups
    if results.has_ages:
        cells = indicator_cells(
            results,
            INDICATORS["access_7d"],
            grain="year",
            profession=state.profession,
            threshold=threshold,
            age_group="75+",
        )
        if cells.height:
            title = t("measures.card_access_75", language)
            short = t("indicator_short.access_75", language)
            cards.append(card(cells, INDICATORS["access_7d"], state, title=title, short_title=short))
    heavy = heavy_user_cells(results, tables, profession=state.profession, threshold=threshold)
    if heavy.height:
        short = t("indicator_short.heavy_users", language)
        cards.append(
            with_line(card(heavy, MEASURE_INDICATORS["heavy_users"], state, short_title=short), no_split_line(state))
        )
    named = named_cells(results, tables, "named_coverage", profession="all", threshold=threshold)
    if named.height:
        short = t("indicator_short.named_coverage", language)
        shown = card(named, MEASURE_INDICATORS["named_coverage"], state, short_title=short)
        cards.append(with_line(shown, no_split_line(state)))
    return tuple(cards)
