"""Engine creation: SQLite with foreign keys and WAL, or PostgreSQL through psycopg."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from core.errors import DataSourceError


def create_store_engine(url: str) -> sa.Engine:
    """An engine for ``url``; for a SQLite file its folder is created. Fails with a clear message when unreachable."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("select 1"))
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        cause = getattr(exc, "orig", None) or exc
        raise DataSourceError(
            source="store",
            request=f"connect to {parsed.render_as_string(hide_password=True)}",
            reason=f"the database is not reachable ({type(cause).__name__}: {str(cause).strip()})",
        ) from exc
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
