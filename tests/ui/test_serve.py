"""The server launcher: what it imports before serving, and the cache-clearing guard it installs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from streamlit.runtime.app_session import AppSession

from ui import serve

PROJECT = Path(__file__).resolve().parents[2]

#: What two first sessions importing at once broke ("partially initialized module 'pandas'"), and the rest
#: of what a page run imports that takes long enough to race.
HEAVY = (
    "pandas",
    "plotly.graph_objects",
    "plotly.io",
    "polars",
    "pyarrow",
    "numpy",
    "sqlalchemy",
    "scipy.stats",
    "pptx",
)


def test_every_module_the_pages_import_is_found_in_their_source() -> None:
    names = serve.page_modules()
    for expected in (
        "ui.context",
        "ui.render",
        "views.compare",
        "views.investments",
        "pipeline.imports",
        "exports.pptx",
    ):
        assert expected in names, expected


def test_the_launcher_imports_the_heavy_libraries_before_serving() -> None:
    """In a fresh interpreter: nothing heavy is loaded before ``import_ahead``, everything after it."""
    probe = (
        "import sys\n"
        "from ui import serve\n"
        f"heavy = {HEAVY!r}\n"
        "before = [name for name in heavy if name in sys.modules]\n"
        "serve.import_ahead()\n"
        "after = [name for name in heavy if name not in sys.modules]\n"
        "import json\n"
        "print(json.dumps([before, after]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT, capture_output=True, text=True, timeout=300, check=True
    )
    before, missing = json.loads(done.stdout.strip().splitlines()[-1])
    assert "pandas" not in before  # the probe means something: the launcher module itself imports none of it
    assert missing == []


class _Session:
    id = "test-session"


def test_the_guard_leaves_the_shared_caches_alone_for_a_visitor(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    @st.cache_resource
    def shared() -> list[str]:
        calls.append("built")
        return calls

    monkeypatch.setattr(AppSession, "_handle_clear_cache_request", AppSession._handle_clear_cache_request)
    serve.guard_cache_clearing()
    serve.guard_cache_clearing()  # installing it twice keeps one guard
    shared()
    AppSession._handle_clear_cache_request(_Session())  # type: ignore[arg-type]
    shared()
    assert calls == ["built"]


def test_the_guard_lets_a_developer_server_clear_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AppSession, "_handle_clear_cache_request", AppSession._handle_clear_cache_request)
    cleared: list[object] = []
    monkeypatch.setattr(AppSession, "_handle_clear_cache_request", cleared.append)
    serve.guard_cache_clearing()
    monkeypatch.setattr(serve, "visitors_may_clear_caches", lambda: True)
    session = _Session()
    AppSession._handle_clear_cache_request(session)  # type: ignore[arg-type]
    assert cleared == [session]
