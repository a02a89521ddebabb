"""Compare counties: ranking with intervals, funnel plot, small-multiple trends, access against continuity."""

from __future__ import annotations

import polars as pl

from charts.builders import (
    FunnelLimit,
    FunnelLimits,
    access_continuity_scatter,
    funnel_plot,
    funnel_volumes,
    ranked_dot_plot,
    small_multiples,
)
from core import columns as c
from i18n import t
from metrics.stats import Z95, Z998, funnel_limits
from store.results import Results
from views.cells import Grain, counties, indicator_cells, national
from views.common import ChartView, chart_text, filters_line, labelled
from views.indicators import INDICATORS, Indicator
from views.overview import county_year_cells
from views.state import ALL_REGIONS, ViewState

#: The trend grain per indicator family: monthly counts are noisy for small counties.
TREND_GRAIN: dict[str, Grain] = {"access": "quarter", "t3": "quarter", "continuity": "quarter", "nps": "quarter"}
SCATTER_ACCESS = ("access_7d", "access_14d", "t3")


def _highlight(data: pl.DataFrame, state: ViewState) -> str | None:
    if state.region == ALL_REGIONS:
        return None
    match = data.filter(pl.col(c.REGION_CODE) == state.region)["label"].unique()
    return str(match[0]) if match.len() else None


def period_range(frame: pl.DataFrame) -> str:
    """'2023–2025' for the periods in ``frame`` (one period alone, or nothing when empty)."""
    if frame.is_empty():
        return ""
    periods = frame[c.PERIOD].cast(pl.String).sort()
    first, last = str(periods[0]), str(periods[-1])
    return first if first == last else f"{first}–{last}"


def ranking(results: Results, state: ViewState, *, threshold: int) -> ChartView:
    indicator = INDICATORS[state.indicator]
    data = county_year_cells(results, state, indicator, threshold=threshold)
    text = chart_text(
        results,
        state,
        title=t("compare.ranking_title", state.lang, indicator=t(indicator.title_key, state.lang)),
        subtitle=filters_line(state, region=ALL_REGIONS, profession=indicator.by_profession),
        plotted=data,
        threshold=threshold,
        indicator=indicator,
    )
    figure = ranked_dot_plot(
        data,
        text,
        percent=indicator.percent,
        value_label=t(indicator.unit_key, state.lang),
        highlight=_highlight(data, state),
        descending=indicator.higher_is_better,
    )
    return ChartView(
        key="compare_ranking",
        figure=figure,
        data=data,
        text=text,
        indicator=indicator.key,
        region=ALL_REGIONS,
        period=state.period,
    )


def funnel_limits_for(frame: pl.DataFrame, *, p0: float) -> FunnelLimits:
    """Spiegelhalter's exact 99.8 % and 95 % limits around ``p0``, along the volumes the funnel of ``frame`` draws.

    The exact binomial limits, as they are continuous along the curve; the widest first, as the plot draws them.
    """
    volumes = funnel_volumes(frame)
    limits = []
    for z, coverage in ((Z998, 99.8), (Z95, 95.0)):
        low, high = funnel_limits(p0, volumes, z=z, method="exact")
        limits.append(FunnelLimit(coverage=coverage, lower=low.tolist(), upper=high.tolist()))
    return FunnelLimits(p0=p0, volumes=volumes, limits=tuple(limits))


def funnel(results: Results, state: ViewState, *, threshold: int) -> ChartView | None:
    """Shares against volume with 95 % and 99.8 % limits around the national share; None for non-shares."""
    indicator = INDICATORS[state.indicator]
    if not indicator.proportion:
        return None
    cells = indicator_cells(results, indicator, grain="year", profession=state.profession, threshold=threshold)
    year = cells.filter(pl.col(c.PERIOD) == state.period)
    country = national(year)
    data = labelled(counties(year), state.lang)
    if country.is_empty() or country["value"].item() is None:
        return None
    p0 = float(country["value"].item())
    text = chart_text(
        results,
        state,
        title=t("compare.funnel_title", state.lang, indicator=t(indicator.title_key, state.lang)),
        subtitle=filters_line(state, region=ALL_REGIONS),
        plotted=data,
        threshold=threshold,
        indicator=indicator,
    )
    figure = funnel_plot(
        data,
        text,
        limits=funnel_limits_for(data, p0=p0),
        volume_label=t("unit.volume", state.lang),
        value_label=t(indicator.unit_key, state.lang),
        highlight=_highlight(data, state),
        language=state.lang,
    )
    return ChartView(
        key="compare_funnel",
        figure=figure,
        data=data,
        text=text,
        indicator=indicator.key,
        region=ALL_REGIONS,
        period=state.period,
    )


