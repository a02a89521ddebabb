"""The deck basket: charts added from the pages, kept in the session in order, and the deck built from them."""

from __future__ import annotations

import dataclasses

import streamlit as st

from charts.theme import retitle
from exports.names import export_filename
from exports.pdf import pptx_to_pdf
from exports.pptx import TITLE_WIDTH, build_pptx
from exports.slides import CheckedAs, deck_from_views, period_text
from exports.titles import fit_title, slide_title
from i18n import t, tn
from i18n.format import count
from store.results import Results
from views.common import ChartView, area_label
from views.state import ALL_REGIONS

BASKET = "deck_basket"
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
PDF_MIME = "application/pdf"


def basket() -> dict[str, ChartView]:
    """The session's basket: one entry per chart, in the order they were added or moved to."""
    items: dict[str, ChartView] = st.session_state.setdefault(BASKET, {})
    return items


def basket_key(view: ChartView, language: str) -> str:
    """A chart's place in the basket: the same chart with the same filters is added once."""
    return f"{view.key}|{view.region}|{view.period}|{view.indicator}|{language}"


#: The basket's size to announce on the next run: a callback draws nothing (in a fragment's rerun what it drew
#: would land at the top of the app), so :func:`announce` says it where the button is drawn.
_PENDING_TOAST = "deck_basket_toast"


def add(key: str, view: ChartView, language: str) -> None:
    """Button callback: put ``view`` in the basket; the next run says how many slides it holds (:func:`announce`)."""
    items = basket()
    items[key] = view
    st.session_state[_PENDING_TOAST] = len(items)


def announce(language: str) -> None:
    """After an add: a toast saying how many slides the basket holds ("1 slide", "2 slides"), once."""
    size = st.session_state.pop(_PENDING_TOAST, None)
    if size is not None:
        st.toast(tn("deck.added_count", size, language, n=count(size, language)))


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


def shown_title(view: ChartView, title: str, language: str) -> str:
    """The title the slide of ``view`` shows for the chart title ``title``: with its county and period, on one
    line (as :func:`exports.slides.slide_for` and :mod:`exports.pptx` make it)."""
    area = t("filter.county_all", language) if view.region == ALL_REGIONS else area_label(view.region, language)
    return fit_title(slide_title(title, area=area, period=period_text(view)), TITLE_WIDTH).text


def build(
    views: list[ChartView],
    titles: dict[str, str],
    results: Results,
    *,
    keys: list[str],
    title: str,
    subtitle: str,
    language: str,
    checked: CheckedAs,
) -> bytes:
    """``views`` (the basket's charts, under ``keys``) as an editable PowerPoint file, each slide under the title
    given for it in ``titles``; the notes carry the output check report (``checked``)."""
    retitled = []
    for key, view in zip(keys, views, strict=True):
        slide_title_text = titles.get(key, view.text.title)
        text = dataclasses.replace(view.text, title=slide_title_text)
        retitled.append(dataclasses.replace(view, text=text, figure=retitle(view.figure, slide_title_text)))
    deck = deck_from_views(retitled, results, title=title, subtitle=subtitle, language=language, checked=checked)
    return build_pptx(deck)


def build_pdf(pptx: bytes) -> bytes:
    """The deck's slides as a PDF profile (LibreOffice draws them)."""
    return pptx_to_pdf(pptx)


def file_name(period: str, language: str, extension: str = "pptx") -> str:
    return export_filename(indicator="deck", period=period, language=language, extension=extension)
