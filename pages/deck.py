"""Deck: the charts added from the pages as slide previews, in order, with their titles; one click builds and
downloads the editable PowerPoint file, another the same slides as a PDF profile."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from charts.theme import unframed
from exports.pdf import find_office
from exports.slides import CheckedAs, filters_in_words
from i18n import t
from ui import basket, cache, filters
from ui.render import export_check, handled_errors
from ui.text import literal

PREVIEW_CONFIG = {"staticPlot": True, "displayModeBar": False, "responsive": True}


def thumbnail(figure: go.Figure) -> go.Figure:
    """The chart as the slide holds it (without the page's text frame), small: half its height (a ranking of
    22 counties stays legible), between 200 and 400 pixels, in a smaller font."""
    small = unframed(figure)
    height = min(400, max(200, round((figure.layout.height or 420) / 2)))
    small.update_layout(height=height, margin={"t": 10, "b": 10, "l": 10, "r": 10}, showlegend=False, font={"size": 9})
    return small


state = filters.current_view()
language = state.lang
results = cache.results()
charts = basket.basket()

st.title(t("deck.title", language))
st.caption(t("deck.subtitle", language))

if not charts:
    st.info(t("deck.empty", language, button=t("deck.add", language)), icon=":material/slideshow:")
    st.stop()

with handled_errors(language):
    deck_title = st.text_input(t("deck.deck_title", language), value=t("app.title", language))
    for number, (key, view) in enumerate(charts.items(), start=1):
        with st.container(border=True):
            preview, body = st.columns([2, 3], vertical_alignment="center")
            preview.plotly_chart(
                thumbnail(view.figure), width="stretch", config=PREVIEW_CONFIG, key=f"preview_{key}", theme=None
            )
            preview.caption(t("deck.preview", language, number=number))
            with body:
                title_column, up, down, drop = st.columns([8, 1, 1, 1], vertical_alignment="bottom")
                title = title_column.text_input(
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
                shown = basket.shown_title(view, title, language)
                st.markdown(t("deck.on_slide", language, title=f"**{literal(shown)}**"))
                st.caption(view.text.subtitle)

    # Built when the button is pressed (one click builds and downloads), from the titles as they are now.
    keys, views = list(charts), list(charts.values())
    titles = {key: st.session_state.get(f"title_{key}", view.text.title) for key, view in charts.items()}
    # The audit is read when the file is made, not on every rerun: of the viewer's role and the deck's data set.
    checking = export_check(results)
    subtitle = filters_in_words(state)

    def pptx() -> bytes:
        checked = CheckedAs(threshold=checking.threshold, role=checking.role, audit=checking.audit())
        return basket.build(
            views, titles, results, keys=keys, title=deck_title, subtitle=subtitle, language=language, checked=checked
        )

    pptx_column, pdf_column = st.columns(2)
    pptx_column.download_button(
        t("deck.download", language),
        data=pptx,
        file_name=basket.file_name(state.period, language),
        mime=basket.PPTX_MIME,
        icon=":material/download:",
        type="primary",
        on_click="ignore",
        width="stretch",
    )
    if find_office() is None:
        pdf_column.caption(t("deck.pdf_unavailable", language))
    else:
        pdf_column.download_button(
            t("deck.download_pdf", language),
            data=lambda: basket.build_pdf(pptx()),
            file_name=basket.file_name(state.period, language, "pdf"),
            mime=basket.PDF_MIME,
            icon=":material/picture_as_pdf:",
            on_click="ignore",
            width="stretch",
        )
