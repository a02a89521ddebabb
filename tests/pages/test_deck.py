"""The deck basket: charts added from the pages appear in order and build into a PowerPoint file."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from i18n import LANGUAGES, t
from tests.pages.conftest import PROJECT


def test_charts_added_from_a_page_build_into_a_deck() -> None:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    app.query_params["lang"] = "en"
    app.run().run()
    app.switch_page("pages/compare.py").run()
    added = [button for button in app.button if button.label == t("deck.add", "en")][:3]
    assert len(added) == 3
    for button in added:
        button.click().run()
        app.switch_page("pages/compare.py").run()
    app.switch_page("pages/deck.py").run()
    assert not app.exception, app.exception
    titles = [box.value for box in app.text_input if box.label.startswith("Slide")]
    assert len(titles) == 3
    app.text_input[1].set_value("Access by county, 2025").run()  # the first slide's title (after the deck title)
    [build] = [button for button in app.button if button.label == t("deck.build", "en")]
    build.click().run()
    assert not app.exception, app.exception
    downloads = app.get("download_button")
    assert any(t("deck.download", "en") in str(element.proto.label) for element in downloads)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_empty_deck_says_how_to_fill_it_in_the_buttons_words(language: str) -> None:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    app.query_params["lang"] = language
    app.run()
    app.switch_page("pages/deck.py").run()
    hint = t("deck.empty", language, button=t("deck.add", language))
    assert any(hint in info.value for info in app.info)
    assert f"”{t('deck.add', language)}”" in hint or f"“{t('deck.add', language)}”" in hint
