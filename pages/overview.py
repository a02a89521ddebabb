"""Overview: THL's published headline figures first, then those computed from extracts, and every county at a
glance against the country."""

from __future__ import annotations

import streamlit as st

from data_sources.reference import reported_figures
from i18n import t
from store.measure_tables import AGE_TABLES, read_measures, with_age_tables
from store.results import Results
from ui import cache, filters, session
from ui.render import handled_errors, headline_cards, sample_badge, show_chart
from views import county, measures, overview, reported
from views.ages import age_line
from views.common import area_label
from views.indicators import INDICATORS, PUBLISHED_HEADLINES
from views.overview import Headline
from views.state import ALL_REGIONS, ViewState

PUBLISHED_HEADLINE = INDICATORS[PUBLISHED_HEADLINES[0]]


def _overview_measure_cards(results: Results, state: ViewState, *, threshold: int) -> tuple[Headline, ...]:
    """The other measures' cards (:func:`cache.view`: once per store version, data set, state and threshold), from
    the measure tables read once per store version and data set, their age tables from ``results``."""
    read = cache.stored(read_measures, results.dataset, AGE_TABLES)
    tables = with_age_tables(read, access_age=results.access_age, continuity_age=results.continuity_age)
    return measures.measure_headlines(results, tables, state, threshold=threshold)


state = filters.current_view()
results = cache.results()
threshold = session.threshold()
language = state.lang

st.title(t("overview.title", language))
area = t("common.national", language) if state.region == ALL_REGIONS else area_label(state.region, language)
st.caption(t("overview.subtitle", language, area=area, period=state.period))

with handled_errors(language):
    # The area's own reported figures: a target's verdict may rest on one (Kanta-Häme's NPS).
    points = reported.reported_points(reported_figures(), county.area_of(state))
    # THL's own figures: real, without intervals, never badged as sample data.
    st.header(t("overview.published_heading", language))
    headline_cards(cache.view(overview.published_headlines, state, threshold=threshold, reported=points), language)
    st.caption(cache.view(overview.published_caption, language))
    age_note = age_line(state, PUBLISHED_HEADLINE)  # THL's cards are of all ages: said once, under them
    if age_note:
        st.caption(age_note)

    # Figures computed from extracts: the synthetic sample unless an extract is imported, and badged so.
    heading, note = cache.view(overview.computed_heading, language)
    st.header(heading)
    st.caption(note)
    sample_badge(language, results.sample_data)
    headline_cards(cache.view(overview.headlines, state, threshold=threshold, reported=points), language)
    measure_cards = cache.view(_overview_measure_cards, state, threshold=threshold)
    if measure_cards:
        st.subheader(t("overview.measures_heading", language))
        st.caption(t("overview.measures_note", language))
        headline_cards(measure_cards, language)

    st.header(t("overview.counties", language))
    filters.indicator_picker(state)
    state = filters.current_view()
    tiles, ranking = st.columns([1, 1])
    with tiles:
        show_chart(cache.view(overview.county_map, state, threshold=threshold), language)
    with ranking:
        show_chart(cache.view(overview.county_ranking, state, threshold=threshold), language)
