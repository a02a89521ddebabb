"""Versioned schema migrations, applied in order, each in its own transaction.

Migration 1 creates the tables of ``store/tables.py`` as they stood at
version 1. To change the schema later: copy the affected version-1 table
definitions into a frozen helper here first, then edit ``tables.py`` and add
a migration that alters the database to match. A test migrates an empty
database and compares it with ``tables.py``, so a forgotten step fails there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from store import tables


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    upgrade: Callable[[sa.Connection], None]


#: Tables created by a later migration than the first, which must not create them.
_ADDED_LATER = (tables.coc_distribution_results,)


def _initial_schema(connection: sa.Connection) -> None:
    version_one = [
        table
        for table in tables.metadata.sorted_tables
        if table is not tables.schema_version and table not in _ADDED_LATER
    ]
    tables.metadata.create_all(connection, tables=version_one)


def _coc_distribution_table(connection: sa.Connection) -> None:
    """A store from before version 2 has no distribution rows until its next visit import; the county
    page computes the distribution from the visits meanwhile."""
    tables.coc_distribution_results.create(connection)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", _initial_schema),
    Migration(2, "COC distribution per county, year and profession", _coc_distribution_table),
)


def current_version(connection: sa.Connection) -> int:
    """The highest applied migration, 0 for an empty database."""
    if not sa.inspect(connection).has_table(tables.schema_version.name):
        return 0
    return int(
        connection.execute(sa.select(sa.func.coalesce(sa.func.max(tables.schema_version.c.version), 0))).scalar_one()
    )


def migrate(engine: sa.Engine) -> int:
    """Apply every pending migration; returns the version the database is at."""
    with engine.begin() as connection:
        tables.schema_version.create(connection, checkfirst=True)
    version = 0
    for migration in MIGRATIONS:
        with engine.begin() as connection:
            version = current_version(connection)
            if migration.version <= version:
                continue
            migration.upgrade(connection)
            connection.execute(
                tables.schema_version.insert().values(
                    version=migration.version,
                    description=migration.description,
                    applied_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                )
            )
            version = migration.version
    return version
