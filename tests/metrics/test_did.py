"""metrics.did: hand-computed 2×2 and staggered cases, every edge case, invariants and calibration.

Panels are written as {county: [value per period]}; the expectations in the
comments were worked out by hand from the definitions in the module
docstring (d = mean(post) − mean(pre) per county, cohorts against
never-treated counties, pooled variance, Student's t).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from scipy.stats import t as student_t

import metrics.did
from core.errors import ColumnTypeError, DashboardError, InvalidInputError, MissingColumnsError
from metrics.did import ASSUMPTIONS, TEXT_KEYS, DidResult, Estimate, difference_in_differences

YEARS4 = ("2022", "2023", "2024", "2025")
YEARS3 = ("2022", "2023", "2024")

# Two participants (start 2024) and three comparison counties over four years.
# d = mean(2024, 2025) − mean(2022, 2023): A1 4, A2 6 (mean 5); B1 1, B2 2, B3 3 (mean 2).
TWO_BY_TWO: dict[str, list[float | None]] = {
    "A1": [10, 10, 14, 14],
    "A2": [20, 22, 27, 27],
    "B1": [5, 5, 6, 6],
    "B2": [7, 9, 10, 10],
    "B3": [0, 0, 3, 3],
}
TWO_BY_TWO_STARTS = {"A1": "2024", "A2": "2024"}

# Staggered: A starts 2023, B starts 2024; C, D, E never take part.
# Cohort 2023 (pre 2022, post 2023-24): d_A = 13 − 10 = 3; controls 1.5, 1.5, 0.5 (mean 7/6).
# Cohort 2024 (pre 2022-23, post 2024): d_B = 15 − 10 = 5; controls 1.5, 3, −0.5 (mean 4/3).
STAGGERED: dict[str, list[float | None]] = {
    "A": [10, 13, 13],
    "B": [10, 10, 15],
    "C": [0, 1, 2],
    "D": [4, 4, 7],
    "E": [1, 2, 1],
}
STAGGERED_STARTS = {"A": "2023", "B": "2024"}

SMALL = settings(max_examples=max(10, settings().max_examples // 2))


def panel(
    values: Mapping[str, Sequence[float | None]], periods: Sequence[str] = YEARS4, **extra: Sequence[object]
) -> pl.DataFrame:
    """A long county × period panel; ``extra`` adds columns (one list per column, in row order)."""
    rows = [
        (region, period, value)
        for region, series in values.items()
        for period, value in zip(periods, series, strict=True)
    ]
    frame = pl.DataFrame(
        rows, schema={"region_code": pl.String, "period": pl.String, "value": pl.Float64}, orient="row"
    )
    return frame.with_columns(pl.Series(name, column) for name, column in extra.items())


def t_interval(estimate: float, se: float, df: int) -> tuple[float, float]:
    q = float(student_t.ppf(0.975, df))
    return estimate - q * se, estimate + q * se


def excluded(result: DidResult) -> set[tuple[str, str, str]]:
    return {(region, role, reason) for region, role, reason in result.excluded.iter_rows()}


# --- hand-computed cases ----------------------------------------------------------------------


def test_two_by_two_matches_the_hand_computed_estimate_and_interval() -> None:
    result = difference_in_differences(panel(TWO_BY_TWO), TWO_BY_TWO_STARTS)
    # Estimate 5 − 2 = 3. Pooled σ² = (1 + 1 + 1 + 0 + 1)/(1 + 2) = 4/3, times Σa² = 1/2 gives 2/3;
    # the controls' own variance var(1, 2, 3) = 1 times Σb² = 1/3 gives 1/3. SE = 1, df = 2 + 1 = 3.
    assert result.effect.estimate == pytest.approx(3.0, abs=1e-12)
    assert result.effect.se == pytest.approx(1.0, abs=1e-12)
    assert result.effect.df == 3
    assert (result.effect.ci_low, result.effect.ci_high) == pytest.approx(t_interval(3.0, 1.0, 3), abs=1e-12)
    assert result.effect.p_value == pytest.approx(2 * student_t.sf(3.0, 3), abs=1e-12)
    assert result.effect.reason is None
    assert (result.n_treated, result.n_control, result.n_cohorts, result.n_periods) == (2, 3, 1, 4)
    assert result.periods == YEARS4


def test_two_by_two_pre_trend_is_the_difference_of_pre_period_slopes() -> None:
    result = difference_in_differences(panel(TWO_BY_TWO), TWO_BY_TWO_STARTS)
    # Slopes 2022 -> 2023: A1 0, A2 2 (mean 1); B1 0, B2 2, B3 0 (mean 2/3): 1 − 2/3 = 1/3.
    # Pooled σ² = (1 + 1 + 4/9 + 16/9 + 4/9)/3 = 14/9, times 1/2 = 7/9; var(0, 2, 0) = 4/3, times 1/3 = 4/9.
    assert result.pre_trend.estimate == pytest.approx(1 / 3, abs=1e-12)
    assert result.pre_trend.se == pytest.approx(math.sqrt(11 / 9), abs=1e-12)
    assert result.pre_trend.df == 3
    assert result.pre_trend.covers_zero is True


def test_two_by_two_with_one_comparison_county_gives_the_estimate_without_an_interval() -> None:
    # A: 10 -> 15, B: 10 -> 12: (15 − 10) − (12 − 10) = 3; one control leaves no spread to estimate.
    result = difference_in_differences(panel({"A": [10, 15], "B": [10, 12]}, ("2023", "2024")), {"A": "2024"})
    assert result.effect.estimate == pytest.approx(3.0)
    assert result.effect.se is None
    assert result.effect.ci_low is None
    assert result.effect.covers_zero is None
    assert result.effect.reason == "did.reason.too_few_controls_for_se"
    assert result.pre_trend.reason == "did.reason.fewer_than_two_pre_periods"
    assert "did.warning.single_treated_county" in result.warnings


def test_staggered_cohorts_are_each_compared_with_never_treated_counties() -> None:
    result = difference_in_differences(panel(STAGGERED, YEARS3), STAGGERED_STARTS)
    # ATT_2023 = 3 − 7/6 = 11/6, ATT_2024 = 5 − 4/3 = 11/3, one county each: 11/4.
    assert result.effect.estimate == pytest.approx(11 / 4, abs=1e-12)
    cohorts = result.cohorts
    assert cohorts["start"].to_list() == ["2023", "2024"]
    assert cohorts["estimate"].to_list() == pytest.approx([11 / 6, 11 / 3], abs=1e-12)
    assert cohorts["weight"].to_list() == [0.5, 0.5]
    assert cohorts["n_pre_periods"].to_list() == [1, 2]
    assert cohorts["n_post_periods"].to_list() == [2, 1]
    # Cohort 2023's own SE: σ² = (1/9 + 1/9 + 4/9)/2 = 1/3; plus var(1.5, 1.5, 0.5)/3 = 1/9: SE 2/3.
    assert cohorts["se"][0] == pytest.approx(2 / 3, abs=1e-12)


def test_staggered_variance_accounts_for_controls_used_by_both_cohorts() -> None:
    result = difference_in_differences(panel(STAGGERED, YEARS3), STAGGERED_STARTS)
    # D_j = (d_j^2023 + d_j^2024)/2 = 1.5, 2.25, 0: var 1.3125, times 1/3 = 21/48.
    # Cohorts: 1/4 · 1/3 = 4/48 and 1/4 · 37/12 = 37/48 (σ² of 2024: (1/36 + 100/36 + 121/36)/2).
    assert result.effect.se == pytest.approx(math.sqrt(62 / 48), abs=1e-12)
    assert result.effect.df == 2  # (3 − 1) + (1 − 1) + (1 − 1)
    assert "did.warning.variance_from_controls" in result.warnings


def test_staggered_pre_trend_uses_only_cohorts_with_two_pre_periods() -> None:
    result = difference_in_differences(panel(STAGGERED, YEARS3), STAGGERED_STARTS)
    # Cohort 2024: slope B 0; controls 1, 0, 1 (mean 2/3): −2/3; σ² = (6/9)/2 = 1/3; + var(1, 0, 1)/3 = 1/9.
    assert result.pre_trend.estimate == pytest.approx(-2 / 3, abs=1e-12)
    assert result.pre_trend.se == pytest.approx(2 / 3, abs=1e-12)
    assert result.cohorts["pre_trend"].to_list()[0] is None
    assert "did.warning.partial_pre_trend" in result.warnings


def test_growing_effects_with_staggered_starts_are_recovered_where_two_way_fixed_effects_fail() -> None:
    # No noise: value = county level + period effect + programme effect.
    # Early county E starts 2021 with effects 1, 2, 3; late county L starts 2023 with effect 1.
    # True ATT: cohort 2021 mean(1, 2, 3) = 2, cohort 2023 1: 1.5.
    periods = ("2020", "2021", "2022", "2023")
    trend = [0.0, 1.0, 2.0, 3.0]
    values = {
        "E": [5 + trend[0], 5 + trend[1] + 1, 5 + trend[2] + 2, 5 + trend[3] + 3],
        "L": [2 + trend[0], 2 + trend[1], 2 + trend[2], 2 + trend[3] + 1],
        "C1": [0 + step for step in trend],
        "C2": [9 + step for step in trend],
    }
    starts = {"E": "2021", "L": "2023"}
    result = difference_in_differences(panel(values, periods), starts)
    assert result.effect.estimate == pytest.approx(1.5, abs=1e-12)
    assert result.pre_trend.estimate == pytest.approx(0.0, abs=1e-12)

    # The regression y ~ county + period + treated, on the same cells, lands elsewhere: it also uses the
    # early county as a "control" for the late one while the early county's effect is still growing.
    frame = panel(values, periods)
    regions, years = sorted(values), list(periods)
    design, outcome = [], []
    for region, period, value in frame.iter_rows():
        row = [1.0 if region == other else 0.0 for other in regions]
        row += [1.0 if period == other else 0.0 for other in years[1:]]
        row.append(1.0 if region in starts and period >= starts[region] else 0.0)
        design.append(row)
        outcome.append(value)
    coefficients = np.linalg.lstsq(np.array(design), np.array(outcome), rcond=None)[0]
    assert abs(coefficients[-1] - 1.5) > 0.1


def test_weights_make_larger_counties_count_more() -> None:
    # n per county: A1 1, A2 3 (a = 1/4, 3/4); B1 1, B2 1, B3 2 (b = 1/4, 1/4, 1/2).
    # ATT = (4/4 + 18/4) − (1/4 + 2/4 + 6/4) = 3.25. Var = 4/3 · (1/16 + 9/16) + 1 · (1/16 + 1/16 + 1/4) = 29/24.
    sizes = {"A1": 1.0, "A2": 3.0, "B1": 1.0, "B2": 1.0, "B3": 2.0}
    n = [sizes[region] for region in TWO_BY_TWO for _ in YEARS4]
    result = difference_in_differences(panel(TWO_BY_TWO, n=n), TWO_BY_TWO_STARTS, weight_column="n")
    assert result.effect.estimate == pytest.approx(3.25, abs=1e-12)
    assert result.effect.se == pytest.approx(math.sqrt(29 / 24), abs=1e-12)


def test_windows_keep_the_last_pre_and_first_post_periods() -> None:
    result = difference_in_differences(panel(TWO_BY_TWO), TWO_BY_TWO_STARTS, pre_periods=1, post_periods=1)
    # 2023 against 2024: A1 4, A2 5 (4.5); B1 1, B2 1, B3 3 (5/3): 4.5 − 5/3 = 17/6.
    assert result.effect.estimate == pytest.approx(17 / 6, abs=1e-12)
    assert result.periods == ("2023", "2024")
    assert result.pre_trend.reason == "did.reason.fewer_than_two_pre_periods"


@pytest.mark.parametrize(
    ("periods", "start"),
    [
        (("2023Q4", "2024Q1", "2024Q2"), "2024Q2"),  # quarters across a year boundary
        (("2023-12", "2024-01", "2024-02"), "2024-02"),  # months across a year boundary
    ],
)
def test_quarters_and_months_are_consecutive_across_the_year_boundary(periods: tuple[str, ...], start: str) -> None:
    # The participant rises by 2 per period before the start, the comparison counties are flat:
    # the pre-trend is 2 per period (a text or decimal ordering of periods would give another slope).
    values = {"T": [0, 2, 4], "C1": [1, 1, 1], "C2": [3, 3, 3]}
    result = difference_in_differences(panel(values, periods), {"T": start})
    assert result.pre_trend.estimate == pytest.approx(2.0, abs=1e-12)
    assert result.effect.estimate == pytest.approx(3.0, abs=1e-12)  # 4 − mean(0, 2)


def test_lazy_and_eager_panels_give_the_same_result() -> None:
    eager = difference_in_differences(panel(STAGGERED, YEARS3), STAGGERED_STARTS)
    lazy = difference_in_differences(panel(STAGGERED, YEARS3).lazy(), STAGGERED_STARTS)
    assert_same(eager, lazy)


def test_extra_columns_and_categorical_codes_are_accepted() -> None:
    frame = panel(TWO_BY_TWO, indicator=["access_7d"] * 20).with_columns(pl.col("region_code").cast(pl.Categorical))
    result = difference_in_differences(frame, TWO_BY_TWO_STARTS)
    assert result.effect.estimate == pytest.approx(3.0)


# --- too little data: a null estimate or interval with a reason, never a crash ------------------


def test_no_comparison_county_gives_a_null_estimate_with_a_reason() -> None:
    result = difference_in_differences(panel(TWO_BY_TWO), dict.fromkeys(TWO_BY_TWO, "2024"))
    assert result.effect == Estimate(None, None, None, None, None, None, "did.reason.no_control_counties")
    assert (result.n_treated, result.n_control) == (5, 0)
    assert result.cohorts["estimate"].to_list() == [None]
    assert result.periods == ()


@pytest.mark.parametrize(
    ("starts", "reason"),
    [
        ({"A1": "2022"}, "did.excluded.no_pre_period"),  # starts in the first period
        ({"A1": "2020"}, "did.excluded.no_pre_period"),  # starts before the panel
        ({"A1": "2026"}, "did.excluded.no_post_period"),  # starts after the panel
        ({"X9": "2024"}, "did.excluded.no_data"),  # not in the panel at all
    ],
)
def test_a_participant_without_pre_or_post_data_is_excluded_with_its_reason(
    starts: dict[str, str], reason: str
) -> None:
    result = difference_in_differences(panel(TWO_BY_TWO), starts)
    assert result.effect.estimate is None
    assert result.effect.reason == "did.reason.no_treated_counties"
    assert (next(iter(starts)), "treated", reason) in excluded(result)
    assert result.n_treated == 0


def test_a_late_starter_is_not_used_as_a_comparison_county() -> None:
    result = difference_in_differences(panel(TWO_BY_TWO), {**TWO_BY_TWO_STARTS, "B3": "2030"})
    assert ("B3", "treated", "did.excluded.no_post_period") in excluded(result)
    assert result.n_control == 2
    # Controls B1, B2 only: 5 − 1.5 = 3.5.
    assert result.effect.estimate == pytest.approx(3.5)


def test_a_single_participant_gets_an_interval_borrowed_from_the_comparison_counties() -> None:
    result = difference_in_differences(panel(TWO_BY_TWO), {"A1": "2024"}, controls=["B1", "B2", "B3"])
    # 4 − 2 = 2; σ² = (1 + 0 + 1)/(0 + 2) = 1 from the controls alone, times Σa² = 1,
    # plus var(1, 2, 3) = 1 times 1/3: SE = sqrt(4/3), df = 0 + 2.
    assert result.effect.estimate == pytest.approx(2.0)
    assert result.effect.se == pytest.approx(math.sqrt(4 / 3))
    assert result.effect.df == 2
    assert {"did.warning.single_treated_county", "did.warning.variance_from_controls"} <= set(result.warnings)
    assert excluded(result) == {("A2", "other", "did.excluded.not_in_controls")}


def test_a_non_participant_is_a_comparison_county_by_default() -> None:
    result = difference_in_differences(panel(TWO_BY_TWO), {"A1": "2024"})
    # A2 (d = 6) joins B1-B3: controls' mean 3, so 4 − 3 = 1.
    assert result.effect.estimate == pytest.approx(1.0)
    assert result.n_control == 4


@pytest.mark.parametrize(
    ("missing", "role"),
    [
        (("A2", "2023"), "treated"),  # a suppressed cell in a participant's pre window
        (("A2", "2025"), "treated"),  # ... in its post window
        (("B2", "2022"), "control"),  # ... in a comparison county
    ],
)
def test_a_county_with_a_missing_cell_in_its_window_is_excluded(missing: tuple[str, str], role: str) -> None:
    frame = panel(TWO_BY_TWO).with_columns(
        pl.when((pl.col("region_code") == missing[0]) & (pl.col("period") == missing[1]))
        .then(None)
        .otherwise(pl.col("value"))
        .alias("value")
    )
    result = difference_in_differences(frame, TWO_BY_TWO_STARTS)
    assert (missing[0], role, "did.excluded.missing_cells") in excluded(result)
    reduced = {region: series for region, series in TWO_BY_TWO.items() if region != missing[0]}
    expected = difference_in_differences(panel(reduced), {k: v for k, v in TWO_BY_TWO_STARTS.items() if k in reduced})
    assert result.effect == expected.effect


def test_absent_rows_and_nan_values_count_as_missing_cells() -> None:
    frame = panel(TWO_BY_TWO)
    absent = frame.filter(~((pl.col("region_code") == "B2") & (pl.col("period") == "2022")))
    nan = frame.with_columns(
        pl.when((pl.col("region_code") == "B2") & (pl.col("period") == "2022"))
        .then(float("nan"))
        .otherwise(pl.col("value"))
        .alias("value")
    )
    for changed in (absent, nan):
        result = difference_in_differences(changed, TWO_BY_TWO_STARTS)
        assert ("B2", "control", "did.excluded.missing_cells") in excluded(result)
        assert result.n_control == 2


def test_a_missing_cell_outside_the_window_does_not_exclude_the_county() -> None:
    values: dict[str, list[float | None]] = {**TWO_BY_TWO, "B2": [None, 9, 10, 10]}
    result = difference_in_differences(panel(values), TWO_BY_TWO_STARTS, pre_periods=1)
    assert result.excluded.is_empty()
    assert result.n_control == 3


def test_a_period_without_any_value_is_ignored() -> None:
    values = {region: [*series, None] for region, series in TWO_BY_TWO.items()}
    result = difference_in_differences(panel(values, (*YEARS4, "2026")), TWO_BY_TWO_STARTS)
    assert result.effect.estimate == pytest.approx(3.0)
    assert result.periods == YEARS4


def test_the_national_total_is_never_a_comparison_county() -> None:
    result = difference_in_differences(panel({**TWO_BY_TWO, "SSS": [0, 0, 100, 100]}), TWO_BY_TWO_STARTS)
    assert ("SSS", "other", "did.excluded.national_total") in excluded(result)
    assert result.effect.estimate == pytest.approx(3.0)


def test_chosen_controls_limit_the_comparison_and_the_rest_are_listed() -> None:
    result = difference_in_differences(panel(TWO_BY_TWO), TWO_BY_TWO_STARTS, controls=["B1", "B3", "Z1"])
    # Controls B1 (1) and B3 (3): 5 − 2 = 3.
    assert result.effect.estimate == pytest.approx(3.0)
    assert result.n_control == 2
    assert excluded(result) == {
        ("B2", "other", "did.excluded.not_in_controls"),
        ("Z1", "control", "did.excluded.no_data"),
    }


def test_a_missing_weight_in_the_window_excludes_the_county() -> None:
    n = [None if (region, period) == ("B1", "2025") else 1.0 for region in TWO_BY_TWO for period in YEARS4]
    result = difference_in_differences(panel(TWO_BY_TWO, n=n), TWO_BY_TWO_STARTS, weight_column="n")
    assert ("B1", "control", "did.excluded.missing_cells") in excluded(result)


def test_a_zero_weight_is_accepted_on_a_suppressed_cell() -> None:
    values: dict[str, list[float | None]] = {**TWO_BY_TWO, "B4": [None, None, None, None]}
    n = [0.0 if region == "B4" else 1.0 for region in values for _ in YEARS4]
    result = difference_in_differences(panel(values, n=n), TWO_BY_TWO_STARTS, weight_column="n")
    assert result.effect.estimate == pytest.approx(3.0)
    assert ("B4", "control", "did.excluded.missing_cells") in excluded(result)


def test_an_empty_panel_gives_a_null_estimate() -> None:
    result = difference_in_differences(panel({}), {"A1": "2024"})
    assert result.effect.reason == "did.reason.no_treated_counties"
    assert result.cohorts.is_empty()
    assert result.cohorts.schema == metrics.did._COHORT_SCHEMA


# --- caller mistakes: typed errors that say what and where -------------------------------------


@pytest.mark.parametrize(
    ("change", "options", "error", "message"),
    [
        # Columns and types.
        (lambda f: f.rename({"value": "values"}), {}, MissingColumnsError, "did you mean 'values'"),
        (lambda f: f.with_columns(pl.col("value").cast(pl.String)), {}, ColumnTypeError, "'value'"),
        (lambda f: f.with_columns(pl.col("period").cast(pl.Int64)), {}, ColumnTypeError, "'period'"),
        (lambda f: f, {"weight_column": "n"}, MissingColumnsError, "'n'"),
        (lambda f: f, {"weight_column": "value"}, InvalidInputError, "weight_column"),
        # Cells.
        (lambda f: pl.concat([f, f.head(1)]), {}, InvalidInputError, "'A1', period '2022' has 2 rows"),
        (lambda f: f.with_columns(pl.col("value").replace(20.0, float("inf"))), {}, InvalidInputError, "infinite"),
        (lambda f: f.with_columns(n=pl.lit(-1.0)), {"weight_column": "n"}, InvalidInputError, "not positive"),
        (lambda f: f.with_columns(pl.col("region_code").replace("B1", None)), {}, InvalidInputError, "empty"),
        # Periods.
        (lambda f: f.with_columns(pl.col("period").replace("2025", "2025Q1")), {}, InvalidInputError, "mix"),
        (lambda f: f.with_columns(pl.col("period").replace("2025", "2025/26")), {}, InvalidInputError, "2025/26"),
        # Options.
        (lambda f: f, {"level": 1.0}, InvalidInputError, "level"),
        (lambda f: f, {"level": 0}, InvalidInputError, "level"),
        (lambda f: f, {"pre_periods": 0}, InvalidInputError, "pre_periods"),
        (lambda f: f, {"post_periods": 1.5}, InvalidInputError, "post_periods"),
        (lambda f: f, {"controls": "B1"}, InvalidInputError, "collection"),
        (lambda f: f, {"controls": ["A1", "B1"]}, InvalidInputError, "both in starts and in controls"),
        (lambda f: f, {"controls": ["SSS"]}, InvalidInputError, "national"),
    ],
)
def test_caller_mistakes_raise_a_typed_error_naming_the_problem(
    change: object, options: dict[str, object], error: type[DashboardError], message: str
) -> None:
    frame = change(panel(TWO_BY_TWO))  # type: ignore[operator]
    with pytest.raises(error, match=re.escape(message)):
        difference_in_differences(frame, TWO_BY_TWO_STARTS, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("starts", "message"),
    [
        ({"A1": "2024Q1"}, "not a year like the panel's periods"),
        ({"A1": "2024-01-01"}, "not a year"),
        ({"SSS": "2024"}, "national total"),
        ({"A1": 2024}, "periods (text)"),
    ],
)
def test_starts_must_use_the_panels_period_form(starts: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(message)):
        difference_in_differences(panel(TWO_BY_TWO), starts)  # type: ignore[arg-type]


def test_a_non_frame_panel_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="DataFrame or LazyFrame"):
        difference_in_differences({"value": [1]}, {})  # type: ignore[arg-type]


# --- text keys ----------------------------------------------------------------------------------


def test_every_text_key_the_module_can_return_is_listed_for_the_catalogues() -> None:
    source = Path(metrics.did.__file__).read_text(encoding="utf-8")
    used = set(re.findall(r"\"(did\.[a-z_]+\.[a-z_]+)\"", source))
    assert used == TEXT_KEYS
    assert set(ASSUMPTIONS) <= TEXT_KEYS


def test_every_result_lists_the_assumptions() -> None:
    assert difference_in_differences(panel(TWO_BY_TWO), TWO_BY_TWO_STARTS).assumptions == ASSUMPTIONS
    assert difference_in_differences(panel({}), {}).assumptions == ASSUMPTIONS


# --- invariants --------------------------------------------------------------------------------


def assert_same(first: DidResult, second: DidResult, *, shift: float = 0.0) -> None:
    """Equal results, except that the effect (and its interval) of ``second`` is moved by ``shift``."""
    for field in ("estimate", "ci_low", "ci_high"):
        one, two = getattr(first.effect, field), getattr(second.effect, field)
        assert (one is None) == (two is None)
        if one is not None:
            assert two == pytest.approx(one + shift, rel=1e-9, abs=1e-7)
    for field in ("se", "df", "reason"):
        one, two = getattr(first.effect, field), getattr(second.effect, field)
        assert two == (one if one is None or isinstance(one, int | str) else pytest.approx(one, rel=1e-9, abs=1e-7))
    for field in ("estimate", "se", "ci_low", "ci_high", "df", "reason"):
        one, two = getattr(first.pre_trend, field), getattr(second.pre_trend, field)
        assert two == (one if one is None or isinstance(one, int | str) else pytest.approx(one, rel=1e-9, abs=1e-7))
    assert (first.n_treated, first.n_control, first.n_periods, first.periods) == (
        second.n_treated,
        second.n_control,
        second.n_periods,
        second.periods,
    )
    assert first.warnings == second.warnings
    assert_frame_equal(first.excluded, second.excluded)
    assert_frame_equal(
        first.cohorts.drop("estimate", "ci_low", "ci_high", "se", "pre_trend"),
        second.cohorts.drop("estimate", "ci_low", "ci_high", "se", "pre_trend"),
    )


@st.composite
def panels(draw: st.DrawFn) -> tuple[pl.DataFrame, dict[str, str]]:
    """3-7 counties over 2-5 years with a few suppressed cells and 1 to n − 1 participants."""
    years = [str(2019 + k) for k in range(draw(st.integers(2, 5)))]
    regions = [f"{k + 1:02d}" for k in range(draw(st.integers(3, 7)))]
    value = st.floats(-100, 100, allow_nan=False, allow_infinity=False)
    cell = st.one_of(value, value, value, value, value, value, value, value, value, st.none())
    values = {region: draw(st.lists(cell, min_size=len(years), max_size=len(years))) for region in regions}
    treated = draw(st.lists(st.sampled_from(regions), min_size=1, max_size=len(regions) - 1, unique=True))
    starts = {region: draw(st.sampled_from(years[1:])) for region in treated}
    return panel(values, years), starts


@SMALL
@given(panels(), st.floats(-1000, 1000, allow_nan=False))
def test_adding_a_constant_to_every_value_changes_nothing(case: tuple[pl.DataFrame, dict[str, str]], k: float) -> None:
    frame, starts = case
    shifted = frame.with_columns(pl.col("value") + k)
    assert_same(difference_in_differences(frame, starts), difference_in_differences(shifted, starts))


@SMALL
@given(panels(), st.floats(-50, 50, allow_nan=False))
def test_adding_delta_to_participants_post_values_moves_the_estimate_by_delta(
    case: tuple[pl.DataFrame, dict[str, str]], delta: float
) -> None:
    frame, starts = case
    start = pl.col("region_code").replace_strict(starts, default=None)
    treated_post = start.is_not_null() & (pl.col("period") >= start)
    shifted = frame.with_columns(pl.when(treated_post).then(pl.col("value") + delta).otherwise(pl.col("value")))
    assert_same(difference_in_differences(frame, starts), difference_in_differences(shifted, starts), shift=delta)


@SMALL
@given(panels(), st.randoms(use_true_random=False))
def test_permuting_rows_changes_nothing(case: tuple[pl.DataFrame, dict[str, str]], random: object) -> None:
    frame, starts = case
    order = list(range(frame.height))
    random.shuffle(order)  # type: ignore[attr-defined]
    before = difference_in_differences(frame, starts)
    after = difference_in_differences(frame[order], starts)
    assert before.effect == after.effect
    assert before.pre_trend == after.pre_trend
    assert_frame_equal(before.cohorts, after.cohorts)
    assert_frame_equal(before.excluded, after.excluded)


@SMALL
@given(
    st.lists(st.floats(-50, 50, allow_nan=False), min_size=3, max_size=7),
    st.lists(st.floats(-5, 5, allow_nan=False), min_size=2, max_size=5),
    st.data(),
)
def test_a_panel_without_any_effect_gives_zero_and_an_interval_covering_it(
    levels: list[float], period_effects: list[float], data: st.DataObject
) -> None:
    # Exactly parallel: value = county level + period effect, whoever takes part and whenever.
    years = [str(2019 + k) for k in range(len(period_effects))]
    values = {f"{k + 1:02d}": [level + step for step in period_effects] for k, level in enumerate(levels)}
    treated = data.draw(st.lists(st.sampled_from(sorted(values)), min_size=1, max_size=len(values) - 2, unique=True))
    starts = {region: data.draw(st.sampled_from(years[1:])) for region in treated}
    result = difference_in_differences(panel(values, years), starts)
    assert result.effect.estimate == pytest.approx(0.0, abs=1e-9)
    assert result.effect.ci_low is not None
    assert result.effect.ci_high is not None
    assert result.effect.ci_low <= 1e-9
    assert result.effect.ci_high >= -1e-9
    assert result.pre_trend.estimate is None or result.pre_trend.estimate == pytest.approx(0.0, abs=1e-9)


def test_intervals_cover_a_zero_effect_about_95_percent_of_the_time() -> None:
    # 22 counties, quarterly, county levels, common period shocks and AR(1) noise within counties;
    # a single participant and a staggered set of seven. Fixed seed, so the counts are reproducible.
    rng = np.random.default_rng(20240601)
    periods = [f"{year}Q{quarter}" for year in (2022, 2023, 2024) for quarter in (1, 2, 3, 4)]
    designs = [{"01": "2023Q3"}, {"01": "2023Q1", "02": "2023Q3", "03": "2024Q1", "04": "2024Q1", "05": "2022Q3"}]
    for starts in designs:
        covered = 0
        runs = 120
        for _ in range(runs):
            shocks = rng.normal(0, 1, len(periods))
            values: dict[str, list[float | None]] = {}
            for county in range(22):
                level, noise, series = rng.normal(0, 3), 0.0, []
                for shock in shocks:
                    noise = 0.6 * noise + rng.normal(0, 1)
                    series.append(level + shock + noise)
                values[f"{county + 1:02d}"] = series
            covered += bool(difference_in_differences(panel(values, periods), starts).effect.covers_zero)
        assert 0.88 <= covered / runs <= 1.0, f"{starts}: covered {covered} of {runs}"
