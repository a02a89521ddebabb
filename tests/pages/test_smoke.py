"""Every page renders in every language without an exception, with and without a county chosen."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from i18n import LANGUAGES, t
from tests.pages.conftest import COUNTY_TABS, PROJECT, open_county_tab

PAGES = [
    "pages/overview.py",
    "pages/compare.py",
    "pages/county.py",
    "pages/investments.py",
    "pages/deck.py",
    "pages/data.py",
    "pages/methods.py",
]


def open_app(**query: str) -> AppTest:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("region", ["all", "05"])
def test_every_page_renders_without_exception(language: str, region: str) -> None:
    app = open_app(lang=language, region=region)
    assert not app.exception, app.exception
    for page in PAGES:
        app.switch_page(page).run()
        assert not app.exception, (page, app.exception)
        assert app.title, page
        assert not app.error, (page, [error.value for error in app.error])


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_county_tab_renders_its_charts(language: str) -> None:
    app = open_app(lang=language, region="05")
    app.switch_page("pages/county.py").run()
    for tab in COUNTY_TABS:
        open_county_tab(app, tab, language)
        assert not app.exception, (tab, app.exception)
        assert not app.error, (tab, [error.value for error in app.error])
        shown = app.get("plotly_chart")
        if tab == "county.tab_units":  # without sign-in, the public sees no health-centre detail
            assert not shown
            assert any(t("county.units_need_role_public", language) in info.value for info in app.info)
        elif tab == "county.tab_reported":  # the targets' verdicts and the county's other figures: tables
            assert app.dataframe, tab
        else:
            assert shown, tab


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_sample_data_badge_is_shown_in_the_active_language(language: str) -> None:
    app = open_app(lang=language)
    assert any(t("common.sample_badge", language) in warning.value for warning in app.warning)
