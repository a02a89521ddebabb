"""The Compare page on THL's published series (its default) and on a computed indicator."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from i18n import LANGUAGES, t
from tests.pages.conftest import PROJECT


def compare_page(language: str, **query: str) -> AppTest:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    app.query_params["lang"] = language
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    return app.switch_page("pages/compare.py").run()


def badged(app: AppTest, language: str) -> bool:
    return any(t("common.sample_badge", language) in warning.value for warning in app.warning)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_default_page_shows_thls_figures_in_four_charts_without_the_sample_badge(language: str) -> None:
    app = compare_page(language, region="05")
    assert not app.exception, app.exception
    assert not badged(app, language)
    # ranking, funnel on the visits derived from 6411, yearly trends, THL's access against THL's COCI
    assert len(app.get("plotly_chart")) == 4


def test_a_computed_indicator_carries_the_sample_badge() -> None:
    app = compare_page("fi", indicator="access_7d")
    assert not app.exception, app.exception
    assert badged(app, "fi")


@pytest.mark.parametrize(
    ("indicator", "reason"),
    [("thl_coc", "compare.funnel_none_published"), ("thl_doctor_visits", "compare.funnel_none_context")],
)
def test_a_published_series_without_a_funnel_says_why(indicator: str, reason: str) -> None:
    app = compare_page("fi", indicator=indicator)
    assert not app.exception, app.exception
    assert [info.value for info in app.info] == [t(reason, "fi")]
    assert len(app.get("plotly_chart")) == 3
