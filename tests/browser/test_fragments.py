"""What reruns, in Chromium: opening a table or a county tab redraws that part alone, and the URL keeps up.

A whole-page rerun rebuilds and resends every chart and greys the page out while it runs; the table
alternative and the county tabs are fragments, so they rerun on their own. Elements a run sends are
counted from the websocket: those of fragment runs carry a fragment id.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from i18n import t
from tests.browser.artifacts import Screenshots
from tests.browser.driver import current_query, expect_rerun, open_app, script_runs, select_option
from tests.browser.server import AppServer

pytestmark = pytest.mark.browser

MAIN = '[data-testid="stMain"]'


@pytest.fixture(scope="module")
def analyst_server(app_server: AppServer, artifacts_dir: Path) -> Iterator[AppServer]:
    """A second server on the same store whose viewers are analysts: the health-centre tab shows its charts."""
    server = AppServer(
        data_dir=app_server.data_dir,
        log_path=artifacts_dir / "server-analyst.log",
        extra_env={"DASHBOARD_ROLE_WITHOUT_SIGN_IN": "analyst"},
    )
    with server:
        server.wait_until_healthy(timeout=120)
        yield server


def test_opening_a_charts_table_reruns_only_that_table(
    page: Page, app_server: AppServer, screenshots: Screenshots
) -> None:
    open_app(page, f"{app_server.url}/compare?lang=en&period=2025")
    runs = script_runs(page)
    page_deltas, fragment_deltas = runs.page_deltas, runs.fragment_deltas
    expander = page.locator(f'{MAIN} [data-testid="stExpander"]').first
    with expect_rerun(page):
        expander.get_by_text(t("common.show_table", "en")).click()
    expect(expander.locator('[data-testid="stDataFrame"]')).to_be_visible()
    screenshots.take(page, "compare en table open")
    assert runs.page_deltas == page_deltas, "opening a table reran the whole page"
    assert runs.fragment_deltas > fragment_deltas


def test_opening_a_county_tab_reruns_only_the_tabs(page: Page, app_server: AppServer, screenshots: Screenshots) -> None:
    open_app(page, f"{app_server.url}/county?lang=sv&region=02&period=2025")
    runs = script_runs(page)
    page_deltas = runs.page_deltas
    tab = page.locator(f'{MAIN} [role="tab"]').filter(has_text=t("county.tab_experience", "sv"))
    with expect_rerun(page):
        tab.click()
    expect(page.locator(f'{MAIN} [data-testid="stPlotlyChart"]:visible').first).to_be_visible()
    screenshots.take(page, "county sv experience tab")
    assert runs.page_deltas == page_deltas, "opening a tab reran the whole page"


def test_an_indicator_picked_inside_the_county_tabs_reaches_the_url(
    page: Page, analyst_server: AppServer, screenshots: Screenshots
) -> None:
    """The picker on the health-centre tab runs inside the tabs' fragment, where the sidebar (which keeps
    the URL in step) does not run: the link must still carry the choice, and reopen it."""
    open_app(page, f"{analyst_server.url}/county?lang=en&region=02&period=2025&indicator=access_7d")
    with expect_rerun(page):
        page.locator(f'{MAIN} [role="tab"]').filter(has_text=t("county.tab_units", "en")).click()
    select_option(page, t("filter.indicator", "en"), t("indicator.coc", "en"))
    assert current_query(page)["indicator"] == "coc"
    link = page.url
    open_app(page, link)
    screenshots.take(page, "county en units coc reopened")
    assert current_query(page)["indicator"] == "coc"
