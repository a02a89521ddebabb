"""The named-provider assignments read like the other canonical tables: separators, encodings, Parquet, and per-row
checks (provider kind, county, a last day before the first) with their reasons in every language."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.assignments import DTYPES, ENDS_BEFORE_START
from data_sources.extracts import ASSIGNMENTS_TABLE, read_assignments, read_extract
from i18n import t
from tests.data_sources.extract_fixtures import TODAY, write_canonical_csv, write_parquet

COLUMNS = ("patient_id", "provider_kind", "provider_id", "region_code", "unit_id", "valid_from", "valid_to")


def assignment(**overrides: str | None) -> dict[str, str | None]:
    row: dict[str, str | None] = {
        "patient_id": "p1",
        "provider_kind": "doctor",
        "provider_id": "d1",
        "region_code": "13",
        "unit_id": "u1",
        "valid_from": "2024-01-01",
        "valid_to": "",
    }
    row.update(overrides)
    return row


def rejected(path: Path) -> dict[tuple[str, str], list[int]]:
    report = json.loads(read_assignments(path, today=TODAY).report.to_json())
    return {(item["key"], item["column"]): item["examples"] for item in report["rejected"]}


def test_a_semicolon_file_with_a_byte_order_mark_reads_into_the_canonical_dtypes(tmp_path: Path) -> None:
    rows = [
        assignment(),
        assignment(patient_id="p2", provider_kind="nurse", provider_id="n1", valid_to="2025-02-28"),
        assignment(patient_id="p3", provider_kind="team", provider_id="tiimi 1", region_code="2", valid_to=""),
    ]
    path = write_canonical_csv(tmp_path / "a.csv", rows, separator=";", bom=True)

    result = read_assignments(path, today=TODAY)
    frame = result.data.collect()

    assert dict(frame.schema) == dict(DTYPES)
    assert frame["provider_kind"].to_list() == ["doctor", "nurse", "team"]
    assert frame["region_code"].to_list() == ["13", "13", "02"]  # a one-digit county code is zero-padded
    assert frame["valid_from"].to_list() == [dt.date(2024, 1, 1)] * 3
    assert frame["valid_to"].to_list() == [None, dt.date(2025, 2, 28), None]
    assert (result.report.rows_read, result.report.rows_kept) == (3, 3)


def test_a_latin1_file_and_times_of_day_read_as_calendar_days(tmp_path: Path) -> None:
    rows = [assignment(unit_id="Kärsämäki", valid_from="2024-03-01 08:00", valid_to="2024-12-31T23:59:00")]
    path = write_canonical_csv(tmp_path / "a.csv", rows, encoding="latin-1")

    frame = read_assignments(path, today=TODAY).data.collect()

    assert frame.row(0, named=True)["unit_id"] == "Kärsämäki"
    assert frame.select("valid_from", "valid_to").row(0) == (dt.date(2024, 3, 1), dt.date(2024, 12, 31))


def test_a_last_day_far_ahead_is_kept_as_in_force(tmp_path: Path) -> None:
    """Registers write 9999-12-31 for an assignment in force; unlike a slot time, it is no error."""
    path = write_canonical_csv(tmp_path / "a.csv", [assignment(valid_to="9999-12-31")])

    frame = read_assignments(path, today=TODAY).data.collect()

    assert frame["valid_to"].to_list() == [dt.date(9999, 12, 31)]


def test_an_unknown_kind_county_or_missing_start_is_rejected_with_its_row(tmp_path: Path) -> None:
    rows = [
        assignment(),
        assignment(provider_kind="dentist"),
        assignment(region_code="99"),
        assignment(valid_from=""),
        assignment(valid_from="2024-02-30"),
    ]
    path = write_canonical_csv(tmp_path / "a.csv", rows)

    assert rejected(path) == {
        ("invalid_code", "provider_kind"): [2],
        ("unknown_region", "region_code"): [3],
        ("missing_value", "valid_from"): [4],
        ("bad_date", "valid_from"): [5],
    }


def test_an_assignment_ending_before_it_starts_is_rejected(tmp_path: Path) -> None:
    rows = [
        assignment(valid_from="2024-05-01", valid_to="2024-04-30"),
        assignment(valid_from="2024-05-01", valid_to="2024-05-01"),  # one day: kept
        assignment(valid_from="2024-05-01 16:00", valid_to="2024-05-01 08:00"),  # the same day: kept
    ]
    path = write_canonical_csv(tmp_path / "a.csv", rows)

    assert rejected(path) == {(ENDS_BEFORE_START, "valid_to"): [1]}
    assert read_assignments(path, today=TODAY).data.collect().height == 2


def test_every_rejection_reason_of_the_reader_is_said_in_every_language() -> None:
    for language in ("fi", "sv", "en"):
        text = t(f"reason.{ENDS_BEFORE_START}", language)
        assert "valid_to" in text
        assert "valid_from" in text
        assert t("data.table_assignments", language)
    assert t("reason.ends_before_start", "fi") != t("reason.ends_before_start", "en")


def test_a_parquet_file_with_date_columns_reads(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "patient_id": [1, 2],
            "provider_kind": ["doctor", "nurse"],
            "provider_id": ["d1", "n1"],
            "region_code": ["13", "13"],
            "unit_id": ["u1", "u1"],
            "valid_from": [dt.date(2024, 1, 1), dt.date(2024, 6, 1)],
            "valid_to": [None, dt.date(2025, 1, 1)],
        }
    )
    path = write_parquet(tmp_path / "a.parquet", frame)

    read = read_extract(path, table=ASSIGNMENTS_TABLE, today=TODAY).data.collect()

    assert read["patient_id"].to_list() == ["1", "2"]
    assert read["valid_to"].to_list() == [None, dt.date(2025, 1, 1)]


def test_a_file_without_the_last_day_column_is_refused_with_the_column_named(tmp_path: Path) -> None:
    rows = [{name: value for name, value in assignment().items() if name != "valid_to"}]
    path = write_canonical_csv(tmp_path / "a.csv", rows)

    with pytest.raises(Exception, match="valid_to"):
        read_assignments(path, today=TODAY)


days = st.dates(min_value=dt.date(2000, 1, 1), max_value=TODAY)  # a first day beyond the slot horizon is rejected


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(days, st.one_of(st.none(), days)), min_size=1, max_size=12))
def test_kept_assignments_never_end_before_they_start(
    tmp_path_factory: pytest.TempPathFactory, spans: list[tuple[dt.date, dt.date | None]]
) -> None:
    rows = [
        assignment(patient_id=f"p{index}", valid_from=first.isoformat(), valid_to=last.isoformat() if last else "")
        for index, (first, last) in enumerate(spans)
    ]
    path = write_canonical_csv(tmp_path_factory.mktemp("spans") / "a.csv", rows, separator=";")

    result = read_assignments(path, today=TODAY)
    kept = result.data.collect()

    wrong = sum(1 for first, last in spans if last is not None and last < first)
    assert kept.height == len(spans) - wrong
    assert kept.filter(pl.col("valid_to") < pl.col("valid_from")).is_empty()
    assert result.report.rows_read == len(spans)
