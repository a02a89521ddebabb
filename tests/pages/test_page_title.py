"""The browser tab's title speaks the language of the link, and follows a change of language in the sidebar."""

from __future__ import annotations

from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from i18n import t
from tests.pages.conftest import PROJECT


@pytest.fixture
def tab_titles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every ``page_title`` the app sets, in order (the last one is what the tab shows)."""
    titles: list[str] = []
    set_page_config = st.set_page_config

    def recording(*args: Any, **options: Any) -> None:
        if options.get("page_title"):
            titles.append(options["page_title"])
        set_page_config(*args, **options)

    monkeypatch.setattr(st, "set_page_config", recording)
    return titles


def open_app(**query: str) -> AppTest:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    for key, value in query.items():
        app.query_params[key] = value
    return app.run().run()


@pytest.mark.parametrize(
    ("query", "language"),
    [
        ({"lang": "fi"}, "fi"),
        ({"lang": "sv"}, "sv"),
        ({"lang": "en"}, "en"),
        # no language, or one the app does not speak: Finnish, as the filters fall back
        ({}, "fi"),
        ({"lang": "de"}, "fi"),
    ],
)
def test_the_tab_title_is_in_the_links_language(tab_titles: list[str], query: dict[str, str], language: str) -> None:
    app = open_app(**query)
    assert not app.exception, app.exception
    assert tab_titles[-1] == t("app.title", language)


def test_the_tab_title_follows_a_language_chosen_in_the_sidebar(tab_titles: list[str]) -> None:
    app = open_app(lang="fi")
    app.selectbox(key="f_lang").set_value("sv").run()
    assert not app.exception, app.exception
    assert tab_titles[-1] == t("app.title", "sv")
