"""The page at a laptop's width with the sidebar open (1,024 px) and at 1,440 px: two-column rows become one
column below about 1,200 px, so a ranking keeps a readable plot; the navigation is in the sidebar, whole, never
folded into Streamlit's English "N more"."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from i18n import t
from tests.browser.driver import open_app
from tests.browser.server import AppServer

pytestmark = pytest.mark.browser

#: Each column of the main area's two-column rows: its width and the width of the row it is in.
COLUMNS_SCRIPT = """
(main) => Array.from(main.querySelectorAll('[data-testid="stHorizontalBlock"]'))
  .filter(row => row.querySelectorAll(':scope > [data-testid="stColumn"]').length === 2)
  .flatMap(row => Array.from(row.querySelectorAll(':scope > [data-testid="stColumn"]'))
    .map(column => [column.getBoundingClientRect().width, row.getBoundingClientRect().width]))
"""


def column_widths(page: Page) -> list[tuple[float, float]]:
    return [(column, row) for column, row in page.locator('[data-testid="stMain"]').evaluate(COLUMNS_SCRIPT)]


def open_county(page: Page, app_server: AppServer, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 2400})
    open_app(page, f"{app_server.url}/county?lang=fi&region=05")


def test_two_column_rows_become_one_column_at_1024_px(page: Page, app_server: AppServer) -> None:
    open_county(page, app_server, 1024)
    widths = column_widths(page)
    assert widths, "the County page's first tab has two-column rows of charts"
    assert all(column >= row - 1 for column, row in widths), widths  # each column takes its row's whole width


def test_two_column_rows_stay_side_by_side_at_1440_px(page: Page, app_server: AppServer) -> None:
    open_county(page, app_server, 1440)
    widths = column_widths(page)
    assert widths
    assert all(column < row / 2 + 1 for column, row in widths), widths


def test_every_page_is_in_the_sidebar_navigation_and_nothing_is_folded(page: Page, app_server: AppServer) -> None:
    open_county(page, app_server, 1024)
    links = page.locator('[data-testid="stSidebarNavLink"]')
    labels = [text.strip().splitlines()[-1] for text in links.all_inner_texts()]  # after the icon's name
    pages = ("overview", "compare", "county", "investments", "deck", "data", "methods")
    assert sorted(labels) == sorted(t(f"nav.{name}", "fi") for name in pages)
    assert page.locator('[data-testid="stTopNavSection"], [data-testid="stTopNav"]').count() == 0
