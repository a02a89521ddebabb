"""The store's engine survives a cache clear: no second engine, so no second pool of open connections."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest


def engine_around_a_clear() -> None:
    import streamlit as st

    from ui import session

    first = session.current_engine()
    st.cache_resource.clear()  # what Streamlit's "clear cache" does (a developer's, since visitors are ignored)
    second = session.current_engine()
    st.session_state["same_engine"] = first is second


def test_clearing_the_caches_reuses_the_engine_and_its_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DASHBOARD_SAMPLE_SCALE", "0.03")
    app = AppTest.from_function(engine_around_a_clear, default_timeout=180).run()
    assert not app.exception, app.exception
    assert app.session_state["same_engine"] is True
