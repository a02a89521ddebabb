"""Data: sources with freshness and licence, refresh with progress, extract uploads with their reports, history."""

from __future__ import annotations

import polars as pl
import streamlit as st

from i18n import t
from store.catalogue import import_report
from ui import actions, cache, filters, imports, session
from ui.downloads import dataset_downloads
from ui.locked import locked_notice
from ui.render import handled_errors, sample_badge, show_table
from ui.text import literal
from views import data


def table(frame: pl.DataFrame, language: str) -> None:
    """A table whose numbers (text in the language's format) are aligned right, as numbers are."""
    config = {label: st.column_config.TextColumn(alignment="right") for label in data.number_labels(language)}
    show_table(frame, width="stretch", column_config=config)


state = filters.current_view()
language = state.lang
engine = session.current_engine()
settings = session.settings()

st.title(t("data.title", language))
st.caption(t("data.subtitle", language))
sample_badge(language, cache.results().sample_data)

with handled_errors(language):
    st.header(t("data.published", language))
    for line in data.refresh_status(engine, language):
        st.markdown(f"- {literal(line)}")  # holds the remote source's own words when a refresh failed
    series = data.published_series(engine, language)
    table(series.rename({name: t(f"data.col_{name}", language) for name in series.columns}), language)
    st.caption(t("data.licence_line", language))
    dataset_downloads(state.lang)  # the whole data set shown, as the viewer may see it
    policy = session.access_policy()
    if not policy.may_import:
        locked_notice("data.import_needs_role", language)
    if policy.may_import and st.button(
        t("data.refresh", language), icon=":material/sync:", disabled=not policy.may_refresh
    ):
        actions.refresh(engine, settings, policy, language)

    if policy.may_import:
        imports.upload_form(engine, settings, policy, language)  # says a failure itself: the page stays whole

    st.header(t("data.imports", language))
    history = data.imports_table(cache.results().imports, language)
    table(history, language)

    st.header(t("data.report", language))
    ids = data.import_ids(engine)
    if ids:
        chosen = st.selectbox(
            t("data.report_choose", language),
            ids,
            index=ids.index(st.session_state["report_import"]) if st.session_state.get("report_import") in ids else 0,
            format_func=data.import_labels(engine, language).__getitem__,
        )
        report = import_report(engine, chosen)
        if not data.report_visible(policy.unit_regions):
            locked_notice("disclosure.report_needs_role", language)
        elif not report.detailed:
            st.caption(t("data.report_counts_only", language))
        else:
            reasons = data.reasons_table(report, language)
            st.markdown(f"**{t('data.report_reasons', language)}**")
            if reasons.is_empty():
                st.caption(t("data.report_clean", language))
            else:
                table(reasons, language)
            notes = data.report_notes(report, language)
            if notes:
                st.markdown(f"**{t('data.report_notes', language)}**")
                for line in notes:
                    st.markdown(f"- {literal(line)}")  # holds the file's own column names
            coverage = data.coverage_table(report, language, policy.unit_regions)
            if not coverage.is_empty():
                st.markdown(f"**{t('data.report_coverage', language)}**")
                table(coverage, language)
