"""How a chart appears on a page: one download menu with full labels, the deck button, and no empty axes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Node

from i18n import LANGUAGES, t
from tests.pages.conftest import PROJECT

FORMATS = ("png", "svg", "csv_zip", "xlsx")


def compare_page(language: str) -> AppTest:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    app.query_params["lang"] = language
    app.run().run()
    return app.switch_page("pages/compare.py").run()


def blocks(node: Node, kind: str) -> Iterator[Block]:
    if isinstance(node, Block):
        if node.type == kind:
            yield node
        for child in node.children.values():
            yield from blocks(child, kind)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_chart_offers_its_four_downloads_in_one_menu_under_full_names(language: str) -> None:
    app = compare_page(language)
    assert not app.exception, app.exception
    menus = [menu for menu in blocks(app.main, "popover") if menu.proto.popover.label == t("export.download", language)]
    assert len(menus) == len(app.get("plotly_chart")) > 0
    for menu in menus:
        downloads = [node for node in menu if node.type == "download_button"]
        assert [button.proto.label for button in downloads] == [t(f"export.{name}", language) for name in FORMATS]
        assert [button.key for button in downloads] == [f"{name}_{chart_key(menu)}" for name in FORMATS]
    deck_buttons = [button.key for button in app.button if button.label == t("deck.add", language)]
    assert deck_buttons == [f"deck_{chart_key(menu)}" for menu in menus]  # beside each menu, in the same order


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_chart_opens_its_definition_in_the_readers_language(language: str) -> None:
    from views.definitions import DEFINED

    app = compare_page(language)
    assert not app.exception, app.exception
    label = t("common.definition_button", language)
    found = [menu for menu in blocks(app.main, "popover") if menu.proto.popover.label == label]
    assert len(found) == len(app.get("plotly_chart")) > 0  # every chart of the page shows a defined indicator
    headings = [t(f"methods.def_{part}", language) for part in ("what", "direction", "source", "comparability")]
    for menu in found:
        text = "\n".join(node.value for node in menu if node.type == "markdown")
        assert any(text.startswith(f"**{t(indicator.title_key, language)}**") for indicator in DEFINED.values())
        assert all(f"**{heading}:**" in text for heading in headings), text


def chart_key(menu: Block) -> str:
    """The chart a download menu belongs to, from its first button's key ('png_compare_funnel')."""
    return str(next(node.key for node in menu if node.type == "download_button")).removeprefix("png_")


def test_showing_a_page_prepares_nothing_for_the_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files (and the provenance lines they carry) are made when a button is pressed, never on a rerun."""
    from ui import render

    def not_now(*_args: Any, **_options: Any) -> bytes:
        raise AssertionError("an export was made while the page was drawn")

    # _image hands out (and imports) the image writers; the tables' provenance and check report are made on a click
    for step in ("_image", "_provenance", "check_for"):
        monkeypatch.setattr(render, step, not_now)
    app = compare_page("en")
    assert not app.exception, app.exception
    assert app.get("download_button")


def chart_with(rows: str) -> None:
    """A page of one chart whose data has no rows, or only suppressed ones (``rows`` says which)."""
    import plotly.graph_objects as go
    import polars as pl

    from charts.theme import ChartText
    from ui.render import show_chart
    from views.common import ChartView

    data = pl.DataFrame(
        {"label": ["A", "B"], "value": [None, None], "suppressed": [True, True]},
        schema={"label": pl.String, "value": pl.Float64, "suppressed": pl.Boolean},
    )
    if rows == "none":
        data = data.clear()
    text = ChartText(title="Access within 7 days", subtitle="", caption="", suppression_note="2 cells hidden.")
    show_chart(ChartView(key="empty", figure=go.Figure(), data=data, text=text), "en")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("none", t("common.no_data", "en")),  # nothing was selected: say so, no empty axes
        ("suppressed", t("common.all_hidden", "en", note="2 cells hidden.")),  # everything hidden for privacy
    ],
)
def test_a_chart_with_nothing_to_draw_shows_its_title_and_the_reason(rows: str, message: str) -> None:
    app = AppTest.from_function(chart_with, args=(rows,), default_timeout=60).run()
    assert not app.exception, app.exception
    assert [text.value for text in app.markdown] == ["**Access within 7 days**"]
    assert [box.value for box in app.info] == [message]
    assert not app.get("plotly_chart")
    assert not app.get("download_button")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_charts_table_is_built_only_once_its_expander_is_opened(language: str) -> None:
    app = compare_page(language)
    assert not app.dataframe  # every "show as table" is closed
    app.session_state[f"table_compare_ranking_{language}"] = True  # as a click on it does
    app.run()
    assert not app.exception, app.exception
    assert len(app.dataframe) == 1
    shown = app.dataframe[0].value
    assert len(shown) > 0
    assert not {"patient_id", "professional_id", "region_code"} & set(shown.columns)
    decimal, other = (",", ".") if language in ("fi", "sv") else (".", ",")
    texts = [str(value).lstrip("\u2007") for value in shown[t("table.value", language)]]  # padded to sort by size
    values = [text for text in texts if text not in ("..", "–")]
    assert values
    assert all(decimal in value and other not in value for value in values)  # '65,6' in fi and sv, '65.6' in en
