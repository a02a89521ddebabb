"""Text from users and remote servers shows as written: no link, image or formatting forms from it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from i18n import t
from tests.pages.conftest import PROJECT
from ui.text import literal

#: A file name (or a remote answer) written to turn into a live link and a tracking image.
HOSTILE = (
    "[link](http://evil.example/x) ![p](http://evil.example/p.png) **bold** :red[red] $x$ <b>b</b> www.evil.example"
)
#: Markdown that would make a link or an image: an unescaped "[...](" or "![", an autolink, a bare URL.
LIVE_MARKUP = re.compile(r"(?<!\\)!?\[[^\]]*(?<!\\)\]\(|(?<!\\)<https?:|https?://|www\.evil")


def shown(markdown: str) -> str:
    """The text a reader sees for Markdown source that only escapes punctuation."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


@pytest.mark.parametrize(
    "text",
    [
        HOSTILE,
        "plain name.csv",
        "back\\slash and `code` and # heading and 1. list and > quote and | pipe |",
        "line one\nline two",
    ],
)
def test_literal_text_shows_as_written_and_forms_no_markup(text: str) -> None:
    escaped = literal(text)
    assert shown(escaped) == " ".join(text.splitlines())
    assert not LIVE_MARKUP.search(escaped)


def banner_for_a_refused_file(name: str) -> None:
    from pipeline.imports import CHECKING, ImportFailedError
    from ui.render import handled_errors

    with handled_errors("en"):
        raise ImportFailedError(file_name=name, table_name="visits", stage=CHECKING, reason="no row could be kept")


def test_a_file_name_with_markdown_shows_literally_in_the_error_banner() -> None:
    app = AppTest.from_function(banner_for_a_refused_file, args=(HOSTILE,), default_timeout=60).run()
    assert not app.exception, app.exception
    [error] = app.error
    assert HOSTILE in shown(error.value)
    assert not LIVE_MARKUP.search(error.value), error.value
    assert error.value.startswith(f"**{t('error.title', 'en')}**")  # our own heading keeps its form


def test_a_remote_error_shows_literally_on_the_data_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.settings import Settings
    from store.engine import create_store_engine
    from store.repository import record_source_attempt

    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path))  # a store of its own: the failure stays here
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    app.query_params["lang"] = "en"
    app.run()
    engine = create_store_engine(Settings.from_environment(secrets={}).database_url)
    record_source_attempt(engine, "sotkanet", at=dt.datetime.now(dt.UTC), error=f"HTTP 502: {HOSTILE}")
    app.switch_page("pages/data.py").run()
    assert not app.exception, app.exception
    [status] = [line.value for line in app.markdown if "evil" in line.value]
    assert HOSTILE in shown(status)
    assert not LIVE_MARKUP.search(status), status
