"""Slides from chart views, and the standard county deck (the same charts the pages show)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import polars as pl

from core import columns as c
from exports.disclosure import Audit, check_report
from exports.pptx import Deck, Slide
from exports.titles import slide_title
from i18n import t
from store.results import Results
from views import compare, county, investments, overview
from views.common import ChartView, area_label, chart_source, percent_columns
from views.indicators import INDICATORS
from views.reported import ReportedPoint
from views.state import ALL_REGIONS, ViewState


def _percent_columns(view: ChartView) -> tuple[str, ...]:
    """The columns of ``view``'s data its notes show as percentages, as the page's table does."""
    indicator = INDICATORS.get(view.indicator)
    percent = indicator is not None and indicator.percent
    return tuple(percent_columns(view.data.columns, percent=percent))


def period_text(view: ChartView) -> str:
    """The period a chart shows: its own, or the span of years of its data's periods ("2023–2025")."""
    if view.period or c.PERIOD not in view.data.columns:
        return view.period
    years = sorted({str(period)[:4] for period in view.data[c.PERIOD].drop_nulls().to_list()})
    if not years:
        return ""
    return years[0] if len(years) == 1 else f"{years[0]}–{years[-1]}"


@dataclass(frozen=True)
class CheckedAs:
    """How a deck's cells were cut, for its output check report: the suppression threshold, the viewer's role,
    and the store's latest disclosure audit of that role (None when none covers the store as it is)."""

    threshold: int
    role: str = "public"
    audit: Audit | None = None

    def lines(self, cells: pl.DataFrame, language: str) -> tuple[str, ...]:
        return tuple(check_report(cells, threshold=self.threshold, role=self.role, audit=self.audit).lines(language))


def slide_for(
    view: ChartView, results: Results, language: str, *, area: str | None = None, checked: CheckedAs | None = None
) -> Slide:
    """A deck slide with the chart's own words, its plotted data and its provenance.

    Its title names the chart, the county (``area``, a region code; by default the view's) and the period; its
    notes end with the output check report of its cells when ``checked`` says how they were cut.
    """
    code = area or view.region
    area_name = t("filter.county_all", language) if code == ALL_REGIONS else area_label(code, language)
    title = slide_title(view.text.title, area=area_name, period=period_text(view))
    labels = {
        name: t(f"table.{name}", language) for name in view.data.columns if f"table.{name}" in _table_keys(language)
    }
    source, data_date = chart_source(results, view, language)
    return Slide.from_chart(
        view.figure,
        view.data,
        dataclasses.replace(view.text, title=title),
        source=source,
        licence=t("source.licence", language),
        data_date=data_date,
        percent_columns=_percent_columns(view),
        column_labels=labels,
        notes=view.notes,
        check=checked.lines(view.data, language) if checked is not None else (),
    )


def _table_keys(language: str) -> set[str]:
    from i18n import catalogue  # noqa: PLC0415  # cached catalogue lookup

    return {key for key in catalogue(language) if key.startswith("table.")}


def deck_from_views(
    views: list[ChartView],
    results: Results,
    *,
    title: str,
    subtitle: str,
    language: str,
    area: str | None = None,
    checked: CheckedAs | None = None,
) -> Deck:
    """A deck of ``views``; ``area`` (a region code) is the county every slide's title names, by default each
    chart's own. With ``checked``, every slide's notes end with its output check report and the title slide's
    notes hold the whole deck's."""
    cells = [view.data for view in views]
    whole = pl.concat(cells, how="diagonal_relaxed") if cells else pl.DataFrame()
    return Deck(
        title=title,
        subtitle=subtitle,
        data_date=results.computed_at(),
        language=language,
        notes=checked.lines(whole, language) if checked is not None else (),
        slides=tuple(slide_for(view, results, language, area=area, checked=checked) for view in views),
        sample_data=results.sample_data and any(view.text.badge for view in views),  # not over THL's figures only
    )


#: THL's published series that open a county deck, after the ranking on THL's 7-day share.
DECK_PUBLISHED = ("thl_access_7d", "thl_coc")


