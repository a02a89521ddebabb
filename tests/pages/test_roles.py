"""Access by role, enforced where the data is read: each role against each page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from i18n import t
from tests.pages.conftest import PROJECT, open_county_tab
from tests.pages.test_outside_text import shown
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
    "county": {"is_logged_in": True, "email": "johtaja@varha.fi", "email_verified": True},
    "analyst": {"is_logged_in": True, "email": "analyytikko@thl.fi", "email_verified": True},
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
    # All professions pooled: in the tests' small store a health centre's doctor cells are all hidden, and a
    # chart whose every cell is hidden is replaced by a note; pooled, some are shown.
    app = open_as(role, region=region, profession="all")
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
    assert any(
        "johtaja@varha.fi" in shown(caption.value) and "county" in caption.value for caption in county.sidebar.caption
    )


def test_a_county_role_may_not_refresh_the_national_series(caplog: pytest.LogCaptureFixture) -> None:
    """The button is greyed out, and a click that reaches the server anyway is refused there and logged."""
    app = open_as("county")
    app.switch_page("pages/data.py").run()
    [refresh] = [button for button in app.button if button.label == t("data.refresh", "en")]
    assert refresh.disabled

    def forged_click(label: str, *_args: object, **_options: object) -> bool:
        return label == t("data.refresh", "en")  # a crafted websocket message can set a disabled button

    import streamlit as st

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(st, "button", forged_click)
        app.run()
    assert not app.exception, app.exception
    assert any(t("error.refused_refresh", "en", allowed="05") in shown(error.value) for error in app.error)
    assert_refusal_logged(caplog, "county", "refresh")


def test_an_analyst_may_refresh() -> None:
    app = open_as("analyst")
    app.switch_page("pages/data.py").run()
    [refresh] = [button for button in app.button if button.label == t("data.refresh", "en")]
    assert not refresh.disabled


def assert_refusal_logged(caplog: pytest.LogCaptureFixture, role: str, what: str) -> None:
    from core.access import identity_digest

    [line] = [
        record.getMessage()
        for record in caplog.records
        if record.name == "dashboard.access" and what in record.getMessage()
    ]
    assert f"{role}:{identity_digest(str(USERS[role]['email']))}" in line
    assert "@" not in line  # the identity, never the address


def test_a_county_role_may_not_import_rows_of_another_county(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Checked on the file's rows: the county user of 05 sends visits of county 02; nothing is imported."""
    import io

    import streamlit as st

    from tests.data_sources.extract_fixtures import write_avohilmo
    from tests.pages.test_imported_data import visits

    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path / "data"))
    upload = io.BytesIO(write_avohilmo(tmp_path / "naapuri.csv", visits()).read_bytes())
    upload.name = "naapuri.csv"  # type: ignore[attr-defined]
    app = open_as("county")
    app.switch_page("pages/data.py").run()
    extracts = tmp_path / "data" / "extracts"
    before = sorted(extracts.rglob("*.parquet"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(st, "file_uploader", lambda *_args, **_options: upload)  # AppTest cannot upload
        patch.setattr(st, "form_submit_button", lambda *_args, **_options: True)
        app.run()
    assert not app.exception, app.exception
    assert any(t("error.refused_import", "en", allowed="05") in shown(error.value) for error in app.error)
    assert not app.success
    assert sorted(extracts.rglob("*.parquet")) == before
    assert_refusal_logged(caplog, "county", "import")


@pytest.mark.parametrize(("role", "sees_importer"), [("public", False), ("county", True), ("analyst", True)])
def test_the_import_history_shows_the_importers_address_only_to_signed_in_roles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, role: str, sees_importer: bool
) -> None:
    """An importer's e-mail is personal data: the public Data page lists the import without it."""
    from core.settings import Settings
    from pipeline.bootstrap import open_store
    from pipeline.imports import import_extract
    from tests.data_sources.extract_fixtures import write_avohilmo
    from tests.pages.test_imported_data import visits

    data_dir = tmp_path / "data"
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(data_dir))
    engine = open_store(Settings.from_environment({"DASHBOARD_DATA_DIR": str(data_dir)}))
    extract = write_avohilmo(tmp_path / "kaynnit.csv", visits())
    import_extract(engine, data_dir, extract, table_name="visits", imported_by="tuoja@varha.fi")
    app = open_as(role)
    app.switch_page("pages/data.py").run()
    assert not app.exception, app.exception
    shown_cells = {str(cell) for frame in app.dataframe for cell in frame.value.to_numpy().ravel()}
    assert any("kaynnit.csv" in cell for cell in shown_cells)  # the import itself is listed
    assert ("tuoja@varha.fi" in shown_cells) is sees_importer
