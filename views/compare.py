"""Compare counties: ranking against the country, funnel plot, small-multiple trends, access against continuity.

Every chart works for THL's published series as well as for the computed
indicators. A published series is yearly and may not have the page's year
(a survey every other year, a series not yet out): its charts use the latest
year not after it (:func:`views.cells.latest_period`) and say which. Sotkanet
publishes no counts behind most series, so they get no funnel; for 6411 it
publishes the visits over 7 days (``abs_value``), from which the number of
visits is derived (see :func:`published_volumes`).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from charts.builders import (
    FunnelLimit,
    FunnelLimits,
    Reference,
    access_continuity_scatter,
    funnel_plot,
    funnel_volumes,
    ranked_dot_plot,
    small_multiples,
)
from core import columns as c
from i18n import t
from i18n.format import date_text, number
from metrics.age_groups import ALL_AGES
from metrics.stats import Z95, Z998, funnel_limits, overdispersion
from store.results import Results
from views.ages import age_line, state_cells
from views.benchmark import COLUMN as COMPARISON
from views.benchmark import COMPARISONS, with_comparison
from views.cells import Grain, counties, latest_period, national
from views.common import ChartView, chart_text, filters_line, labelled, sotkanet_caption
from views.indicators import INDICATORS, Indicator, indicator_value
from views.state import ALL_REGIONS, ViewState

#: The trend grain per indicator family: monthly counts are noisy for small counties; THL publishes yearly, and
#: continuity is yearly as THL computes it (a quarter counts only patients with two visits within it).
TREND_GRAIN: dict[str, Grain] = {
    "access": "quarter",
    "t3": "quarter",
    "continuity": "year",
    "nps": "quarter",
    "published": "year",
}
SCATTER_ACCESS = ("access_7d", "access_14d", "t3")
#: THL's published pair the scatter draws when a published indicator is chosen: access (x) and continuity (y).
THL_SCATTER = ("thl_access_7d", "thl_coc")
#: Sotkanet series whose ``abs_value`` counts the numerator of the published percentage: 6411's counts the
#: realised non-urgent doctor visits over 7 days, so the visits behind the share are abs_value ÷ (value / 100).
ABS_VALUE_IS_NUMERATOR = frozenset({"6411"})


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


def shown_period(cells: pl.DataFrame, indicator: Indicator, period: str) -> str:
    """The year a chart of ``indicator`` shows for the page's ``period``: the period itself for a computed
    indicator; for a published series the latest year THL published not after it ('' when none)."""
    return latest_period(cells, period) if indicator.published else period


def comparison_words(frame: pl.DataFrame, language: str) -> pl.DataFrame:
    """``frame`` with its ``comparison`` column in words ('Parempi kuin koko maa'), as tables and files show it."""
    if COMPARISON not in frame.columns:
        return frame
    words = {code: t(f"comparison.{code}", language) for code in COMPARISONS}
    return frame.with_columns(pl.col(COMPARISON).replace_strict(words, default=None, return_dtype=pl.String))


def _year_note(state: ViewState, period: str) -> str:
    """'THL's latest year: 2024' when a published series lacks the page's year, else ''."""
    if not period or period == state.period:
        return ""
    return t("compare.published_year", state.lang, period=period, chosen=state.period)


def ranking(results: Results, state: ViewState, *, threshold: int) -> ChartView:
    """Counties ranked by value, each coloured by its comparison with the country (:mod:`views.benchmark`),
    the country's value as a line, the chosen county ringed. The data carry the national value and the
    comparison in words."""
    indicator = INDICATORS[state.indicator]
    cells = state_cells(results, indicator, state, threshold=threshold)
    period = shown_period(cells, indicator, state.period)
    compared = with_comparison(cells.filter(pl.col(c.PERIOD) == period), indicator)
    country = national(compared)
    data = labelled(counties(compared), state.lang)
    parts = [filters_line(state, region=ALL_REGIONS, period=period, profession=indicator.by_profession)]
    parts.append(_year_note(state, period))
    parts.append(age_line(state, indicator))
    if indicator.published:  # its dots stay grey: say why none is coloured better or worse
        parts.append(t("comparison.not_compared" if indicator.context else "compare.ranking_no_interval", state.lang))
    subtitle = " · ".join(part for part in parts if part)
    text = chart_text(
        results,
        state,
        title=t(
            "compare.ranking_title_published" if indicator.published else "compare.ranking_title",
            state.lang,
            indicator=t(indicator.title_key, state.lang),
        ),
        subtitle=subtitle,
        plotted=data,
        threshold=threshold,
        indicator=indicator,
    )
    national_value = country["value"].item() if country.height else None
    figure = ranked_dot_plot(
        data,
        text,
        percent=indicator.percent,
        value_label=t(indicator.unit_key, state.lang),
        highlight=_highlight(data, state),
        descending=indicator.higher_is_better,
        national=None
        if national_value is None
        else Reference(
            value=national_value,
            label=f"{t('common.national', state.lang)} {indicator_value(national_value, indicator, state.lang)}",
            kind="national",
        ),
        legend={code: t(f"comparison.{code}", state.lang) for code in COMPARISONS},
        highlight_label=t("compare.chosen_county", state.lang),
    )
    return ChartView(
        key="compare_ranking",
        figure=figure,
        data=comparison_words(data, state.lang),
        text=text,
        indicator=indicator.key,
        region=ALL_REGIONS,
        period=period,
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


def published_volumes(results: Results, indicator: Indicator) -> pl.DataFrame:
    """The number of observations behind a published share, where Sotkanet gives its numerator.

    For a series in :data:`ABS_VALUE_IS_NUMERATOR` (6411: visits over 7 days), ``n`` is
    ``abs_value ÷ (value / 100)`` rounded to a whole visit: the realised non-urgent doctor visits THL's share
    is of. Sotkanet rounds the share to one decimal, so ``n`` is within 0.05 ÷ value of THL's own count
    (0.2 % at a published 25.0 %, 0.4 % at the smallest 6411 value so far, 12.5 %): far below what moves a
    funnel limit. Columns ``region_code``, ``period``, ``n``; empty for any other series.
    """
    schema = {c.REGION_CODE: pl.String, c.PERIOD: pl.String, "n": pl.Int64}
    frame = results.published
    if indicator.sotkanet_id not in ABS_VALUE_IS_NUMERATOR or frame.is_empty():
        return pl.DataFrame(schema=schema)
    value, numerator = pl.col("value").cast(pl.Float64), pl.col("numerator").cast(pl.Float64)
    return (
        frame.filter(pl.col("indicator_id") == indicator.sotkanet_id, value > 0, numerator.is_not_null())
        .select(
            c.REGION_CODE,
            pl.col(c.PERIOD).str.slice(0, 4),
            (numerator * 100.0 / value).round(0).cast(pl.Int64).alias("n"),
        )
        .sort(c.REGION_CODE, c.PERIOD)
    )


def funnel_absence(indicator: Indicator) -> str | None:
    """Why ``indicator`` has no funnel, as a catalogue key; None when it has one.

    A funnel needs a share and the number of observations behind each county's share: a computed share has
    its count; a published share has one only when Sotkanet gives its numerator (:data:`ABS_VALUE_IS_NUMERATOR`);
    a series without a good direction is not judged at all.
    """
    if indicator.context:
        return "compare.funnel_none_context"
    if indicator.published:
        return None if indicator.sotkanet_id in ABS_VALUE_IS_NUMERATOR else "compare.funnel_none_published"
    return None if indicator.proportion else "compare.funnel_only_shares"


def _derived_caption(results: Results, indicator: Indicator, language: str) -> str:
    """Sotkanet's caption, and how the funnel's visits were derived from it."""
    derived = t("compare.funnel_derived_n", language, indicator=indicator.sotkanet_id)
    return f"{sotkanet_caption(results, indicator.sotkanet_id, language)} · {derived}"


def _funnel_cells(results: Results, state: ViewState, indicator: Indicator, *, threshold: int) -> pl.DataFrame:
    cells = state_cells(results, indicator, state, threshold=threshold)
    if indicator.published:  # THL's shares with the visits derived from Sotkanet's numerator
        volumes = published_volumes(results, indicator)
        cells = cells.drop("n").join(volumes, on=[c.REGION_CODE, c.PERIOD], how="left")
    return cells


def funnel(results: Results, state: ViewState, *, threshold: int) -> ChartView | None:
    """Shares against volume with 95 % and 99.8 % limits around the national share; None without a funnel
    (:func:`funnel_absence` says why).

    The data carry each county's limits and flag (:func:`county_limits`); when most counties lie outside the
    99.8 % limits, the limits are widened for overdispersion and the subtitle says so, with φ. For THL's
    6411 the volumes are derived from Sotkanet's numerator (:func:`published_volumes`), and the caption
    says so after Sotkanet's source line.
    """
    indicator = INDICATORS[state.indicator]
    if funnel_absence(indicator) is not None:
        return None
    cells = _funnel_cells(results, state, indicator, threshold=threshold)
    period = shown_period(cells, indicator, state.period)
    year = cells.filter(pl.col(c.PERIOD) == period)
    country = national(year)
    shown = labelled(counties(year), state.lang)
    if country.is_empty() or country["value"].item() is None:
        return None
    p0 = float(country["value"].item())
    phi = overdispersion_factor(shown, p0=p0)
    data = county_limits(shown, p0=p0, phi=phi)
    notes = [filters_line(state, region=ALL_REGIONS, period=period, profession=indicator.by_profession)]
    notes.append(_year_note(state, period))
    notes.append(age_line(state, indicator))
    if phi is not None:
        notes.append(t("compare.funnel_overdispersed", state.lang, phi=number(phi, state.lang)))
    text = chart_text(
        results,
        state,
        title=t("compare.funnel_title", state.lang, indicator=t(indicator.title_key, state.lang)),
        subtitle=" · ".join(note for note in notes if note),
        plotted=data,
        threshold=threshold,
        indicator=indicator,
        caption=_derived_caption(results, indicator, state.lang) if indicator.published else None,
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
        period=period,
    )


#: The view-state fields :func:`trends` reads (it shows every county over every period).
TRENDS_READ = ("lang", "profession", "indicator", "age_group")


def trends(results: Results, state: ViewState, *, threshold: int) -> ChartView:
    indicator = INDICATORS[state.indicator]
    grain = TREND_GRAIN[indicator.family]
    cells = state_cells(results, indicator, state, threshold=threshold, grain=grain)
    data = labelled(counties(cells), state.lang).sort("label", c.PERIOD)
    text = chart_text(
        results,
        state,
        title=t(
            "compare.trends_title" if grain == "quarter" else "compare.trends_title_yearly",
            state.lang,
            indicator=t(indicator.title_key, state.lang),
        ),
        subtitle=" · ".join(
            [
                filters_line(state, region=ALL_REGIONS, period="", profession=indicator.by_profession),
                *([age_line(state, indicator)] if state.age_group != ALL_AGES else []),
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


def _scatter_caption(results: Results, language: str) -> str:
    """Sotkanet's caption for THL's scatter: both series' ids and when the copies were retrieved."""
    access, coc = (INDICATORS[key].sotkanet_id for key in THL_SCATTER)
    meta = results.published_meta
    row = meta.filter(pl.col("indicator_id") == access).row(0, named=True) if meta.height else {}
    retrieved = row.get("retrieved") or row.get("data_updated")
    return t("compare.scatter_caption_thl", language, x=access, y=coc, retrieved=date_text(retrieved, language))


