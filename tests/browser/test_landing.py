"""The landing page in Chromium on a fresh store: THL's published figures first, without the synthetic-data badge;
the figures computed from the sample after them, under the badge."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from i18n import LANGUAGES, t
from tests.browser.artifacts import Screenshots
from tests.browser.driver import open_app
from tests.browser.server import AppServer
from views.indicators import HEADLINES, PUBLISHED_HEADLINES

pytestmark = pytest.mark.browser

#: The main area's headings, cards and alerts in document order, each as [kind, text].
OUTLINE_SCRIPT = """
(main) => Array.from(main.querySelectorAll('h1, h2, h3, [data-testid="stMetric"], [data-testid="stAlert"]'))
  .map(node => [
    node.matches('[data-testid="stMetric"]') ? 'card' : node.matches('[data-testid="stAlert"]') ? 'alert' : 'heading',
    node.matches('[data-testid="stMetric"]')
      ? node.querySelector('[data-testid="stMetricLabel"]').innerText.trim()
      : node.matches('[data-testid="stAlert"]')
        ? node.querySelector('[data-testid="stMarkdownContainer"]').innerText.trim()
        : node.innerText.trim(),
  ])
"""


def outline(page: Page) -> list[tuple[str, str]]:
    return [(kind, text) for kind, text in page.locator('[data-testid="stMain"]').evaluate(OUTLINE_SCRIPT)]


def section(items: list[tuple[str, str]], heading: str) -> list[tuple[str, str]]:
    """The items after ``heading`` up to the next heading."""
    start = items.index(("heading", heading)) + 1
    end = next((index for index in range(start, len(items)) if items[index][0] == "heading"), len(items))
    return items[start:end]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_published_cards_carry_no_sample_badge_and_the_computed_cards_do(
    page: Page, app_server: AppServer, screenshots: Screenshots, language: str
) -> None:
    open_app(page, f"{app_server.url}/?lang={language}")
    screenshots.take(page, f"landing {language}")
    items = outline(page)
    badge = ("alert", t("common.sample_badge", language))
    published = section(items, t("overview.published_heading", language))
    computed = section(items, t("overview.computed_sample", language))

    assert [text for kind, text in published if kind == "card"] == [
        t(f"indicator_short.{key}", language) for key in PUBLISHED_HEADLINES
    ]
    assert [kind for kind, _ in published] == ["card"] * len(PUBLISHED_HEADLINES), "nothing but THL's cards"
    assert [text for kind, text in computed if kind == "card"] == [
        t(f"indicator_short.{key}", language) for key in HEADLINES
    ]
    assert computed[0] == badge, "the badge heads the computed cards"
    # the badge once, with the computed section: not at the top of the page, not with THL's figures
    assert items.count(badge) == 1
    assert items.index(("heading", t("overview.published_heading", language))) < items.index(badge)
