"""The store fixtures (a SQLite file or a fresh PostgreSQL schema) for the jobs that write to it."""

from tests.store.conftest import engine, store_url  # noqa: F401  # fixtures used by the import tests
