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
from hypothesis import strategies as st

from pipeline.imports import import_upload
from store import tables
from store.repository import read_table
from tests.data_sources.extract_fixtures import TODAY
from tests.data_sources.fuzz_files import UPLOADS, ImportTarget, csv_files, record, record_tally, valid_visits

EXAMPLES = 30  # about half are imported (written and aggregated): the slow part
NAME_EXAMPLES = 8


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


@pytest.mark.parametrize(
    ("file_name", "recorded"),
    [
        ("käynnit\udce4.csv", "käynnit\ufffd.csv"),  # a Linux file name with a latin-1 byte, as Python decodes it
        ("a\x00b.csv", "a\ufffdb.csv"),  # PostgreSQL's text cannot hold NUL
        ("rivi\nvaihto\t.csv", "rivi\ufffdvaihto\ufffd.csv"),
    ],
)
def test_a_file_name_with_bytes_the_store_cannot_hold_is_recorded_readably(
    engine: sa.Engine, tmp_path: Path, file_name: str, recorded: str
) -> None:
    """Regression: such a name made the import raise UnicodeEncodeError (or a wrapped DataError) after its checks."""
    done = import_upload(
        engine, tmp_path, valid_visits("v1"), file_name=file_name, table_name="visits", imported_by="t", today=TODAY
    )
    assert (done.file_name, done.rows_read) == (recorded, 1)
    assert read_table(engine, tables.imports)["file_name"].to_list() == [recorded]


def test_any_file_name_is_imported_or_refused_with_nothing_changed(
    engine: sa.Engine, tmp_path: Path, store_url: str
) -> None:
    target = ImportTarget(engine, tmp_path / "data", "canonical visits")
    backend = "postgres" if store_url.startswith("postgresql") else "sqlite"
    names = st.text(st.characters(exclude_categories=()), max_size=40)

    @settings(
        max_examples=NAME_EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(file_name=names, number=st.integers(1, 10**9))
    def run(file_name: str, number: int) -> None:
        outcome = target.outcome(valid_visits(f"v{number}"), file_name=file_name)
        record(f"import_upload <- any file name ({backend})", outcome.kind)
        assert outcome.ok, str(outcome)

    run()
