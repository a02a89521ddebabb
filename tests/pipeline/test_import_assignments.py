"""A county's own visits and assignment list, imported as they are, give the named-provider cells of that data set
alone, whichever of the two files comes first."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from core.codes import WHOLE_COUNTRY
from pipeline.imports import ImportFailedError, import_extract
from pipeline.recompute import recompute_aggregates
from store import tables
from store.datasets import SAMPLE_DATASET
from store.repository import read_table
from store.results import SAMPLE_IMPORTER
from tests.data_sources.extract_fixtures import TODAY, canonical_visit, write_canonical_csv

REAL = "Etelä-Savo 2025"
NAMED = tables.metadata.tables["named_provider_results"]
LISTS = tables.metadata.tables["list_size_results"]


def _visits(path: Path) -> Path:
    rows = [
        canonical_visit(visit_id="v1", patient_id="p1", professional_id="d1"),  # named
        canonical_visit(visit_id="v2", patient_id="p1", professional_id="d2"),  # not named
        canonical_visit(visit_id="v3", patient_id="p2", professional_id="d1"),  # no assignment
    ]
    return write_canonical_csv(path, rows)


def _assignments(path: Path, unit: str = "u1") -> Path:
    row = {
        "patient_id": "p1",
        "provider_kind": "doctor",
        "provider_id": "d1",
        "region_code": "02",
        "unit_id": unit,
        "valid_from": "2025-01-01",
        "valid_to": "",
    }
    return write_canonical_csv(path, [row], separator=";", bom=True)


def _import(engine: sa.Engine, data_dir: Path, path: Path, table: str, **options: object) -> None:
    settings: dict[str, object] = {"imported_by": "county", "dataset": REAL, "today": TODAY}
    settings.update(options)
    import_extract(engine, data_dir, path, table_name=table, **settings)  # type: ignore[arg-type]


def _country_doctors(engine: sa.Engine, dataset: str = REAL) -> dict[str, object]:
    frame = read_table(engine, NAMED).filter(
        (pl.col("dataset") == dataset)
        & (pl.col("region_code") == WHOLE_COUNTRY)
        & (pl.col("unit_id") == "")
        & (pl.col("profession") == "doctor")
        & (pl.col("period") == "2025")
    )
    assert frame.height == 1
    return frame.row(0, named=True)


@pytest.mark.parametrize("order", [("visits", "assignments"), ("assignments", "visits")])
def test_the_named_provider_cells_appear_whichever_file_comes_first(
    engine: sa.Engine, tmp_path: Path, order: tuple[str, str]
) -> None:
    files = {"visits": _visits(tmp_path / "visits.csv"), "assignments": _assignments(tmp_path / "list.csv")}
    data_dir = tmp_path / "data"

    _import(engine, data_dir, files[order[0]], order[0])
    _import(engine, data_dir, files[order[1]], order[1])

    cell = _country_doctors(engine)
    # v1 is with p1's named doctor, v2 with another doctor, v3's patient has no named doctor
    assert (cell["n_visits"], cell["n_covered"], cell["n_named"], cell["n_not_assigned"]) == (3, 2, 1, 1)
    assert cell["share"] == pytest.approx(0.5)
    assert (cell["n_patients"], cell["n_patients_assigned"]) == (2, 1)
    lists = read_table(engine, LISTS).filter((pl.col("region_code") == "02") & (pl.col("provider_kind") == "doctor"))
    assert lists["n_assigned"].to_list() == [1]


def test_no_named_provider_cell_mixes_the_sample_and_a_county_data_set(engine: sa.Engine, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    sample = {"imported_by": SAMPLE_IMPORTER, "dataset": SAMPLE_DATASET}
    # the sample: the same patients and doctors in the same county, but every visit with the named doctor
    sample_visits = write_canonical_csv(
        tmp_path / "sample_visits.csv",
        [canonical_visit(visit_id=f"s{index}", patient_id="p1", professional_id="d1") for index in range(4)],
    )
    _import(engine, data_dir, sample_visits, "visits", **sample)
    _import(engine, data_dir, _assignments(tmp_path / "sample_list.csv", unit="s1"), "assignments", **sample)
    # the county's own assignments come first: its cells must not read the sample's visits
    _import(engine, data_dir, _assignments(tmp_path / "list.csv"), "assignments")
    assert read_table(engine, NAMED).filter(pl.col("dataset") == REAL).is_empty()
    _import(engine, data_dir, _visits(tmp_path / "visits.csv"), "visits")

    for _ in range(2):  # after the imports, and again after a full recompute
        real, generated = _country_doctors(engine), _country_doctors(engine, SAMPLE_DATASET)
        assert (real["n_visits"], real["n_named"]) == (3, 1)
        assert (generated["n_visits"], generated["n_named"]) == (4, 4)
        recompute_aggregates(engine)


def test_a_bad_assignment_list_stores_nothing(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_canonical_csv(
        tmp_path / "list.csv",
        [
            {
                "patient_id": "p1",
                "provider_kind": "dentist",
                "provider_id": "d1",
                "region_code": "02",
                "unit_id": "u1",
                "valid_from": "2025-01-01",
                "valid_to": "",
            }
        ],
    )

    with pytest.raises(ImportFailedError, match="none of its"):
        _import(engine, tmp_path / "data", path, "assignments")

    assert read_table(engine, tables.imports).is_empty()
    assert read_table(engine, LISTS).is_empty()
