"""Migrations build the schema of store/tables.py from an empty database."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from store import tables
from store.engine import create_store_engine
from store.migrations import MIGRATIONS, current_version, migrate


def test_migrating_an_empty_database_reaches_the_latest_version(store_url: str) -> None:
    engine = create_store_engine(store_url)
    assert migrate(engine) == MIGRATIONS[-1].version
    with engine.connect() as connection:
        assert current_version(connection) == MIGRATIONS[-1].version
    engine.dispose()


def test_migrating_twice_changes_nothing(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        before = connection.execute(sa.select(tables.schema_version)).all()
    migrate(engine)
    with engine.connect() as connection:
        assert connection.execute(sa.select(tables.schema_version)).all() == before


def test_the_migrated_schema_matches_the_table_definitions(engine: sa.Engine) -> None:
    inspector = sa.inspect(engine)
    assert set(inspector.get_table_names()) == set(tables.metadata.tables)
    for table in tables.metadata.sorted_tables:
        columns = {column["name"]: column for column in inspector.get_columns(table.name)}
        assert set(columns) == set(table.columns.keys()), table.name
        for column in table.columns:
            assert bool(columns[column.name]["nullable"]) == (column.nullable and not column.primary_key), (
                f"{table.name}.{column.name}"
            )
        primary_key = inspector.get_pk_constraint(table.name)["constrained_columns"]
        assert set(primary_key) == {column.name for column in table.primary_key.columns}, table.name


def test_version_3_marks_the_series_of_never_refreshed_sources_as_recorded(store_url: str) -> None:
    """A store from before the flag: Sotkanet still holds the first start's recorded copies, the THL cube
    was refreshed since (it may hold live series), so only Sotkanet's series are marked recorded."""
    engine = create_store_engine(store_url)
    assert migrate(engine, up_to=2) == 2
    at = dt.datetime(2026, 1, 5, 12, 0)
    with engine.begin() as connection:
        for source in ("sotkanet", "thl_cube"):
            connection.execute(
                sa.text("insert into indicators (source, indicator_id, fetched_at) values (:s, '1', :at)"),
                {"s": source, "at": at},
            )
        connection.execute(
            tables.source_status.insert().values(source="thl_cube", last_success_at=at, last_attempt_at=at)
        )
        connection.execute(
            tables.source_status.insert().values(
                source="sotkanet", last_success_at=None, last_attempt_at=at, last_error="timeout"
            )
        )
    assert migrate(engine) == MIGRATIONS[-1].version
    with engine.connect() as connection:
        rows = connection.execute(sa.select(tables.indicators.c.source, tables.indicators.c.recorded)).all()
    assert sorted(rows) == [("sotkanet", True), ("thl_cube", False)]
    engine.dispose()
