"""Migrations build the schema of store/tables.py from an empty database."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core.errors import InvalidInputError
from store import tables
from store.engine import create_store_engine
from store.migrations import MIGRATIONS, Migration, current_version, migrate


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


def test_version_3_marks_the_series_never_rewritten_since_the_first_start_as_recorded(store_url: str) -> None:
    """A store from before the flag: the first start loaded the bundled copies at one time; a refresh since
    rewrote one Sotkanet series and skipped the other (its update date matched), so that one is still a copy."""
    engine = create_store_engine(store_url)
    assert migrate(engine, up_to=2) == 2
    first_start, refresh = dt.datetime(2026, 1, 5, 12, 0), dt.datetime(2026, 2, 1, 9, 30)
    rows = [("sotkanet", "5081", first_start), ("sotkanet", "6411", refresh), ("thl_cube", "c1", first_start)]
    with engine.begin() as connection:
        for source, indicator_id, at in rows:
            connection.execute(
                sa.text("insert into indicators (source, indicator_id, fetched_at) values (:s, :i, :at)"),
                {"s": source, "i": indicator_id, "at": at},
            )
    assert migrate(engine) == MIGRATIONS[-1].version
    with engine.connect() as connection:
        flags = connection.execute(sa.select(tables.indicators.c.indicator_id, tables.indicators.c.recorded)).all()
    assert sorted(flags) == [("5081", True), ("6411", False), ("c1", True)]
    engine.dispose()


def test_version_5_leaves_the_old_bundled_copies_without_a_retrieval_date(store_url: str) -> None:
    """A store from before version 5 holds the constructed examples (made-up numbers): none of them may be
    taken for a copy of THL's values, so they keep the sample badge until a refresh replaces them."""
    engine = create_store_engine(store_url)
    assert migrate(engine, up_to=4) == 4
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "insert into indicators (source, indicator_id, fetched_at, recorded)"
                " values ('sotkanet', '6411', :at, :r)"
            ),
            {"at": dt.datetime(2026, 1, 5, 12, 0), "r": True},
        )
    assert migrate(engine) == MIGRATIONS[-1].version
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(tables.indicators.c.indicator_id, tables.indicators.c.recorded, tables.indicators.c.retrieved)
        ).all()
    assert [tuple(row) for row in rows] == [("6411", True, None)]
    engine.dispose()


def test_a_migration_that_fails_half_way_leaves_the_store_at_the_previous_version(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The DDL a failed migration ran is rolled back with it (SQLite too: pysqlite would commit it on its own)."""
    version = MIGRATIONS[-1].version

    def create_then_fail(connection: sa.Connection) -> None:
        sa.Table("half_way", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True)).create(connection)
        connection.execute(sa.text("ALTER TABLE regions ADD COLUMN half_way INTEGER"))
        raise InvalidInputError("the migration fails after creating a table")

    failing = Migration(version + 1, "fails half-way", create_then_fail)
    monkeypatch.setattr("store.migrations.MIGRATIONS", (*MIGRATIONS, failing))
    with pytest.raises(InvalidInputError, match="fails after creating a table"):
        migrate(engine)
    inspector = sa.inspect(engine)
    assert "half_way" not in inspector.get_table_names()
    assert "half_way" not in {column["name"] for column in inspector.get_columns("regions")}
    with engine.connect() as connection:
        assert current_version(connection) == version
