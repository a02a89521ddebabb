"""Every page renders without an exception."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import PROJECT

PAGES = ["pages/data_status.py", "pages/methods.py"]


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_exception(page: str) -> None:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180).run()
    assert not app.exception, app.exception
    app.switch_page(page).run()
    assert not app.exception, app.exception
    assert app.title


def test_the_sample_data_badge_is_shown() -> None:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180).run()
    assert any("Synteettinen" in warning.value for warning in app.warning)
