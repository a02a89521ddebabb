"""The validation report: its invariants, the coverage cells, its serialisations."""

from __future__ import annotations

import json

import pytest

from core.errors import InvalidInputError
from core.validation import (
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
