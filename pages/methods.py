"""Methods, for the people who read the figures: every indicator's definition, the care-guarantee timeline,
comparability with THL, suppression, licence and accessibility. The developers' contract stays in docs/."""

from __future__ import annotations

import streamlit as st

from i18n import t
from ui import filters, session
from ui.render import show_static_table, show_table
from views import data, methods
from views.definitions import DEFINED, definition

state = filters.current_view()
language = state.lang
threshold = session.threshold()

st.title(t("methods.title", language))
st.header(t("methods.definitions", language))
for key in DEFINED:
    explained = definition(key, language, threshold=threshold)
    with st.expander(explained.title):
        st.markdown(explained.markdown(language))
st.header(t("methods.care_guarantee", language))
show_table(methods.care_guarantee_table(language), width="stretch")
st.header(t("methods.comparability", language))
st.markdown(t("methods.comparability_intro", language))
# static tables: their cells are sentences, which wrap here and would be cut short in a data grid
show_static_table(methods.comparability_table(language))
for pair in methods.definition_pairs():
    st.subheader(t("methods.side_by_side", language, indicator=t(f"indicator.{pair.indicator}", language)))
    show_static_table(methods.definitions_side_by_side(pair, language, threshold=threshold))
st.header(t("methods.import_columns", language))
st.markdown(t("methods.import_columns_intro", language))
for table, name in data.table_names(language).items():
    st.subheader(name)
    show_static_table(data.column_table(table, language))
    st.download_button(
        t("data.template_download", language, table=name),
        data.template_csv(table),
        file_name=f"{table}_template.csv",
        mime="text/csv",
        key=f"template_{table}",
    )
st.header(t("methods.own_figures", language))
st.markdown(t("methods.own_figures_text", language))
st.header(t("methods.suppression", language))
st.markdown(t("methods.suppression_text", language, threshold=threshold))
st.header(t("methods.licence", language))
st.markdown(t("methods.licence_text", language))
st.header(t("methods.accessibility", language))
st.markdown(t("methods.accessibility_text", language))
st.caption(t("methods.developer_contract", language))
