"""Engine creation, the connection pool, read snapshots and the import lock, for SQLite and PostgreSQL.

**One engine per database per process.** :func:`create_store_engine` returns
the same engine for the same URL every time it is asked (the dashboard asks
again whenever its resource cache is cleared): an engine that is replaced
would keep its pooled connections open until the process ends. Each engine's
pool is bounded: at most :data:`POOL_SIZE` idle connections are kept and at
most :data:`POOL_SIZE` + :data:`MAX_OVERFLOW` are open at once; a caller that
finds every connection in use waits up to :data:`POOL_TIMEOUT` seconds and then
gets an error, rather than opening more connections than the server allows.

**Read snapshots.** :func:`read_snapshot` gives a connection whose reads all
see one committed state of the store: on PostgreSQL a read-only REPEATABLE
READ transaction, on SQLite (write-ahead log) an explicit deferred transaction
whose first read fixes the snapshot. The Python driver of SQLite starts no
transaction for a SELECT on its own, so without it every read is its own
snapshot.

**The import lock.** :func:`import_lock` serialises the imports of one store
across threads and processes: on PostgreSQL a session-level advisory lock
(keyed by the current schema, so stores in other schemas of one database do
not wait for each other); on SQLite an exclusive ``flock`` on a lock file next
to the database file (a database in memory is private to its process, so a
lock inside the process serves). The lock is held while an import reads the
committed list of imports, computes the aggregates and records itself; the
recording itself runs in :func:`write_transaction` (on SQLite ``BEGIN
IMMEDIATE``), which other writers, such as an indicator refresh, wait for only
as long as the write takes.
"""

from __future__ import annotations

import contextlib
import fcntl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from core.errors import DataSourceError

#: Idle connections an engine keeps (per process).
POOL_SIZE = 5
#: Connections an engine may open beyond :data:`POOL_SIZE` when every pooled one is in use.
MAX_OVERFLOW = 5
#: Seconds a caller waits for a connection when all are in use, before it gets an error.
POOL_TIMEOUT = 30
#: Seconds a SQLite connection waits for another's write to finish.
SQLITE_BUSY_SECONDS = 30

_ENGINES: dict[str, sa.Engine] = {}
_ENGINES_LOCK = threading.Lock()
_MEMORY_LOCKS: dict[str, threading.Lock] = {}


def create_store_engine(url: str) -> sa.Engine:
    """The engine for ``url`` (one per URL in a process); for a SQLite file its folder is created.

    Fails with a clear message when the database is unreachable.
    """
    parsed = sa.make_url(url)
    key = parsed.render_as_string(hide_password=False)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _new_engine(parsed)
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("select 1"))
        except sa.exc.SQLAlchemyError as exc:
            engine.dispose()
            _ENGINES.pop(key, None)
            cause = getattr(exc, "orig", None) or exc
            raise DataSourceError(
                source="store",
                request=f"connect to {parsed.render_as_string(hide_password=True)}",
                reason=f"the database is not reachable ({type(cause).__name__}: {str(cause).strip()})",
            ) from exc
        _ENGINES[key] = engine
        return engine


def _new_engine(parsed: sa.URL) -> sa.Engine:
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            return sa.create_engine(parsed, poolclass=sa.pool.StaticPool)  # one connection holds the database
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        parsed,
        poolclass=sa.pool.QueuePool,
        pool_size=POOL_SIZE,
        max_overflow=MAX_OVERFLOW,
        pool_timeout=POOL_TIMEOUT,
        pool_pre_ping=True,
    )
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    cursor.close()


@contextlib.contextmanager
def read_snapshot(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection whose reads all see one committed state of the store (see the module docstring)."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":  # set before the transaction begins (on the first read)
            connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        elif engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")
        try:
            yield connection
        finally:
            connection.rollback()


@contextlib.contextmanager
def write_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A transaction that holds the store's write lock from its start (SQLite: ``BEGIN IMMEDIATE``).

    Commits when the block ends, rolls back when it raises.
    """
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.rollback()
            raise
        connection.commit()


@contextlib.contextmanager
def import_lock(engine: sa.Engine) -> Iterator[None]:
    """Hold the store's import lock (across threads and processes; see the module docstring)."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine):
            yield
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        with _MEMORY_LOCKS.setdefault(str(engine.url), threading.Lock()):
            yield
        return
    lock_file = Path(str(database)).with_name(f"{Path(str(database)).name}.import-lock")
    with lock_file.open("a+b") as handle:  # a file descriptor of its own: flock also excludes other threads
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


_LOCK_KEY = "select hashtext('dashboard imports in ' || current_schema())"


@contextlib.contextmanager
def _advisory_lock(engine: sa.Engine) -> Iterator[None]:
    with engine.connect() as connection:
        key = connection.execute(sa.text(_LOCK_KEY)).scalar_one()
        connection.execute(sa.text("select pg_advisory_lock(:key)"), {"key": key})
        connection.commit()  # the lock belongs to the session, not to this transaction
        try:
            yield
        finally:
            try:
                connection.execute(sa.text("select pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()
            except sa.exc.SQLAlchemyError:
                connection.invalidate()  # a closed session releases its locks
