"""Investments: each RRP investment's funding, counties, status reports, and whether its indicators moved."""

from __future__ import annotations

import streamlit as st

from i18n import t
from ui import cache, filters, session
from ui.render import handled_errors, sample_badge, show_chart, show_table
from views import investments

state = filters.current_view()
results = cache.results()
threshold = session.threshold()
language = state.lang

st.title(t("investments.title", language))
st.caption(t("investments.subtitle", language))
sample_badge(language, results.sample_data)

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
    people = investments.participants(results, round_, number, language)
    left, right = st.columns([1, 2])
    with left:
        st.header(t("investments.counties", language))
        show_table(
            people.drop("region_code").rename(
                {name: t(f"investments.col_{name}", language) for name in ("county", "start", "source")}
            ),
            width="stretch",
        )
    with right:
        st.header(t("investments.status", language))
        st.caption(t("investments.status_language_note", language))
        entries = investments.status_entries(results, round_, number, region=state.region)
        if entries.is_empty():
            st.info(t("investments.no_status", language))
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
                    st.caption(f"{row['report']} · {row['seed_file']}:{row['seed_line']}")

    st.header(t("investments.effect", language))
    key = filters.indicator_picker(state, allowed=("access_7d", "access_14d", "t3", "coc", "upc", "nps"))
    state = filters.current_view()
    treated = people["region_code"].to_list()
    markers = investments.start_markers(people, language)
    show_chart(investments.group_trend(results, state, key, treated, threshold=threshold, starts=markers), language)

    st.header(t("investments.did_title", language))
    result = investments.did_estimate(results, state, key, people, threshold=threshold)
    summary = investments.did_summary(result, key, people, language)
    # The estimate takes the width its value needs ('−4,7 %-enh.'); the explanation the rest, below it if narrow.
    with st.container(horizontal=True, gap="large"):
        st.metric(t("investments.did_effect", language), summary.effect, width="content")
        explanation = st.container()
    with explanation:
        st.markdown(summary.interval)
        st.markdown(summary.pre_trend)
        for warning in summary.warnings:
            st.warning(warning, icon=":material/info:")
    with st.expander(t("investments.did_assumptions", language), expanded=True):
        st.markdown("\n".join(f"- {item}" for item in summary.assumptions))
        st.caption(t("investments.did_method", language))
    if summary.excluded.height:
        with st.expander(t("investments.did_excluded", language)):
            show_table(summary.excluded, width="stretch")
