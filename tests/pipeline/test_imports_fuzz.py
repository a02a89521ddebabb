"""Fuzzing the import: a malformed upload is either imported whole or refused with nothing changed, on both stores.

Files come from :mod:`tests.data_sources.fuzz_files`. A refused file must
raise :class:`~pipeline.imports.ImportFailedError` naming the upload, and leave
the store's rows, the extracts folder and the working folders exactly as
they were (only the failed attempt is recorded). An accepted file must add
exactly one catalogue row whose counts match its validation report. The
number of inputs is printed after the module and written to
``tests/artifacts/fuzz_counts.json``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from core.validation import ValidationReport
from pipeline.imports import ImportFailedError, failed_imports, import_upload
from store import tables
from store.repository import read_table
from tests.data_sources.extract_fixtures import TODAY
from tests.data_sources.fuzz_files import csv_files, record, record_tally
from tests.store.conftest import dump

EXAMPLES = 40
#: The fuzzed layout and the table it is offered as.
UPLOADS = {
    "avohilmo visits": "visits",
    "canonical visits": "visits",
    "canonical answers": "survey_answers",
}


@pytest.fixture(scope="module", autouse=True)
def _tally(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    record_tally(request, "fuzz_counts")


def state(engine: sa.Engine, data_dir: Path) -> tuple[object, list[str]]:
    """The store's rows and every path under the data directory except the failure records."""
    paths = sorted(
        str(path.relative_to(data_dir))
        for path in data_dir.rglob("*")
        if path != data_dir / "imports" and not (path.parent == data_dir / "imports" and path.suffix == ".json")
    )
    return dump(engine), paths


@pytest.mark.parametrize("layout", UPLOADS)
def test_a_fuzzed_upload_is_imported_whole_or_changes_nothing(
    engine: sa.Engine, tmp_path: Path, store_url: str, layout: str
) -> None:
    data_dir = tmp_path / "data"
    table_name = UPLOADS[layout]
    backend = "postgres" if store_url.startswith("postgresql") else "sqlite"

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(content=csv_files(layout, mild=True))
    def run(content: bytes) -> None:
        before = state(engine, data_dir)
        failures = len(failed_imports(engine, data_dir))
        catalogue = read_table(engine, tables.imports).height
        error: ImportFailedError | None
        try:
            outcome = import_upload(
                engine,
                data_dir,
                content,
                file_name="fuzzed upload.csv",
                table_name=table_name,
                imported_by="fuzz",
                today=TODAY,
            )
        except ImportFailedError as exc:
            error = exc
        else:
            error = None
        if error is not None:
            assert str(error).startswith("fuzzed upload.csv")
            assert state(engine, data_dir) == before
            assert len(failed_imports(engine, data_dir)) == failures + 1
            record(f"import_upload <- {layout} CSV ({backend})", "error")
            return
        if outcome.already_imported:
            assert state(engine, data_dir) == before
            record(f"import_upload <- {layout} CSV ({backend})", "already imported")
            return
        report = ValidationReport.from_json(outcome.report_json)
        assert (outcome.rows_read, outcome.rows_rejected) == (report.rows_read, report.rows_rejected)
        assert read_table(engine, tables.imports).height == catalogue + 1
        record(f"import_upload <- {layout} CSV ({backend})", "report")

    run()
