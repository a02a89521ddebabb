"""Under every chart, in Chromium: the download menu and the deck button show whole labels in every language.

The pages put charts side by side in half-width columns; a label Streamlit has to shorten ends in an
ellipsis ("P…", "Till bilds…"), which is what a 1400 px wide window showed before.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from i18n import LANGUAGES, t
from tests.browser.artifacts import Screenshots
from tests.browser.driver import expect_rerun, open_app
from tests.browser.server import AppServer

pytestmark = pytest.mark.browser

#: The text of every button label under ``root`` that does not fit its button (Streamlit then cuts it
#: with an ellipsis); an empty list when every label is whole.
CUT_LABELS_SCRIPT = """
(root) => Array.from(root.querySelectorAll('button [data-testid="stMarkdownContainer"], button p'))
  .filter(node => node.scrollWidth > node.clientWidth)
  .map(node => node.textContent.trim())
"""
MENU = '[data-testid="stMain"] [data-testid="stPopover"]:visible'
MENU_BODY = '[data-testid="stPopoverBody"]'
LABEL = 'button [data-testid="stMarkdownContainer"]'


def check_visible_controls(page: Page, language: str) -> int:
    """Every visible label in the main area is whole, every visible chart has a download menu, and every
    label in those menus is whole.

    Returns how many menus were checked.
    """
    assert page.locator('[data-testid="stMain"]').evaluate(CUT_LABELS_SCRIPT) == []
    expected = [t(f"export.{name}", language) for name in ("png", "svg", "csv_zip", "xlsx")]
    menus = page.locator(MENU).filter(has=page.get_by_role("button", name=t("export.download", language)))
    charts = page.locator('[data-testid="stMain"] [data-testid="stPlotlyChart"]:visible').count()
    assert menus.count() == charts
    for index in range(menus.count()):
        menus.nth(index).get_by_role("button", name=t("export.download", language)).click()
        body = page.locator(MENU_BODY)
        expect(body.locator(LABEL)).to_have_text(expected)
        assert body.evaluate(CUT_LABELS_SCRIPT) == []
        page.keyboard.press("Escape")
        body.wait_for(state="detached")
    return menus.count()


@pytest.mark.parametrize("path", ["compare", "county"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_label_under_a_chart_is_cut_short(
    language: str, path: str, page: Page, app_server: AppServer, screenshots: Screenshots
) -> None:
    """Compare puts two charts side by side and then full-width ones; the county page has half-width pairs in tabs."""
    page.set_viewport_size({"width": 1400, "height": 900})
    open_app(page, f"{app_server.url}/{path}?lang={language}&region=13&period=2025")
    tabs = page.locator('[data-testid="stMain"] [role="tab"]')
    checked = 0
    for index in range(max(1, tabs.count())):
        if index:  # the county page builds only the open tab's charts: another tab is a rerun
            with expect_rerun(page):
                tabs.nth(index).click()
        screenshots.take(page, f"{path} {language} {index}")
        checked += check_visible_controls(page, language)
    assert checked >= 2, "the page shows too few charts to check half and full width"
