"""Headline and effect cards hold their values whole: short values, short units, short titles."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from i18n import LANGUAGES, t
from i18n.format import MINUS
from tests.pages.conftest import PROJECT
from views.indicators import HEADLINES, PUBLISHED_HEADLINES

#: What a 220 px card shows without cutting off: a title at label size, a value and a change at theirs.
LONGEST_TITLE = 20
LONGEST_VALUE = 10
LONGEST_CHANGE = 12
#: The other measures' cards after the four indicators', in their order on the overview.
OTHER_MEASURE_CARDS = ("remote", "access_75", "heavy_users", "named_coverage")


def open_page(page: str, language: str) -> AppTest:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    app.query_params["lang"] = language
    app.run()
    return app.switch_page(page).run()


@pytest.mark.parametrize("language", LANGUAGES)
def test_headline_cards_have_short_titles_values_and_changes(language: str) -> None:
    app = open_page("pages/overview.py", language)
    assert not app.exception, app.exception
    cards = app.metric
    # THL's published headlines first, then the ones computed from extracts, then the other measures' that the
    # data can give (the sample has ages and named providers, so all four)
    headlines = len(PUBLISHED_HEADLINES) + len(HEADLINES)
    assert [card.label for card in cards[headlines:]] == [
        t(f"indicator_short.{key}", language) for key in OTHER_MEASURE_CARDS
    ]
    for card in cards:
        assert len(card.label) <= LONGEST_TITLE, card.label
        assert len(card.value) <= LONGEST_VALUE, card.value
        assert len(card.delta or "") <= LONGEST_CHANGE, card.delta
        assert "-" not in (card.delta or ""), "a change's minus is the minus sign"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_effect_card_shows_a_short_value(language: str) -> None:
    app = open_page("pages/investments.py", language)
    assert not app.exception, app.exception
    (effect,) = [card for card in app.metric if card.label == t("investments.did_effect", language)]
    assert len(effect.value) <= LONGEST_CHANGE, effect.value
    assert "-" not in effect.value, f"a negative effect starts with {MINUS!r}"
