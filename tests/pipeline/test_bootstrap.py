"""The first start fills an empty store; later starts find it filled and change nothing."""

from __future__ import annotations

from pathlib import Path

from core.settings import Settings
from pipeline.bootstrap import bootstrap, load_sample_data, missing_sample_tables, open_store
from store import tables
from store.repository import read_table
from store.results import SAMPLE_IMPORTER
from tests.store.conftest import dump


def test_bootstrap_loads_everything_once(tmp_path: Path) -> None:
    settings = Settings.from_environment({"DASHBOARD_DATA_DIR": str(tmp_path)})
    steps: list[str] = []
    engine = bootstrap(settings, sample_scale=0.03, progress=lambda _fraction, message: steps.append(message))
    assert read_table(engine, tables.regions).height == 23
    assert read_table(engine, tables.status_reports).height > 0
    assert not read_table(engine, tables.indicator_values).is_empty()
    imports = read_table(engine, tables.imports)
    assert sorted(imports["table_name"].to_list()) == ["appointment_slots", "assignments", "survey_answers", "visits"]
    assert set(imports["imported_by"].to_list()) == {SAMPLE_IMPORTER}
    for name in ("named_provider_results", "list_size_results"):  # the named-provider cells read both tables
        assert not read_table(engine, tables.metadata.tables[name]).is_empty(), name
    for table in (*tables.RESULT_TABLES, tables.coc_distribution_results):
        assert not read_table(engine, table).is_empty(), table.name
    assert steps[-2:] == ["sample data ready", "deciding the suppression of linked tables"]
    kept = read_table(engine, tables.linked_suppression)
    assert sorted(kept["family"].unique().to_list()) == ["access", "nps", "remote"]
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


def test_a_first_start_cut_short_is_completed_by_the_next_start(tmp_path: Path) -> None:
    """A first start that stopped after the visits (the tab was closed) gets the rest of the sample next time."""
    settings = Settings.from_environment({"DASHBOARD_DATA_DIR": str(tmp_path)})
    engine = open_store(settings)
    load_sample_data(engine, settings.data_dir, scale=0.03, table_names=("visits",))
    assert missing_sample_tables(engine) == ("appointment_slots", "survey_answers", "assignments")
    engine.dispose()

    engine = bootstrap(settings, sample_scale=0.03)
    imports = read_table(engine, tables.imports)
    assert sorted(imports["table_name"].to_list()) == ["appointment_slots", "assignments", "survey_answers", "visits"]
    assert missing_sample_tables(engine) == ()
    assert not read_table(engine, tables.metadata.tables["named_provider_results"]).is_empty()
    for table in (*tables.RESULT_TABLES, tables.coc_distribution_results):
        assert not read_table(engine, table).is_empty(), table.name
    engine.dispose()


def test_a_store_holding_only_a_countys_own_extract_gets_no_sample(tmp_path: Path) -> None:
    from pipeline.imports import import_extract
    from tests.data_sources.extract_fixtures import TODAY, avohilmo_rows, write_avohilmo

    settings = Settings.from_environment({"DASHBOARD_DATA_DIR": str(tmp_path / "data")})
    engine = open_store(settings)
    extract = write_avohilmo(tmp_path / "own.csv", avohilmo_rows(3))
    import_extract(engine, settings.data_dir, extract, table_name="visits", imported_by="t", today=TODAY)
    assert missing_sample_tables(engine) == ()
    engine.dispose()
    engine = bootstrap(settings, sample_scale=0.03)
    assert read_table(engine, tables.imports)["imported_by"].to_list() == ["t"]
    engine.dispose()
