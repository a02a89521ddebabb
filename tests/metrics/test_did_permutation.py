"""metrics.did permutation inference: hand-computed p-values, the interval, the event study, synthetic control.

Panels are written as {county: [value per period]}. In every hand computation d is a county's
mean(post) − mean(pre), and an assignment's estimate is mean(d of the assigned counties) − mean(d of the
others); p is the share of the assignments (the actual one included) whose |estimate| ≥ the actual one's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl
import pytest

from core.errors import InvalidInputError, MissingColumnsError
from metrics.did import event_study, permutation_test, synthetic_control


def panel(values: Mapping[str, Sequence[float | None]], periods: Sequence[str]) -> pl.DataFrame:
    rows = [
        (code, period, value) for code, series in values.items() for period, value in zip(periods, series, strict=True)
    ]
    return pl.DataFrame(rows, schema={"region_code": pl.String, "period": pl.String, "value": pl.Float64}, orient="row")


def run(
    values: Mapping[str, Sequence[float | None]],
    periods: Sequence[str],
    treated: Sequence[str],
    start: str | Mapping[str, str],
    **options: object,
) -> dict[str, object]:
    frame = permutation_test(
        panel(values, periods), outcome="value", treated=treated, start=start, period="period", **options
    )  # type: ignore[arg-type]
    assert frame.height == 1
    return frame.row(0, named=True)


# One treated county, a tie. d: A 6, B 0, C 3, D −3 (sum 6). As the treated one, county u's estimate is
# d_u − (6 − d_u)/3: A 6, B −2, C 2, D −6. |−6| ties with the actual 6: p = 2/4.
ONE = {"A": [0, 0, 6], "B": [0, 0, 0], "C": [0, 0, 3], "D": [0, 0, -3]}
YEARS3 = ("2022", "2023", "2024")


def test_one_treated_county_with_a_tie_counts_the_tie_as_at_least_as_large() -> None:
    row = run(ONE, YEARS3, ["A"], "2024")
    assert row["estimate"] == pytest.approx(6.0)
    assert row["p_value"] == pytest.approx(2 / 4)
    assert row["n_permutations"] == 4
    assert row["min_p"] == pytest.approx(1 / 4)
    assert row["exact"] is True
    assert (row["n_treated"], row["n_comparison"]) == (1, 3)


def test_one_county_against_three_cannot_bound_a_95_percent_interval() -> None:
    # Every p is at least 1/4 > 0.05, so no effect is ever rejected: the interval is the whole line.
    row = run(ONE, YEARS3, ["A"], "2024")
    assert (row["ci_low"], row["ci_high"]) == (-math.inf, math.inf)


# Two treated counties, three-way tie. d: A 3, B 3, C 0, D 0, E −6 (sum 0), so a pair's estimate is
# s/2 − (0 − s)/3 = 5s/6 for the pair's sum s. The ten pairs: AB 5; AC, AD, BC, BD 2.5; AE, BE −2.5;
# CD 0; CE, DE −5. |estimate| ≥ 5: AB, CE, DE, so p = 3/10.
TWO = {"A": [0, 3], "B": [0, 3], "C": [0, 0], "D": [0, 0], "E": [0, -6]}


def test_two_treated_counties_with_ties_on_both_sides() -> None:
    row = run(TWO, ("2023", "2024"), ["A", "B"], "2024")
    assert row["estimate"] == pytest.approx(5.0)
    assert row["p_value"] == pytest.approx(3 / 10)
    assert row["n_permutations"] == 10
    assert row["min_p"] == pytest.approx(1 / 10)


# Three treated counties of six. d: A 5, B 4, C 3, D 0, E 1, F 2 (sum 15); a triple's estimate is
# s/3 − (15 − s)/3 = (2s − 15)/3: the actual s = 12 gives 3. |2s − 15| ≥ 9 only for s = 12 ({A, B, C})
# and s = 3 ({D, E, F}), a mirror tie: p = 2/20.
THREE = {"A": [1, 6], "B": [1, 5], "C": [1, 4], "D": [1, 1], "E": [1, 2], "F": [1, 3]}


def test_three_treated_counties_give_twenty_assignments_and_a_mirror_tie() -> None:
    row = run(THREE, ("2023", "2024"), ["A", "B", "C"], "2024")
    assert row["estimate"] == pytest.approx(3.0)
    assert row["p_value"] == pytest.approx(2 / 20)
    assert row["n_permutations"] == 20
    assert row["min_p"] == pytest.approx(1 / 20)


def test_a_start_per_county_equal_for_all_gives_the_same_answer_as_one_start() -> None:
    one = run(THREE, ("2023", "2024"), ["A", "B", "C"], "2024")
    mapped = run(THREE, ("2023", "2024"), ["A", "B", "C"], {"A": "2024", "B": "2024", "C": "2024"})
    assert one == mapped


def test_staggered_starts_permute_the_cohorts_places() -> None:
    # A starts 2023, B 2024, C and D never: 4 units for the first place × 3 for the second = 12.
    values = {"A": [0, 2, 2], "B": [0, 0, 3], "C": [0, 1, 1], "D": [1, 0, 1]}
    row = run(values, YEARS3, ["A", "B"], {"A": "2023", "B": "2024"})
    assert row["n_permutations"] == 12
    assert row["min_p"] == pytest.approx(1 / 12)
    # Cohort 2023 (pre 2022, post 2023-24): d_A = 2 − 0 = 2, controls C 1 − 0 = 1, D 0.5 − 1 = −0.5
    # (mean 0.25) → 1.75. Cohort 2024 (pre 2022-23, post 2024): d_B = 3 − 0 = 3, controls C 1 − 0.5,
    # D 1 − 0.5 (mean 0.5) → 2.5. Averaged by size: 2.125.
    assert row["estimate"] == pytest.approx(2.125)


def test_the_comparison_group_limits_the_placebo_counties() -> None:
    row = run(ONE, YEARS3, ["A"], "2024", comparison=["B", "C"])
    # d: A 6, B 0, C 3. A's estimate 6 − 1.5 = 4.5; B's 0 − 4.5 = −4.5; C's 3 − 3 = 0: p = 2/3.
    assert row["estimate"] == pytest.approx(4.5)
    assert row["p_value"] == pytest.approx(2 / 3)
    assert row["comparison_units"] == ["B", "C"]


def test_a_county_with_a_missing_cell_is_left_out_and_named() -> None:
    values = {**ONE, "E": [0, None, 1]}
    row = run(values, YEARS3, ["A"], "2024")
    assert row["excluded_units"] == ["E"]
    assert row["n_permutations"] == 4


def test_no_treated_county_with_data_gives_a_reason_and_no_estimate() -> None:
    row = run(ONE, YEARS3, ["A"], "2022")  # no period before the start
    assert row["estimate"] is None
    assert row["reason"] == "did.reason.no_treated_counties"
    assert row["excluded_units"] == ["A"]


def test_the_interval_holds_exactly_the_effects_the_test_does_not_reject() -> None:
    # Three of nine counties: 84 assignments, min p 1/84, so a 90 % interval is bounded.
    generator = np.random.default_rng(3)
    values = {f"U{i}": [float(x) for x in generator.normal(size=4)] for i in range(9)}
    for code in ("U0", "U1", "U2"):
        values[code][2] += 2.0
        values[code][3] += 2.0
    periods = ("2021", "2022", "2023", "2024")
    row = run(values, periods, ["U0", "U1", "U2"], "2023", level=0.9)
    assert math.isfinite(row["ci_low"])
    assert math.isfinite(row["ci_high"])
    assert row["ci_low"] <= row["estimate"] <= row["ci_high"]

    def p_with_effect_removed(effect: float) -> float:
        shifted = {
            code: [v - (effect if code in ("U0", "U1", "U2") and k >= 2 else 0.0) for k, v in enumerate(series)]
            for code, series in values.items()
        }
        return run(shifted, periods, ["U0", "U1", "U2"], "2023")["p_value_reported"]  # type: ignore[return-value]

    for bound, outward in ((row["ci_low"], -1e-6), (row["ci_high"], 1e-6)):
        assert p_with_effect_removed(bound) > 0.1
        assert p_with_effect_removed(bound + outward) <= 0.1


def test_the_interval_of_the_estimate_bisected_over_many_assignments_contains_the_estimate() -> None:
    # Seven of nineteen: 50,388 assignments, the bounds found by bisection.
    generator = np.random.default_rng(5)
    values = {f"U{i:02d}": [float(x) for x in generator.normal(size=3)] for i in range(19)}
    row = run(values, YEARS3, [f"U{i:02d}" for i in range(7)], "2024")
    assert row["n_permutations"] == 50_388
    assert row["ci_low"] < row["estimate"] < row["ci_high"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"treated": "A"}, "collections of unit codes"),
        ({"outcome": "missing"}, "missing"),
        ({"start": {"B": "2024"}}, "no period for treated"),
        ({"comparison": ["A", "B"]}, "both treated and comparison"),
    ],
)
def test_caller_mistakes_are_named(change: dict[str, object], message: str) -> None:
    options: dict[str, object] = {"outcome": "value", "treated": ["A"], "start": "2024", "period": "period", **change}
    with pytest.raises((InvalidInputError, MissingColumnsError), match=message):
        permutation_test(panel(ONE, YEARS3), **options)  # type: ignore[arg-type]


# --- the simulation: a noisier treated county ------------------------------------------------------


def simulated_panel(
    generator: np.random.Generator, *, controls: int, years: int, treated_noise: float
) -> dict[str, list[float]]:
    """County levels + common year effects + noise; the treated county T is noisier; no effect anywhere."""
    year_effect = generator.normal(size=years)
    values = {}
    for code, noise in (("T", treated_noise), *((f"C{i:02d}", 1.0) for i in range(controls))):
        level = generator.normal(scale=3.0)
        values[code] = [float(level + year_effect[t] + generator.normal(scale=noise)) for t in range(years)]
    return values


def false_positive_rates(*, controls: int, replications: int, seed: int) -> tuple[float, float]:
    generator = np.random.default_rng(seed)
    periods = tuple(str(2020 + t) for t in range(6))  # four years before the start, two from it
    raw = reported = 0
    for _ in range(replications):
        values = simulated_panel(generator, controls=controls, years=len(periods), treated_noise=2.0)
        row = run(values, periods, ["T"], "2024")
        raw += row["p_value"] <= 0.05  # type: ignore[operator]
        reported += row["p_value_reported"] <= 0.05  # type: ignore[operator]
    return raw / replications, reported / replications


def test_with_a_noisier_treated_county_the_reported_test_stays_within_its_nominal_level() -> None:
    # 21 comparison counties (all of Finland's other areas): min p = 1/22 < 0.05, so the test can reject.
    # The raw permutation p of the DiD estimate over-rejects (a noisier county is more often the most
    # extreme, Ferman & Pinto 2019); the reported p (the larger of the raw and the studentized) does not.
    raw, reported = false_positive_rates(controls=21, replications=600, seed=2026)
    assert raw > 0.10
    assert reported <= 0.05


def test_one_county_against_the_twelve_that_never_took_part_can_never_reach_five_percent() -> None:
    raw, reported = false_positive_rates(controls=12, replications=50, seed=7)
    assert raw == reported == 0.0


# --- event study and synthetic control ---------------------------------------------------------------


def test_the_event_study_has_one_row_per_relative_period_with_the_reference_at_zero() -> None:
    # A: 0, 1, 1, 4; B: 0, 0, 0, 0; C: 0, 1, 0, 0 (start 2024: e = −3 … 0, reference e = −1 = 2023).
    values = {"A": [0, 1, 1, 4], "B": [0, 0, 0, 0], "C": [0, 1, 0, 0]}
    frame = event_study(
        panel(values, ("2021", "2022", "2023", "2024")), outcome="value", treated=["A"], start="2024", period="period"
    )
    assert frame["relative_period"].to_list() == [-3, -2, -1, 0]
    assert frame["period"].to_list() == ["2021", "2022", "2023", "2024"]
    # e = 0: A 4 − 1 = 3; B 0, C 0 → 3. e = −2: A 1 − 1 = 0; B 0; C 1 − 0 = 1 → −0.5. e = −3: A −1; B 0; C 0 → −1.
    assert frame["estimate"].to_list() == pytest.approx([-1.0, -0.5, 0.0, 3.0])
    assert frame["p_value"][2] is None
    # Placebo at e = 0: B as treated 0 − mean(3, 0) = −1.5; C as treated 0 − 1.5 = −1.5.
    assert (frame["placebo_low"][3], frame["placebo_high"][3]) == pytest.approx((-1.5, -1.5))
    assert frame["p_value"][3] == pytest.approx(1 / 3)


def test_synthetic_control_reproduces_a_county_that_is_a_mix_of_two_others() -> None:
    # T = (B + C) / 2 before the start, +2 after; D is far away, so the weights go to B and C.
    values = {"T": [2, 3, 4, 7], "B": [1, 2, 3, 4], "C": [3, 4, 5, 6], "D": [20, 10, 30, 5]}
    frame = synthetic_control(
        panel(values, ("2021", "2022", "2023", "2024")), outcome="value", treated="T", start="2024", period="period"
    )
    treated = frame.filter(pl.col("role") == "treated")
    assert treated["gap"].to_list() == pytest.approx([0, 0, 0, 2], abs=1e-6)
    assert treated["pre_rmspe"][0] == pytest.approx(0, abs=1e-6)
    assert set(frame.filter(pl.col("role") == "placebo")["unit"].to_list()) == {"B", "C", "D"}
