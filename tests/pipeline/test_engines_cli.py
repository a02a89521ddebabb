"""``python -m pipeline aggregate --engine processes|dask`` stores the figures ``--engine local`` stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from store import buckets
from store.datasets import SAMPLE_DATASET
from tests.pipeline.test_cli import aggregates, assert_same_aggregates, run, store


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A store filled by ``bootstrap`` (the small sample: visits, slots, answers, named providers)."""
    folder = tmp_path_factory.mktemp("engines")
    done = run(folder, "bootstrap")
    assert done.returncode == 0, done.stderr
    yield folder
    store(folder).dispose()


@pytest.mark.slow
@pytest.mark.parametrize(
    "arguments", [["--engine", "processes", "--workers", "2"], ["--engine", "dask", "--workers", "2"]]
)
def test_a_bucketed_engine_stores_what_the_single_process_stores(data_dir: Path, arguments: list[str]) -> None:
    engine = store(data_dir)
    done = run(data_dir, "aggregate", "--engine", "local")
    assert done.returncode == 0, done.stderr
    single = aggregates(engine)
    done = run(data_dir, "aggregate", *arguments)
    assert done.returncode == 0, done.stderr
    assert "piece(s) done" in done.stderr  # progress per bucket
    assert_same_aggregates(aggregates(engine), single)
    assert buckets.read_layout(buckets.dataset_root(data_dir, SAMPLE_DATASET), "visits") is not None


def test_a_scheduler_is_refused_for_an_engine_without_one(data_dir: Path) -> None:
    done = run(data_dir, "aggregate", "--engine", "processes", "--scheduler", "tcp://127.0.0.1:8786")
    assert done.returncode == 1
    assert "--scheduler is for the dask engine only" in done.stderr
