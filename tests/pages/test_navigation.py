"""Every page runs inside the entry point: the sidebar's filters, the link's state and the navigation with it."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from i18n import t
from tests.pages.conftest import PROJECT
from tests.pages.test_smoke import PAGES


@pytest.mark.parametrize("page", PAGES)
def test_a_page_reached_by_navigation_keeps_the_sidebar_filters(page: str) -> None:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    app.query_params["lang"] = "en"
    app.query_params["region"] = "02"
    app.run()
    app.switch_page(page).run()
    assert not app.exception, app.exception
    county = [box for box in app.sidebar.selectbox if box.label == t("filter.county", "en")]
    assert [box.value for box in county] == ["02"], [box.label for box in app.sidebar.selectbox]
    assert app.query_params.get("region") in ("02", ["02"])