#: The view-state fields :func:`trends` reads (it shows every county over every period).
TRENDS_READ = ("lang", "profession", "indicator")


def trends(results: Results, state: ViewState, *, threshold: int) -> ChartView:
    indicator = INDICATORS[state.indicator]
    grain = TREND_GRAIN[indicator.family]
    cells = indicator_cells(results, indicator, grain=grain, profession=state.profession, threshold=threshold)
    data = labelled(counties(cells), state.lang).sort("label", c.PERIOD)
    text = chart_text(
        results,
        state,
        title=t("compare.trends_title", state.lang, indicator=t(indicator.title_key, state.lang)),
        subtitle=" · ".join(
            [
                filters_line(state, region=ALL_REGIONS, period="", profession=indicator.by_profession),
                t("compare.grey_is_national", state.lang),
            ]
        ),
        plotted=data,
        threshold=threshold,
        indicator=indicator,
    )
    figure = small_multiples(
        data,
        text,
        reference=national(cells),
        reference_label=t("common.national", state.lang),
        percent=indicator.percent,
        value_label=t(indicator.unit_key, state.lang),
    )
    return ChartView(
        key="compare_trends",
        figure=figure,
        data=data,
        text=text,
        indicator=indicator.key,
        region=ALL_REGIONS,
        period="",
    )


def with_unit(title: str, indicator: Indicator, language: str) -> str:
    """An axis title with its unit, as the continuity axis has it: '… arvioinnista (%)', 'T3: … (vrk)'."""
    unit = "%" if indicator.percent else t("unit.days_short", language) if indicator.family == "t3" else ""
    return f"{title} ({unit})" if unit else title


def access_continuity(results: Results, state: ViewState, *, threshold: int) -> ChartView:
    """Access (7-day share, or T3 when chosen) against COC per county, with each county's path over the years."""
    access = INDICATORS[state.indicator if state.indicator in SCATTER_ACCESS else "access_7d"]
    coc = INDICATORS["coc"]
    x = indicator_cells(results, access, grain="year", profession=state.profession, threshold=threshold)
    y = indicator_cells(results, coc, grain="year", profession=state.profession, threshold=threshold)
    keys = [c.REGION_CODE, c.PERIOD]
    joined = x.select(*keys, pl.col("value").alias("x"), pl.col("n").alias("n_x"), pl.col(c.SUPPRESSED)).join(
        y.select(*keys, pl.col("value").alias("y"), pl.col("n").alias("n_y"), pl.col(c.SUPPRESSED).alias("s_y")),
        on=keys,
        how="inner",
    )
    joined = joined.with_columns((pl.col(c.SUPPRESSED) | pl.col("s_y")).alias(c.SUPPRESSED)).drop("s_y")
    country = national(joined)
    latest = country.filter(pl.col(c.PERIOD) == state.period)
    data = labelled(counties(joined).filter(pl.col(c.PERIOD) <= state.period), state.lang)
    text = chart_text(
        results,
        state,
        title=t("compare.scatter_title", state.lang),
        subtitle=filters_line(state, region=ALL_REGIONS, period=period_range(data)),
        plotted=data,
        threshold=threshold,
        caption=None,
    )
    figure = access_continuity_scatter(
        data,
        text,
        x_label=with_unit(t(access.title_key, state.lang), access, state.lang),
        y_label=t(coc.title_key, state.lang),
        x_reference=latest["x"].item() if latest.height else None,
        y_reference=latest["y"].item() if latest.height else None,
        x_percent=access.percent,
        highlight=_highlight(data, state),
    )
    return ChartView(
        key="compare_scatter",
        figure=figure,
        data=data,
        text=text,
        indicator=access.key,
        region=ALL_REGIONS,
        period=state.period,
    )
