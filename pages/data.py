"""Data: sources with freshness and licence, refresh with progress, extract uploads with their reports, history."""

from __future__ import annotations

import streamlit as st

from data_sources.sotkanet import SotkanetClient
from data_sources.thl_cube import ThlCubeClient
from i18n import t
from pipeline.indicators import refresh_sotkanet, refresh_thl_cube
from ui import context
from ui.render import handled_errors, sample_badge
from views import data

context.through_entry_point()
state = context.current_view()
language = state.lang
engine = context.current_engine()
settings = context.settings()

st.title(t("data.title", language))
st.caption(t("data.subtitle", language))
sample_badge(language, context.results().sample_data)

with handled_errors(language):
    st.subheader(t("data.published", language))
    for line in data.refresh_status(engine, language):
        st.markdown(f"- {line}")
    series = data.published_series(engine, language)
    st.dataframe(
        series.rename({name: t(f"data.col_{name}", language) for name in series.columns}),
        hide_index=True,
        width="stretch",
    )
    st.caption(t("data.licence_line", language))
    if st.button(t("data.refresh", language), icon="🔄"):
        bar = st.progress(0.0, text=t("data.refreshing", language))
        years = range(2019, int(state.period or "2025") + 1)
        with SotkanetClient(settings.sotkanet_url) as client:
            sotkanet = refresh_sotkanet(
                engine,
                client,
                settings.sotkanet_indicators,
                years=years,
                progress=lambda fraction, message: bar.progress(fraction * 0.8, text=message),
            )
        with ThlCubeClient(settings.thl_url) as client:
            cube = refresh_thl_cube(
                engine, client, progress=lambda fraction, message: bar.progress(0.8 + fraction * 0.2, text=message)
            )
        bar.empty()
        for outcome in (sotkanet, cube):
            message = t(
                "data.refresh_outcome",
                language,
                source=data.ATTRIBUTION[outcome.source],
                updated=len(outcome.updated),
                unchanged=len(outcome.unchanged),
                failed=len(outcome.failed),
            )
            (st.success if outcome.ok else st.warning)(message)

    st.subheader(t("data.imports", language))
    st.dataframe(data.imports_table(engine, language), hide_index=True, width="stretch")
