"""A user's walk through the dashboard in Chromium: every page opens, and a copied link reopens the view, also
as the first visit after the server starts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from i18n import LANGUAGES, t
from tests.browser.artifacts import Screenshots
from tests.browser.conftest import FIRST_RENDER_TIMEOUT, VIEWPORT
from tests.browser.driver import (
    current_path,
    current_query,
    current_url,
    go_to_page,
    nav_links,
    open_app,
    script_runs,
    select_sidebar_option,
    selected_option,
    widget_labels,
    widget_options,
)
from tests.browser.server import AppServer
from ui.filters import LANGUAGE_NAMES
from views.common import area_label

pytestmark = pytest.mark.browser


def sidebar_choices(page: Page) -> list[str]:
    """What every sidebar filter shows now, in order (labels change with the language, positions do not)."""
    return [selected_option(page, label, area="sidebar") for label in widget_labels(page, "sidebar")]


def test_every_navigation_entry_opens_its_page_without_an_error(
    page: Page, app_server: AppServer, screenshots: Screenshots
) -> None:
    open_app(page, app_server.url)
    screenshots.take(page, "first page")
    links = nav_links(page)
    assert links, "the app shows no navigation"
    assert [link.current for link in links].count(True) == 1, links

    for link in links:
        go_to_page(page, link.label)
        assert current_path(page) == link.path
        assert [entry.label for entry in nav_links(page) if entry.current] == [link.label]
        screenshots.take(page, link.label)


def test_a_copied_link_reopens_the_same_page_and_filters(
    page: Page, new_page: Callable[[], Page], app_server: AppServer, screenshots: Screenshots
) -> None:
    open_app(page, app_server.url)
    defaults = sidebar_choices(page)
    assert defaults, "the sidebar has no filters"
    # Move every sidebar filter off its default (its last option), one at a time, re-reading the
    # labels each time because a change of language renames them.
    for position in range(len(defaults)):
        label = widget_labels(page, "sidebar")[position]
        options = widget_options(page, label, area="sidebar")
        if len(options) > 1:
            select_sidebar_option(page, label, options[-1])
    links = nav_links(page)
    go_to_page(page, links[-1].label)
    chosen, path, link = sidebar_choices(page), current_path(page), current_url(page)
    assert chosen != defaults
    screenshots.take(page, "view to copy")

    reopened = new_page()
    open_app(reopened, link)
    screenshots.take(reopened, "copied link reopened")
    assert current_path(reopened) == path
    assert sidebar_choices(reopened) == chosen


def test_a_link_to_a_page_as_the_first_visit_after_a_start_gets_the_filters_and_the_navigation(
    browser: Browser, tmp_path: Path, artifacts_dir: Path, screenshots: Screenshots
) -> None:
    """Streamlit's legacy multipage mode, on until navigation first runs, would serve the page alone."""
    server = AppServer(data_dir=tmp_path / "data", log_path=artifacts_dir / "fresh-server.log")
    server.log_path.unlink(missing_ok=True)
    with server:
        server.wait_until_healthy(timeout=120)
        context = browser.new_context(viewport=VIEWPORT, locale="fi-FI")
        try:
            page = context.new_page()
            script_runs(page)
            open_app(page, f"{server.url}/compare?lang=en&region=02", timeout=FIRST_RENDER_TIMEOUT)
            screenshots.take(page, "first visit")
            assert current_path(page) == "compare"
            query = current_query(page)
            assert (query.get("lang"), query.get("region")) == ("en", "02"), query
            assert [link.label for link in nav_links(page) if link.current] == [t("nav.compare", "en")]
            assert t("filter.county", "en") in widget_labels(page, "sidebar")
            assert selected_option(page, t("filter.county", "en"), area="sidebar") == area_label("02", "en")
            assert "Page not found" not in page.inner_text("body")
        finally:
            context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_tab_title_is_in_the_links_language(language: str, page: Page, app_server: AppServer) -> None:
    open_app(page, f"{app_server.url}/compare?lang={language}")
    assert page.title() == t("app.title", language)


def test_the_tab_title_follows_the_language_chosen_in_the_sidebar(page: Page, app_server: AppServer) -> None:
    open_app(page, f"{app_server.url}/compare?lang=fi")
    select_sidebar_option(page, t("filter.language", "fi"), LANGUAGE_NAMES["sv"])
    assert page.title() == t("app.title", "sv")
