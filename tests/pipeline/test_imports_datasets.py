"""Data sets, never blended: an import of real data into a store holding the sample starts a data set of its own,
and every aggregate is of one data set (checked on the counts), also after a full recompute."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from core.errors import InvalidInputError
from pipeline.imports import import_extract
from pipeline.recompute import recompute_aggregates
from store import tables
from store.datasets import SAMPLE_DATASET, datasets, default_dataset, holds_only_the_sample
from store.repository import read_table
from store.results import SAMPLE_IMPORTER, load_results
from tests.data_sources.extract_fixtures import AVOHILMO_COLUMNS, TODAY, avohilmo_row, write_avohilmo
from tests.pipeline.test_imports import count_by_region, do_import, write_answers

REAL = "Pohjois-Savo 2025"


def _counts(engine: sa.Engine) -> dict[tuple[str, str], int]:
    rows = read_table(engine, tables.nps_results)
    return {(row["dataset"], row["region_code"]): row["n"] for row in rows.iter_rows(named=True)}


def _with_sample(engine: sa.Engine, tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    do_import(
        engine,
        data_dir,
        write_answers(tmp_path / "sample.csv", ["13", "13", "21"]),
        imported_by=SAMPLE_IMPORTER,
        dataset=SAMPLE_DATASET,
    )
    return data_dir


def test_an_import_into_a_store_holding_the_sample_starts_its_own_data_set(engine: sa.Engine, tmp_path: Path) -> None:
    data_dir = _with_sample(engine, tmp_path)
    assert holds_only_the_sample(engine)

    outcome = do_import(engine, data_dir, write_answers(tmp_path / "real.csv", ["13", "90"]), dataset=REAL)

    assert outcome.dataset == REAL
    assert [item.name for item in datasets(engine)] == [REAL, SAMPLE_DATASET]
    assert default_dataset(engine) == REAL
    assert not holds_only_the_sample(engine)


def test_no_aggregate_counts_rows_of_both_data_sets(engine: sa.Engine, tmp_path: Path) -> None:
    data_dir = _with_sample(engine, tmp_path)

    do_import(engine, data_dir, write_answers(tmp_path / "real.csv", ["13", "90"]), dataset=REAL)

    # county 13 has two sample answers and one real one: never three
    assert _counts(engine) == {(SAMPLE_DATASET, "13"): 2, (SAMPLE_DATASET, "21"): 1, (REAL, "13"): 1, (REAL, "90"): 1}


def test_a_second_import_into_a_data_set_adds_to_it_and_leaves_the_others_alone(
    engine: sa.Engine, tmp_path: Path
) -> None:
    data_dir = _with_sample(engine, tmp_path)
    do_import(engine, data_dir, write_answers(tmp_path / "a.csv", ["13"]), dataset=REAL)

    do_import(engine, data_dir, write_answers(tmp_path / "b.csv", ["13", "13", "90"]), dataset=REAL)

    assert _counts(engine) == {(SAMPLE_DATASET, "13"): 2, (SAMPLE_DATASET, "21"): 1, (REAL, "13"): 3, (REAL, "90"): 1}


def test_a_recompute_keeps_each_data_set_to_its_own_extracts(engine: sa.Engine, tmp_path: Path) -> None:
    data_dir = _with_sample(engine, tmp_path)
    do_import(engine, data_dir, write_answers(tmp_path / "real.csv", ["13", "90"]), dataset=REAL)
    before = _counts(engine)

    recompute_aggregates(engine, aggregators={"survey_answers": count_by_region})

    assert _counts(engine) == before


def test_the_pages_read_one_data_set_at_a_time(engine: sa.Engine, tmp_path: Path) -> None:
    data_dir = _with_sample(engine, tmp_path)
    do_import(engine, data_dir, write_answers(tmp_path / "real.csv", ["13", "90"]), dataset=REAL)

    real, sample = load_results(engine), load_results(engine, dataset=SAMPLE_DATASET)

    assert sorted(real.nps["n"].to_list()) == [1, 1]
    assert sorted(sample.nps["n"].to_list()) == [1, 2]
    assert (real.sample_data, sample.sample_data) == (False, True)


@pytest.mark.parametrize("name", ["sample", " Sample ", "", "x" * 65, "tab\there"])
def test_real_extracts_never_go_into_the_sample_or_a_nameless_data_set(
    engine: sa.Engine, tmp_path: Path, name: str
) -> None:
    with pytest.raises(InvalidInputError, match="data set"):
        do_import(engine, tmp_path / "data", write_answers(tmp_path / "real.csv", ["13"]), dataset=name)
    assert read_table(engine, tables.imports).is_empty()


def test_an_avohilmo_extract_without_a_county_column_imports_into_its_counties(
    engine: sa.Engine, tmp_path: Path
) -> None:
    """End to end with the real reader and aggregates: the county of each visit from the home municipality."""
    columns = [name for name in AVOHILMO_COLUMNS if name != "HYVINVOINTIALUE"]
    homes = ["091", "091", "297", "297", "090"]  # Helsinki, Kuopio, Heinävesi (North Karelia since 2021)
    rows = [
        avohilmo_row(AVOHILMO_ID=str(2_000_001 + index), TNRO=f"FR{index:07d}", ASIAKAS_KOTIKUNTA=home)
        for index, home in enumerate(homes)
    ]
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows, columns=columns)

    outcome = import_extract(
        engine, tmp_path / "data", path, table_name="visits", imported_by="tester", dataset=REAL, today=TODAY
    )

    assert (outcome.rows_read, outcome.rows_rejected, outcome.dataset) == (5, 0, REAL)
    access = read_table(engine, tables.access_results, unit_id="", profession="all")
    visits = (
        access.filter(pl.col("days") == 7, pl.col("period") == "2025-03")
        .group_by("region_code")
        .agg(pl.col("n_visits").sum())
        .sort("region_code")
    )
    assert dict(visits.iter_rows()) == {"13": 2, "14": 1, "90": 2, "SSS": 5}  # and the whole country
    assert set(access["dataset"].to_list()) == {REAL}
