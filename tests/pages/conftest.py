"""AppTest fixtures: a small bootstrapped store per test session, caches cleared between tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

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
