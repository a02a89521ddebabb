"""Overview: THL's published headline figures for the chosen area, then those computed from extracts, and every
county at a glance, benchmarked against the country as Fingertips does it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import polars as pl

from charts.builders import Reference, ranked_dot_plot, tile_map
from charts.theme import JUDGED
from core import columns as c
from core.codes import WHOLE_COUNTRY as NATIONAL
from i18n import t
from i18n.format import count, date_text
from store.results import Results
from views.ages import age_line, state_cells
from views.benchmark import COMPARISONS, Comparison, compare_with_country, with_comparison
from views.cells import counties, latest_period
from views.common import ChartView, area_label, chart_text, filters_line, labelled, sotkanet_caption
from views.indicators import (
    HEADLINES,
    INDICATORS,
    PUBLISHED_HEADLINES,
    DeltaArrow,
    DeltaColor,
    Indicator,
    delta_look,
    indicator_change,
    indicator_value,
)
from views.reported import ReportedPoint
from views.state import ALL_REGIONS, ViewState
from views.targets import headline_target


@dataclass(frozen=True)
class Headline:
    """One indicator's card for an area: its latest value and year, the country's value and the gap, the
    comparison with the country, the change from the previous year with data, the yearly values and the target."""

    indicator: str
    title: str
    short_title: str
    value: str
    change: str
    n: int | None
    suppressed: bool
    higher_is_better: bool
    target: str
    delta_color: DeltaColor = "gray"
    delta_arrow: DeltaArrow = "off"
    """How the card shows the change: see :func:`views.indicators.delta_look`."""
    year: str = ""
    """The year of ``value``: the latest not after the page's year (a survey's may be 2024 on a 2025 page)."""
    national: str = ""
    """The country's value in ``year`` ('' on the country's own card)."""
    gap: str = ""
    """The area's value minus the country's, in percentage points for shares ('' when either is missing)."""
    comparison: Comparison = "no_data"
    comparison_text: str = ""
    since: str = ""
    """'from 2022': the year the change is counted from, beside the change."""
    no_change: str = ""
    """Why there is no change to show ('' when there is one)."""
    sparkline: tuple[float, ...] = ()
    """The area's yearly values up to ``year``, as shown (shares in per cent); empty with fewer than two."""
    sparkline_text: str = ""
    """The sparkline's values in words, year by year ('2024: 60,5 % · 2025: 42,1 %'), for screen readers."""
    detail: str = ""
    """The line under the value: its year (or that the area has no figure)."""
    versus: str = ""
    """The line under it: the country's value and the gap ('' on the country's own card)."""
    help: str = ""
    """The card's tooltip: the full title, the year, and n for a computed figure."""


def headline(
    results: Results,
    state: ViewState,
    indicator: Indicator,
    *,
    threshold: int,
    reported: Sequence[ReportedPoint] = (),
) -> Headline:
    """The card of ``indicator`` for the state's area (see :class:`Headline`); ``reported``: the area's own
    reported figures (:func:`views.reported.reported_points`), which a target's verdict may rest on."""
    cells = state_cells(results, indicator, state, threshold=threshold)
    target = headline_target(results, state.region, indicator.key, state.lang, reported=reported)
    shown = card(cells, indicator, state, target=target)
    # THL's cards share one line under their section (the page's); a computed card names its group or says why not
    return with_line(shown, "" if indicator.published else age_line(state, indicator))


def with_line(headline: Headline, line: str) -> Headline:
    """The card with ``line`` (what the chosen age group means for it) under its year; unchanged for ''."""
    return (
        replace(headline, detail=f"{headline.detail} · {line}", help=f"{headline.help} · {line}") if line else headline
    )


