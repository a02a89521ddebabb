"""Each county against the country, Fingertips-style: hand-made cases for every branch, scalar and frame alike."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from views.benchmark import COLUMN, Comparison, compare_with_country, with_comparison
from views.indicators import INDICATORS, Indicator

HIGHER = INDICATORS["access_7d"]  # a share: higher is better
LOWER = INDICATORS["thl_insufficient"]  # found doctor services insufficient: lower is better
CONTEXT = INDICATORS["thl_doctor_visits"]  # visits per 1,000: no good direction

Case = tuple[float | None, float | None, float | None, float | None, Indicator, Comparison]
CASES: list[Case] = [
    # value, ci_low, ci_high, national, indicator, expected
    (0.70, 0.66, 0.74, 0.60, HIGHER, "better"),  # interval wholly above, higher is better
    (0.50, 0.46, 0.54, 0.60, HIGHER, "worse"),  # wholly below
    (0.62, 0.58, 0.66, 0.60, HIGHER, "similar"),  # contains the national value
    (0.62, 0.60, 0.66, 0.60, HIGHER, "similar"),  # touches it: still contains it
    (0.70, 0.66, 0.74, 0.60, LOWER, "worse"),  # above, lower is better
    (0.50, 0.46, 0.54, 0.60, LOWER, "better"),  # below, lower is better
    (0.62, None, None, 0.60, HIGHER, "no_interval"),  # a published figure: shown, not coloured
    (1900.0, 1850.0, 1950.0, 1785.0, CONTEXT, "not_compared"),  # even with an interval
    (None, None, None, 0.60, HIGHER, "no_data"),  # suppressed or missing
    (0.62, 0.58, 0.66, None, HIGHER, "no_data"),  # no national value that period
]


@pytest.mark.parametrize("case", CASES)
def test_hand_made_cases(case: Case) -> None:
    value, low, high, national, indicator, expected = case
    assert compare_with_country(value, low, high, national, indicator) == expected


def frame_for(rows: list[tuple[str, str, float | None, float | None, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "region_code": pl.String,
            "period": pl.String,
            "value": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
        },
        orient="row",
    )


def test_the_frame_compares_each_row_with_the_national_value_of_its_own_period() -> None:
    cells = frame_for(
        [
            ("SSS", "2024", 0.60, 0.59, 0.61),
            ("SSS", "2025", 0.50, 0.49, 0.51),
            ("05", "2024", 0.55, 0.52, 0.58),  # below 0.60 in 2024: worse
            ("05", "2025", 0.55, 0.52, 0.58),  # above 0.50 in 2025: better
            ("06", "2025", None, None, None),  # suppressed
        ]
    )
    compared = with_comparison(cells, HIGHER)
    assert compared[COLUMN].to_list() == ["country", "country", "worse", "better", "no_data"]
    assert compared["national_value"].to_list() == [0.60, 0.50, 0.60, 0.50, 0.50]


@pytest.mark.parametrize("case", CASES)
def test_the_frame_agrees_with_the_scalar_rule_on_every_hand_made_case(case: Case) -> None:
    value, low, high, national, indicator, expected = case
    rows = [("05", "2025", value, low, high)]
    if national is not None:
        rows.append(("SSS", "2025", national, None, None))
    compared = with_comparison(frame_for(rows), indicator)
    assert compared.filter(pl.col("region_code") == "05")[COLUMN].item() == expected


finite = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@given(finite, finite, finite, finite, st.sampled_from([HIGHER, LOWER]))
def test_better_and_worse_only_when_the_interval_excludes_the_country(
    value: float, a: float, b: float, national: float, indicator: Indicator
) -> None:
    low, high = min(a, b), max(a, b)
    scalar = compare_with_country(value, low, high, national, indicator)
    rows = [("05", "2025", value, low, high), ("SSS", "2025", national, None, None)]
    framed = with_comparison(frame_for(rows), indicator).filter(pl.col("region_code") == "05")[COLUMN].item()
    assert scalar == framed
    assert (scalar == "similar") == (low <= national <= high)
    # Swapping the good direction swaps better and worse, and nothing else.
    flipped = INDICATORS["access_7d"] if indicator is LOWER else LOWER
    mirror = {"better": "worse", "worse": "better"}.get(scalar, scalar)
    assert compare_with_country(value, low, high, national, flipped) == mirror
