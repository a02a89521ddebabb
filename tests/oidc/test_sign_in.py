"""Sign-in end to end: Chromium, the real Streamlit server, ``st.login`` and a mock OpenID Connect provider.

One journey, screenshot at every step: the anonymous sidebar offers sign-in; the button goes through
``/auth/login``, the provider's ``/authorize`` and ``/oauth2callback`` back to the app; the sidebar
then names the user and the role the roles file gives (county, for county 05); the County page's
health-centre tab shows county 05's detail and refuses county 13's; signing out goes through the
provider's end-session endpoint and leaves an anonymous viewer who is refused county 05's detail again.

The journey runs in the browser's own thread (:class:`tests.oidc.browser_thread.BrowserThread`);
a failure there is re-raised in the test with its traceback, after a ``failure.png`` screenshot.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, Response, expect
from playwright.sync_api import Error as PlaywrightError

from i18n import t
from tests.browser.server import AppServer
from tests.oidc.browser_thread import BrowserThread
from tests.oidc.conftest import COUNTY_EMAIL, COUNTY_USER

if TYPE_CHECKING:
    from tests.oidc.mock_provider import MockOidcProvider

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: The first page builds the sample store and warms the caches.
FIRST_PAGE_TIMEOUT = 240.0
STEP_TIMEOUT = 90.0
#: For an element of a page that has settled: long enough for a busy machine to paint it.
SHOWN_MS = 20_000

SETTLED_SCRIPT = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return 'no app root yet';
  const connection = app.getAttribute('data-test-connection-state');
  if (connection !== 'CONNECTED') return 'connection ' + connection;
  const state = app.getAttribute('data-test-script-state');
  if (state !== 'notRunning') return 'script ' + state;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return 'status widget shown';
  if (document.querySelector('[data-testid="stAppSkeleton"], [data-testid="stSkeleton"]')) return 'skeleton shown';
  if (document.querySelector('[data-stale="true"]')) return 'stale elements shown';
  if (!document.querySelector('[data-testid="stSidebar"] [data-testid="stElementContainer"]')) return 'sidebar empty';
  if (!document.querySelector('[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]'))
    return 'main block empty';
  return '';
}
"""
EXCEPTIONS_SCRIPT = """
() => Array.from(document.querySelectorAll('[data-testid="stException"]'), node => node.innerText.trim())
"""


def wait_until_settled(page: Page, *, timeout: float = STEP_TIMEOUT, quiet_for: float = 0.75) -> None:
    """Wait until Streamlit has finished every run: connected, not running, no status widget, for ``quiet_for`` s.

    The quiet period covers the reruns a page may trigger itself (the entry-point redirect, a
    filter written back to the URL), which start a moment after the previous run finished.
    """
    deadline = time.monotonic() + timeout
    quiet_since: float | None = None
    reason = "not checked"
    while True:
        try:
            reason = page.evaluate(SETTLED_SCRIPT)
        except PlaywrightError as exc:  # a navigation replaced the document between two checks
            if "context was destroyed" not in str(exc):
                raise
            reason = "navigating"
        now = time.monotonic()
        if reason:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= quiet_for:
            break
        if now > deadline:
            raise AssertionError(f"the app did not settle within {timeout:.0f} s on {page.url}: {reason}")
        page.wait_for_timeout(100)
    exceptions = page.evaluate(EXCEPTIONS_SCRIPT)
    assert not exceptions, f"the app showed an exception on {page.url}: {exceptions}"


def sidebar(page: Page) -> Locator:
    return page.locator('[data-testid="stSidebar"]')


def sidebar_button(page: Page, label: str) -> Locator:
    return sidebar(page).get_by_role("button", name=label)


def open_units_tab(page: Page, dashboard: AppServer, region: str) -> Locator:
    """The County page in English for ``region``, its health-centre tab opened; returns the tab's panel."""
    page.goto(f"{dashboard.url}/county?lang=en&region={region}")
    wait_until_settled(page)
    page.get_by_role("tab", name=t("county.tab_units", "en")).click()
    panel = page.get_by_role("tabpanel").filter(visible=True)
    expect(panel).to_have_count(1, timeout=SHOWN_MS)
    wait_until_settled(page)
    return panel


def path_of(url: str) -> str:
    return urlsplit(url).path


def lands_on_app(dashboard: AppServer) -> Callable[[Response], bool]:
    """Matches the document response at the end of a redirect chain: the app's root page, 200."""

    def matches(response: Response) -> bool:
        return (
            response.request.is_navigation_request()
            and response.url.startswith(dashboard.url + "/")
            and path_of(response.url) == "/"
            and response.status == 200
        )

    return matches


