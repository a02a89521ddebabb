"""Compare counties fairly: intervals, funnel limits, trends side by side, access against continuity."""

from __future__ import annotations

import streamlit as st

from i18n import t
from ui import cache, filters, session
from ui.render import handled_errors, sample_badge, show_chart
from views import compare
from views.indicators import INDICATORS

state = filters.current_view()
results = cache.results()
threshold = session.threshold()
language = state.lang

st.title(t("compare.title", language))
st.caption(t("compare.subtitle", language, period=state.period))
# THL's published series are real whatever the store holds: the page is marked only for computed figures
sample_badge(language, results.sample_data and not INDICATORS[state.indicator].published)

with handled_errors(language):
    filters.indicator_picker(state)
    state = filters.current_view()
    # one under the other: at half width the funnel's legend and notes crowd its plot on a laptop screen
    show_chart(cache.view(compare.ranking, state, threshold=threshold), language)
    funnel = cache.view(compare.funnel, state, threshold=threshold)
    if funnel is None:  # why not, in words: not a share, no counts published, no good direction
        st.info(t(compare.funnel_absence(INDICATORS[state.indicator]) or "compare.funnel_only_shares", language))
    else:
        show_chart(funnel, language)
    # Every county's panel whatever county or year is picked: one view per language, profession and indicator.
    show_chart(cache.view(compare.trends, state.only(*compare.TRENDS_READ), threshold=threshold), language)
    show_chart(cache.view(compare.access_continuity, state, threshold=threshold), language)
