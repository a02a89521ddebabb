"""How an indicator's value and its change are shown: units, percentage points, the card's colour and arrow."""

from __future__ import annotations

import pytest

from core.settings import DEFAULT_SOTKANET_INDICATORS
from i18n import t
from i18n.format import MINUS, number
from store.results import RESULT_TABLES
from views.indicators import INDICATORS, delta_look, indicator_change, indicator_value, shows_no_change


@pytest.mark.parametrize(
    ("key", "value", "language", "expected"),
    [
        ("access_7d", 0.6361, "fi", "63,6 %"),
        ("access_7d", 0.6361, "en", "63.6 %"),
        ("t3", 11.0, "fi", "11,0 vrk"),
        ("t3", 11.0, "sv", "11,0 dygn"),
        ("coc", 0.1149, "en", "0.11"),
        ("nps", 71.6, "fi", "72"),
    ],
)
def test_indicator_values_carry_their_unit(key: str, value: float, language: str, expected: str) -> None:
    assert indicator_value(value, INDICATORS[key], language) == expected


@pytest.mark.parametrize(
    ("key", "delta", "language", "expected"),
    [
        ("access_7d", 0.04, "fi", "+4,0\u00a0%\u2011yks."),
        ("access_7d", -0.047, "sv", "\u22124,7\u00a0%\u2011enh."),
        ("access_7d", -0.001, "en", "\u22120.1\u00a0pp"),
        ("t3", -1.0, "fi", "\u22121,0\u00a0vrk"),
        ("coc", 0.0, "en", "±0.00"),
        ("access_7d", -0.0004, "fi", "±0,0\u00a0%\u2011yks."),
        ("t3", 0.04, "sv", "±0,0\u00a0dygn"),
        ("coc", -0.006, "en", "\u22120.01"),
        ("nps", None, "en", ""),
    ],
)
def test_changes_use_percentage_points_for_shares(key: str, delta: float | None, language: str, expected: str) -> None:
    assert indicator_change(delta, INDICATORS[key], language) == expected


@pytest.mark.parametrize(
    ("key", "delta", "expected"),
    [
        ("access_7d", 0.0004, True),  # 0.04 percentage points shows as ±0,0
        ("access_7d", 0.0006, False),  # 0.06 shows as +0,1
        ("coc", -0.004, True),  # two digits: ±0,00
        ("coc", -0.006, False),
        ("t3", 0.0, True),
        ("t3", None, False),  # no change known is not "no change"
    ],
)
def test_a_change_that_rounds_to_zero_is_no_change(key: str, delta: float | None, expected: bool) -> None:
    assert shows_no_change(delta, INDICATORS[key]) is expected
    if delta is not None:
        assert indicator_change(delta, INDICATORS[key], "fi").startswith("±") is expected


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_change_in_percentage_points_fits_a_card(language: str) -> None:
    # '−12,3 %-enh.' at most: the headline and effect cards cut longer values off
    assert len(indicator_change(-0.123, INDICATORS["access_7d"], language)) <= 12


@pytest.mark.parametrize(
    ("key", "delta", "expected"),
    [
        # better: green whichever way the arrow points (a share up, T3 days down)
        ("access_7d", 0.024, ("green", "up")),
        ("t3", -1.0, ("green", "down")),
        # worse: red
        ("access_7d", -0.001, ("red", "down")),
        ("t3", 1.0, ("red", "up")),
        # no change shown ('±0,0'), or none known: grey, no arrow
        ("access_7d", 0.0004, ("gray", "off")),
        ("coc", None, ("gray", "off")),
    ],
)
def test_a_cards_change_is_coloured_by_whether_it_is_better(
    key: str, delta: float | None, expected: tuple[str, str]
) -> None:
    assert delta_look(delta, INDICATORS[key]) == expected


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_negative_numbers_use_one_minus_sign(language: str) -> None:
    shown = [number(-3.2, language), indicator_change(-0.05, INDICATORS["access_7d"], language)]
    assert all(text.startswith(MINUS) and "-" not in text for text in shown)


@pytest.mark.parametrize("key", sorted(INDICATORS))
def test_every_indicator_reads_a_stored_result_table_or_a_published_series(key: str) -> None:
    indicator = INDICATORS[key]
    if indicator.published:
        assert indicator.table == "indicator_values"
        assert int(indicator.sotkanet_id) in DEFAULT_SOTKANET_INDICATORS
        assert not indicator.by_profession  # THL's series name their profession in the title
    else:
        assert indicator.table in RESULT_TABLES
        assert not indicator.sotkanet_id


@pytest.mark.parametrize("key", sorted(INDICATORS))
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_indicator_has_a_title_a_short_title_and_a_unit(key: str, language: str) -> None:
    indicator = INDICATORS[key]
    for text_key in (indicator.title_key, f"indicator_short.{key}", indicator.unit_key):
        assert t(text_key, language) != text_key
