"""Compare counties: ranking with intervals, funnel plot, small-multiple trends, access against continuity."""

from __future__ import annotations

import numpy as np
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
from i18n.format import number
from metrics.stats import Z95, Z998, funnel_limits, overdispersion
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


#: A county's place against the funnel's limits at its own volume, from above the upper 99.8 % limit down.
FLAGS = ("above_998", "above_95", "within", "below_95", "below_998")
#: Above this share of the shown counties outside the plain 99.8 % limits, the limits are widened for overdispersion.
OVERDISPERSED_SHARE = 0.5
_COVERAGES = ((Z998, 99.8, "998"), (Z95, 95.0, "95"))


def _limits(p0: float, volumes: np.ndarray, *, z: float, phi: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Spiegelhalter's exact limits, or the normal ones widened by √φ when ``phi`` is given."""
    if phi is None:
        return funnel_limits(p0, volumes, z=z, method="exact")
    return funnel_limits(p0, volumes, z=z, phi=phi)


def funnel_limits_for(frame: pl.DataFrame, *, p0: float, phi: float | None = None) -> FunnelLimits:
    """Spiegelhalter's exact 99.8 % and 95 % limits around ``p0``, along the volumes the funnel of ``frame`` draws.

    The exact binomial limits, as they are continuous along the curve; with ``phi`` (overdispersion) the
    normal limits widened by √φ, as Spiegelhalter 2005 does. The widest first, as the plot draws them.
    """
    volumes = funnel_volumes(frame)
    limits = []
    for z, coverage, _ in _COVERAGES:
        low, high = _limits(p0, np.asarray(volumes, dtype=np.float64), z=z, phi=phi)
        limits.append(FunnelLimit(coverage=coverage, lower=low.tolist(), upper=high.tolist()))
    return FunnelLimits(p0=p0, volumes=volumes, limits=tuple(limits), phi=phi)


def county_limits(frame: pl.DataFrame, *, p0: float, phi: float | None = None) -> pl.DataFrame:
    """``frame`` with the limits at each county's own volume and its ``flag`` (one of :data:`FLAGS`).

    Adds ``lower_95``, ``upper_95``, ``lower_998`` and ``upper_998`` (proportions, as ``value``) and ``flag``.
    A value exactly on a limit counts as inside it (``within`` on the 95 % limit, ``above_95`` on the upper
    99.8 % one). Rows without a value or a positive volume (hidden counties) get null limits and a null flag.
    """
    volumes = frame["n"].cast(pl.Float64).fill_null(0.0).to_numpy()
    known = volumes > 0
    columns = []
    for z, _, suffix in _COVERAGES:
        low = np.full(volumes.shape, np.nan)
        high = np.full(volumes.shape, np.nan)
        if known.any():
            low[known], high[known] = _limits(p0, volumes[known], z=z, phi=phi)
        columns += [pl.Series(f"lower_{suffix}", low).fill_nan(None), pl.Series(f"upper_{suffix}", high).fill_nan(None)]
    value = pl.col("value")
    flag = (
        pl.when(value.is_null() | pl.col("upper_95").is_null())
        .then(None)
        .when(value > pl.col("upper_998"))
        .then(pl.lit("above_998"))
        .when(value > pl.col("upper_95"))
        .then(pl.lit("above_95"))
        .when(value < pl.col("lower_998"))
        .then(pl.lit("below_998"))
        .when(value < pl.col("lower_95"))
        .then(pl.lit("below_95"))
        .otherwise(pl.lit("within"))
    )
    return frame.with_columns(columns).with_columns(flag.alias("flag"))


def overdispersion_factor(frame: pl.DataFrame, *, p0: float) -> float | None:
    """φ to widen the funnel's limits by when most shown counties lie outside the plain 99.8 % limits, else None.

    "Most" is more than :data:`OVERDISPERSED_SHARE` of the counties with a value; φ is Spiegelhalter's
    Winsorised estimate (:func:`metrics.stats.overdispersion`) from the counties' shares and volumes, used only
    when it is above 1 (the limits never narrow). Needs a national share strictly between 0 and 1.
    """
    flagged = county_limits(frame, p0=p0).filter(pl.col("flag").is_not_null())
    if flagged.height < 2 or not 0.0 < p0 < 1.0:
        return None
    outside = int(flagged["flag"].is_in(["above_998", "below_998"]).sum())
    if outside <= flagged.height * OVERDISPERSED_SHARE:
        return None
    volumes = flagged["n"].cast(pl.Float64).to_numpy()
    successes = np.clip(np.round(flagged["value"].cast(pl.Float64).to_numpy() * volumes), 0, volumes)
    phi = overdispersion(successes, volumes, p0).phi
    return phi if phi > 1.0 else None


def funnel(results: Results, state: ViewState, *, threshold: int) -> ChartView | None:
    """Shares against volume with 95 % and 99.8 % limits around the national share; None for non-shares.

    The data carry each county's limits and flag (:func:`county_limits`); when most counties lie outside the
    99.8 % limits, the limits are widened for overdispersion and the subtitle says so, with φ.
    """
    indicator = INDICATORS[state.indicator]
    if not indicator.proportion:
        return None
    cells = indicator_cells(results, indicator, grain="year", profession=state.profession, threshold=threshold)
    year = cells.filter(pl.col(c.PERIOD) == state.period)
    country = national(year)
    shown = labelled(counties(year), state.lang)
    if country.is_empty() or country["value"].item() is None:
        return None
    p0 = float(country["value"].item())
    phi = overdispersion_factor(shown, p0=p0)
    data = county_limits(shown, p0=p0, phi=phi)
    subtitle = filters_line(state, region=ALL_REGIONS)
    if phi is not None:
        subtitle = " · ".join([subtitle, t("compare.funnel_overdispersed", state.lang, phi=number(phi, state.lang))])
    text = chart_text(
        results,
        state,
        title=t("compare.funnel_title", state.lang, indicator=t(indicator.title_key, state.lang)),
        subtitle=subtitle,
        plotted=data,
        threshold=threshold,
        indicator=indicator,
    )
    figure = funnel_plot(
        data,
        text,
        limits=funnel_limits_for(data, p0=p0, phi=phi),
        volume_label=t("unit.volume", state.lang),
        value_label=t(indicator.unit_key, state.lang),
        highlight=_highlight(data, state),
        language=state.lang,
        point_names={group: t(f"compare.funnel_{group}", state.lang) for group in ("inside", "above", "below")},
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
