"""A locked part of a page says who sees it and offers "Sign in" where sign-in is configured; where it is not,
nobody can sign in, and no word of the page mentions signing in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from i18n import LANGUAGES, t
from tests.pages.conftest import PROJECT, open_county_tab
from tests.pages.test_roles import AUTH, ROLES_FILE, USERS
from ui.locked import locked_text_key

LOCKED = ("county.units_need_role", "data.import_needs_role", "disclosure.report_needs_role")
#: Words for signing in (and the signed-in) in the three languages.
SIGN_IN_WORDS = re.compile(r"kirjau|inlogg|logga in|sign(ed|s)?[ -]in", re.IGNORECASE)


@pytest.fixture(autouse=True)
def _roles_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    roles = tmp_path / "roles.toml"
    roles.write_text(ROLES_FILE, encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_ROLES_FILE", str(roles))


def county_units(language: str, *, sign_in: bool) -> AppTest:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    if sign_in:
        app.secrets["auth"] = AUTH
        app.user = USERS["public"]
    app.query_params["lang"] = language
    app.query_params["region"] = "05"
    app.run()
    app.switch_page("pages/county.py").run()
    return open_county_tab(app, "county.tab_units", language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_notes_for_a_service_without_sign_in_never_mention_signing_in(language: str) -> None:
    for key in LOCKED:
        assert SIGN_IN_WORDS.search(t(locked_text_key(key, sign_in=True), language)), key  # the check can fail
        assert not SIGN_IN_WORDS.search(t(locked_text_key(key, sign_in=False), language)), key


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_anonymous_viewer_is_offered_sign_in_beside_the_locked_detail(language: str) -> None:
    app = county_units(language, sign_in=True)
    assert not app.exception, app.exception
    assert any(t("county.units_need_role", language) in info.value for info in app.info)
    assert [button.label for button in app.main.button if button.key == "sign_in_county.units_need_role"] == [
        t("auth.sign_in", language)
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_without_sign_in_configured_the_locked_detail_mentions_no_sign_in(language: str) -> None:
    app = county_units(language, sign_in=False)
    assert not app.exception, app.exception
    assert any(t("county.units_need_role_public", language) in info.value for info in app.info)
    words = [element.value for kind in ("info", "caption", "markdown") for element in app.get(kind)]
    assert [text for text in words if SIGN_IN_WORDS.search(str(text))] == []
    assert not [button for button in app.button if button.label == t("auth.sign_in", language)]
