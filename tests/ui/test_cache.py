"""The one invalidation rule: whatever is cached from the store is kept until the store's version changes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ui import cache

#: The store version the patched reader reports, set by the script below.
VERSION = ["v1"]
#: One entry per build that actually ran.
BUILDS: list[str] = []


def count_build(_source: object, region: str) -> int:
    BUILDS.append(region)
    return len(BUILDS)


def read_around_a_new_version() -> None:
    import streamlit as st

    from tests.ui import test_cache as here  # noqa: PLW0406  # this runs as a script of its own
    from ui import cache

    seen = []
    for read in (cache.stored, cache.view):
        here.VERSION[0] = "v1"
        cache.forget_version()
        seen.append(read(here.count_build, "02"))
        seen.append(read(here.count_build, "02"))  # same version: kept
        seen.append(read(here.count_build, "19"))  # other arguments: built
        here.VERSION[0] = "v2"  # an import or a refresh landed
        cache.forget_version()
        seen.append(read(here.count_build, "02"))
    st.session_state["seen"] = seen


@pytest.fixture
def own_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A store of this test's own; the process-wide resources (settings, engine) are dropped afterwards."""
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DASHBOARD_SAMPLE_SCALE", "0.03")
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.mark.usefixtures("own_store")
def test_a_cached_value_is_rebuilt_only_when_the_store_version_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "store_version", lambda _engine: VERSION[0])
    monkeypatch.setattr(cache, "load_results", lambda _engine, unit_regions, dataset=None: None)
    BUILDS.clear()
    app = AppTest.from_function(read_around_a_new_version, default_timeout=180).run()
    assert not app.exception, app.exception
    assert app.session_state["seen"] == [1, 1, 2, 3, 4, 4, 5, 6]


def read_two_datasets() -> None:
    import streamlit as st

    from tests.ui import test_cache as here  # noqa: PLW0406  # this runs as a script of its own
    from ui import cache
    from views.state import ViewState

    here.VERSION[0] = "v1"
    cache.forget_version()
    seen = []
    for dataset in ("", "2025 extract", ""):
        st.session_state["view"] = ViewState(dataset=dataset)
        seen.append(cache.view(here.count_build, "02"))
        seen.append(cache.results())
    st.session_state["seen"] = seen


@pytest.mark.usefixtures("own_store")
def test_views_and_results_are_kept_per_data_set_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    # a view built from one data set's results is never shown for another
    monkeypatch.setattr(cache, "store_version", lambda _engine: VERSION[0])
    monkeypatch.setattr(cache, "load_results", lambda _engine, unit_regions, dataset=None: f"results of {dataset}")
    BUILDS.clear()
    app = AppTest.from_function(read_two_datasets, default_timeout=180).run()
    assert not app.exception, app.exception
    assert app.session_state["seen"] == [1, "results of None", 2, "results of 2025 extract", 1, "results of None"]
