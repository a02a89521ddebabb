"""axe-core on every page in the navigation, in every language: our content has no serious violations.

Pages are found from the app's own navigation, so a new page is checked without touching this file.
Violations in Streamlit's frame (header, toolbar, navigation, popovers, the HTML document) or in
third-party widgets are accepted only with a reason in :data:`tests.browser.axe_check.ALLOWED`. Every
finding, of any impact, is written to ``<artifacts>/axe-report.json`` and ``axe-report.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from i18n import LANGUAGES
from tests.browser.artifacts import Screenshots
from tests.browser.axe_check import (
    AxeUnavailableError,
    Finding,
    ensure_axe,
    language_finding,
    problems,
    run_axe,
    write_report,
)
from tests.browser.conftest import unavailable
from tests.browser.driver import AppError, go_to_page, nav_links, open_app
from tests.browser.server import AppServer

pytestmark = pytest.mark.browser


class Axe:
    """Runs axe (and the page-language check) and keeps every finding for the module's report."""

    def __init__(self, script: Path) -> None:
        self.script = script
        self.findings: list[Finding] = []

    def check(self, page: Page, *, page_name: str, language: str) -> list[Finding]:
        findings = run_axe(page, page_name=page_name, language=language, script=self.script)
        if mismatch := language_finding(page, page_name=page_name, language=language):
            findings.append(mismatch)
        self.findings += findings
        return findings


@pytest.fixture(scope="module")
def axe(artifacts_dir: Path) -> Iterator[Axe]:
    """axe-core, installed with npm when missing (skips without npm); the report is written at the end."""
    try:
        script = ensure_axe()
    except AxeUnavailableError as exc:
        unavailable(str(exc))
    recorder = Axe(script)
    yield recorder
    write_report(recorder.findings, artifacts_dir, "axe-report")


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_serious_accessibility_violations_on_any_page(
    language: str, page: Page, app_server: AppServer, axe: Axe, screenshots: Screenshots
) -> None:
    open_app(page, f"{app_server.url}/?lang={language}")
    links = nav_links(page)
    assert links, f"the app shows no navigation on {page.url}, so no page could be checked"
    failures: list[str] = []
    for link in links:
        name = link.path or "(default page)"
        try:
            go_to_page(page, link.label)
        except AppError as exc:
            failures.append(f"page {name!r} did not render: {exc}")
            continue
        if found := problems(axe.check(page, page_name=name, language=language)):
            failures += found
            screenshots.take(page, f"{name} violations")
    assert not failures, f"{len(failures)} accessibility problem(s) in {language}:\n\n" + "\n\n".join(failures)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_serious_accessibility_violations_in_open_menus(
    language: str, page: Page, app_server: AppServer, axe: Axe
) -> None:
    """The option list of a sidebar select box (our options in Streamlit's popover) and Streamlit's main menu."""
    open_app(page, f"{app_server.url}/?lang={language}")
    findings: list[Finding] = []
    select_boxes = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]')
    if select_boxes.count():
        select_boxes.first.get_by_role("combobox").click()
        page.get_by_role("listbox").wait_for()
        findings += axe.check(page, page_name="sidebar select box open", language=language)
        page.keyboard.press("Escape")
    menu = page.locator('[data-testid="stMainMenu"] button')
    if menu.count():
        menu.first.click()
        page.get_by_role("menu").wait_for()
        findings += axe.check(page, page_name="main menu open", language=language)
        page.keyboard.press("Escape")
    failures = problems(findings)
    assert not failures, f"{len(failures)} accessibility problem(s) in {language}:\n\n" + "\n\n".join(failures)


#: The levels of the main area's headings in page order (h1 = 1, ...).
HEADING_LEVELS_SCRIPT = """
() => Array.from(document.querySelectorAll('[data-testid="stMain"] :is(h1, h2, h3, h4, h5, h6)'),
                 node => [Number(node.tagName[1]), node.textContent.trim()])
"""


def test_headings_never_skip_a_level(page: Page, app_server: AppServer) -> None:
    """A heading is at most one level below the one before it (axe's heading-order), on every page."""
    open_app(page, f"{app_server.url}/?lang=en&region=13")
    skips: list[str] = []
    for link in nav_links(page):
        go_to_page(page, link.label)
        previous = 0
        for level, text in page.evaluate(HEADING_LEVELS_SCRIPT):
            if level > previous + 1:
                skips.append(f"{link.path or '(default page)'}: h{level} {text!r} after h{previous}")
            previous = level
    assert not skips, "\n".join(skips)
