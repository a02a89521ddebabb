"""The validation report: its invariants, the coverage measure, its serialisations, and that it holds no ids."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InvalidInputError
from data_sources import avohilmo
from data_sources.validation import (
    COVERAGE_SCHEMA,
    FINDINGS_SCHEMA,
    FLAG_KEYS,
    REASONS,
    REJECTION_KEYS,
    CoverageCell,
    Finding,
    ValidationReport,
    findings_from_counts,
)
from tests.data_sources.extract_fixtures import TODAY, avohilmo_row, avohilmo_rows, write_avohilmo


def report(**overrides: object) -> ValidationReport:
    fields: dict[str, object] = {
        "source": "extract.csv",
        "layout": "avohilmo",
        "file_format": "csv",
        "encoding": "latin-1",
        "table": "visits",
        "rows_read": 10,
        "rows_kept": 7,
        "rejected": (
            Finding("bad_date", "KAYNTI_ALKOI", 2, (3, 9)),
            Finding("unknown_region", "HYVINVOINTIALUE", 1, (4,)),
        ),
        "flagged": (Finding("missing_professional_id", "AMMATTIHENKILO_PSEUDO", 7, (1, 2, 5, 6, 7)),),
        "missing_professional_share": 1.0,
        "coverage_cells": (CoverageCell("02", "2025-03", 4, 3),),
        "notes": ("a note",),
    }
    fields.update(overrides)
    return ValidationReport(**fields)  # type: ignore[arg-type]


def test_every_reason_key_is_either_a_rejection_or_a_flag() -> None:
    assert set(REASONS) == REJECTION_KEYS | FLAG_KEYS
    assert not REJECTION_KEYS & FLAG_KEYS
    assert {"bad_date", "unknown_region", "duplicate_visit_id", "future_date", "invalid_code", "missing_value"} <= (
        REJECTION_KEYS
    )
    assert {"visit_before_assessment", "missing_professional_id"} <= FLAG_KEYS


def test_rows_read_must_equal_kept_plus_rejected() -> None:
    with pytest.raises(InvalidInputError, match="rows_read"):
        report(rows_kept=8)


@pytest.mark.parametrize(
    ("rejected", "flagged"),
    [
        # a flag among the rejections, a rejection among the flags
        ((Finding("visit_before_assessment", "x", 3),), ()),
        ((Finding("bad_date", "x", 3),), (Finding("bad_date", "x", 1),)),
    ],
)
def test_rejections_and_flags_are_not_mixed_up(rejected: tuple[Finding, ...], flagged: tuple[Finding, ...]) -> None:
    with pytest.raises(InvalidInputError):
        report(rejected=rejected, flagged=flagged)


@pytest.mark.parametrize(
    ("key", "count", "examples", "message"),
    [
        ("bad_data", 1, (), "unknown reason key"),
        ("bad_date", -1, (), ">= 0"),
        ("bad_date", 6, (1, 2, 3, 4, 5, 6), "at most 5"),
    ],
)
def test_a_malformed_finding_is_refused(key: str, count: int, examples: tuple[int, ...], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        Finding(key, "column", count, examples)


def test_findings_from_counts_sorts_cuts_examples_and_drops_zero_counts() -> None:
    found = findings_from_counts(
        {
            ("invalid_code", "KAYNTI_AMMATTI"): (7, [9, 1, 8, 2, 7, 3, 6]),
            ("bad_date", "KAYNTI_ALKOI"): (1, [4]),
            ("missing_value", "TNRO"): (0, []),
        }
    )

    assert found == (
        Finding("bad_date", "KAYNTI_ALKOI", 1, (4,)),
        Finding("invalid_code", "KAYNTI_AMMATTI", 7, (1, 2, 3, 6, 7)),
    )


def test_counts_by_key_sum_over_columns() -> None:
    value = report(
        rows_read=10,
        rows_kept=6,
        rejected=(Finding("bad_date", "A", 3), Finding("bad_date", "B", 1)),
    )

    assert (value.rejected_count("bad_date"), value.rows_rejected) == (4, 4)
    assert value.flagged_count("missing_professional_id") == 7


def test_to_frame_lists_rejections_then_flags() -> None:
    frame = report().to_frame()

    assert dict(frame.schema) == dict(FINDINGS_SCHEMA)
    assert frame.select("kind", "key", "count", "example_rows").rows() == [
        ("rejected", "bad_date", 2, "3, 9"),
        ("rejected", "unknown_region", 1, "4"),
        ("flagged", "missing_professional_id", 7, "1, 2, 5, 6, 7"),
    ]
    assert frame.get_column("share_of_rows").to_list() == [0.2, 0.1, 0.7]


def test_coverage_is_a_frame_with_shares() -> None:
    value = report(coverage_cells=(CoverageCell("02", "2025-03", 4, 3), CoverageCell("05", "2025-04", 0, 0)))

    assert dict(value.coverage.schema) == dict(COVERAGE_SCHEMA)
    assert value.coverage.rows() == [("02", "2025-03", 4, 3, 0.75), ("05", "2025-04", 0, 0, None)]


def test_the_summary_names_every_finding() -> None:
    text = report().summary()

    assert "10 rows read, 7 kept, 3 rejected" in text
    assert "rejected bad_date [KAYNTI_ALKOI]: 2 (rows 3, 9)" in text
    assert "flagged missing_professional_id" in text
    assert "100.0%" in text


def test_json_round_trips() -> None:
    value = report()

    assert ValidationReport.from_json(value.to_json()) == value
    assert json.loads(value.to_json())["rows_kept"] == 7


@pytest.mark.parametrize("text", ["", "[]", '{"source": "x"}', '{"rows_read": "many"}'])
def test_a_malformed_json_report_is_refused(text: str) -> None:
    with pytest.raises(InvalidInputError, match="not a validation report"):
        ValidationReport.from_json(text)


# --------------------------------------------------------------------------- reports of real reads


def test_coverage_is_the_share_of_non_urgent_visits_with_an_assessment_per_region_and_month(tmp_path: Path) -> None:
    def visit(number: int, **values: str | None) -> dict[str, str | None]:
        return avohilmo_row(AVOHILMO_ID=str(number), **values)

    rows = [
        # region 02, March: four non-urgent visits, three assessed
        visit(1),
        visit(2),
        visit(3),
        visit(4, HOIDONTARVE_AJANKOHTA=None),
        # not counted: urgent, unknown urgency
        visit(5, KAYNTI_KIIREELLISYYS="K", HOIDONTARVE_AJANKOHTA=None),
        visit(6, KAYNTI_KIIREELLISYYS="?", HOIDONTARVE_AJANKOHTA=None),
        # region 05, April: two non-urgent visits, both assessed
        visit(7, HYVINVOINTIALUE="5", KAYNTI_ALKOI="01.04.2025 08:00"),
        visit(8, HYVINVOINTIALUE="05", KAYNTI_ALKOI="30.04.2025 16:00", HOIDONTARVE_AJANKOHTA="29.04.2025 08:00"),
        # not counted: rejected rows and a repeated id
        visit(9, HYVINVOINTIALUE="99", HOIDONTARVE_AJANKOHTA=None),
        visit(1, HOIDONTARVE_AJANKOHTA=None),
    ]
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows)

    coverage = avohilmo.read_visits_with_report(path, today=TODAY).report.coverage

    assert coverage.rows() == [("02", "2025-03", 4, 3, 0.75), ("05", "2025-04", 2, 2, 1.0)]


def test_a_report_holds_no_identifiers(tmp_path: Path) -> None:
    rows = [
        *avohilmo_rows(3, TNRO="PATIENT-SECRET", AMMATTIHENKILO_PSEUDO="PRO-SECRET"),
        avohilmo_row(AVOHILMO_ID="VISIT-SECRET", TNRO="PATIENT-SECRET", KAYNTI_ALKOI="bad"),
        avohilmo_row(AVOHILMO_ID="1000001", TNRO="PATIENT-SECRET"),
    ]
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows)

    value = avohilmo.read_visits_with_report(path, today=TODAY).report
    texts = [value.to_json(), value.summary(), str(value.to_frame().rows()), str(value.coverage.rows())]

    assert value.rows_rejected == 2
    assert not any(secret in text for text in texts for secret in ("SECRET", "1000001", "FR00"))


def test_the_report_names_only_the_file_not_its_folder(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "extract-2025.csv", avohilmo_rows(1))

    value = avohilmo.read_visits_with_report(path, today=TODAY).report

    assert value.source == "extract-2025.csv"
    assert str(tmp_path) not in value.to_json()


# --------------------------------------------------------------------------- invariants over random files

BAD_VALUES: dict[str, list[str | None]] = {
    "KAYNTI_ALKOI": ["x", "31.02.2025 10:00", None, "01.01.2030 10:00"],
    "HYVINVOINTIALUE": ["91", "Lappi", None],
    "KAYNTI_AMMATTI": ["abc", None],
    "KAYNTI_YHTEYSTAPA": ["R60", None],
    "AVOHILMO_ID": [None, "1000001"],
    "HOIDONTARVE_AJANKOHTA": ["11.03.2025 08:00", None],
    "AMMATTIHENKILO_PSEUDO": [None],
    "KAYNTI_KIIREELLISYYS": ["?", "K"],
}

row_changes: st.SearchStrategy[dict[str, str | None]] = st.one_of(
    st.just({}),
    st.sampled_from([{column: value} for column, values in sorted(BAD_VALUES.items()) for value in values]),
)


@settings(max_examples=40)
@given(st.lists(row_changes, min_size=0, max_size=30))
def test_kept_plus_rejected_is_every_row_and_the_data_holds_the_kept_rows(changes: list[dict[str, str | None]]) -> None:
    rows = [
        {**avohilmo_row(AVOHILMO_ID=str(1_000_001 + index), TNRO=f"FR{index}"), **change}
        for index, change in enumerate(changes)
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = write_avohilmo(Path(folder) / "avohilmo.csv", rows)
        result = avohilmo.read_visits_with_report(path, today=TODAY)
        data = result.data.collect()
        value = result.report

        assert value.rows_read == len(rows)
        assert value.rows_read == value.rows_kept + sum(finding.count for finding in value.rejected)
        assert data.height == value.rows_kept
        assert data.get_column("visit_id").is_unique().all()
        # a rejected example row is not in the data (a repeated id's first occurrence is)
        kept_ids = set(data.get_column("visit_id").to_list())
        for row in (row for finding in value.rejected for row in finding.examples):
            assert rows[row - 1]["AVOHILMO_ID"] not in kept_ids - {"1000001"}
        assert value.coverage.get_column("n_with_assessment").sum() <= value.coverage.get_column("n_non_urgent").sum()
        assert all(0 <= share <= 1 for share in value.coverage.get_column("share").drop_nulls())
        del result, data
