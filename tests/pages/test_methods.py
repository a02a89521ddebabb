"""The Methods page cites the law in the reader's language and says which figures are comparable with THL's."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from i18n import t
from tests.pages.conftest import PROJECT
from views import data
from views.definitions import DEFINED


def methods_page(language: str) -> AppTest:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    app.query_params["lang"] = language
    app.run()
    return app.switch_page("pages/methods.py").run()


@pytest.mark.parametrize(
    ("language", "cited", "not_cited"),
    [
        ("sv", "RP 134/2024", "HE 134/2024"),
        ("sv", "Hälso- och sjukvårdslag 1326/2010, 51 §", "Terveydenhuoltolaki"),
        ("en", "Health Care Act 1326/2010, section 51", "Terveydenhuoltolaki"),
        ("fi", "HE 134/2024", "RP 134/2024"),
    ],
)
def test_the_care_guarantee_table_cites_the_law_in_the_readers_language(
    language: str, cited: str, not_cited: str
) -> None:
    app = methods_page(language)
    assert not app.exception, app.exception
    sources = app.dataframe[0].value[t("methods.col_source", language)].tolist()
    assert cited in sources
    assert not any(not_cited in source for source in sources)


@pytest.mark.parametrize(("language", "first"), [("fi", "1.5.2011"), ("sv", "1.5.2011"), ("en", "1 May 2011")])
def test_the_care_guarantee_table_writes_dates_as_the_language_does(language: str, first: str) -> None:
    app = methods_page(language)
    starts = app.dataframe[0].value[t("methods.col_from", language)].tolist()
    assert starts[0] == first


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_comparability_table_says_yes_or_no_against_sotkanet_in_the_readers_language(language: str) -> None:
    app = methods_page(language)
    assert not app.exception, app.exception
    summary = app.table[0].value
    comparable = summary[t("methods.cmp.col_comparable", language)].tolist()
    assert set(comparable) == {t("methods.cmp.yes", language), t("methods.cmp.no", language)}
    rows = dict(zip(summary[t("methods.cmp.col_indicator", language)], comparable, strict=True))
    assert rows[t("indicator.coc", language)] == t("methods.cmp.yes", language)
    assert rows[t("indicator.t3", language)] == t("methods.cmp.no", language)
    # our definition beside THL's for the 7-day share and COC, then why the counties' own figures differ
    assert len(app.table) == 3 + len(data.TABLES)  # and the import files' columns
    headers = [header.value for header in app.header]
    assert t("methods.own_figures", language) in headers


@pytest.mark.parametrize("language", ["fi", "en"])
def test_every_indicator_is_defined_for_readers_and_no_developer_contract_is_shown(language: str) -> None:
    app = methods_page(language)
    assert not app.exception, app.exception
    labels = [expander.label for expander in app.expander]
    assert labels == [t(f"indicator.{key}", language) for key in DEFINED]
    shown = " ".join(str(block.value) for block in app.markdown)
    assert t("methods.def_what", language) in shown
    for developer_word in ("LazyFrame", "InvalidInputError", "metrics/", "pl."):
        assert developer_word not in shown
