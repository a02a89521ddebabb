"""AppTest fixtures: a small bootstrapped store per test session, caches cleared between tests."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, app_test

from i18n import t
from ui.serve import pages_only_through_navigation

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dashboard-data")


@pytest.fixture(autouse=True)
def _small_store(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DASHBOARD_SAMPLE_SCALE", "0.03")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


class _ServedPagesManager(PagesManager):
    """AppTest's pages manager, with the pages served as the launcher serves them.

    AppTest builds a new ``PagesManager`` for every run after resetting the legacy multipage mode
    (``app_test.py``), which a ``pages/`` folder next to ``app.py`` then turns on again; the launcher
    (``python -m ui.serve``) turns it off before the server starts, and so does this, after each reset.
    """

    def __init__(self, *arguments: Any, **options: Any) -> None:
        super().__init__(*arguments, **options)
        pages_only_through_navigation()


@pytest.fixture(autouse=True)
def _pages_as_served(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_test, "PagesManager", _ServedPagesManager)


@pytest.fixture
def expected_errors(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """For a test that provokes unexpected errors: their log records (``dashboard.errors``), and no failure."""
    caplog.set_level(logging.ERROR, logger="dashboard.errors")
    return caplog


@pytest.fixture(autouse=True)
def _no_unexpected_errors(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """The pages turn any exception into a message with an error id, so ``app.exception`` no longer shows a
    bug: a test fails when one was logged on ``dashboard.errors``, unless it asked for ``expected_errors``."""
    yield
    if "expected_errors" in request.fixturenames:
        return
    logged = [record.getMessage() for record in caplog.records if record.name == "dashboard.errors"]
    assert not logged, logged


#: The county page's tabs, by their catalogue keys, in order. Only the open tab's content runs.
COUNTY_TABS = (
    "county.tab_trends",
    "county.tab_measures",
    "county.tab_units",
    "county.tab_experience",
    "county.tab_reported",
)


def open_county_tab(app: AppTest, tab: str, language: str) -> AppTest:
    """Open the county page tab ``tab`` (a key of :data:`COUNTY_TABS`) as a click on it does, and rerun."""
    app.session_state[f"county_tab_{language}"] = t(tab, language)
    return app.run()
