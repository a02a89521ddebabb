"""Fuzzing every extract reader: a malformed file ends in a typed DashboardError or a consistent report, never a crash.

Each test draws files from :mod:`tests.data_sources.fuzz_files` and judges
them with :func:`~tests.data_sources.fuzz_files.read_outcome`, which accepts
exactly two endings: a :class:`~core.errors.DashboardError` with a message,
or a result whose report adds up (``rows_read = rows_kept + rejected``,
examples inside the file) and whose data collects to the canonical dtypes
with ``rows_kept`` rows. Any other exception fails the test. These are the
quick runs for every test session; ``make fuzz`` (:mod:`bench.fuzz`) runs the
same judgement on thousands of inputs and counts the outcomes. The number of
inputs each test ran is printed after the module and written to
``tests/artifacts/fuzz_counts.json``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.data_sources.fuzz_files import (
    LAYOUTS,
    PARQUET_READERS,
    READERS,
    csv_files,
    parquet_frames,
    read_outcome,
    record,
    record_tally,
)

EXAMPLES = 80
PARQUET_EXAMPLES = 40
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module", autouse=True)
def _tally(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    record_tally(request, "fuzz_counts")


def run_reader(name: str, data: bytes, suffix: str = ".csv") -> None:
    outcome = read_outcome(name, data, suffix)
    label = f"{name} <- {READERS[name][0]} {'CSV' if suffix == '.csv' else 'Parquet'}"
    record(label, outcome.kind)
    assert outcome.ok, str(outcome)


@pytest.mark.parametrize("name", READERS)
@FUZZ
@given(data=st.data())
def test_a_malformed_csv_file_ends_in_a_typed_error_or_a_report(name: str, data: st.DataObject) -> None:
    layout = READERS[name][0]
    run_reader(name, data.draw(csv_files(layout), label="file"))


@pytest.mark.parametrize("name", PARQUET_READERS)
@settings(max_examples=PARQUET_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_parquet_file_with_odd_columns_ends_in_a_typed_error_or_a_report(name: str, data: st.DataObject) -> None:
    frame = data.draw(parquet_frames(READERS[name][0]), label="frame")
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        path = Path(folder) / "frame.parquet"
        frame.write_parquet(path)
        content = path.read_bytes()
    run_reader(name, content, suffix=".parquet")


def test_every_layout_is_fuzzed() -> None:
    assert {layout for layout, _table, _read in READERS.values()} == set(LAYOUTS)


def test_a_crash_or_a_report_that_does_not_add_up_is_not_accepted() -> None:
    """The judge itself: an empty file is a typed error, and a reader that breaks is a crash, not a pass."""
    assert read_outcome("read_slots", b"").ok
    READERS["broken reader"] = ("canonical slots", "appointment_slots", lambda _path: 1 // 0)
    try:
        outcome = read_outcome("broken reader", b"slot_at\n")
    finally:
        del READERS["broken reader"]
    assert (outcome.kind, outcome.detail, outcome.ok) == ("crash", "ZeroDivisionError", False)
