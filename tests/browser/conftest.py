"""Browser-test fixtures: one real Streamlit server per session, Debian's Chromium, a fresh page per test.

* ``app_server`` - the dashboard on 127.0.0.1 with a temporary data folder (small sample store), started
  once per session; the fixture returns after the first page has rendered, so tests never wait for the
  store to be built.
* ``browser`` - Chromium, once per session; every test here skips when it is not installed (and fails
  instead under ``DASHBOARD_REQUIRE_BROWSER=1``, as in CI).
* ``page`` - a new browser context and page per test (own cookies, own Streamlit session), 1440x900,
  Finnish locale, watching the app's websocket so :mod:`tests.browser.driver` knows when runs finish;
  ``new_page()`` makes more of them (a second user, or a copied link opened afresh).
* ``screenshots`` - numbered screenshots into ``<artifacts>/<test name>/``.
* ``artifacts_dir`` - the session's artefact folder (see :mod:`tests.browser.artifacts`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, ViewportSize, sync_playwright

from tests.browser.artifacts import Screenshots, artifacts_root, slug
from tests.browser.driver import open_app, script_runs
from tests.browser.server import AppServer, AppServerError, chromium_executable

VIEWPORT: ViewportSize = {"width": 1440, "height": 900}
#: Building the small sample store and the first run's caches; generous for slow CI machines.
FIRST_RENDER_TIMEOUT = 300.0


#: CI sets this to 1 so that a missing Chromium or axe-core fails the run instead of skipping it.
REQUIRE_ENV = "DASHBOARD_REQUIRE_BROWSER"


def unavailable(reason: str) -> NoReturn:
    """Skip for ``reason``, or fail when ``DASHBOARD_REQUIRE_BROWSER=1`` makes the browser tests mandatory."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason}; {REQUIRE_ENV}=1 makes the browser tests mandatory")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    return artifacts_root()


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_executable()
    if path is None:
        unavailable("Debian's chromium is not installed (`make system-deps` installs it as root)")
    return path


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright, chromium: str) -> Iterator[Browser]:
    browser = playwright_driver.chromium.launch(executable_path=chromium, headless=True)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory, browser: Browser, artifacts_dir: Path) -> Iterator[AppServer]:
    """The dashboard, answering and with its first page rendered once (which builds the sample store)."""
    server = AppServer(data_dir=tmp_path_factory.mktemp("browser-data"), log_path=artifacts_dir / "server.log")
    server.log_path.unlink(missing_ok=True)
    with server:
        server.wait_until_healthy(timeout=120)
        context = browser.new_context(viewport=VIEWPORT)
        try:
            warm_up = context.new_page()
            script_runs(warm_up)
            open_app(warm_up, server.url, timeout=FIRST_RENDER_TIMEOUT, allow_exceptions=True)
        except AssertionError as exc:
            raise AppServerError(f"the first page did not render: {exc}{server.tail()}") from exc
        finally:
            context.close()
        yield server


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    """A page in its own browser context (own Streamlit session), not yet pointed at the app."""
    return new_page()


@pytest.fixture
def new_page(browser: Browser, app_server: AppServer) -> Iterator[Callable[[], Page]]:
    """Makes pages in fresh browser contexts (another user, or the same user opening a copied link)."""
    contexts: list[BrowserContext] = []

    def make() -> Page:
        context = browser.new_context(viewport=VIEWPORT, locale="fi-FI", base_url=app_server.url)
        contexts.append(context)
        page = context.new_page()
        script_runs(page)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshots(request: pytest.FixtureRequest, artifacts_dir: Path) -> Screenshots:
    folder = artifacts_dir / slug(request.node.name)
    shutil.rmtree(folder, ignore_errors=True)  # only this run's shots
    return Screenshots(folder)
