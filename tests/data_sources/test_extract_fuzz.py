"""Fuzzing every extract reader: a malformed file ends in a typed DashboardError or a consistent report, never a crash.

Each test draws files from :mod:`tests.data_sources.fuzz_files` and accepts
exactly two endings: a :class:`~core.errors.DashboardError`, or a result
whose report adds up (``rows_read = rows_kept + rejected``, examples inside
the file) and whose data collects to the canonical dtypes with ``rows_kept``
rows. Any other exception fails the test. The number of inputs each test ran
is printed after the module and written to ``tests/artifacts/fuzz_counts.json``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import columns as c
from core.errors import DashboardError
from core.schema import CANONICAL_DTYPES, VISITS, Kind
from core.settings import DEFAULT_EARLIEST_DATE
from data_sources import extracts
from data_sources.extracts import ExtractResult, avohilmo
from data_sources.extracts.common import years_after
from tests.data_sources.extract_fixtures import TODAY
from tests.data_sources.fuzz_files import LAYOUTS, csv_files, parquet_frames, record, record_tally

EXAMPLES = 80
PARQUET_EXAMPLES = 40
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Reader = Callable[[Path], ExtractResult]

#: Every reader, with the layout whose files it is fed and the canonical table it returns.
READERS: dict[str, tuple[str, str, Reader]] = {
    "read_extract visits (auto layout)": (
        "canonical visits",
        "visits",
        lambda p: extracts.read_extract(p, table="visits", today=TODAY),
    ),
    "read_visits, canonical layout": (
        "canonical visits",
        "visits",
        lambda p: extracts.read_visits(p, layout="canonical", today=TODAY),
    ),
    "read_slots": ("canonical slots", "appointment_slots", lambda p: extracts.read_slots(p, today=TODAY)),
    "read_answers": ("canonical answers", "survey_answers", lambda p: extracts.read_answers(p, today=TODAY)),
    "read_visits, avohilmo layout": (
        "avohilmo visits",
        "visits",
        lambda p: extracts.read_visits(p, layout="avohilmo", today=TODAY),
    ),
    "avohilmo.read_visits_with_report": (
        "avohilmo visits",
        "visits",
        lambda p: avohilmo.read_visits_with_report(p, today=TODAY),
    ),
    "avohilmo.read_visits_with_report, region_code and latin-1": (
        "avohilmo visits",
        "visits",
        lambda p: avohilmo.read_visits_with_report(p, today=TODAY, region_code="7", encoding="latin-1"),
    ),
}


@pytest.fixture(scope="module", autouse=True)
def _tally(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    record_tally(request, "fuzz_counts")


def check_result(result: ExtractResult, table: str) -> None:
    """The report adds up and the data is canonical with exactly the kept rows."""
    report = result.report
    assert report.rows_read == report.rows_kept + sum(finding.count for finding in report.rejected)
    for finding in (*report.rejected, *report.flagged):
        assert finding.count > 0
        assert all(1 <= row <= report.rows_read for row in finding.examples), finding
    frame = result.data.collect()
    assert frame.schema == pl.Schema(CANONICAL_DTYPES[extracts.TABLES[table].name])
    assert frame.height == report.rows_kept
    assert report.from_json(report.to_json()) == report
    check_plausible_values(frame, table)


def check_plausible_values(frame: pl.DataFrame, table: str) -> None:
    """No kept id or text is too long or holds a control character; no kept time lies outside the allowed range."""
    schema = extracts.TABLES[table]
    for column in schema.columns:
        values = frame.get_column(column.name)
        if column.kind in (Kind.ID, Kind.TEXT) and column.max_length is not None:
            assert not (values.str.len_chars() > column.max_length).any(), column.name
            assert not values.str.contains(r"[\x00-\x1f\x7f]").any(), column.name
        if column.kind is Kind.TIME and values.len():
            assert not (values < dt.datetime.combine(DEFAULT_EARLIEST_DATE, dt.time())).any(), column.name
            latest = dt.datetime.combine(TODAY, dt.time()) + dt.timedelta(days=1)
            if column.name == c.SLOT_AT:
                latest = dt.datetime.combine(years_after(TODAY, 2), dt.time()) + dt.timedelta(days=1)
            assert not (values >= latest).any(), column.name


def run_reader(name: str, data: bytes, suffix: str = ".csv") -> None:
    layout, table, read = READERS[name]
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        label = f"{name} <- {layout} {'CSV' if suffix == '.csv' else 'Parquet'}"
        try:
            result = read(path)
        except DashboardError as exc:
            error: DashboardError | None = exc
        else:
            error = None
            check_result(result, table)
            del result
    assert error is None or str(error).strip()
    record(label, "report" if error is None else "error")


@pytest.mark.parametrize("name", READERS)
@FUZZ
@given(data=st.data())
def test_a_malformed_csv_file_ends_in_a_typed_error_or_a_report(name: str, data: st.DataObject) -> None:
    layout = READERS[name][0]
    run_reader(name, data.draw(csv_files(layout), label="file"))


@pytest.mark.parametrize("name", ["read_extract visits (auto layout)", "read_slots", "read_answers"])
@settings(max_examples=PARQUET_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_parquet_file_with_odd_columns_ends_in_a_typed_error_or_a_report(name: str, data: st.DataObject) -> None:
    frame = data.draw(parquet_frames(READERS[name][0]), label="frame")
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        path = Path(folder) / "frame.parquet"
        frame.write_parquet(path)
        content = path.read_bytes()
    run_reader(name, content, suffix=".parquet")


@FUZZ
@given(data=st.data())
def test_the_avohilmo_contract_returns_canonical_visits_or_raises_a_typed_error(data: st.DataObject) -> None:
    content = data.draw(csv_files("avohilmo visits"), label="file")
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        path = Path(folder) / "avohilmo.csv"
        path.write_bytes(content)
        try:
            frame = avohilmo.read_visits(path).collect()
        except DashboardError:
            record("avohilmo.read_visits (contract) <- avohilmo visits CSV", "error")
            return
    assert frame.schema == pl.Schema(CANONICAL_DTYPES[VISITS.name])
    record("avohilmo.read_visits (contract) <- avohilmo visits CSV", "report")


def test_every_layout_is_fuzzed() -> None:
    assert {layout for layout, _table, _read in READERS.values()} == set(LAYOUTS)
