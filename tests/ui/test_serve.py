"""The server launcher: what it imports before serving, the cache-clearing guard it installs, and how it
serves the pages."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import streamlit as st
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

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
    "streamlit.emojis",
)


def test_every_module_the_pages_import_is_found_in_their_source() -> None:
    names = serve.page_modules()
    for expected in (
        "ui.filters",
        "ui.cache",
        "ui.render",
        "views.compare",
        "views.investments",
        "ui.actions",
        "ui.basket",
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


# -- pages only through the entry point: the one switch of a Streamlit internal ------------------------
# Streamlit 1.67 has no setting that keeps a `pages/` folder next to the entry point out of its legacy
# multipage mode. These tests pin what the launcher relies on, so an upgrade that changes it fails here.


def test_a_pages_folder_next_to_the_entry_point_turns_the_legacy_mode_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Why the switch exists: left alone, Streamlit serves `pages/*.py` on their own until navigation runs."""
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)
    PagesManager(str(serve.ENTRY_POINT))
    assert PagesManager.uses_pages_directory is True


def test_the_switch_holds_for_every_session_started_after_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)
    serve.pages_only_through_navigation()
    for _ in range(2):  # one pages manager per browser session
        PagesManager(str(serve.ENTRY_POINT))
        assert PagesManager.uses_pages_directory is False


def test_a_script_run_chooses_the_legacy_mode_by_that_switch() -> None:
    """The script runner reads the class attribute the launcher sets, and runs `_mpa_v1` while it is on."""
    source = inspect.getsource(ScriptRunner._run_script)
    assert "if PagesManager.uses_pages_directory:" in source
    assert "_mpa_v1(self._main_script_path)" in source
    assert "PagesManager.uses_pages_directory = False" in inspect.getsource(st.navigation)


def test_the_launcher_turns_the_legacy_mode_off_before_the_server_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)
    seen: list[bool | None] = []

    class Started:
        def run(self, config: object) -> None:
            seen.append(PagesManager.uses_pages_directory)

    monkeypatch.setattr(serve, "import_ahead", list)
    monkeypatch.setattr(serve, "guard_cache_clearing", lambda: None)
    monkeypatch.setattr(serve, "dashboard_app", Started)
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    with pytest.raises(SystemExit) as stopped:  # click's standalone mode exits when the command returns
        serve.main(["--server.headless=true"])
    assert stopped.value.code == 0
    assert seen == [False]


def test_the_server_does_not_collect_all_garbage_after_every_script_run() -> None:
    # Streamlit's default (runner.postScriptGC) took a third of the server's CPU under many readers (bench/README.md)
    with (PROJECT / ".streamlit" / "config.toml").open("rb") as handle:
        config = tomllib.load(handle)
    assert config["runner"]["postScriptGC"] is False
