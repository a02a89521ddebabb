"""Methods: definitions, sources and conventions, the care-guarantee timeline, suppression, licence, accessibility."""

from __future__ import annotations

import polars as pl
import streamlit as st

from i18n import t
from ui import context
from views import methods
from views.format import date_text

context.through_entry_point()
state = context.current_view()
language = state.lang

st.title(t("methods.title", language))
for key in methods.INDICATOR_ORDER:
    with st.expander(t(f"indicator.{key}", language)):
        st.markdown(t(f"methods.definition_{key}", language))
st.header(t("methods.care_guarantee", language))
timeline = methods.care_guarantee_table(language)
source = t("methods.col_source", language)  # the legal source, cited as the reader's language cites it
dates = [t("methods.col_from", language), t("methods.col_to", language)]  # ISO in the view; '1.5.2011' here
timeline = timeline.with_columns(
    pl.col(source).map_elements(lambda law: t(f"methods.law.{law}", language), return_dtype=pl.String),
    *(pl.col(name).map_elements(lambda day: date_text(day, language) if day else "", pl.String) for name in dates),
)
st.dataframe(timeline, hide_index=True, width="stretch")
st.header(t("methods.suppression", language))
st.markdown(t("methods.suppression_text", language, threshold=context.threshold()))
st.header(t("methods.licence", language))
st.markdown(t("methods.licence_text", language))
st.header(t("methods.accessibility", language))
st.markdown(t("methods.accessibility_text", language))
with st.expander(t("methods.full_contract", language)):
    st.markdown(methods.metrics_document())
