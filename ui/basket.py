"""The deck basket: charts added from the pages, kept in the session in order, and the deck built from them."""

from __future__ import annotations

import dataclasses

import streamlit as st

from charts.theme import retitle
from exports.names import export_filename
from exports.pptx import Progress, build_pptx
from exports.slides import deck_from_views
from i18n import t
from store.results import Results
from views.common import ChartView

BASKET = "deck_basket"
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def basket() -> dict[str, ChartView]:
    """The session's basket: one entry per chart, in the order they were added or moved to."""
    items: dict[str, ChartView] = st.session_state.setdefault(BASKET, {})
    return items


def basket_key(view: ChartView, language: str) -> str:
    """A chart's place in the basket: the same chart with the same filters is added once."""
    return f"{view.key}|{view.region}|{view.period}|{view.indicator}|{language}"


def add(key: str, view: ChartView, language: str) -> None:
    """Button callback: put ``view`` in the basket and say how many charts it holds."""
    items = basket()
    items[key] = view
    st.toast(t("deck.added_toast", language, count=len(items)))


def move(key: str, step: int) -> None:
    """Button callback: move a chart ``step`` places (negative: towards the start), within the basket."""
    items = basket()
    keys = list(items)
    index = keys.index(key)
    target = min(max(index + step, 0), len(keys) - 1)
    keys[index], keys[target] = keys[target], keys[index]
    st.session_state[BASKET] = {name: items[name] for name in keys}


def remove(key: str) -> None:
    """Button callback: take a chart out of the basket."""
    st.session_state[BASKET] = {name: view for name, view in basket().items() if name != key}


def build(
    titles: dict[str, str],
    results: Results,
    *,
    title: str,
    subtitle: str,
    language: str,
    progress: Progress,
) -> bytes:
    """The basket as an editable PowerPoint file, each slide under the title given for it in ``titles``."""
    views = []
    for key, view in basket().items():
        slide_title = titles.get(key, view.text.title)
        text = dataclasses.replace(view.text, title=slide_title)
        views.append(dataclasses.replace(view, text=text, figure=retitle(view.figure, slide_title)))
    deck = deck_from_views(views, results, title=title, subtitle=subtitle, language=language)
    return build_pptx(deck, progress=progress)


def file_name(period: str, language: str) -> str:
    return export_filename(indicator="deck", period=period, language=language, extension="pptx")