def card(
    cells: pl.DataFrame,
    indicator: Indicator,
    state: ViewState,
    *,
    target: str = "",
    title: str | None = None,
    short_title: str | None = None,
) -> Headline:
    """The card of ``indicator`` for the state's area from its yearly ``cells`` (the shape of
    :func:`views.cells.indicator_cells`: area, period, value, interval, n, suppressed), with ``target`` in words."""
    language = state.lang
    area = NATIONAL if state.region == ALL_REGIONS else state.region
    own = cells.filter(pl.col(c.REGION_CODE) == area)
    year = latest_period(own, state.period)
    own = own.filter(pl.col(c.PERIOD) <= year) if year else own.clear()
    now = own.filter(pl.col(c.PERIOD) == year).row(0, named=True) if year else {}
    value = now.get("value")
    earlier = own.filter(pl.col(c.PERIOD) < year).tail(1).row(0, named=True) if own.height > 1 else {}
    before = earlier.get("value")
    delta = value - before if value is not None and before is not None else None
    color, arrow = delta_look(delta, indicator) if not indicator.context else ("gray", "off")
    country = cells.filter((pl.col(c.REGION_CODE) == NATIONAL) & (pl.col(c.PERIOD) == year))["value"]
    national = country.item() if country.len() else None
    comparison: Comparison = (
        "country"
        if area == NATIONAL
        else compare_with_country(value, now.get("ci_low"), now.get("ci_high"), national, indicator)
    )
    gap = value - national if area != NATIONAL and value is not None and national is not None else None
    scale = 100.0 if indicator.percent else 1.0
    shown_years = own.filter(pl.col("value").is_not_null())
    points = shown_years["value"].to_list()
    spoken = " · ".join(
        f"{period}: {indicator_value(point, indicator, language)}"
        for period, point in shown_years.select(c.PERIOD, "value").iter_rows()
    )
    suppressed = bool(now.get(c.SUPPRESSED))
    shown = t("common.suppressed_value", language) if suppressed else indicator_value(value, indicator, language)
    national_text = indicator_value(national, indicator, language)
    detail = t("overview.card_year", language, year=year) if year else t("overview.card_no_figure", language)
    versus = ""
    if year and area != NATIONAL:
        gap_text = indicator_change(gap, indicator, language) or "–"
        versus = t("overview.card_national", language, national=national_text, gap=gap_text)
    title = title or t(indicator.title_key, language)
    if indicator.published:
        help_text = t("overview.help_published", language, title=title, year=year or "–")
    else:
        help_text = t(
            "overview.help_computed", language, title=title, year=year or "–", n=count(now.get("n"), language)
        )
    return Headline(
        indicator=indicator.key,
        title=title,
        short_title=short_title or t(f"indicator_short.{indicator.key}", language),
        value=shown,
        change=indicator_change(delta, indicator, language),
        n=now.get("n"),
        suppressed=suppressed,
        higher_is_better=indicator.higher_is_better,
        target=target,
        delta_color=color,
        delta_arrow=arrow,
        year=year,
        national="" if area == NATIONAL else national_text,
        gap="" if gap is None else indicator_change(gap, indicator, language),
        comparison=comparison,
        comparison_text="" if comparison == "country" else t(f"comparison.{comparison}", language),
        since=t("overview.since", language, year=earlier[c.PERIOD]) if delta is not None else "",
        no_change="" if delta is not None else _why_no_change(year, value, earlier, language, hidden=suppressed),
        sparkline=tuple(point * scale for point in points) if len(points) > 1 else (),
        sparkline_text=spoken if len(points) > 1 else "",
        detail=detail,
        versus=versus,
        help=help_text,
    )


def _why_no_change(year: str, value: float | None, earlier: dict[str, object], language: str, *, hidden: bool) -> str:
    """Why a card shows no change: this year's figure hidden, no figure now, none before, or the earlier one hidden."""
    if hidden:
        return t("overview.no_change_hidden", language, year=year)
    if not year or value is None:
        return t("overview.no_change_no_value", language)
    if not earlier:
        return t("overview.no_change_first", language, year=year)
    return t("overview.no_change_hidden", language, year=earlier[c.PERIOD])


def published_headlines(
    results: Results, state: ViewState, *, threshold: int, reported: Sequence[ReportedPoint] = ()
) -> list[Headline]:
    """THL's published headline figures (:data:`PUBLISHED_HEADLINES`) for the state's area."""
    return [
        headline(results, state, INDICATORS[key], threshold=threshold, reported=reported) for key in PUBLISHED_HEADLINES
    ]


def headlines(
    results: Results, state: ViewState, *, threshold: int, reported: Sequence[ReportedPoint] = ()
) -> list[Headline]:
    """The headline figures computed from the store's extracts (:data:`HEADLINES`) for the state's area."""
    return [headline(results, state, INDICATORS[key], threshold=threshold, reported=reported) for key in HEADLINES]


def published_caption(results: Results, language: str) -> str:
    """Sotkanet's caption for the published cards: one line naming every series when their copies share a
    date (a bundled copy's retrieval, or a live fetch's update), each series' own caption otherwise."""
    ids = [INDICATORS[key].sotkanet_id for key in PUBLISHED_HEADLINES]
    meta = results.published_meta
    dates = {
        item: (rows.row(0, named=True) if rows.height else {})
        for item in ids
        for rows in [meta.filter(pl.col("indicator_id") == item) if meta.height else meta]
    }
    retrieved = {date_text(row.get("retrieved") or row.get("data_updated"), language) for row in dates.values()}
    if len(retrieved) != 1:
        return " · ".join(sotkanet_caption(results, item, language) for item in ids)
    return t("overview.sotkanet_caption", language, indicators=", ".join(ids), retrieved=retrieved.pop())


def computed_heading(results: Results, language: str) -> tuple[str, str]:
    """The computed section's heading and the line under it: from the synthetic sample, or from the imported
    extract with the date its figures were computed."""
    if results.sample_data:
        return t("overview.computed_sample", language), t("overview.computed_sample_note", language)
    date = date_text(results.computed_at(), language)
    return t("overview.computed_extract", language, date=date), t("source.extract", language, date=date)