class Screenshots:
    """Numbered screenshots of the journey: ``01-anonymous.png``, ``02-signed-in.png``, ..."""

    def __init__(self, page: Page, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.taken: list[Path] = []

    def __call__(self, name: str) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        self.page.screenshot(path=path, full_page=True)
        self.taken.append(path)
        return path


def test_sign_in_with_the_provider_gives_the_roles_file_role_and_sign_out_takes_it_away(
    browser_thread: BrowserThread, dashboard: AppServer, provider: MockOidcProvider, artifacts: Path
) -> None:
    provider.user = dict(COUNTY_USER)
    browser_thread.run(sign_in_journey, dashboard, provider, artifacts)


def sign_in_journey(browser: Browser, dashboard: AppServer, provider: MockOidcProvider, artifacts: Path) -> None:
    """The whole journey in a fresh browser context (own cookies), Finnish like the app's default."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fi-FI")
    page = context.new_page()
    try:
        journey(page, dashboard, provider, Screenshots(page, artifacts))
    except BaseException:
        if not page.is_closed():
            page.screenshot(path=artifacts / "failure.png", full_page=True)
        raise
    finally:
        context.close()


def journey(page: Page, dashboard: AppServer, provider: MockOidcProvider, shots: Screenshots) -> None:
    email = COUNTY_EMAIL
    refused = t("county.units_need_role", "en")

    # 1. Anonymous, Finnish (the default language): the sidebar offers sign-in and names nobody.
    page.goto(dashboard.url)
    wait_until_settled(page, timeout=FIRST_PAGE_TIMEOUT)
    sign_in = sidebar_button(page, t("auth.sign_in", "fi"))
    expect(sign_in).to_be_visible(timeout=SHOWN_MS)
    expect(sidebar(page).get_by_text(email)).to_have_count(0, timeout=SHOWN_MS)
    shots("anonymous")

    # 2. Sign in: the app -> /auth/login -> provider /authorize -> /oauth2callback -> the app.
    chain: list[str] = []
    page.on("request", lambda request: chain.append(request.url) if request.is_navigation_request() else None)
    with (
        page.expect_response(lands_on_app(dashboard), timeout=STEP_TIMEOUT * 1000),
        page.expect_response(lambda response: path_of(response.url) == "/oauth2callback") as callback,
    ):
        sign_in.click()
    assert callback.value.status in (302, 303, 307), callback.value.status
    wait_until_settled(page)
    assert not provider.errors, provider.errors
    assert [path_of(url) for url in chain] == ["/auth/login", "/authorize", "/oauth2callback", "/"], chain
    assert chain[1].startswith(provider.issuer + "/authorize?")
    assert provider.paths_requested().count("/token") == 1, provider.paths_requested()

    # 3. Signed in: the sidebar names the user and the role (Finnish: "alue"), and offers sign-out.
    caption = t("auth.signed_in_as", "fi", identity=email, role=t("auth.role_county", "fi"))
    expect(sidebar(page).get_by_text(caption)).to_be_visible(timeout=SHOWN_MS)
    expect(sidebar_button(page, t("auth.sign_out", "fi"))).to_be_visible(timeout=SHOWN_MS)
    expect(sidebar_button(page, t("auth.sign_in", "fi"))).to_have_count(0, timeout=SHOWN_MS)
    shots("signed-in")

    # 4. County 05 (the user's own): health-centre detail is shown, not refused. In English: "role: county".
    panel = open_units_tab(page, dashboard, "05")
    in_english = t("auth.signed_in_as", "en", identity=email, role="county")
    expect(sidebar(page).get_by_text(in_english)).to_be_visible(timeout=SHOWN_MS)
    expect(panel.get_by_text(refused)).to_have_count(0, timeout=SHOWN_MS)
    expect(panel.get_by_text(t("filter.indicator", "en"), exact=True)).to_be_visible(timeout=SHOWN_MS)
    shots("county-05-detail-shown")

    # 5. County 13 (another county's health centres): refused with the lock notice.
    panel = open_units_tab(page, dashboard, "13")
    expect(panel.get_by_text(refused)).to_be_visible(timeout=SHOWN_MS)
    shots("county-13-detail-refused")

    # 6. Sign out: through the provider's end-session endpoint back to the app, anonymous again.
    logouts_before = len(provider.logouts)
    chain.clear()
    with page.expect_response(lands_on_app(dashboard), timeout=STEP_TIMEOUT * 1000):
        sidebar_button(page, t("auth.sign_out", "en")).click()
    wait_until_settled(page)
    assert [path_of(url) for url in chain] == ["/auth/logout", "/logout", "/oauth2callback", "/"], chain
    assert len(provider.logouts) == logouts_before + 1
    logout = provider.logouts[-1]
    assert logout.get("client_id") == provider.client_id
    assert logout.get("post_logout_redirect_uri") == f"{dashboard.url}/oauth2callback"
    assert logout.get("id_token_hint"), "the sign-out did not pass the id_token as a hint"
    expect(sidebar_button(page, t("auth.sign_in", "fi"))).to_be_visible(timeout=SHOWN_MS)
    expect(sidebar(page).get_by_text(email)).to_have_count(0, timeout=SHOWN_MS)
    assert not [cookie for cookie in page.context.cookies() if cookie["name"].startswith("_streamlit_user")]
    shots("signed-out")

    # 7. Anonymous again: county 05's health-centre detail is refused like any public viewer's.
    panel = open_units_tab(page, dashboard, "05")
    expect(panel.get_by_text(refused)).to_be_visible(timeout=SHOWN_MS)
    expect(sidebar_button(page, t("auth.sign_in", "en"))).to_be_visible(timeout=SHOWN_MS)
    shots("anonymous-county-05-refused")
