"""Data: what the store holds, how fresh it is, and where it came from."""

from __future__ import annotations

import streamlit as st

from i18n import t
from store.queries import import_history, source_freshness

LANGUAGE = "fi"

engine = st.session_state["engine"]
st.title(t("app.title", LANGUAGE))
st.caption(t("app.subtitle", LANGUAGE))

history = import_history(engine)
if (history["imported_by"] == "synthetic sample data generator").any():
    st.warning(t("common.sample_badge", LANGUAGE), icon="⚠️")

st.subheader("Julkaistut sarjat · Published series")
st.dataframe(source_freshness(engine), hide_index=True, width="stretch")
st.subheader("Tuonnit · Imports")
st.dataframe(history, hide_index=True, width="stretch")
