"""Recomputing the stored aggregates from the extracts: all tables at once, in one transaction."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from core.errors import InvalidInputError
from pipeline.recompute import recompute_aggregates
from store import tables
from store.repository import read_table
from tests.pipeline.test_imports import count_by_region, do_import, write_answers


def counts(engine: sa.Engine) -> dict[str, int]:
    frame = read_table(engine, tables.nps_results)
    return dict(zip(frame["region_code"].to_list(), frame["n"].to_list(), strict=True))


def test_the_aggregates_are_recomputed_from_every_extract_of_the_table(engine: sa.Engine, tmp_path: Path) -> None:
    do_import(engine, tmp_path / "data", write_answers(tmp_path / "a.csv", ["A1", "B2"]))
    do_import(engine, tmp_path / "data", write_answers(tmp_path / "b.csv", ["A1"]))
    with engine.begin() as connection:
        connection.execute(tables.nps_results.delete())
    written = recompute_aggregates(engine, aggregators={"survey_answers": count_by_region})
    assert written == {"nps_results": 2}
    assert counts(engine) == {"A1": 2, "B2": 1}


def test_a_table_without_extracts_keeps_its_aggregates(engine: sa.Engine, tmp_path: Path) -> None:
    do_import(engine, tmp_path / "data", write_answers(tmp_path / "a.csv", ["A1"]))
    assert recompute_aggregates(engine, aggregators={"visits": count_by_region}) == {}
    assert counts(engine) == {"A1": 1}


def test_a_failure_in_any_table_leaves_every_aggregate_as_it_was(engine: sa.Engine, tmp_path: Path) -> None:
    do_import(engine, tmp_path / "data", write_answers(tmp_path / "a.csv", ["A1", "B2"]))
    do_import(engine, tmp_path / "data", write_answers(tmp_path / "b.csv", ["C3"]), table_name="visits")
    with engine.begin() as connection:
        connection.execute(tables.nps_results.delete().where(tables.nps_results.c.region_code == "B2"))
    before = counts(engine)

    def broken(_frame: pl.LazyFrame) -> dict[str, pl.DataFrame]:
        raise InvalidInputError("the metric cannot be computed")

    with pytest.raises(InvalidInputError, match="cannot be computed"):
        recompute_aggregates(engine, aggregators={"survey_answers": count_by_region, "visits": broken})
    assert counts(engine) == before


def test_a_store_without_extracts_is_left_alone_and_no_replacement_is_reported(engine: sa.Engine) -> None:
    steps: list[str] = []
    written = recompute_aggregates(engine, progress=lambda _fraction, message: steps.append(message))
    assert written == {}
    assert not any("replac" in step for step in steps), steps
