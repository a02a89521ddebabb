"""Store fixtures: every store test runs on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from store.engine import create_store_engine
from store.migrations import migrate


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database: a SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
        return
    base = request.getfixturevalue("postgres_url")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f'create schema "{schema}"'))
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'drop schema "{schema}" cascade'))
        admin.dispose()


@pytest.fixture
def engine(store_url: str) -> Iterator[sa.Engine]:
    """A migrated, empty store."""
    engine = create_store_engine(store_url)
    migrate(engine)
    yield engine
    engine.dispose()


def dump(engine: sa.Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but the log of failed imports, sorted: equal dumps mean equal contents."""
    with engine.connect() as connection:
        names = sorted(set(sa.inspect(connection).get_table_names()) - {"import_failures"})
        return {
            name: sorted((tuple(row) for row in connection.execute(sa.text(f'select * from "{name}"'))), key=repr)
            for name in names
        }
