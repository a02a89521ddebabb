"""Overview: the headline for the four indicator families, and every county at a glance."""

from __future__ import annotations

import streamlit as st

from i18n import t
from i18n.format import count
from ui import cache, filters, session
from ui.render import handled_errors, sample_badge, show_chart
from views import overview
from views.common import area_label
from views.state import ALL_REGIONS

CARD_WIDTH = 220  # px: holds '11,0 dygn' and the longest short title

state = filters.current_view()
results = cache.results()
threshold = session.threshold()
language = state.lang

st.title(t("overview.title", language))
area = t("common.national", language) if state.region == ALL_REGIONS else area_label(state.region, language)
st.caption(t("overview.subtitle", language, area=area, period=state.period))
sample_badge(language, results.sample_data)

with handled_errors(language):
    # Cards of a fixed width in a wrapping row: four across on a wide page, two by two in a 1024 px window,
    # where a quarter of the page cannot hold '63,7 %' at the card's type size.
    with st.container(horizontal=True, horizontal_alignment="distribute", gap="small"):
        for item in cache.view(overview.headlines, state, threshold=threshold):
            with st.container(border=True, width=CARD_WIDTH):
                st.metric(
                    item.short_title,
                    t("common.suppressed_value", language) if item.suppressed else item.value,
                    delta=item.change or None,
                    delta_color=item.delta_color,
                    delta_arrow=item.delta_arrow,
                    help=t("overview.metric_help", language, title=item.title, n=count(item.n, language)),
                )
                if item.target:
                    st.caption(item.target)

    st.header(t("overview.counties", language))
    filters.indicator_picker(state)
    state = filters.current_view()
    tiles, ranking = st.columns([1, 1])
    with tiles:
        show_chart(cache.view(overview.county_map, state, threshold=threshold), language)
    with ranking:
        show_chart(cache.view(overview.county_ranking, state, threshold=threshold), language)
