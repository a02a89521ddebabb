"""How a chart view appears on a page: the figure, its table alternative, and its downloads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from core.errors import DashboardError
from i18n import t
from views.common import ChartView, table_for_display
from views.indicators import INDICATORS

PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"], "responsive": True}


def show_chart(view: ChartView, language: str) -> None:
    """The figure, then a "show as table" expander with the same (suppressed) numbers."""
    st.plotly_chart(view.figure, width="stretch", config=PLOTLY_CONFIG, key=f"chart_{view.key}")
    indicator = INDICATORS.get(view.indicator)
    percent = bool(indicator and indicator.percent)
    with st.expander(t("common.show_table", language)):
        if view.text.suppression_note:
            st.caption(view.text.suppression_note)
        st.dataframe(table_for_display(view.data, language, percent=percent), hide_index=True, width="stretch")
        st.caption(view.text.caption)


@contextmanager
def handled_errors(language: str) -> Iterator[None]:
    """Show a handled failure (the DashboardError family) to the user and stop the page; anything else surfaces."""
    try:
        yield
    except DashboardError as error:
        st.error(f"**{t('error.title', language)}**\n\n{error}")
        st.stop()


def sample_badge(language: str, sample: bool) -> None:
    if sample:
        st.warning(t("common.sample_badge", language), icon=":material/warning:")
