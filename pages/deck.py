"""Deck: the charts added from the pages, in order, with their titles; built as an editable PowerPoint file."""

from __future__ import annotations

import streamlit as st

from i18n import t
from ui import basket, cache, filters
from ui.render import handled_errors

state = filters.current_view()
language = state.lang
results = cache.results()
charts = basket.basket()

st.title(t("deck.title", language))
st.caption(t("deck.subtitle", language))

if not charts:
    st.info(t("deck.empty", language, button=t("deck.add", language)), icon=":material/slideshow:")
    st.stop()


def request_build() -> None:
    st.session_state["deck_build_requested"] = True


with handled_errors(language):
    deck_title = st.text_input(t("deck.deck_title", language), value=t("app.title", language))
    for number, (key, view) in enumerate(charts.items(), start=1):
        with st.container(border=True):
            title_column, up, down, drop = st.columns([8, 1, 1, 1], vertical_alignment="bottom")
            title_column.text_input(
                t("deck.slide_title", language, number=number), value=view.text.title, key=f"title_{key}"
            )
            up.button(
                "",
                key=f"up_{key}",
                icon=":material/arrow_upward:",
                on_click=basket.move,
                args=(key, -1),
                help=t("deck.move_up", language),
                disabled=number == 1,
            )
            down.button(
                "",
                key=f"down_{key}",
                icon=":material/arrow_downward:",
                on_click=basket.move,
                args=(key, 1),
                help=t("deck.move_down", language),
                disabled=number == len(charts),
            )
            drop.button(
                "",
                key=f"remove_{key}",
                icon=":material/delete:",
                on_click=basket.remove,
                args=(key,),
                help=t("deck.remove", language),
            )
            st.caption(view.text.subtitle)

    st.button(t("deck.build", language), icon=":material/build:", type="primary", on_click=request_build)
    if st.session_state.pop("deck_build_requested", False):
        titles = {key: st.session_state.get(f"title_{key}", view.text.title) for key, view in charts.items()}
        bar = st.progress(0.0, text=t("deck.building", language))

        def progress(done: int, total: int, what: str) -> None:
            bar.progress(done / total, text=what)

        pptx = basket.build(
            titles, results, title=deck_title, subtitle=filters.filters_summary(), language=language, progress=progress
        )
        bar.empty()
        st.download_button(
            t("deck.download", language),
            data=pptx,
            file_name=basket.file_name(state.period, language),
            mime=basket.PPTX_MIME,
            icon=":material/download:",
            on_click="ignore",
        )