def access_continuity(results: Results, state: ViewState, *, threshold: int) -> ChartView:
    """Access against continuity per county, with each county's path over the years.

    With a published indicator chosen, THL's own pair: the within-7-days share of doctor visits (100 − 6411)
    against doctor COCI (5502), real for every county, with Sotkanet's caption. Otherwise the computed pair:
    the 7-day share (or the chosen access indicator, T3 included) against COC.
    """
    thl = INDICATORS[state.indicator].published
    if thl:
        access, coc = (INDICATORS[key] for key in THL_SCATTER)
    else:
        access = INDICATORS[state.indicator if state.indicator in SCATTER_ACCESS else "access_7d"]
        coc = INDICATORS["coc"]
    x = state_cells(results, access, state, threshold=threshold)
    # one age group on both axes, or all ages on both (T3 has no ages: never one group's COC against all ages' T3)
    y = state_cells(results, coc, state, threshold=threshold, age_of=access)
    keys = [c.REGION_CODE, c.PERIOD]
    joined = x.select(*keys, pl.col("value").alias("x"), pl.col("n").alias("n_x"), pl.col(c.SUPPRESSED)).join(
        y.select(*keys, pl.col("value").alias("y"), pl.col("n").alias("n_y"), pl.col(c.SUPPRESSED).alias("s_y")),
        on=keys,
        how="inner",
    )
    joined = joined.with_columns((pl.col(c.SUPPRESSED) | pl.col("s_y")).alias(c.SUPPRESSED)).drop("s_y")
    period = latest_period(joined, state.period) if thl else state.period
    country = national(joined)
    latest = country.filter(pl.col(c.PERIOD) == period)
    data = labelled(counties(joined).filter(pl.col(c.PERIOD) <= period), state.lang)
    subtitle = filters_line(state, region=ALL_REGIONS, period=period_range(data), profession=not thl)
    subtitle = " · ".join(part for part in (subtitle, age_line(state, access)) if part)
    text = chart_text(
        results,
        state,
        title=t("compare.scatter_title_thl" if thl else "compare.scatter_title", state.lang),
        subtitle=" · ".join(part for part in (subtitle, _year_note(state, period)) if part),
        plotted=data,
        threshold=threshold,
        # THL's pair: Sotkanet's caption and no sample badge (its figures are THL's whatever the store holds)
        indicator=access if thl else None,
        caption=_scatter_caption(results, state.lang) if thl else None,
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
        period=period,
    )
