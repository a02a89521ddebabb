"""Opening the store again and again (as the dashboard does whenever its resource cache is cleared) reuses one
bounded pool: the database sees no more connections from the app than the pool holds."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.settings import Settings
from pipeline.bootstrap import open_store
from store.engine import MAX_OVERFLOW, POOL_SIZE
from store.results import load_results

pytestmark = pytest.mark.postgres

OPENS = 3 * (POOL_SIZE + MAX_OVERFLOW)


@pytest.fixture
def app_url(postgres_url: str) -> Iterator[tuple[str, str, sa.Engine]]:
    """A store URL in a schema of its own whose connections carry an application name of their own."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    name = f"dashboard-test-{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(postgres_url, poolclass=sa.pool.NullPool)
    with admin.begin() as connection:
        connection.execute(sa.text(f'create schema "{schema}"'))
    try:
        yield f"{postgres_url}?options=-csearch_path%3D{schema}&application_name={name}", name, admin
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'drop schema "{schema}" cascade'))
        admin.dispose()


def connections_of(admin: sa.Engine, name: str) -> int:
    with admin.connect() as connection:
        return int(
            connection.execute(
                sa.text("select count(*) from pg_stat_activity where application_name = :name"), {"name": name}
            ).scalar_one()
        )


def test_opening_the_store_repeatedly_leaves_at_most_one_pool_of_connections(
    app_url: tuple[str, str, sa.Engine], tmp_path: Path
) -> None:
    url, name, admin = app_url
    settings = Settings.from_environment({"DASHBOARD_DATABASE_URL": url, "DASHBOARD_DATA_DIR": str(tmp_path)})
    opened = []  # kept, as the dashboard's caches and sessions keep what they were given
    for _ in range(OPENS):
        engine = open_store(settings)
        load_results(engine)
        opened.append(engine)

    assert 0 < connections_of(admin, name) <= POOL_SIZE
    for engine in opened:
        engine.dispose()
    assert connections_of(admin, name) == 0
