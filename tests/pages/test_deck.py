"""The deck basket: charts added from the pages appear in order and build into a PowerPoint file."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from i18n import LANGUAGES, t
from tests.pages.conftest import PROJECT


def test_charts_added_from_a_page_show_as_slide_previews_with_one_download_each() -> None:
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
    # a preview of each slide's chart, and the title the slide shows: with its county and period, on one line
    previews = list(app.get("plotly_chart"))
    assert len(previews) == 3
    app.text_input[1].set_value("Access by county").run()  # the first slide's title (after the deck title)
    shown = [item.value for item in app.markdown if item.value.startswith(t("deck.on_slide", "en", title=""))]
    assert len(shown) == 3
    # the county (here: every county) and the period follow the title; the title is shown as written
    assert "Access by county – All counties" in shown[0].replace("\\", "")
    # one button builds and downloads the deck: no separate build step
    labels = [str(element.proto.label) for element in app.get("download_button")]
    assert t("deck.download", "en") in labels
    assert not [button for button in app.button if button.label == t("deck.build", "en")]
    assert not app.exception, app.exception


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_empty_deck_says_how_to_fill_it_in_the_buttons_words(language: str) -> None:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    app.query_params["lang"] = language
    app.run()
    app.switch_page("pages/deck.py").run()
    hint = t("deck.empty", language, button=t("deck.add", language))
    assert any(hint in info.value for info in app.info)
    assert f"”{t('deck.add', language)}”" in hint or f"“{t('deck.add', language)}”" in hint
