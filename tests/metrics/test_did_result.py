"""A permutation test's one-row frame reads as one typed mapping, and nothing else passes for one."""

from __future__ import annotations

import polars as pl
import pytest

from core.errors import InvalidInputError
from metrics.did import PermutationResult, permutation_result, permutation_test

# d: A 6, B 0, C 3, D −3; A treated: estimate 6 − (0 + 3 − 3)/3 = 6, p 2/4 (|−6| of D as treated ties), 4 assignments.
PANEL = pl.DataFrame(
    [
        (code, period, float(value))
        for code, series in {"A": [0, 0, 6], "B": [0, 0, 0], "C": [0, 0, 3], "D": [0, 0, -3]}.items()
        for period, value in zip(("2022", "2023", "2024"), series, strict=True)
    ],
    schema={"region_code": pl.String, "period": pl.String, "value": pl.Float64},
    orient="row",
)


def test_the_result_mapping_names_every_column_of_the_test_frame() -> None:
    frame = permutation_test(PANEL, outcome="value", treated=["A"], start="2024", period="period")
    assert list(PermutationResult.__annotations__) == frame.columns


def test_an_estimated_result_reads_as_its_row() -> None:
    result = permutation_result(permutation_test(PANEL, outcome="value", treated=["A"], start="2024", period="period"))
    assert result["estimate"] == pytest.approx(6.0)
    assert result["p_value"] == pytest.approx(2 / 4)
    assert (result["n_permutations"], result["n_treated"], result["n_comparison"]) == (4, 1, 3)
    assert result["treated_units"] == ["A"]
    assert result["reason"] is None


def test_a_result_without_an_estimate_reads_with_its_reason() -> None:
    result = permutation_result(permutation_test(PANEL, outcome="value", treated=["A"], start="2022", period="period"))
    assert (result["estimate"], result["min_p"], result["n_permutations"]) == (None, None, None)
    assert result["reason"] == "did.reason.no_treated_counties"


@pytest.mark.parametrize(
    "frame",
    [
        pl.DataFrame({"estimate": [1.0]}),
        pl.concat([permutation_test(PANEL, outcome="value", treated=["A"], start="2024", period="period")] * 2),
    ],
    ids=["other columns", "two rows"],
)
def test_anything_but_one_row_of_the_test_frame_is_refused(frame: pl.DataFrame) -> None:
    with pytest.raises(InvalidInputError, match="one row of"):
        permutation_result(frame)
