"""County: trends of the four families with legal limits and targets, units, T3, COC distribution, NPS."""

from __future__ import annotations

import datetime as dt

import polars as pl

from charts.builders import Reference, binned_bars, grouped_bars, ranked_dot_plot, share_bars, trend_chart
from charts.theme import MUTED, OKABE_ITO
from core import columns as c
from i18n import t
from metrics.care_guarantee import legal_limit_days
from metrics.continuity import continuity_indices
from metrics.privacy import suppress_small_counts
from store.aggregates import NATIONAL
from views.cells import indicator_cells
from views.common import ChartView, area_label, chart_text, filters_line, labelled
from views.indicators import INDICATORS, Indicator
from views.results import Results
from views.state import ALL_REGIONS, ViewState
from views.targets import target_references

TREND_INDICATORS = ("access_7d", "access_14d", "t3", "coc", "nps", "enps")
ADULT_AGE = 30
YOUTH_AGE = 20
COC_BINS = 10


def area_of(state: ViewState) -> str:
    return NATIONAL if state.region == ALL_REGIONS else state.region


def legal_references(indicator: Indicator, state: ViewState) -> list[Reference]:
    """T3 against the care-guarantee limit in force at the end of the chosen year (adults and under-23s)."""
    if indicator.family != "t3" or not state.period.isdigit():
        return []
    on = dt.date(int(state.period), 12, 31)
    limits = {legal_limit_days(on, age=YOUTH_AGE), legal_limit_days(on, age=ADULT_AGE)}
    return [
        Reference(float(days), t("county.legal_limit", state.lang, days=days), kind="legal")
        for days in sorted(limits)
        if days <= 30  # the three-month adult limit would flatten the chart; the Methods page lists it
    ]


def trend(
    results: Results,
    state: ViewState,
    key: str,
    *,
    threshold: int,
) -> ChartView:
    """The area's quarterly line (and the whole country's, for comparison) with limits and targets."""
    indicator = INDICATORS[key]
    area = area_of(state)
    cells = indicator_cells(results, indicator, grain="quarter", profession=state.profession, threshold=threshold)
    areas = [area] if area == NATIONAL else [area, NATIONAL]
    data = labelled(cells.filter(pl.col(c.REGION_CODE).is_in(areas)), state.lang)
    text = chart_text(
        results,
        state,
        title=t(indicator.title_key, state.lang),
        subtitle=filters_line(state, period="", profession=indicator.by_profession),
        plotted=data,
        threshold=threshold,
        indicator=indicator,
    )
    figure = trend_chart(
        data,
        text,
        percent=indicator.percent,
        value_label=t(indicator.unit_key, state.lang),
        references=[*legal_references(indicator, state), *target_references(area, key, state.lang)],
    )
    return ChartView(f"county_trend_{key}", figure, data, text, key, state.region, "")


def units(results: Results, state: ViewState, key: str, *, threshold: int) -> ChartView | None:
    """Health centres of the county ranked by the indicator in the chosen year.

    None for the whole country, and for a county whose unit-level data the viewer may not see.
    """
    if state.region == ALL_REGIONS or not results.units_allowed(state.region):
        return None
    indicator = INDICATORS[key]
    cells = indicator_cells(
        results, indicator, grain="year", profession=state.profession, level="unit", threshold=threshold
    )
    data = cells.filter((pl.col(c.REGION_CODE) == state.region) & (pl.col(c.PERIOD) == state.period))
    data = data.with_columns(pl.col(c.UNIT_ID).alias("label"))
    county = indicator_cells(results, indicator, grain="year", profession=state.profession, threshold=threshold)
    county = county.filter((pl.col(c.REGION_CODE) == state.region) & (pl.col(c.PERIOD) == state.period))
    text = chart_text(
        results,
        state,
        title=t("county.units_title", state.lang, indicator=t(indicator.title_key, state.lang)),
        subtitle=filters_line(state, profession=indicator.by_profession),
        plotted=data,
        threshold=threshold,
        indicator=indicator,
    )
    references = []
    if county.height and county["value"].item() is not None:
        references.append(Reference(float(county["value"].item()), area_label(state.region, state.lang), "national"))
    figure = ranked_dot_plot(
        data,
        text,
        percent=indicator.percent,
        value_label=t(indicator.unit_key, state.lang),
        references=references,
        descending=indicator.higher_is_better,
    )
    return ChartView(f"county_units_{key}", figure, data, text, key, state.region, state.period)


def t3_by_unit(results: Results, state: ViewState, *, threshold: int) -> ChartView | None:
    """T3 per health centre and profession (doctors, nurses) in the chosen year; None as for :func:`units`."""
    if state.region == ALL_REGIONS or not results.units_allowed(state.region):
        return None
    indicator = INDICATORS["t3"]
    parts = []
    for profession in ("doctor", "nurse"):
        cells = indicator_cells(
            results, indicator, grain="year", profession=profession, level="unit", threshold=threshold
        )
        parts.append(cells.with_columns(pl.lit(t(f"profession.{profession}", state.lang)).alias("group")))
    data = (
        pl.concat(parts)
        .filter((pl.col(c.REGION_CODE) == state.region) & (pl.col(c.PERIOD) == state.period))
        .with_columns(pl.col(c.UNIT_ID).alias("label"))
    )
    text = chart_text(
        results,
        state,
        title=t("county.t3_units_title", state.lang),
        subtitle=filters_line(state, profession=False),
        plotted=data,
        threshold=threshold,
        indicator=indicator,
    )
    figure = grouped_bars(
        data, text, value_label=t("unit.days", state.lang), references=legal_references(indicator, state)
    )
    return ChartView("county_t3_units", figure, data, text, "t3", state.region, state.period)


