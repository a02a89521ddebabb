"""The measure tables as the pages get them: the age tables taken from the loaded results, not read again."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from store.measure_tables import AGE_TABLES, MEASURE_TABLES, read_measures, with_age_tables
from store.repository import table_schema


def test_without_the_age_tables_read_the_others_are_read(engine: sa.Engine) -> None:
    read = read_measures(engine, "sample", AGE_TABLES)
    assert list(read) == [table.name for table in MEASURE_TABLES if table.name not in AGE_TABLES]


def test_age_tables_the_results_do_not_have_become_empty_frames_of_their_columns(engine: sa.Engine) -> None:
    """A store from before the measure tables: load_results gives frames without columns for the age tables."""
    read = read_measures(engine, "sample", AGE_TABLES)

    combined = with_age_tables(read, access_age=pl.DataFrame(), continuity_age=pl.DataFrame())

    assert list(combined) == [table.name for table in MEASURE_TABLES]
    for table in MEASURE_TABLES:
        if table.name in AGE_TABLES:
            assert combined[table.name].is_empty()
            assert dict(combined[table.name].schema) == table_schema(table)


def test_the_age_tables_given_are_used_as_they_are(engine: sa.Engine) -> None:
    access_age = pl.DataFrame({"age_group": ["75+"], "n_visits": [12]})
    combined = with_age_tables(
        read_measures(engine, "sample", AGE_TABLES), access_age=access_age, continuity_age=pl.DataFrame()
    )
    assert combined["access_age_results"] is access_age
