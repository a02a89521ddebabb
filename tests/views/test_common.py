"""What every chart view carries: built by name, so a reordered field cannot swap a region for a period."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import pytest

from charts.theme import ChartText
from i18n import t
from views.common import ChartView, codes_in_words

TEXT = ChartText(title="Title", subtitle="", caption="")


def test_a_chart_view_is_built_with_keyword_arguments_only() -> None:
    with pytest.raises(TypeError, match="positional"):
        ChartView("county_t3_units", go.Figure(), pl.DataFrame(), TEXT)  # type: ignore[call-arg]


def test_a_chart_view_built_by_name_keeps_each_field() -> None:
    view = ChartView(key="k", figure=go.Figure(), data=pl.DataFrame(), text=TEXT, region="08", period="2025")
    assert (view.key, view.region, view.period, view.indicator, view.notes) == ("k", "08", "2025", "", ())


@pytest.mark.parametrize(
    ("language", "flag", "comparison"),
    [
        ("fi", "yli 99,8 %:n ylärajan", "Parempi kuin koko maa"),
        ("en", "above the 99.8 % limit", "Better than the country"),
    ],
)
def test_coded_columns_read_as_words_in_tables_and_downloads(language: str, flag: str, comparison: str) -> None:
    """The CSV/XLSX downloads go through the same words as the table on the page: no 'above_998' or 'better'."""
    frame = pl.DataFrame({"label": ["A", "B"], "flag": ["above_998", None], "comparison": ["better", "country"]})
    worded = codes_in_words(frame, language)
    assert worded["flag"].to_list() == [flag, None]
    assert worded["comparison"].to_list() == [comparison, t("comparison.country", language)]
