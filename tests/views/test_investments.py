"""The investments view: the participants' trend against the others, and the estimate in words."""

from __future__ import annotations

import pytest

from charts.theme import OKABE_ITO
from views.investments import group_trend, p_value_text
from views.state import ViewState

from .builders import access_rows, results


def two_groups():
    """Counties 01 and 02 take part, 03 and 04 do not; two quarters of access, 50 eligible visits per cell."""
    rows = [
        (region, "", "all", month, 7, 50, within)
        for region, within in (("01", 30), ("02", 35), ("03", 40), ("04", 45))
        for month in ("2025-01", "2025-04")
    ]
    return results(access=access_rows(rows))


def line_colours(language: str) -> dict[str, str]:
    view = group_trend(two_groups(), ViewState(lang=language), "access_7d", ["01", "02"], threshold=5, starts=[])
    return {trace.name: trace.line.color for trace in view.figure.data if trace.mode == "lines+markers"}


@pytest.mark.parametrize(
    ("language", "participants", "others"),
    [
        ("fi", "Osallistuvat alueet", "Muut alueet"),  # 'Muut' sorts before 'Osallistuvat'
        ("sv", "Deltagande områden", "Övriga områden"),  # 'Deltagande' sorts first
        ("en", "Participating counties", "Other counties"),  # 'Other' sorts first
    ],
)
def test_participants_and_others_keep_their_colours_in_every_language(
    language: str, participants: str, others: str
) -> None:
    assert line_colours(language) == {participants: OKABE_ITO[0], others: OKABE_ITO[1]}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_participants_come_first_in_the_legend(language: str) -> None:
    view = group_trend(two_groups(), ViewState(lang=language), "access_7d", ["01", "02"], threshold=5, starts=[])
    assert [trace.line.color for trace in view.figure.data] == [OKABE_ITO[0], OKABE_ITO[1]]


@pytest.mark.parametrize(
    ("p_value", "language", "shown"),
    [
        # below 0.001: never 'p = 0,000'
        (0.0, "fi", "p < 0,001"),
        (0.00049, "sv", "p < 0,001"),
        (0.0009, "en", "p < 0.001"),
        # from 0.001 on: the number, three decimals, as the language writes it
        (0.001, "fi", "p = 0,001"),
        (0.0123, "fi", "p = 0,012"),
        (0.0123, "en", "p = 0.012"),
        (0.5, "sv", "p = 0,500"),
        # unknown
        (None, "fi", "p = –"),
    ],
)
def test_p_values_below_a_thousandth_read_less_than(p_value: float | None, language: str, shown: str) -> None:
    assert p_value_text(p_value, language) == shown
