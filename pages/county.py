"""County: is access and continuity getting better, which health centres lag, what patients and staff say."""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import TypeVar

import polars as pl
import streamlit as st

from data_sources.reference import caveats as reference_caveats
from data_sources.reference import reported_figures, status_report_periods
from i18n import t
from store.measure_tables import AGE_TABLES, read_measures, with_age_tables
from store.results import Results
from ui import cache, filters, session
from ui.locked import locked_notice
from ui.render import handled_errors, sample_badge, show_chart, show_table
from views import county, data, investments, measures, reported, targets
from views.caveats import Caveat, caveat_table, caveats_from
from views.common import ChartView, area_label
from views.reported import ReportedPoint
from views.state import ALL_REGIONS, ViewState

V = TypeVar("V")


def _chart(view: ChartView, language: str) -> None:
    """The chart, then its notes: how the county's own figures differ from THL's, the targets' verdicts."""
    show_chart(view, language)
    for note in view.notes:
        st.caption(note)


def _reported() -> tuple[pl.DataFrame, tuple[ReportedPoint, ...]]:
    state = filters.current_view()
    frame = reported_figures()
    return frame, reported.reported_points(frame, county.area_of(state))


def _caveats() -> tuple[Caveat, ...]:
    return caveats_from(reference_caveats())


def _grid(state: ViewState, keys: tuple[str, ...], threshold: int, points: tuple[ReportedPoint, ...]) -> None:
    """Two charts a row, each row's charts side by side (a row starts under the taller of the row above)."""
    caveats = _caveats()
    for start in range(0, len(keys), 2):
        for column, key in zip(st.columns(2), keys[start : start + 2], strict=False):
            with column:
                view = cache.view(county.trend, state, key, threshold=threshold, reported=points, caveats=caveats)
                _chart(view, state.lang)


def trend_charts(state: ViewState, threshold: int) -> None:
    language = state.lang
    _, points = _reported()
    st.header(t("county.published_header", language))
    st.caption(t("county.published_intro", language))
    _grid(state.only(*county.PUBLISHED_READ), county.PUBLISHED_TRENDS, threshold, points)
    sample = cache.results().sample_data
    st.header(t("county.computed_header_sample" if sample else "county.computed_header_extract", language))
    st.caption(t("county.computed_intro_sample" if sample else "county.computed_intro_extract", language))
    sample_badge(language, sample)
    _grid(state.only(*county.TREND_READ), county.TREND_INDICATORS, threshold, points)
    if state.region != ALL_REGIONS:
        st.header(t("county.coverage_title", language))
        known, flagged = cache.coverage(state.region)
        limit = round(data.COVERAGE_FLAG * 100)
        if not known:
            st.caption(t("county.coverage_unknown", language))
        elif flagged.is_empty():
            st.success(t("county.coverage_ok", language, share=limit), icon=":material/check_circle:")
        else:
            st.warning(t("county.coverage_flagged", language, share=limit), icon=":material/report:")
            if session.access_policy().may_see_units(state.region):
                show_table(data.coverage_rows(flagged, language))
            else:  # the visit counts behind a flag are raw and small: the public role sees the months only
                show_table(data.coverage_months(flagged, language))
                st.caption(t("disclosure.coverage_months_only", language))


def reported_tables(state: ViewState) -> None:
    """The targets with their verdicts, and the county's other reported figures."""
    language = state.lang
    frame, points = _reported()
    results = cache.results()
    st.header(t("targets.verdicts_title", language))
    st.caption(t("targets.verdicts_intro", language))
    verdicts = targets.verdict_table(results, county.area_of(state), points, language)
    if verdicts.is_empty():
        st.info(t("targets.none", language))
    else:
        show_table(verdicts)
    if state.region == ALL_REGIONS:
        return
    own_caveats = caveat_table(_caveats(), state.region, language)
    if own_caveats.height:
        st.header(t("caveats.title", language))
        st.caption(t("caveats.intro", language))
        show_table(own_caveats)
    st.header(t("county.status_title", language))
    status = investments.county_status(results, state.region, status_report_periods(), language)
    if status.is_empty():
        st.info(t("investments.no_status", language))
    else:
        show_table(status)
    st.header(t("reported.other_title", language))
    others = county.other_figures(results, state.region, frame, points, language)
    if others.is_empty():
        st.info(t("reported.none", language))
        return
    st.caption(t("reported.other_intro", language))
    show_table(others)


def unit_charts(state: ViewState, threshold: int) -> None:
    language = state.lang
    sample_badge(language, cache.results().sample_data)
    if state.region == ALL_REGIONS:
        st.info(t("county.units_need_county", language))
        return
    policy = session.access_policy()
    if not policy.may_see_units(state.region):
        logging.getLogger("dashboard.access").info(
            "health-centre detail of county %s refused to %s", state.region, policy.log_identity
        )
        locked_notice("county.units_need_role", language)
        return
    key = filters.indicator_picker(state, allowed=("access_7d", "access_14d", "coc", "upc", "nps"))
    state = filters.current_view()
    unit_view = cache.view(county.units, state, key, threshold=threshold)
    if unit_view is not None:
        show_chart(unit_view, language)
    t3_view = cache.view(county.t3_by_unit, state, threshold=threshold)
    if t3_view is not None:
        show_chart(t3_view, language)


