"""A slide's notes show a share's figures in the units its page table shows them: percentages, limits included."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from charts.theme import ChartText
from exports.pptx import row_notes
from exports.slides import slide_for
from tests.views.builders import results
from views.common import ChartView

TEXT = ChartText(title="Funnel", subtitle="", caption="Source: test")
FUNNEL_ROW = pl.DataFrame(
    {"label": ["Lappi"], "value": [0.6], "n": [200], "lower_95": [0.55], "upper_95": [0.75]},
)


def funnel_view(indicator: str) -> ChartView:
    return ChartView(key="compare_funnel", figure=go.Figure(), data=FUNNEL_ROW, text=TEXT, indicator=indicator)


def test_a_share_slide_shows_its_value_and_funnel_limits_as_percentages() -> None:
    slide = slide_for(funnel_view("access_7d"), results(), "en")
    assert slide.percent_columns == ("value", "lower_95", "upper_95")
    notes = row_notes(slide.data, "en", percent_columns=slide.percent_columns)
    assert notes == ["Lappi: 60.0 %; lower_95 55.0 %; upper_95 75.0 %; n = 200"]


def test_an_index_slide_shows_its_figures_as_they_are() -> None:
    assert slide_for(funnel_view("coc"), results(), "en").percent_columns == ()
