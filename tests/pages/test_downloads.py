"""The full data set on the Data page: what it holds, for whom, and its three downloads."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from i18n import LANGUAGES, t


def dataset_section(language: str) -> None:
    from ui import session  # imported in the script run, as a page does
    from ui.downloads import dataset_downloads

    session.store_or_stop()
    dataset_downloads(language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_public_gets_the_data_set_in_three_formats_without_health_centres(language: str) -> None:
    app = AppTest.from_function(dataset_section, args=(language,), default_timeout=180).run()
    assert not app.exception, app.exception
    assert [header.value for header in app.subheader] == [t("dataset.heading", language)]
    captions = [caption.value for caption in app.caption]
    assert any(caption.startswith(t("dataset.scope_public", language)) for caption in captions)
    labels = [button.proto.label for button in app.get("download_button")]
    assert labels == [t("export.csv_zip", language), t("dataset.xlsx", language), t("export.parquet", language)]
