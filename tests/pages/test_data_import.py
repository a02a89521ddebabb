"""The Data page's import as a user meets it: a broken file is explained in the reader's language and the page
(import history, check report) stays; a real extract into a store holding the sample starts its own data set."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from i18n import t
from tests.data_sources.extract_fixtures import AVOHILMO_COLUMNS, avohilmo_row, write_avohilmo
from tests.pages.conftest import PROJECT
from tests.pages.test_outside_text import shown

DATA_PAGE = "pages/data.py"


@pytest.fixture(autouse=True)
def _own_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store of its own (imports change it) whose viewer may import without signing in."""
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DASHBOARD_ROLE_WITHOUT_SIGN_IN", "analyst")
    st.cache_resource.clear()


def _upload(app: AppTest, name: str, content: bytes) -> AppTest:
    """Submit the upload form with ``content`` as the chosen file (AppTest cannot choose a file itself)."""
    upload = io.BytesIO(content)
    upload.name = name
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(st, "file_uploader", lambda *_args, **_options: upload)
        patch.setattr(st, "form_submit_button", lambda *_args, **_options: True)
        app.run()
    return app


def _open(language: str) -> AppTest:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=300)
    app.query_params["lang"] = language
    app.run()
    app.switch_page(DATA_PAGE).run()
    return app


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_broken_file_is_explained_in_the_readers_language_and_the_page_stays(language: str) -> None:
    app = _open(language)

    _upload(app, "kaynnit.csv", b"foo;bar\n1;2\n")

    assert not app.exception, app.exception
    errors = [shown(error.value) for error in app.error]
    expected = t("reader.missing_columns", language, file="kaynnit.csv", missing="X", available="Y").split("X")[0]
    assert any(expected in text for text in errors), errors
    assert any(t("reader.unchanged", language) in text for text in errors)
    headers = [header.value for header in app.header]
    assert t("data.imports", language) in headers  # the history is still on the page
    assert t("data.report", language) in headers  # and the check reports
    assert app.dataframe  # the history's table


def test_a_real_extract_into_a_store_holding_the_sample_starts_its_own_data_set(tmp_path: Path) -> None:
    app = _open("en")
    assert any(t("datasets.start_real", "en") in info.value for info in app.info)
    columns = [name for name in AVOHILMO_COLUMNS if name != "HYVINVOINTIALUE"]
    rows = [
        avohilmo_row(AVOHILMO_ID=str(3_000_001 + index), TNRO=f"FR{index:07d}", ASIAKAS_KOTIKUNTA="297")
        for index in range(12)
    ]
    extract = write_avohilmo(tmp_path / "kuopio.csv", rows, columns=columns)

    _upload(app, "kuopio.csv", extract.read_bytes())

    assert not app.exception, app.exception
    assert not app.error, [error.value for error in app.error]
    assert app.success
    default_name = t("datasets.default_name", "en")
    assert any(t("datasets.imported_into", "en", name=default_name) in shown(info.value) for info in app.info)
    app.run()  # the sidebar, drawn before the page, offers the data sets from the next run on
    pickers = [box for box in app.sidebar.selectbox if box.label == t("datasets.label", "en")]
    assert pickers
    assert pickers[0].value == default_name  # the new data set is shown, the sample can be chosen
    assert set(pickers[0].options) == {default_name, t("datasets.sample", "en")}
