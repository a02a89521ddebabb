"""The pages on a store that holds only an imported Avohilmo extract (no sample data): no badge, real reports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.settings import Settings
from i18n import t
from pipeline.bootstrap import load_reference_data, open_store
from pipeline.imports import import_extract
from tests.data_sources.extract_fixtures import avohilmo_row, write_avohilmo
from tests.pages.conftest import PROJECT
from tests.pages.test_smoke import PAGES

PATIENTS = 40
REGION = "02"  # the fixture rows belong to Keski-Uusimaa


def visits() -> list[dict[str, str | None]]:
    """Three visits for each of 40 patients in two months, one patient in four without an assessment date."""
    rows = []
    for index in range(PATIENTS * 3):
        patient, visit = divmod(index, 3)
        day = 3 + patient % 20
        month = "03" if visit < 2 else "04"
        rows.append(
            avohilmo_row(
                AVOHILMO_ID=str(2_000_000 + index),
                TNRO=f"FR{patient:07d}",
                HOIDONTARVE_AJANKOHTA=None if patient % 4 == 0 else f"{day:02d}.{month}.2025 08:00",
                KAYNTI_ALKOI=f"{day + visit % 2 * 3:02d}.{month}.2025 09:00",
                KAYNTI_LOPPUI=f"{day + visit % 2 * 3:02d}.{month}.2025 09:20",
            )
        )
    return rows


@pytest.fixture
def imported_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    data_dir = tmp_path / "data"
    settings = Settings.from_environment({"DASHBOARD_DATA_DIR": str(data_dir)})
    engine = open_store(settings)
    load_reference_data(engine)
    extract = write_avohilmo(tmp_path / "avohilmo_2025.csv", visits())
    import_extract(engine, data_dir, extract, table_name="visits", imported_by="test")
    engine.dispose()
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(data_dir))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield data_dir
    st.cache_resource.clear()
    st.cache_data.clear()


def test_every_page_renders_on_imported_data_without_the_sample_badge(imported_store: Path) -> None:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    app.query_params["lang"] = "en"
    app.query_params["region"] = REGION
    app.run()
    assert not app.exception, app.exception
    for page in PAGES:
        app.switch_page(page).run()
        assert not app.exception, (page, app.exception)
        assert not any(t("common.sample_badge", "en") in warning.value for warning in app.warning), page


def test_the_county_page_flags_months_with_low_assessment_coverage(imported_store: Path) -> None:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    app.query_params["lang"] = "en"
    app.query_params["region"] = REGION
    app.run()
    app.switch_page("pages/county.py").run()
    assert not app.exception, app.exception
    assert any("fewer than 90 %" in warning.value for warning in app.warning)  # a quarter of patients lack a date