def county_views(
    results: Results,
    state: ViewState,
    *,
    threshold: int,
    coc_cells: pl.DataFrame | None = None,
    reported: tuple[ReportedPoint, ...] = (),
) -> list[ChartView]:
    """The standard county deck's charts: THL's published figures first (the county among the others, its 7-day
    share and continuity with its own reported figures and its targets' verdicts), then the trends computed from
    the store with targets and legal limits, its health centres, the comparison with other counties, and its
    investment's indicator trend. ``reported``: the county's own figures (:func:`views.reported.reported_points`).
    """
    views: list[ChartView] = [
        overview.county_ranking(results, state.with_changes(indicator="thl_access_7d"), threshold=threshold)
    ]
    published = state.only(*county.PUBLISHED_READ)
    views += [county.trend(results, published, key, threshold=threshold, reported=reported) for key in DECK_PUBLISHED]
    views += [
        county.trend(results, state, key, threshold=threshold, reported=reported) for key in county.TREND_INDICATORS
    ]
    for unit_view in (
        county.units(results, state, "access_7d", threshold=threshold),
        county.t3_by_unit(results, state, threshold=threshold),
    ):
        if unit_view is not None:
            views.append(unit_view)
    views.append(compare.ranking(results, state.with_changes(indicator="coc"), threshold=threshold))
    funnel = compare.funnel(results, state.with_changes(indicator="access_7d"), threshold=threshold)
    if funnel is not None:
        views.append(funnel)
    if coc_cells is not None and coc_cells.height:
        views.append(county.coc_distribution_view(results, state, coc_cells, threshold=threshold))
    views.append(investment_view(results, state, threshold=threshold))
    return [view for view in views if view.nothing_to_show() is None]  # no slide of empty axes


def investment_view(results: Results, state: ViewState, *, threshold: int) -> ChartView:
    """The county's care-continuity investment (RRP4 investment 1 if it takes part, else the first it is in),
    with its status-report entries in the speaker notes."""
    taking_part = results.participants.filter(pl.col("region_code") == state.region)
    rounds = [
        (row["round"], row["investment"])
        for row in taking_part.sort("round", "investment", descending=[True, False]).iter_rows(named=True)
    ]
    round_, number = ("RRP4", 1) if ("RRP4", 1) in rounds or not rounds else rounds[0]
    people = investments.participants(results, round_, number, state.lang)
    view = investments.group_trend(
        results,
        state,
        "coc",
        people["region_code"].to_list(),
        threshold=threshold,
        starts=investments.start_markers(people, state.lang),
    )
    entries = investments.status_entries(results, round_, number, region=state.region)
    notes = tuple(
        t("investments.section_" + row["section"], state.lang) + ": " + row["text_fi"]
        for row in entries.iter_rows(named=True)
    )
    return ChartView(
        key=view.key,
        figure=view.figure,
        data=view.data,
        text=view.text,
        indicator=view.indicator,
        region=state.region,
        period=view.period,
        notes=notes,
    )


def county_deck(
    results: Results,
    region: str,
    language: str,
    period: str,
    *,
    threshold: int,
    coc_cells: pl.DataFrame | None = None,
    reported: tuple[ReportedPoint, ...] = (),
    checked: CheckedAs | None = None,
) -> Deck:
    """The standard deck for one county (``reported``: its own figures, see :func:`county_views`; ``checked``:
    see :func:`deck_from_views`)."""
    years = results.years()
    state = ViewState(lang=language, region=region, period=period or (years[-1] if years else ""))
    name = area_label(region, language)
    return deck_from_views(
        county_views(results, state, threshold=threshold, coc_cells=coc_cells, reported=reported),
        results,
        title=t("deck.county_title", language, area=name),
        subtitle=t("deck.county_subtitle", language, period=state.period),
        language=language,
        area=region,
        checked=checked,
    )


def filters_in_words(state: ViewState) -> str:
    """The filters a deck was built with, each named: "County: Pohjois-Savo · Period: 2025 · Profession: All"."""
    language = state.lang
    area = t("filter.county_all", language) if state.region == ALL_REGIONS else area_label(state.region, language)
    parts = [
        (t("filter.county", language), area),
        (t("filter.period", language), state.period),
        (t("filter.profession", language), t(f"profession.{state.profession}", language)),
    ]
    return " · ".join(f"{name}: {value}" for name, value in parts if value)
