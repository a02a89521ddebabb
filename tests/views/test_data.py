"""The Data page's tables speak the reader's language: layouts, the sample generator, dates without noise."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from core.settings import Settings
from i18n import t
from pipeline.bootstrap import load_reference_data, open_store
from pipeline.indicators import load_recorded_indicators
from store.imports import import_extract
from tests.data_sources.extract_fixtures import avohilmo_row, write_avohilmo
from views.data import imports_table, published_series


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_import_history_names_the_layout_and_shows_the_time_to_the_minute(tmp_path: Path, language: str) -> None:
    data_dir = tmp_path / "data"
    engine = open_store(Settings.from_environment({"DASHBOARD_DATA_DIR": str(data_dir)}))
    load_reference_data(engine)
    extract = write_avohilmo(tmp_path / "avohilmo.csv", [avohilmo_row(AVOHILMO_ID="1", TNRO="FR0000001")])
    import_extract(engine, data_dir, extract, table_name="visits", imported_by="analyst@example.org")

    history = imports_table(engine, language)

    row = history.row(0, named=True)
    assert row[t("data.col_layout", language)] == t("data.layout_avohilmo", language)
    assert row[t("data.col_imported_by", language)] == "analyst@example.org"
    assert len(row[t("data.col_imported_at", language)]) == len("2025-01-01 10:00")
    engine.dispose()


def test_published_series_without_an_update_date_show_a_dash(tmp_path: Path) -> None:
    engine = open_store(Settings.from_environment({"DASHBOARD_DATA_DIR": str(tmp_path / "data")}))
    load_reference_data(engine)
    load_recorded_indicators(engine)
    series = published_series(engine, "fi")
    assert series.height > 0
    assert series.schema["data_updated"] == pl.String
    assert None not in series["data_updated"].to_list()
    assert all(value == "–" or len(value) == len("2026-03-18") for value in series["data_updated"])
    engine.dispose()
