"""Unexpected errors on a page: our message in the reader's language with an error id; the traceback only in
the log. Covers a page's body, the sidebar, a fragment's own rerun and a native library's panic."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NoReturn

import pytest
from polars.exceptions import PanicException
from streamlit.testing.v1 import AppTest

from i18n import LANGUAGES, t
from tests.pages.conftest import PROJECT

#: What a leaked failure would carry: a path, SQL, a password in a URL, a Python frame.
SECRET = "SELECT password FROM users -- postgresql://admin:hunter2@db.internal/care /srv/app/views/compare.py"
ERROR_ID = re.compile(r"\b[0-9a-f]{8}\b")


def fail(error: BaseException) -> Callable[..., NoReturn]:
    def raising(*_args: Any, **_options: Any) -> NoReturn:
        raise error

    return raising


def shown_text(app: AppTest) -> str:
    """Everything the page shows as text, main area and sidebar."""
    parts = [
        str(node.value)
        for kind in ("markdown", "error", "warning", "info", "caption", "title")
        for node in app.get(kind)
    ]
    parts += [str(node.value) for node in app.sidebar.get("caption")]
    return "\n".join(parts)


def assert_our_message(app: AppTest, language: str, caplog: pytest.LogCaptureFixture) -> None:
    assert not app.exception, app.exception  # Streamlit's own exception element (type, message, stack) is never sent
    [error] = app.error
    assert t("error.title", language) in error.value
    [error_id] = ERROR_ID.findall(error.value)
    assert t("error.unexpected", language, id=error_id) in error.value
    for leaked in ("SELECT", "hunter2", "/srv/app", "Traceback", "RuntimeError", ".py"):
        assert leaked not in shown_text(app), leaked
    [record] = [record for record in caplog.records if record.name == "dashboard.errors"]
    assert error_id in record.getMessage()
    assert record.exc_info is not None  # the traceback goes to the log
    assert SECRET in str(record.exc_info[1])


def compare_page(language: str) -> AppTest:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    app.query_params["lang"] = language
    app.run()
    return app.switch_page("pages/compare.py").run()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_failing_loader_shows_our_message_with_an_id_and_logs_the_traceback(
    language: str, monkeypatch: pytest.MonkeyPatch, expected_errors: pytest.LogCaptureFixture
) -> None:
    from views import compare

    monkeypatch.setattr(compare, "ranking", fail(RuntimeError(SECRET)))
    app = compare_page(language)
    assert_our_message(app, language, expected_errors)
    assert app.title  # the page's head is still there


def test_a_native_panic_is_handled_like_any_unexpected_error(
    monkeypatch: pytest.MonkeyPatch, expected_errors: pytest.LogCaptureFixture
) -> None:
    from views import compare

    monkeypatch.setattr(compare, "ranking", fail(PanicException(SECRET)))  # derives from BaseException only
    assert_our_message(compare_page("en"), "en", expected_errors)


def test_a_failure_in_the_sidebar_shows_our_message(
    monkeypatch: pytest.MonkeyPatch, expected_errors: pytest.LogCaptureFixture
) -> None:
    from ui import filters

    monkeypatch.setattr(filters, "region_choices", fail(RuntimeError(SECRET)))
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    app.query_params["lang"] = "sv"
    assert_our_message(app.run(), "sv", expected_errors)


def test_a_failure_in_a_fragment_shows_our_message(
    monkeypatch: pytest.MonkeyPatch, expected_errors: pytest.LogCaptureFixture
) -> None:
    """The chart's table is a fragment: its own reruns run outside the page's handler."""
    from ui import render

    app = compare_page("en")
    assert not app.error
    monkeypatch.setattr(render, "table_for_page", fail(RuntimeError(SECRET)))
    app.session_state["table_compare_ranking_en"] = True  # open the table, as a click does
    assert_our_message(app.run(), "en", expected_errors)
