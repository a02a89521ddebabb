"""The global filters: they drive the pages and live in the URL, so a copied link reopens the same view."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from i18n import region_name, t
from tests.pages.conftest import PROJECT
from ui.filters import picker_key
from views.indicators import INDICATORS


def open_app(**query: str) -> AppTest:
    """The app after its first two runs.

    AppTest's first run resolves the page after the entry script's widgets are registered, so
    their ids change once on the second run (a browser's first run resolves the page from the
    URL at once and does not see this); interacting after the second run mirrors the browser.
    """
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    for key, value in query.items():
        app.query_params[key] = value
    return app.run().run()


def query(app: AppTest) -> dict[str, str]:
    return {key: (value[0] if isinstance(value, list) else value) for key, value in app.query_params.items()}


def test_the_url_sets_every_filter() -> None:
    app = open_app(lang="en", region="13", period="2024", profession="doctor", indicator="coc")
    assert app.selectbox(key="f_lang").value == "en"
    assert app.selectbox(key="f_region_en").value == "13"
    assert app.selectbox(key="f_period_en").value == "2024"
    assert app.radio(key="f_profession_en").value == "doctor"
    assert app.title[0].value == t("overview.title", "en")
    assert region_name("13", "en", short=True) in app.caption[0].value


def test_changing_a_filter_updates_the_url() -> None:
    app = open_app(lang="fi")
    app.selectbox(key="f_region_fi").set_value("09").run()
    app.radio(key="f_profession_fi").set_value("nurse").run()
    assert not app.exception
    state = query(app)
    assert (state["region"], state["profession"], state["lang"]) == ("09", "nurse", "fi")


def test_changing_the_language_translates_the_page_and_the_url() -> None:
    app = open_app(lang="fi")
    app.selectbox(key="f_lang").set_value("sv").run()
    assert app.title[0].value == t("overview.title", "sv")
    assert query(app)["lang"] == "sv"


def test_an_invalid_link_falls_back_to_defaults_without_an_error() -> None:
    app = open_app(lang="xx", region="99", period="1800")
    assert not app.exception
    assert app.selectbox(key="f_lang").value == "fi"
    assert query(app)["region"] == "all"


def test_the_indicator_choice_is_part_of_the_url() -> None:
    app = open_app(lang="en")
    app.selectbox(key=picker_key(language="en")).select_index(list(INDICATORS).index("t3")).run()
    assert query(app)["indicator"] == "t3"
    reopened = open_app(**query(app))
    assert reopened.selectbox(key=picker_key(language="en")).index == list(INDICATORS).index("t3")


def test_the_county_page_shows_the_chosen_county() -> None:
    app = open_app(lang="fi", region="05")
    app.switch_page("pages/county.py").run()
    assert app.title[0].value == region_name("05", "fi", short=True)


def test_the_investment_page_shows_an_estimate_with_its_assumptions() -> None:
    app = open_app(lang="en", indicator="access_7d")
    app.switch_page("pages/investments.py").run()
    assert not app.exception
    labels = [metric.label for metric in app.metric]
    assert t("investments.did_effect", "en") in labels
    markdown = " ".join(block.value for block in app.markdown)
    assert "parallel" in markdown.lower()  # the parallel-trends assumption is stated next to the estimate
    assert "95 % interval" in markdown or "No estimate" in markdown
