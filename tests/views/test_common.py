"""What every chart view carries: built by name, so a reordered field cannot swap a region for a period."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import pytest

from charts.theme import ChartText
from views.common import ChartView

TEXT = ChartText(title="Title", subtitle="", caption="")


def test_a_chart_view_is_built_with_keyword_arguments_only() -> None:
    with pytest.raises(TypeError, match="positional"):
        ChartView("county_t3_units", go.Figure(), pl.DataFrame(), TEXT)  # type: ignore[call-arg]


def test_a_chart_view_built_by_name_keeps_each_field() -> None:
    view = ChartView(key="k", figure=go.Figure(), data=pl.DataFrame(), text=TEXT, region="08", period="2025")
    assert (view.key, view.region, view.period, view.indicator, view.notes) == ("k", "08", "2025", "", ())