def _measure_tables(results: Results) -> measures.Tables:
    """The measure tables of ``results``' data set: read once per store version and data set, the age tables
    taken from ``results`` (which read them already)."""
    read = cache.stored(read_measures, results.dataset, AGE_TABLES)
    return with_age_tables(read, access_age=results.access_age, continuity_age=results.continuity_age)


def _with_measures(results: Results, build: Callable[..., V], *arguments: Hashable, **options: Hashable) -> V:
    """``build(results, tables, *arguments, **options)`` with :func:`_measure_tables`; through :func:`cache.view`,
    built once per store version, data set, state and threshold, as the indicator charts are."""
    return build(results, _measure_tables(results), *arguments, **options)


def _list_sizes(results: Results, state: ViewState, *, threshold: int) -> pl.DataFrame:
    return measures.list_size_table(_measure_tables(results), state, threshold=threshold)


def measure_charts(state: ViewState, threshold: int) -> None:
    """The remote share, population groups, heavy users and named providers of the county and the country."""
    language = state.lang
    results = cache.results()
    tables = _measure_tables(results)
    sample_badge(language, results.sample_data)
    st.header(t("measures.remote_header", language))
    st.caption(t("measures.remote_intro", language))
    remote = cache.view(_with_measures, measures.remote_trend, state, threshold=threshold, caveats=_caveats())
    _chart(remote, language)
    st.header(t("measures.age_header", language))
    if tables["access_age_results"].is_empty() and tables["continuity_age_results"].is_empty():
        st.info(t("measures.no_ages", language))
    else:
        st.caption(t("measures.age_intro", language))
        for column, measure in zip(st.columns(len(measures.AGE_MEASURES)), measures.AGE_MEASURES, strict=True):
            with column:
                ages = cache.view(_with_measures, measures.age_group_view, state, measure, threshold=threshold)
                show_chart(ages, language)
    st.header(t("measures.heavy_header", language))
    st.caption(t("measures.heavy_intro", language))
    _chart(cache.view(_with_measures, measures.heavy_user_view, state, threshold=threshold), language)
    st.header(t("measures.named_header", language))
    if tables["list_size_results"].is_empty() and tables["named_provider_results"].is_empty():
        st.info(t("measures.no_assignments", language))
        return
    st.caption(t("measures.named_intro", language))
    show_chart(cache.view(_with_measures, measures.named_provider_view, state, threshold=threshold), language)
    st.subheader(t("measures.list_title", language))
    show_table(cache.view(_list_sizes, state, threshold=threshold))
    if results.sample_data:
        st.caption(t("measures.list_sample_note", language))


def experience_charts(state: ViewState, threshold: int) -> None:
    sample_badge(state.lang, cache.results().sample_data)
    left, right = st.columns(2)
    cells = cache.coc_distribution(state)
    with left:
        if cells.height:
            show_chart(county.coc_distribution_view(cache.results(), state, cells, threshold=threshold), state.lang)
    with right:
        show_chart(cache.view(county.nps_split, state, threshold=threshold), state.lang)


state = filters.current_view()
language = state.lang

area = t("common.national", language) if state.region == ALL_REGIONS else area_label(state.region, language)
st.title(t("county.title", language, area=area))
st.caption(t("county.subtitle", language, period=state.period))
# No badge here: THL's series and the counties' own figures open the page; each computed part carries its own.
if state.region == ALL_REGIONS:
    st.info(t("county.pick_county", language))


@st.fragment
def county_tabs() -> None:
    """The five tabs; only the open tab's charts are built and sent.

    Opening a tab, or picking the health-centre indicator, reruns this fragment, not the page. It reads the
    view state itself: a fragment rerun gets the arguments of the page's last run, not the current URL.
    """
    state = filters.current_view()
    threshold = session.threshold()
    language = state.lang
    with handled_errors(language):
        trends, other, units, experience, own = st.tabs(
            [
                t("county.tab_trends", language),
                t("county.tab_measures", language),
                t("county.tab_units", language),
                t("county.tab_experience", language),
                t("county.tab_reported", language),
            ],
            key=f"county_tab_{language}",  # labels change with the language: so does the widget
            on_change="rerun",
        )
        with trends:
            if trends.open:
                trend_charts(state, threshold)
        with other:
            if other.open:
                measure_charts(state, threshold)
        with units:
            if units.open:
                unit_charts(state, threshold)
        with experience:
            if experience.open:
                experience_charts(state, threshold)
        with own:
            if own.open:
                reported_tables(state)


county_tabs()
