"""Deck: the charts added from the pages, in order, with their titles; built as an editable PowerPoint file."""

from __future__ import annotations

import dataclasses

import streamlit as st

from charts.theme import retitle
from exports.names import export_filename
from exports.pptx import build_pptx
from exports.slides import deck_from_views
from i18n import t
from ui import cache, filters
from ui.render import BASKET, handled_errors
from views.common import ChartView

state = filters.current_view()
language = state.lang
results = cache.results()
basket: dict[str, ChartView] = st.session_state.setdefault(BASKET, {})

st.title(t("deck.title", language))
st.caption(t("deck.subtitle", language))

if not basket:
    st.info(t("deck.empty", language, button=t("deck.add", language)), icon=":material/slideshow:")
    st.stop()


def move(key: str, step: int) -> None:
    keys = list(basket)
    index = keys.index(key)
    target = min(max(index + step, 0), len(keys) - 1)
    keys[index], keys[target] = keys[target], keys[index]
    st.session_state[BASKET] = {name: basket[name] for name in keys}


def request_build() -> None:
    st.session_state["deck_build_requested"] = True


def remove(key: str) -> None:
    st.session_state[BASKET] = {name: view for name, view in basket.items() if name != key}


with handled_errors(language):
    deck_title = st.text_input(t("deck.deck_title", language), value=t("app.title", language))
    for number, (key, view) in enumerate(basket.items(), start=1):
        with st.container(border=True):
            title_column, up, down, drop = st.columns([8, 1, 1, 1], vertical_alignment="bottom")
            title_column.text_input(
                t("deck.slide_title", language, number=number), value=view.text.title, key=f"title_{key}"
            )
            up.button(
                "",
                key=f"up_{key}",
                icon=":material/arrow_upward:",
                on_click=move,
                args=(key, -1),
                help=t("deck.move_up", language),
                disabled=number == 1,
            )
            down.button(
                "",
                key=f"down_{key}",
                icon=":material/arrow_downward:",
                on_click=move,
                args=(key, 1),
                help=t("deck.move_down", language),
                disabled=number == len(basket),
            )
            drop.button(
                "",
                key=f"remove_{key}",
                icon=":material/delete:",
                on_click=remove,
                args=(key,),
                help=t("deck.remove", language),
            )
            st.caption(view.text.subtitle)

    st.button(t("deck.build", language), icon=":material/build:", type="primary", on_click=request_build)
    if st.session_state.pop("deck_build_requested", False):
        views = []
        for key, view in basket.items():
            title = st.session_state.get(f"title_{key}", view.text.title)
            text = dataclasses.replace(view.text, title=title)
            views.append(dataclasses.replace(view, text=text, figure=retitle(view.figure, title)))
        bar = st.progress(0.0, text=t("deck.building", language))
        deck = deck_from_views(views, results, title=deck_title, subtitle=filters.filters_summary(), language=language)
        pptx = build_pptx(deck, progress=lambda done, total, what: bar.progress(done / total, text=what))
        bar.empty()
        st.download_button(
            t("deck.download", language),
            data=pptx,
            file_name=export_filename(indicator="deck", period=state.period, language=language, extension="pptx"),
            mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
            icon=":material/download:",
            on_click="ignore",
        )
