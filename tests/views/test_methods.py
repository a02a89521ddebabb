"""The Methods page's comparability table: every indicator against THL's published series, yes or no, in three
languages, and our definition beside THL's, aspect by aspect, for the pairs that have one."""

from __future__ import annotations

import pytest

from i18n import LANGUAGES, t
from views.indicators import INDICATORS
from views.methods import (
    ASPECTS,
    COMPARABILITY,
    Comparability,
    comparability_table,
    definition_pairs,
    definitions_side_by_side,
)


def rows(language: str) -> dict[str, tuple[str, str]]:
    """Indicator name → (THL's series, comparable) as the table shows them."""
    table = comparability_table(language)
    names = table[t("methods.cmp.col_indicator", language)].to_list()
    series = table[t("methods.cmp.col_series", language)].to_list()
    comparable = table[t("methods.cmp.col_comparable", language)].to_list()
    return dict(zip(names, zip(series, comparable, strict=True), strict=True))


def test_every_indicator_the_pages_offer_is_in_the_table_once() -> None:
    keys = [item.indicator for item in COMPARABILITY]
    assert sorted(keys) == sorted(INDICATORS)


@pytest.mark.parametrize(
    ("key", "series", "comparable"),
    [
        # computed with a published counterpart: the same figure for doctors, yearly
        ("access_7d", "100 − Sotkanet 6411", True),
        ("coc", "Sotkanet 5502", True),
        # computed without one
        ("access_14d", "–", False),
        ("t3", "–", False),
        ("t3_open_books", "–", False),
        ("upc", "–", False),
        ("nps", "–", False),
        ("enps", "–", False),
        # THL's own series
        ("thl_access_7d", "100 − Sotkanet 6411", True),
        ("thl_coc", "Sotkanet 5502", True),
        ("thl_reached", "Sotkanet 5186", True),
        ("thl_insufficient", "Sotkanet 4909", True),
        ("thl_doctor_visits", "Sotkanet 1080", True),
        ("thl_emergency_visits", "Sotkanet 5081", True),
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_each_indicator_says_yes_or_no_against_its_sotkanet_series(
    key: str, series: str, comparable: bool, language: str
) -> None:
    expected = t("methods.cmp.yes" if comparable else "methods.cmp.no", language)
    assert rows(language)[t(f"indicator.{key}", language)] == (series, expected)


def test_the_side_by_side_definitions_are_the_two_computed_pairs() -> None:
    assert [(item.indicator, item.published) for item in definition_pairs()] == [
        ("access_7d", "thl_access_7d"),
        ("coc", "thl_coc"),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("pair", definition_pairs(), ids=lambda item: item.indicator)
def test_each_pair_compares_every_aspect_in_every_language(pair: Comparability, language: str) -> None:
    table = definitions_side_by_side(pair, language, threshold=7)
    aspects = table[t("methods.cmp.col_aspect", language)].to_list()
    assert aspects == [t(f"methods.cmp.aspect_{aspect}", language) for aspect in ASPECTS]
    ours = table[t("methods.cmp.col_ours", language)].to_list()
    assert all(ours)
    assert all(table[t("methods.cmp.col_thl", language)].to_list())
    # the suppression threshold is the one in force, not a fixed number
    assert "7" in ours[ASPECTS.index("suppression")]


def test_an_unknown_thl_convention_is_said_to_be_unknown() -> None:
    coc = next(item for item in definition_pairs() if item.indicator == "coc")
    table = definitions_side_by_side(coc, "fi", threshold=5)
    thl = dict(zip(table["Kohta"], table["THL"], strict=True))
    assert thl["Vähimmäiskäyntimäärä"].startswith("Ei tiedossa")
    assert "Ei varmistettu" in thl["Alueeseen kohdistus"]


def test_the_published_share_names_its_series_and_its_complement() -> None:
    access = next(item for item in definition_pairs() if item.indicator == "access_7d")
    table = definitions_side_by_side(access, "en", threshold=5)
    assert "100 − Sotkanet 6411" in table["THL"][ASPECTS.index("population")]
