"""A chart with nothing to show says why, and a deck never carries a slide of empty axes."""

from __future__ import annotations

import dataclasses

import plotly.graph_objects as go
import polars as pl
import pytest

from charts.theme import ChartText
from exports.disclosure import check_report
from exports.slides import CheckedAs, filters_in_words, period_text
from exports.titles import slide_title
from views.common import ChartView
from views.state import ALL_REGIONS, ViewState

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


# -- titles, filters and the output check


def test_a_chart_without_its_own_period_is_titled_with_the_span_of_its_data() -> None:
    data = pl.DataFrame({"label": ["A"] * 3, "period": ["2023Q1", "2024Q2", "2025Q4"], "value": [1.0, 2.0, 3.0]})
    assert period_text(dataclasses.replace(view(data), period="")) == "2023–2025"
    assert period_text(view(data)) == "2025"  # its own period wins
    one_year = pl.DataFrame({"label": ["A"], "period": ["2024Q3"], "value": [1.0]})
    assert period_text(dataclasses.replace(view(one_year), period="")) == "2024"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("T3", "T3 – Lappi 2025"),
        ("T3 in Lappi", "T3 in Lappi – 2025"),  # a part the title names already is not repeated
        ("T3 in Lappi 2025", "T3 in Lappi 2025"),
    ],
)
def test_a_slide_title_names_the_county_and_the_period_once(title: str, expected: str) -> None:
    assert slide_title(title, area="Lappi", period="2025") == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fi", "Hyvinvointialue: Kaikki alueet · Ajanjakso: 2025 · Ammattiryhmä: Kaikki ammattiryhmät yhdessä"),
        ("sv", "Välfärdsområde: Alla områden · Period: 2025 · Yrkesgrupp: Alla yrkesgrupper sammanslagna"),
        ("en", "Wellbeing services county: All counties · Period: 2025 · Profession: All professions pooled"),
    ],
)
def test_the_title_slide_spells_out_each_filter_with_its_name(language: str, expected: str) -> None:
    state = ViewState(lang=language, region=ALL_REGIONS, period="2025", profession="all")
    assert filters_in_words(state) == expected


def test_the_check_lines_count_the_cells_and_say_when_no_audit_covers_them() -> None:
    cells = pl.DataFrame({"label": ["A", "B", "C"], "n": [12, None, 30], "suppressed": [False, True, False]})
    lines = CheckedAs(threshold=5, role="public").lines(cells, "en")
    text = "\n".join(lines)
    assert "3" in text
    assert "not audited" in text.lower()
    assert lines == tuple(check_report(cells, threshold=5, role="public", audit=None).lines("en"))
