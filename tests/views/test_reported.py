"""The counties' own reported figures as the page shows them: sources in words, periods on the chart's axis, values
with the digits the seed states."""

from __future__ import annotations

import pytest

from data_sources.reference import reported_figures
from views.reported import chart_period, period_words, point_value, reported_points, source_text


@pytest.mark.parametrize(
    ("seed", "line", "language", "expected"),
    [
        ("000_eae0f6498add9be4.txt", 37, "fi", "Tilannekatsaus kevät 2025, 000:37"),
        ("000_eae0f6498add9be4.txt", 37, "sv", "Lägesrapport våren 2025, 000:37"),
        ("000_eae0f6498add9be4.txt", 37, "en", "Status report spring 2025, 000:37"),
        ("001_646a86ef3f6e86e2.txt", 263, "fi", "Loppuseminaari 2.12.2025, 001:263"),
        ("002_2e354b78671e0859.txt", 1572, "fi", "Kanta-Hämeen Syli-hankkeen loppuraportti, 002:1572"),
        ("003_d810aaaa0453439a.txt", 228, "en", "Varsinais-Suomi RRP2 project plan, 003:228"),
        ("004_067714a725ad0a55.txt", 499, "fi", "Keski-Suomen sote-keskusohjelman diat, 004:499"),
    ],
)
def test_a_source_names_the_document_and_the_line(seed: str, line: int, language: str, expected: str) -> None:
    assert source_text(seed, line, language) == expected


@pytest.mark.parametrize(
    ("period", "yearly", "expected"),
    [
        ("2025Q1", True, "2025"),  # THL's yearly series: the figure's year
        ("2025-03", True, "2025"),
        ("2018", True, "2018"),
        ("2025Q1", False, "2025Q1"),  # a quarterly chart: its quarter
        ("2025-05", False, "2025Q2"),
        ("2025", False, "2025Q4"),  # a year's figure at the year's last quarter
    ],
)
def test_a_figure_sits_at_its_period_on_the_charts_axis(period: str, yearly: bool, expected: str) -> None:
    assert chart_period(period, yearly=yearly) == expected


@pytest.mark.parametrize(("period", "words"), [("2025", "2025"), ("2024Q2", "Q2/2024"), ("2024-06", "6/2024")])
def test_periods_in_words(period: str, words: str) -> None:
    assert period_words(period) == words


def test_values_keep_the_digits_the_seed_states() -> None:
    by_line = {
        (point.line, point.indicator): point
        for region in ("09", "13", "07")
        for point in reported_points(reported_figures(), region)
    }
    assert point_value(by_line[37, "access_7d"], True, "fi") == "77 %"
    assert point_value(by_line[40, "access_7d"], True, "fi") == "56,1 %"
    assert point_value(by_line[40, "access_14d"], True, "en") == "76.89 %"
    assert point_value(by_line[1572, "nps"], False, "fi") == "84,3"


def test_only_the_areas_plotted_figures_become_points() -> None:
    assert [(point.seed_file[:3], point.line) for point in reported_points(reported_figures(), "13")] == [("000", 37)]
    assert reported_points(reported_figures(), "05") == ()  # Varsinais-Suomi reported targets, not figures
    assert reported_points(reported_figures(), "all") == ()
