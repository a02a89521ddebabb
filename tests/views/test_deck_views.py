"""A deck never carries a slide of empty axes."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from charts.theme import ChartText
from views.common import ChartView
from views.deck import shows_values

TEXT = ChartText(title="T3 per health centre", subtitle="", caption="Source: test")


def view(data: pl.DataFrame) -> ChartView:
    return ChartView("county_t3_units", go.Figure(), data, TEXT, "t3", "08", "2025")


def test_a_chart_without_rows_is_left_out() -> None:
    assert not shows_values(view(pl.DataFrame({"label": [], "value": []})))


def test_a_chart_whose_every_cell_is_suppressed_is_left_out() -> None:
    assert not shows_values(
        view(pl.DataFrame({"label": ["A", "B"], "value": [None, None], "suppressed": [True, True]}))
    )


def test_a_chart_with_one_shown_cell_stays() -> None:
    assert shows_values(view(pl.DataFrame({"label": ["A", "B"], "value": [None, 12.0], "suppressed": [True, False]})))
    assert shows_values(view(pl.DataFrame({"label": ["A"], "value": [12.0]})))
