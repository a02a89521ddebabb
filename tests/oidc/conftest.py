"""Fixtures for the sign-in test: the mock OpenID Connect provider, the dashboard configured to use it, Chromium.

* ``provider`` - :class:`tests.oidc.mock_provider.MockOidcProvider` on 127.0.0.1, signing in
  :data:`COUNTY_USER` unless a test changes ``provider.user``.
* ``dashboard`` - ``streamlit run app.py`` on a free port with a temporary data folder (small
  sample store), a temporary roles file (:data:`ROLES_FILE`) and a temporary secrets file whose
  ``[auth]`` section points at the provider. The secrets file is passed with Streamlit's
  ``secrets.files`` option, so a ``.streamlit/secrets.toml`` in the checkout or the home folder
  is never read.
* ``browser_thread`` - headless Chromium in a thread of its own (see :mod:`tests.oidc.browser_thread`:
  ``tests/browser`` holds the main thread's Playwright for the whole session).
* ``artifacts`` - where the screenshots go: ``tests/oidc/artifacts/`` (or ``<DASHBOARD_TEST_ARTIFACTS_DIR>/oidc``).

The browser test skips when Debian's Chromium is not installed; every test here skips when Authlib
(which ``st.login`` needs, and which brings ``joserfc`` for the provider's signatures) is missing.
On a failure the report gets what the provider saw and the end of the dashboard's log.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.server import AppServer, AppServerError
from tests.oidc.browser_thread import BrowserThread

if TYPE_CHECKING:
    from tests.oidc.mock_provider import MockOidcProvider

CLIENT_ID = "care-continuity-dashboard"
COUNTY_EMAIL = "johtaja@varha.fi"
#: The claims the provider signs in: the roles file makes this e-mail a county user for county 05.
COUNTY_USER: dict[str, object] = {
    "sub": "f3a1c2d4-county-user",
    "email": COUNTY_EMAIL,
    "email_verified": True,  # only a verified address earns the rule's role
    "name": "Aluejohtaja",
    "groups": ["hva-varsinais-suomi"],
}
ROLES_FILE = """
[[rule]]
email = "johtaja@varha.fi"
role = "county"
regions = ["05"]

[[rule]]
domain = "thl.fi"
role = "analyst"
"""
ARTIFACTS_ENV = "DASHBOARD_TEST_ARTIFACTS_DIR"
#: The server answers its health check before the store is built; the machine may be busy.
HEALTHY_TIMEOUT = 180.0


def artifacts_dir() -> Path:
    root = os.environ.get(ARTIFACTS_ENV)
    folder = Path(root) / "oidc" if root else Path(__file__).resolve().parent / "artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def require_authlib() -> None:
    if importlib.util.find_spec("authlib") is None:
        pytest.skip("Authlib is not installed: Streamlit's st.login needs it (see requirements.txt)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failure, add what the provider saw and the end of the dashboard's log to the report."""
    report: pytest.TestReport = yield
    if not report.failed or call.when != "call":
        return report
    funcargs = getattr(item, "funcargs", {})
    mock = funcargs.get("provider")
    if mock is not None:
        seen = [f"{request.method} {request.path} -> {request.status}" for request in mock.requests]
        report.sections.append(("mock provider", "\n".join([*seen, *(f"refused: {e}" for e in mock.errors)])))
    server = funcargs.get("dashboard")
    if isinstance(server, AppServer):
        report.sections.append(("dashboard log", server.tail(60)))
    return report


@pytest.fixture(scope="session")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("Debian's chromium is not installed (`make system-deps` installs it as root)")
    return path


@pytest.fixture(scope="module")
def provider() -> Iterator[MockOidcProvider]:
    require_authlib()
    from tests.oidc.mock_provider import MockOidcProvider

    with MockOidcProvider(client_id=CLIENT_ID, client_secret=secrets.token_urlsafe(24), user=COUNTY_USER) as mock:
        yield mock


@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = artifacts_dir()
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


@pytest.fixture(scope="module")
def dashboard(
    tmp_path_factory: pytest.TempPathFactory, provider: MockOidcProvider, artifacts: Path, chromium: str
) -> Iterator[AppServer]:
    """The dashboard with sign-in through ``provider``, answering its health check."""
    folder = tmp_path_factory.mktemp("oidc-dashboard")
    roles = folder / "roles.toml"
    roles.write_text(ROLES_FILE, encoding="utf-8")
    server = AppServer(
        data_dir=folder / "data",
        log_path=artifacts / "server.log",
        extra_env={
            "DASHBOARD_ROLES_FILE": str(roles),
            # Streamlit's secrets.files option: only this file, never a real .streamlit/secrets.toml.
            "STREAMLIT_SECRETS_FILES": str(folder / "secrets.toml"),
            # The server's HTTP client must reach the provider directly, whatever proxy the shell names.
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        },
    )
    provider.redirect_uris = (f"{server.url}/oauth2callback",)
    auth = {
        "redirect_uri": f"{server.url}/oauth2callback",
        "cookie_secret": secrets.token_urlsafe(32),
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "server_metadata_url": provider.metadata_url,
    }
    lines = ["[auth]", *(f"{key} = {json.dumps(value)}" for key, value in auth.items())]
    (folder / "secrets.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    server.log_path.unlink(missing_ok=True)
    with server:
        try:
            server.wait_until_healthy(timeout=HEALTHY_TIMEOUT)
        except AppServerError as exc:
            pytest.fail(str(exc))
        yield server


@pytest.fixture(scope="module")
def browser_thread(chromium: str) -> Iterator[BrowserThread]:
    with BrowserThread(chromium) as thread:
        yield thread
