"""The county page's other measures and its own status entries and caveats; the investments page's report
selector (AppTest, the sample store of the page tests)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from i18n import t
from tests.pages.conftest import PROJECT, open_county_tab


def county_page(language: str, region: str) -> AppTest:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    app.query_params["lang"] = language
    app.query_params["region"] = region
    app.run()
    return app.switch_page("pages/county.py").run()


def test_the_measures_tab_shows_the_remote_share_age_groups_heavy_users_and_named_providers() -> None:
    app = open_county_tab(county_page("fi", "07"), "county.tab_measures", "fi")
    assert not app.exception, app.exception
    assert not app.error, [error.value for error in app.error]
    headers = [header.value for header in app.header]
    for key in ("measures.remote_header", "measures.age_header", "measures.heavy_header", "measures.named_header"):
        assert t(key, "fi") in headers, key
    # Kanta-Häme's own caveat on its contact-type recording is under the remote chart.
    assert any("yhteystapojen" in caption.value for caption in app.caption)
    assert len(app.get("plotly_chart")) >= 4


def test_the_reported_tab_lists_the_countys_caveats_and_status_entries_by_period() -> None:
    app = open_county_tab(county_page("en", "09"), "county.tab_reported", "en")
    assert not app.exception, app.exception
    headers = [header.value for header in app.header]
    assert t("caveats.title", "en") in headers
    assert t("county.status_title", "en") in headers
    assert any("2025Q1" in str(frame.value) for frame in app.dataframe)


def test_the_investments_page_offers_the_reports_by_period() -> None:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    app.query_params["lang"] = "fi"
    app.run()
    app.switch_page("pages/investments.py").run()
    assert not app.exception, app.exception
    chooser = app.multiselect(key="investment_reports")
    assert chooser.value == ["RRP4 status report spring 2025"]
    assert t("investments.status_by_period", "fi") in [header.value for header in app.subheader]


def test_the_overview_shows_the_other_measures_beside_the_four_indicators() -> None:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    app.query_params["lang"] = "fi"
    app.query_params["region"] = "07"
    app.run()
    assert not app.exception, app.exception
    labels = [metric.label for metric in app.metric]
    assert t("indicator_short.remote", "fi") in labels
    assert t("indicator_short.access_75", "fi") in labels
    assert t("indicator_short.heavy_users", "fi") in labels
