"""Suite-wide fixtures: the PostgreSQL gate and Hypothesis profiles."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "default")

POSTGRES_URL = os.environ.get("DASHBOARD_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_reachable(url: str) -> str | None:
    """None when a connection works, else the reason it does not."""
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(url)
        with engine.connect() as connection:
            connection.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure means "not reachable"; the reason is reported
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the test PostgreSQL; skips (or fails under DASHBOARD_REQUIRE_POSTGRES=1) without one."""
    reason = _postgres_reachable(POSTGRES_URL)
    if reason is None:
        return POSTGRES_URL
    message = f"PostgreSQL at {POSTGRES_URL} is not reachable ({reason})"
    if os.environ.get("DASHBOARD_REQUIRE_POSTGRES") == "1":
        pytest.fail(message + "; DASHBOARD_REQUIRE_POSTGRES=1 makes it mandatory")
    pytest.skip(message)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Close the chart renderer's browser while the interpreter is still whole (no warnings at exit)."""
    import sys

    images = sys.modules.get("exports.images")
    shared = getattr(images, "_shared", None) if images else None
    if shared is not None:
        shared.close()
