"""Overview: the four headline indicators for the chosen area, and every county at a glance."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from charts.builders import ranked_dot_plot, tile_map
from core import columns as c
from core.codes import WHOLE_COUNTRY as NATIONAL
from i18n import t
from store.results import Results
from views.cells import counties, indicator_cells
from views.common import ChartView, chart_text, filters_line, labelled
from views.indicators import (
    HEADLINES,
    INDICATORS,
    DeltaArrow,
    DeltaColor,
    Indicator,
    delta_look,
    indicator_change,
    indicator_value,
)
from views.state import ALL_REGIONS, ViewState
from views.targets import headline_target


@dataclass(frozen=True)
class Headline:
    """One indicator's latest value for an area, its change from the year before, and its target."""

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


def previous_year(period: str) -> str:
    return str(int(period) - 1) if period.isdigit() else ""


def headline(results: Results, state: ViewState, indicator: Indicator, *, threshold: int) -> Headline:
    area = NATIONAL if state.region == ALL_REGIONS else state.region
    cells = indicator_cells(results, indicator, grain="year", profession=state.profession, threshold=threshold)
    own = cells.filter(pl.col(c.REGION_CODE) == area)
    now = own.filter(pl.col(c.PERIOD) == state.period)
    before = own.filter(pl.col(c.PERIOD) == previous_year(state.period))
    value = now["value"].item() if now.height else None
    earlier = before["value"].item() if before.height else None
    delta = value - earlier if value is not None and earlier is not None else None
    color, arrow = delta_look(delta, indicator)
    return Headline(
        indicator=indicator.key,
        title=t(indicator.title_key, state.lang),
        short_title=t(f"indicator_short.{indicator.key}", state.lang),
        value=indicator_value(value, indicator, state.lang),
        change=indicator_change(delta, indicator, state.lang),
        n=now["n"].item() if now.height else None,
        suppressed=bool(now.height and now[c.SUPPRESSED].item()),
        higher_is_better=indicator.higher_is_better,
        target=headline_target(results, state.region, indicator.key, state.lang),
        delta_color=color,
        delta_arrow=arrow,
    )


def headlines(results: Results, state: ViewState, *, threshold: int) -> list[Headline]:
    return [headline(results, state, INDICATORS[key], threshold=threshold) for key in HEADLINES]


def county_year_cells(results: Results, state: ViewState, indicator: Indicator, *, threshold: int) -> pl.DataFrame:
    cells = indicator_cells(results, indicator, grain="year", profession=state.profession, threshold=threshold)
    return labelled(counties(cells).filter(pl.col(c.PERIOD) == state.period), state.lang)


def county_map(results: Results, state: ViewState, *, threshold: int) -> ChartView:
    indicator = INDICATORS[state.indicator]
    data = county_year_cells(results, state, indicator, threshold=threshold)
    text = chart_text(
        results,
        state,
        title=t("overview.map_title", state.lang, indicator=t(indicator.title_key, state.lang)),
        subtitle=filters_line(state, region=ALL_REGIONS, profession=indicator.by_profession),
        plotted=data,
        threshold=threshold,
        indicator=indicator,
    )
    figure = tile_map(
        data,
        text,
        value_label=t(indicator.unit_key, state.lang),
        percent=indicator.percent,
        higher_is_better=indicator.higher_is_better,
    )
    return ChartView(
        key="county_map",
        figure=figure,
        data=data,
        text=text,
        indicator=indicator.key,
        region=ALL_REGIONS,
        period=state.period,
    )


def county_ranking(results: Results, state: ViewState, *, threshold: int) -> ChartView:
    indicator = INDICATORS[state.indicator]
    data = county_year_cells(results, state, indicator, threshold=threshold)
    text = chart_text(
        results,
        state,
        title=t("overview.ranking_title", state.lang, indicator=t(indicator.title_key, state.lang)),
        subtitle=filters_line(state, region=ALL_REGIONS, profession=indicator.by_profession),
        plotted=data,
        threshold=threshold,
        indicator=indicator,
    )
    highlight = None if state.region == ALL_REGIONS else data.filter(pl.col(c.REGION_CODE) == state.region)["label"]
    figure = ranked_dot_plot(
        data,
        text,
        percent=indicator.percent,
        value_label=t(indicator.unit_key, state.lang),
        highlight=highlight.item() if highlight is not None and highlight.len() else None,
        descending=indicator.higher_is_better,
    )
    return ChartView(
        key="county_ranking",
        figure=figure,
        data=data,
        text=text,
        indicator=indicator.key,
        region=ALL_REGIONS,
        period=state.period,
    )