def county_year_cells(results: Results, state: ViewState, indicator: Indicator, *, threshold: int) -> pl.DataFrame:
    """The counties' cells in the state's year, labelled (the Compare page's ranking reads them too)."""
    cells = state_cells(results, indicator, state, threshold=threshold)
    return labelled(counties(cells).filter(pl.col(c.PERIOD) == state.period), state.lang)


def benchmarked_cells(
    results: Results, state: ViewState, indicator: Indicator, *, threshold: int
) -> tuple[pl.DataFrame, str, float | None]:
    """The counties' cells of one year with the national value and each one's comparison with it (see
    :mod:`views.benchmark`), the year, and the national value.

    The year is the state's, or for a series that has none then (a survey every other year, a series not yet
    out) its latest year before it.
    """
    cells = state_cells(results, indicator, state, threshold=threshold)
    year = state.period
    if indicator.published and cells.filter(pl.col(c.PERIOD) == year).is_empty():
        year = latest_period(cells, state.period)
    compared = with_comparison(cells.filter(pl.col(c.PERIOD) == year), indicator)
    country = compared.filter(pl.col(c.REGION_CODE) == NATIONAL)["value"]
    national = country.item() if country.len() else None
    return labelled(counties(compared), state.lang), year, national


def _subtitle(state: ViewState, indicator: Indicator, data: pl.DataFrame, year: str) -> str:
    """The filters, the year when it is not the page's, and why counties are not coloured when they are not."""
    parts = [filters_line(state, region=ALL_REGIONS, period=year, profession=indicator.by_profession)]
    parts.append(age_line(state, indicator))
    if year and year != state.period:
        parts.append(t("overview.latest_year", state.lang, year=year))
    judged = data.height and data.filter(pl.col("comparison").is_in(JUDGED)).height
    if data.height and not judged:
        parts.append(t("overview.not_judged_context" if indicator.context else "overview.not_judged", state.lang))
    return " · ".join(part for part in parts if part)


def _legend(language: str) -> dict[str, str]:
    return {name: t(f"comparison.{name}", language) for name in COMPARISONS}


def _chosen(data: pl.DataFrame, state: ViewState) -> tuple[str | None, str]:
    """The chosen county's label in ``data`` and its legend entry, or (None, '') for the whole country."""
    if state.region == ALL_REGIONS:
        return None, ""
    name = area_label(state.region, state.lang)
    return name, t("overview.chosen_area", state.lang, area=name)


def county_map(results: Results, state: ViewState, *, threshold: int) -> ChartView:
    indicator = INDICATORS[state.indicator]
    data, year, _ = benchmarked_cells(results, state, indicator, threshold=threshold)
    text = chart_text(
        results,
        state,
        title=t("overview.map_title", state.lang, indicator=t(indicator.title_key, state.lang)),
        subtitle=_subtitle(state, indicator, data, year),
        plotted=data,
        threshold=threshold,
        indicator=indicator,
    )
    highlight, highlight_label = _chosen(data, state)
    figure = tile_map(
        data,
        text,
        value_label=t(indicator.unit_key, state.lang),
        percent=indicator.percent,
        higher_is_better=indicator.higher_is_better,
        highlight=highlight,
        legend=_legend(state.lang),
        highlight_label=highlight_label,
    )
    return ChartView(
        key="county_map",
        figure=figure,
        data=data,
        text=text,
        indicator=indicator.key,
        region=ALL_REGIONS,
        period=year,
    )


def county_ranking(results: Results, state: ViewState, *, threshold: int) -> ChartView:
    indicator = INDICATORS[state.indicator]
    data, year, national = benchmarked_cells(results, state, indicator, threshold=threshold)
    text = chart_text(
        results,
        state,
        title=t("overview.ranking_title", state.lang, indicator=t(indicator.title_key, state.lang)),
        subtitle=_subtitle(state, indicator, data, year),
        plotted=data,
        threshold=threshold,
        indicator=indicator,
    )
    highlight, highlight_label = _chosen(data, state)
    line = (
        Reference(
            national,
            # in two lines: the row under the ranking is narrow in a half-width column
            t("overview.national_line", state.lang, value=f"<br>{indicator_value(national, indicator, state.lang)}"),
            kind="national",
        )
        if national is not None
        else None
    )
    figure = ranked_dot_plot(
        data,
        text,
        percent=indicator.percent,
        value_label=t(indicator.unit_key, state.lang),
        highlight=highlight,
        descending=indicator.higher_is_better,
        national=line,
        legend=_legend(state.lang),
        highlight_label=highlight_label,
    )
    return ChartView(
        key="county_ranking",
        figure=figure,
        data=data,
        text=text,
        indicator=indicator.key,
        region=ALL_REGIONS,
        period=year,
    )
