"""The first start fills an empty store; later starts find it filled and change nothing."""

from __future__ import annotations

from pathlib import Path

from core.settings import Settings
from pipeline.bootstrap import SAMPLE_IMPORTER, bootstrap
from store import tables
from store.repository import read_table
from tests.store.conftest import dump


def test_bootstrap_loads_everything_once(tmp_path: Path) -> None:
    settings = Settings.from_environment({"DASHBOARD_DATA_DIR": str(tmp_path)})
    steps: list[str] = []
    engine = bootstrap(settings, sample_scale=0.03, progress=lambda _fraction, message: steps.append(message))
    assert read_table(engine, tables.regions).height == 23
    assert read_table(engine, tables.status_reports).height > 0
    assert not read_table(engine, tables.indicator_values).is_empty()
    imports = read_table(engine, tables.imports)
    assert sorted(imports["table_name"].to_list()) == ["appointment_slots", "survey_answers", "visits"]
    assert set(imports["imported_by"].to_list()) == {SAMPLE_IMPORTER}
    for table in (*tables.RESULT_TABLES, tables.coc_distribution_results):
        assert not read_table(engine, table).is_empty(), table.name
    assert steps[-1] == "sample data ready"
    before = dump(engine)
    engine.dispose()

    again = bootstrap(settings, sample_scale=0.03)
    assert dump(again) == before
    again.dispose()


def test_no_identifier_reaches_the_store(tmp_path: Path) -> None:
    engine = bootstrap(Settings.from_environment({"DASHBOARD_DATA_DIR": str(tmp_path)}), sample_scale=0.03)
    for table in tables.metadata.sorted_tables:
        assert not {"patient_id", "professional_id", "visit_id", "response_id"} & set(table.columns.keys())
    engine.dispose()