def coc_distribution_cells(
    visits: pl.LazyFrame, *, region: str, year: str, profession: str, threshold: int, bins: int = COC_BINS
) -> pl.DataFrame:
    """Eligible patients per COC bin for one area and year; bins under ``threshold`` suppressed.

    Patient-level indices are computed here and reduced to counts at once; no identifier leaves.
    """
    frame = _year_and_profession(visits, year, profession)
    if region != NATIONAL:
        frame = frame.filter(pl.col(c.REGION_CODE) == region)
    binned = _coc_bins(frame, bins).with_columns(pl.lit(region).alias(c.REGION_CODE))
    return _distribution(binned, [region], bins, threshold).drop(c.REGION_CODE)


def coc_distributions(
    visits: pl.LazyFrame, *, year: str, profession: str, threshold: int, bins: int = COC_BINS
) -> pl.DataFrame:
    """:func:`coc_distribution_cells` for every county and the whole country at once, with ``region_code``.

    A patient's indices are computed within each county (a patient with visits in two counties
    counts in each, from that county's visits, as the county figures count them) and over the whole
    country. One pass over the year's visits serves every county a viewer may pick next.
    """
    frame = _year_and_profession(visits, year, profession)
    regional = _coc_bins(frame, bins, by_region=True)
    national = _coc_bins(frame, bins).with_columns(pl.lit(NATIONAL).alias(c.REGION_CODE))
    areas = sorted({*regional[c.REGION_CODE].to_list(), NATIONAL})
    return _distribution(pl.concat([regional, national], how="diagonal"), areas, bins, threshold)


def _year_and_profession(visits: pl.LazyFrame, year: str, profession: str) -> pl.LazyFrame:
    frame = visits.filter(pl.col(c.VISIT_AT).dt.year() == int(year))
    return frame if profession == "all" else frame.filter(pl.col(c.PROFESSION) == profession)


def _coc_bins(visits: pl.LazyFrame, bins: int, *, by_region: bool = False) -> pl.DataFrame:
    """Eligible patients per (county and) COC bin; patients whose index is null are not counted."""
    by = [c.REGION_CODE] if by_region else []
    indices = continuity_indices(visits.select(c.PATIENT_ID, c.PROFESSIONAL_ID, c.VISIT_AT, c.VISIT_ID, *by), by=by)
    keys = [*by, "bin"]
    return (
        indices.filter(pl.col("coc").is_not_null())
        .with_columns((pl.col("coc") * bins).floor().clip(0, bins - 1).cast(pl.Int32).alias("bin"))
        .group_by(keys)
        .agg(pl.len().cast(pl.Int64).alias("n"))
        .collect()
    )


def _distribution(binned: pl.DataFrame, areas: list[str], bins: int, threshold: int) -> pl.DataFrame:
    """Every bin of every area (empty bins as zero), with bounds, suppressed below ``threshold``."""
    every_bin = pl.DataFrame({c.REGION_CODE: areas}).join(
        pl.DataFrame({"bin": list(range(bins))}, schema={"bin": pl.Int32}), how="cross"
    )
    counts = every_bin.join(binned, on=[c.REGION_CODE, "bin"], how="left").with_columns(
        pl.col("n").fill_null(0),
        (pl.col("bin") / bins).alias("bin_low"),
        ((pl.col("bin") + 1) / bins).alias("bin_high"),
    )
    cells = counts.select(c.REGION_CODE, "bin_low", "bin_high", "n").sort(c.REGION_CODE, "bin_low")
    return suppress_small_counts(cells, count_columns=["n"], threshold=threshold)


def coc_distribution_view(results: Results, state: ViewState, cells: pl.DataFrame, *, threshold: int) -> ChartView:
    """The COC distribution of eligible patients (cells from :func:`coc_distribution_cells`)."""
    text = chart_text(
        results,
        state,
        title=t("county.coc_distribution_title", state.lang),
        subtitle=filters_line(state),
        plotted=cells,
        threshold=threshold,
        indicator=INDICATORS["coc"],
    )
    figure = binned_bars(
        cells, text, value_label=t("indicator.coc", state.lang), count_label=t("county.patients", state.lang)
    )
    return ChartView("county_coc_distribution", figure, cells, text, "coc", state.region, state.period)


def nps_split(results: Results, state: ViewState, *, threshold: int) -> ChartView:
    """Promoters, passives and detractors among patients and staff in the chosen year."""
    area = area_of(state)
    rows = []
    for key in ("nps", "enps"):
        cells = indicator_cells(results, INDICATORS[key], grain="year", threshold=threshold)
        own = cells.filter((pl.col(c.REGION_CODE) == area) & (pl.col(c.PERIOD) == state.period))
        rows.append(own.with_columns(pl.lit(t(f"county.respondent_{key}", state.lang)).alias("label")))
    data = pl.concat(rows)
    text = chart_text(
        results,
        state,
        title=t("county.nps_split_title", state.lang),
        subtitle=filters_line(state, profession=False),
        plotted=data,
        threshold=threshold,
    )
    parts = [
        ("promoter_share", t("county.promoters", state.lang), OKABE_ITO[2]),
        ("passive_share", t("county.passives", state.lang), MUTED),
        ("detractor_share", t("county.detractors", state.lang), OKABE_ITO[5]),
    ]
    figure = share_bars(data, text, parts=parts, value_label=t("unit.share", state.lang))
    return ChartView("county_nps_split", figure, data, text, "nps", state.region, state.period)
