"""The import check reports' raw counts are for roles with unit access only, and only for their counties."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest

from i18n import t
from views.data import coverage_months, coverage_table, report_visible

COVERAGE = pl.DataFrame(
    {
        "region_code": ["05", "05", "13"],
        "month": ["2025-03", "2025-04", "2025-03"],
        "n_non_urgent": [4, 120, 3],
        "n_with_assessment": [4, 100, 1],
        "share": [1.0, 100 / 120, 1 / 3],
    }
)


@dataclasses.dataclass
class Report:
    """The one attribute :func:`coverage_table` reads of an import report."""

    coverage: pl.DataFrame


def test_the_public_role_sees_no_check_report() -> None:
    assert report_visible(frozenset()) is False  # public: no unit access
    assert report_visible(frozenset({"05"})) is True
    assert report_visible(None) is True  # analyst


def test_a_county_user_sees_coverage_of_its_own_counties_only() -> None:
    region = t("data.col_region_code", "fi")
    own = coverage_table(Report(COVERAGE), "fi", frozenset({"05"}))  # type: ignore[arg-type]
    assert own.height == 2
    assert own[region].n_unique() == 1  # county 05 only, not 13
    every = coverage_table(Report(COVERAGE), "fi", None)  # type: ignore[arg-type]
    assert every.height == 3


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_flagged_months_for_the_public_carry_no_counts(language: str) -> None:
    shown = coverage_months(COVERAGE, language)
    assert shown.columns == [t("data.col_region_code", language), t("data.col_month", language)]
    assert shown.height == 3
