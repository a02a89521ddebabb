"""The Data page takes a county's named-provider list: the table is offered in the upload form, the file is imported
into its own data set, and its template and columns are on the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.settings import Settings
from i18n import t
from store import tables
from store.engine import create_store_engine
from store.repository import read_table
from tests.data_sources.extract_fixtures import write_canonical_csv
from tests.pages.test_data_import import _open, _own_store, _upload

__all__ = ["_own_store"]  # the fixture: a store of its own whose viewer may import


def _upload_as(app: AppTest, table: str, name: str, content: bytes) -> AppTest:
    """Submit the upload form with ``table`` chosen as what the file holds (AppTest applies a form's choices only
    on a click of its own submit button, which the upload helper stands in for)."""
    label = t("data.upload_table", "fi")
    boxes = [box for box in app.selectbox if box.label == label]
    assert boxes
    assert t("data.table_assignments", "fi") in boxes[0].options
    chosen = st.selectbox

    def selectbox(text: str, options: Any, *args: Any, **kwargs: Any) -> Any:
        return table if text == label else chosen(text, options, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(st, "selectbox", selectbox)
        return _upload(app, name, content)


def test_an_assignment_list_is_imported_from_the_data_page(tmp_path: Path) -> None:
    app = _open("fi")
    assert t("data.table_assignments", "fi") in [header.value for header in app.subheader]  # template and columns
    row = {
        "patient_id": "p1",
        "provider_kind": "nurse",
        "provider_id": "n1",
        "region_code": "13",
        "unit_id": "u1",
        "valid_from": "2025-01-01",
        "valid_to": "",
    }
    extract = write_canonical_csv(tmp_path / "omahoitajat.csv", [row], separator=";", bom=True)
    _upload_as(app, "assignments", "omahoitajat.csv", extract.read_bytes())

    assert not app.exception, app.exception
    assert not app.error, [error.value for error in app.error]
    assert app.success
    engine = create_store_engine(Settings.from_environment({"DASHBOARD_DATA_DIR": str(tmp_path / "data")}).database_url)
    imports = read_table(engine, tables.imports).filter(pl.col("file_name") == "omahoitajat.csv")
    assert imports.select("table_name", "rows_read", "rows_rejected").rows() == [("assignments", 1, 0)]
    engine.dispose()
