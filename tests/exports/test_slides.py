"""A chart with nothing to show says why, and a deck never carries a slide of empty axes."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from charts.theme import ChartText
from views.common import ChartView

TEXT = ChartText(title="T3 per health centre", subtitle="", caption="Source: test")


def view(data: pl.DataFrame) -> ChartView:
    return ChartView(
        key="county_t3_units", figure=go.Figure(), data=data, text=TEXT, indicator="t3", region="08", period="2025"
    )


def test_a_chart_without_rows_has_no_data() -> None:
    assert view(pl.DataFrame({"label": [], "value": []})).nothing_to_show() == "no_data"


def test_a_chart_whose_every_cell_is_suppressed_is_all_hidden() -> None:
    data = pl.DataFrame({"label": ["A", "B"], "value": [None, None], "suppressed": [True, True]})
    assert view(data).nothing_to_show() == "all_hidden"


def test_a_chart_with_one_shown_cell_shows_values() -> None:
    data = pl.DataFrame({"label": ["A", "B"], "value": [None, 12.0], "suppressed": [True, False]})
    assert view(data).nothing_to_show() is None
    assert view(pl.DataFrame({"label": ["A"], "value": [12.0]})).nothing_to_show() is None
