"""Faults the pages must survive: the database down at start."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from i18n import t
from tests.pages.conftest import PROJECT
from tests.pages.test_outside_text import shown


def test_a_database_that_cannot_be_reached_gives_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    st.cache_resource.clear()
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=60)
    app.query_params["lang"] = "en"
    app.run()
    assert not app.exception, app.exception
    [error] = app.error
    assert t("error.store_title", "en") in error.value
    assert "127.0.0.1:9" in shown(error.value)  # the message is shown as text: its punctuation is escaped
    assert "not reachable" in shown(error.value)
