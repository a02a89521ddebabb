"""Investments: each RRP investment's funding, counties, status reports, and whether its indicators moved."""

from __future__ import annotations

import streamlit as st

from data_sources.reference import participants as shipped_participants
from data_sources.reference import status_report_periods
from i18n import t
from ui import cache, filters, session
from ui.render import handled_errors, sample_badge, show_chart, show_table
from views import investments
from views.indicators import INDICATORS

state = filters.current_view()
results = cache.results()
threshold = session.threshold()
language = state.lang

st.title(t("investments.title", language))
st.caption(t("investments.subtitle", language))
# The tables above the evaluation are the documents' own facts; the evaluation says its own source and
# carries the badge only when its outcome is computed from the sample.

with handled_errors(language):
    table = investments.investment_table(results, language)
    show_table(
        table.rename({name: t(f"investments.col_{name}", language) for name in table.columns}),
        width="stretch",
    )
    options = [(row["round"], row["number"]) for row in table.iter_rows(named=True)]
    names = {(row["round"], row["number"]): row["name"] for row in table.iter_rows(named=True)}
    chosen = st.selectbox(
        t("investments.choose", language),
        options,
        index=options.index(("RRP4", 1)) if ("RRP4", 1) in options else 0,
        format_func=lambda key: f"{key[0]} · {t('investments.investment', language)} {key[1]}: {names[key]}",
        key="investment_choice",
    )
    round_, number = chosen
    people = investments.evaluation_participants(shipped_participants(), results, round_, number, language)
    st.header(t("investments.counties", language))
    columns = ("county", "work_started", "go_live", "used", "status_report", "source")
    show_table(
        people.select(columns).rename({name: t(f"investments.col_{name}", language) for name in columns}),
        width="stretch",
    )
    st.header(t("investments.status", language))
    st.caption(t("investments.status_language_note", language))
    periods = status_report_periods()
    choices = investments.report_choices(results, periods)
    chosen_reports = st.multiselect(
        t("investments.choose_reports", language),
        [report for report, _period in choices],
        default=[report for report, _period in choices],
        format_func=lambda report: t(
            "investments.report_label", language, period=dict(choices).get(report, ""), report=report
        ),
        key="investment_reports",
    )
    entries = investments.status_entries(
        results, round_, number, region=state.region, periods=periods, reports=chosen_reports
    )
    if entries.is_empty():
        st.info(t("investments.no_status", language))
    else:
        st.subheader(t("investments.status_by_period", language))
        st.caption(t("investments.status_by_period_intro", language))
        show_table(investments.status_over_time(entries, language), width="stretch")
    for section in investments.SECTIONS:
        rows = entries.filter(entries["section"] == section)
        if rows.is_empty():
            continue
        with st.expander(f"{t(f'investments.section_{section}', language)} ({rows.height})"):
            for row in rows.iter_rows(named=True):
                light = (
                    f" · {t('investments.traffic_light', language)}: {row['traffic_light']}"
                    if row["traffic_light"]
                    else ""
                )
                st.markdown(f"{row['text_fi']}{light}")
                st.caption(f"{row['period'] or ''} · {row['report']} · {row['seed_file']}:{row['seed_line']}")

    st.header(t("evaluation.title", language))
    key = filters.indicator_picker(state, allowed=investments.OUTCOMES)
    state = filters.current_view()
    st.caption(investments.outcome_source(results, key, language))
    sample_badge(language, results.sample_data and not INDICATORS[key].published)
    design_column, comparison_column = st.columns(2)
    design = design_column.radio(
        t("evaluation.design", language),
        investments.DESIGNS,
        format_func=lambda item: t(f"evaluation.design_{item}", language),
        key="investment_design",
    )
    if design == "status_report":
        design_column.caption(t("evaluation.design_status_report_note", language))
    choice = comparison_column.radio(
        t("evaluation.comparison", language),
        investments.COMPARISONS,
        format_func=lambda item: t(f"evaluation.comparison_{item}", language),
        key="investment_comparison",
    )
    comparison = investments.comparison_counties(results, round_, number, choice)
    comparison_column.caption(
        t(
            "evaluation.comparison_members",
            language,
            count=len(comparison),
            names=investments.names(comparison, language),
        )
    )
    evaluation = investments.evaluate(
        results, state, key, people, design=design, comparison=comparison, threshold=threshold
    )
    words = investments.evaluation_text(evaluation, people, language)
    with st.container(horizontal=True, gap="large"):
        st.metric(t("investments.did_effect", language), words.effect, width="content")
        explanation = st.container()
    with explanation:
        for line in words.lines:
            st.markdown(line)
        for warning in words.warnings:
            st.warning(warning, icon=":material/info:")
    with st.expander(t("investments.did_assumptions", language)):
        st.markdown("\n".join(f"- {item}" for item in investments.assumptions(language)))
    events = investments.event_study_view(results, state, evaluation, threshold=threshold)
    if events is not None:
        show_chart(events, language)
        st.caption(f"{t('evaluation.event_note', language)} {t('evaluation.event_vs_estimate', language)}")
    synthetic = investments.synthetic_view(results, state, evaluation, threshold=threshold)
    rank = investments.synthetic_rank(evaluation)
    if synthetic is not None and rank is not None:
        show_chart(synthetic, language)
        st.caption(t("evaluation.synth_note", language, rank=rank[0], n=rank[1]))
    markers = investments.evaluation_markers(evaluation, language)
    trend = investments.group_trend(
        results, state, key, list(evaluation.starts), threshold=threshold, starts=markers, comparison=comparison
    )
    show_chart(trend, language)
    st.caption(t("evaluation.method", language))
