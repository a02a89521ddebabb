"""What the results loader hands a viewer: the importers' identity only to a viewer with unit access."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from pipeline.imports import import_extract
from store.datasets import SAMPLE_DATASET
from store.results import SAMPLE_IMPORTER, load_results
from tests.pipeline.test_imports import count_by_region, read_csv_extract, write_answers
from tests.store import conftest as store_fixtures

IMPORTER = "analyst@example.org"
REAL = "Pohjois-Savo 2025"

# The store fixtures: every test here runs on SQLite and on PostgreSQL.
store_url = store_fixtures.store_url
engine = store_fixtures.engine


@pytest.fixture
def store(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    """A store with one import by the sample generator and one by a person."""
    for name, importer in (("sample.csv", SAMPLE_IMPORTER), ("upload.csv", IMPORTER)):
        import_extract(
            engine,
            tmp_path / "data",
            write_answers(tmp_path / name, ["a"] if name == "sample.csv" else ["a", "b"]),
            table_name="survey_answers",
            read=read_csv_extract,
            aggregate=count_by_region,
            imported_by=importer,
            dataset=SAMPLE_DATASET if importer == SAMPLE_IMPORTER else REAL,
        )
    return engine


@pytest.mark.parametrize(
    ("unit_regions", "shown"),
    [
        (frozenset(), {SAMPLE_IMPORTER, ""}),  # the public: no unit access, no e-mail; the sample still marked
        (frozenset({"05"}), {SAMPLE_IMPORTER, IMPORTER}),  # a county user
        (None, {SAMPLE_IMPORTER, IMPORTER}),  # an analyst
    ],
    ids=["public", "county", "analyst"],
)
def test_the_importers_identity_reaches_only_viewers_with_unit_access(
    store: sa.Engine, unit_regions: frozenset[str] | None, shown: set[str]
) -> None:
    results = load_results(store, unit_regions=unit_regions)
    assert set(results.imports["imported_by"].to_list()) == shown
    assert (results.dataset, results.sample_data) == (REAL, False)  # the real data set is shown by default


def test_the_results_are_of_one_data_set_the_real_one_unless_the_sample_is_chosen(store: sa.Engine) -> None:
    real, sample = load_results(store), load_results(store, dataset=SAMPLE_DATASET)

    assert (sample.dataset, sample.sample_data) == (SAMPLE_DATASET, True)
    assert [item.name for item in real.datasets] == [REAL, SAMPLE_DATASET]  # the newest import first
    assert real.shown_imports()["file_name"].to_list() == ["upload.csv"]
    assert sample.shown_imports()["file_name"].to_list() == ["sample.csv"]


def test_an_unknown_data_set_falls_back_to_the_default(store: sa.Engine) -> None:
    assert load_results(store, dataset="no such set").dataset == REAL
