"""Access by role, enforced where the data is read: each role against each page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from i18n import t
from tests.pages.conftest import PROJECT, open_county_tab
from tests.pages.test_smoke import PAGES

ROLES_FILE = """
[[rule]]
email = "johtaja@varha.fi"
role = "county"
regions = ["05"]

[[rule]]
domain = "thl.fi"
role = "analyst"
"""
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "not-a-real-secret",
    "client_id": "dashboard",
    "client_secret": "not-a-real-secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
USERS = {
    "public": {"is_logged_in": False},
    "county": {"is_logged_in": True, "email": "johtaja@varha.fi"},
    "analyst": {"is_logged_in": True, "email": "analyytikko@thl.fi"},
}


@pytest.fixture(autouse=True)
def _roles_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    roles = tmp_path / "roles.toml"
    roles.write_text(ROLES_FILE, encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_ROLES_FILE", str(roles))


def open_as(role: str, **query: str) -> AppTest:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    app.secrets["auth"] = AUTH
    app.user = USERS[role]
    for key, value in {"lang": "en", **query}.items():
        app.query_params[key] = value
    return app.run()


def unit_detail_refused(app: AppTest) -> bool:
    return any(t("county.units_need_role", "en") in info.value for info in app.info)


@pytest.mark.parametrize("role", list(USERS))
def test_every_page_renders_for_every_role(role: str) -> None:
    app = open_as(role, region="05")
    for page in PAGES:
        app.switch_page(page).run()
        assert not app.exception, (role, page, app.exception)


@pytest.mark.parametrize(
    ("role", "region", "refused"),
    [
        ("public", "05", True),
        ("county", "05", False),
        ("county", "13", True),  # another county's health centres
        ("analyst", "13", False),
    ],
)
def test_unit_level_detail_is_shown_only_to_whom_it_belongs(role: str, region: str, refused: bool) -> None:
    app = open_as(role, region=region)
    app.switch_page("pages/county.py").run()
    open_county_tab(app, "county.tab_units", "en")
    assert not app.exception
    assert unit_detail_refused(app) is refused
    assert bool(app.get("plotly_chart")) is not refused


@pytest.mark.parametrize(("role", "may_import"), [("public", False), ("county", True), ("analyst", True)])
def test_only_signed_in_roles_see_import_and_refresh(role: str, may_import: bool) -> None:
    app = open_as(role)
    app.switch_page("pages/data.py").run()
    refused = any(t("data.import_needs_role", "en") in info.value for info in app.info)
    assert refused is not may_import
    assert any(button.label == t("data.refresh", "en") for button in app.button) is may_import


def test_the_sidebar_offers_sign_in_to_anonymous_viewers_and_names_the_role_of_signed_in_ones() -> None:
    anonymous = open_as("public")
    assert any(button.label == t("auth.sign_in", "en") for button in anonymous.sidebar.button)
    county = open_as("county")
    assert any("johtaja@varha.fi" in caption.value and "county" in caption.value for caption in county.sidebar.caption)
