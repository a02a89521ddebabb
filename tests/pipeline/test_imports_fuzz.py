"""Fuzzing the import: a malformed upload is either imported whole or refused with nothing changed, on both stores.

Files come from :mod:`tests.data_sources.fuzz_files` and are judged by its
:class:`~tests.data_sources.fuzz_files.ImportTarget`: a refused file must
raise :class:`~pipeline.imports.ImportFailedError` naming the upload, from a
typed error (a library's exception caught by the import's catch-all counts as
a crash), and leave the store's rows, the extracts folder and the working
folders exactly as they were (only the failed attempt is recorded). An
accepted file must add exactly one catalogue row whose counts match its
validation report. These are the quick runs; ``make fuzz`` (:mod:`bench.fuzz`)
runs thousands. The number of inputs is printed after the module and written
to ``tests/artifacts/fuzz_counts.json``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from tests.data_sources.fuzz_files import UPLOADS, ImportTarget, csv_files, record, record_tally

EXAMPLES = 40


@pytest.fixture(scope="module", autouse=True)
def _tally(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    record_tally(request, "fuzz_counts")


@pytest.mark.parametrize("layout", UPLOADS)
def test_a_fuzzed_upload_is_imported_whole_or_changes_nothing(
    engine: sa.Engine, tmp_path: Path, store_url: str, layout: str
) -> None:
    target = ImportTarget(engine, tmp_path / "data", layout)
    backend = "postgres" if store_url.startswith("postgresql") else "sqlite"

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(content=csv_files(layout, mild=True))
    def run(content: bytes) -> None:
        outcome = target.outcome(content)
        record(f"import_upload <- {layout} CSV ({backend})", outcome.kind)
        assert outcome.ok, str(outcome)

    run()
