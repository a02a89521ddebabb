"""A user's walk through the dashboard in Chromium: every page opens, and a copied link reopens the view."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from i18n import LANGUAGES, t
from tests.browser.artifacts import Screenshots
from tests.browser.driver import (
    current_path,
    current_url,
    go_to_page,
    nav_links,
    open_app,
    select_sidebar_option,
    selected_option,
    widget_labels,
    widget_options,
)
from tests.browser.server import AppServer
from ui.context import LANGUAGE_NAMES

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


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_tab_title_is_in_the_links_language(language: str, page: Page, app_server: AppServer) -> None:
    open_app(page, f"{app_server.url}/compare?lang={language}")
    assert page.title() == t("app.title", language)


def test_the_tab_title_follows_the_language_chosen_in_the_sidebar(page: Page, app_server: AppServer) -> None:
    open_app(page, f"{app_server.url}/compare?lang=fi")
    select_sidebar_option(page, t("filter.language", "fi"), LANGUAGE_NAMES["sv"])
    assert page.title() == t("app.title", "sv")
