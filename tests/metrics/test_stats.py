"""metrics.stats: the Wilson interval, Spiegelhalter's funnel limits and the overdispersion estimate."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binom, norm

from core.errors import DashboardError, InvalidInputError
from metrics.stats import Z95, Z998, funnel_limits, overdispersion, wilson_interval

Z2 = 1.959963984540054**2  # z² = 3.8414588206941254


def test_the_constants_are_the_normal_quantiles() -> None:
    assert Z95 == 1.959963984540054
    assert Z998 == 3.090232306167813
    assert norm.ppf(0.975) == pytest.approx(Z95, abs=1e-12)
    assert norm.ppf(0.999) == pytest.approx(Z998, abs=1e-12)


# --- Wilson -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # 0/10: centre and half-width are both (z²/2n)/(1 + z²/n), so low = 0, high = z²/(n + z²).
        (0, 10, 0.0, Z2 / (10 + Z2)),
        # 10/10: the mirror image: low = n/(n + z²), high = 1.
        (10, 10, 10 / (10 + Z2), 1.0),
        # 5/10: centre 0.5, half-width z·sqrt(0.025 + z²/400)/(1 + z²/10) = 0.263406909487436.
        (5, 10, 0.236593090512564, 0.7634069094874361),
        # 2/4: centre 0.5, half-width z·sqrt(0.0625 + z²/64)/(1 + z²/4).
        (2, 4, 0.15003898915214947, 0.8499610108478506),
    ],
)
def test_wilson_interval_matches_hand_computed_values(successes: int, n: int, low: float, high: float) -> None:
    got_low, got_high = wilson_interval(successes, n)
    assert (float(got_low), float(got_high)) == pytest.approx((low, high), abs=1e-9)


def test_wilson_interval_takes_another_z() -> None:
    # 0/10 at z = 3.090232306167813: high = z²/(10 + z²).
    z2 = 3.090232306167813**2
    low, high = wilson_interval(0, 10, z=Z998)
    assert (float(low), float(high)) == pytest.approx((0.0, z2 / (10 + z2)), abs=1e-9)


def test_wilson_interval_works_elementwise_on_arrays() -> None:
    low, high = wilson_interval(np.array([0, 5, 10]), np.array([10, 10, 10]))
    np.testing.assert_allclose(low, [0.0, 0.236593090512564, 10 / (10 + Z2)], atol=1e-9)
    np.testing.assert_allclose(high, [Z2 / (10 + Z2), 0.7634069094874361, 1.0], atol=1e-9)


def test_wilson_interval_of_zero_trials_is_nan() -> None:
    low, high = wilson_interval(0, 0)
    assert math.isnan(low)
    assert math.isnan(high)


def test_wilson_interval_of_zero_trials_in_an_array_is_nan_only_there() -> None:
    low, high = wilson_interval(np.array([0, 2]), np.array([0, 4]))
    assert np.isnan(low[0])
    assert np.isnan(high[0])
    assert (low[1], high[1]) == pytest.approx((0.15003898915214947, 0.8499610108478506), abs=1e-9)


@pytest.mark.parametrize(
    ("successes", "n"),
    [
        (-1, 10),  # negative successes
        (1, -1),  # negative trials
        (11, 10),  # more successes than trials
    ],
)
def test_wilson_interval_refuses_impossible_counts(successes: int, n: int) -> None:
    with pytest.raises(InvalidInputError) as caught:
        wilson_interval(successes, n)
    assert isinstance(caught.value, DashboardError)


def test_wilson_interval_refuses_impossible_counts_inside_an_array() -> None:
    with pytest.raises(InvalidInputError):
        wilson_interval(np.array([1, 5]), np.array([4, 4]))


# --- funnel limits ------------------------------------------------------------------------------


def scalar_limits(limits: tuple[object, object]) -> tuple[float, float]:
    """A (low, high) pair at one volume as two floats (the contract leaves scalar-vs-array open for funnels)."""
    low, high = (np.asarray(value, dtype=float).reshape(-1) for value in limits)
    assert low.size == high.size == 1
    return float(low[0]), float(high[0])


def exact_by_hand(p0: float, n: int, z: float) -> tuple[float, float]:
    """Spiegelhalter's interpolated binomial limits, written out from the contract.

    For P = Φ(−z) (lower) and Φ(z) (upper): r_P is the smallest r with F(r) ≥ P,
    α = (F(r_P) − P)/(F(r_P) − F(r_P − 1)), and the limit is (r_P − α)/n, clipped to [0, 1].
    """
    limits = []
    for prob in (norm.cdf(-z), norm.cdf(z)):
        r = binom.ppf(prob, n, p0)
        f_r, f_before = binom.cdf(r, n, p0), binom.cdf(r - 1, n, p0)
        alpha = (f_r - prob) / (f_r - f_before)
        limits.append(min(max((r - alpha) / n, 0.0), 1.0))
    return limits[0], limits[1]


def test_normal_funnel_limits_are_p0_plus_minus_z_binomial_sd() -> None:
    # p0 = 0.5, n = 100: sd = sqrt(0.25/100) = 0.05.
    assert scalar_limits(funnel_limits(0.5, 100, z=Z95, method="normal")) == pytest.approx(
        (0.5 - Z95 * 0.05, 0.5 + Z95 * 0.05), abs=1e-12
    )


def test_normal_funnel_limits_work_on_an_array_of_volumes() -> None:
    # sd at n = 25, 100, 400: 0.1, 0.05, 0.025.
    low, high = funnel_limits(0.5, np.array([25, 100, 400]), z=Z998, method="normal")
    sd = np.array([0.1, 0.05, 0.025])
    np.testing.assert_allclose(low, 0.5 - Z998 * sd, atol=1e-12)
    np.testing.assert_allclose(high, 0.5 + Z998 * sd, atol=1e-12)


def test_normal_funnel_limits_are_clipped_to_zero_and_one() -> None:
    # p0 = 0.02, n = 10: 0.02 − 1.96·0.0443 < 0; p0 = 0.98 mirrors it above 1.
    low, _ = scalar_limits(funnel_limits(0.02, 10, z=Z95, method="normal"))
    _, high = scalar_limits(funnel_limits(0.98, 10, z=Z95, method="normal"))
    assert (low, high) == (0.0, 1.0)


@pytest.mark.parametrize(
    ("p0", "n", "z"),
    [
        # Small volume, low target: the lower limit falls below 0 and is clipped.
        (0.1, 20, Z95),
        (0.1, 20, Z998),
        # A middling case where both limits are interpolated inside (0, 1).
        (0.3, 30, Z95),
        (0.85, 40, Z998),
    ],
)
def test_exact_funnel_limits_follow_spiegelhalters_interpolation(p0: float, n: int, z: float) -> None:
    assert scalar_limits(funnel_limits(p0, n, z=z, method="exact")) == pytest.approx(exact_by_hand(p0, n, z), abs=1e-9)


def test_exact_funnel_limits_work_on_an_array_of_volumes() -> None:
    volumes = [10, 20, 50]
    low, high = funnel_limits(0.2, np.array(volumes), z=Z95, method="exact")
    expected = [exact_by_hand(0.2, n, Z95) for n in volumes]
    np.testing.assert_allclose(low, [e[0] for e in expected], atol=1e-9)
    np.testing.assert_allclose(high, [e[1] for e in expected], atol=1e-9)


@pytest.mark.parametrize(
    ("p0", "n", "method"),
    [
        # n·p0 = 5 < 10: exact.
        (0.1, 50, "exact"),
        # n·p0 = 10 exactly is not < 10, and n(1 − p0) = 30: normal.
        (0.25, 40, "normal"),
        # n(1 − p0) = 9.75 < 10: exact.
        (0.75, 39, "exact"),
        # Large volume: normal.
        (0.5, 1000, "normal"),
    ],
)
def test_auto_uses_exact_limits_only_where_counts_are_small(p0: float, n: int, method: str) -> None:
    auto = scalar_limits(funnel_limits(p0, n, z=Z95, method="auto"))
    chosen = scalar_limits(funnel_limits(p0, n, z=Z95, method=method))
    other = scalar_limits(funnel_limits(p0, n, z=Z95, method="normal" if method == "exact" else "exact"))
    assert auto == pytest.approx(chosen, abs=1e-12)
    assert auto != pytest.approx(other, abs=1e-6)  # the case does tell the two methods apart


def test_auto_is_the_default_method_and_chooses_per_volume() -> None:
    # p0 = 0.1: n = 20 gives n·p0 = 2 (exact); n = 400 gives 40 (normal).
    low, high = funnel_limits(0.1, np.array([20, 400]), z=Z95)
    exact = exact_by_hand(0.1, 20, Z95)
    sd = math.sqrt(0.1 * 0.9 / 400)
    np.testing.assert_allclose(low, [exact[0], 0.1 - Z95 * sd], atol=1e-9)
    np.testing.assert_allclose(high, [exact[1], 0.1 + Z95 * sd], atol=1e-9)


def test_phi_inflates_the_normal_limits_by_its_square_root() -> None:
    # phi = 4 doubles the half-width: 0.5 ± z·2·0.05.
    assert scalar_limits(funnel_limits(0.5, 100, z=Z95, method="normal", phi=4.0)) == pytest.approx(
        (0.5 - Z95 * 0.1, 0.5 + Z95 * 0.1), abs=1e-12
    )


def test_tau2_adds_a_random_effects_variance() -> None:
    # s² = 0.0025, τ² = 0.0075: sqrt(0.01) = 0.1.
    assert scalar_limits(funnel_limits(0.5, 100, z=Z95, method="normal", tau2=0.0075)) == pytest.approx(
        (0.5 - Z95 * 0.1, 0.5 + Z95 * 0.1), abs=1e-12
    )


def test_an_unknown_funnel_method_is_refused() -> None:
    with pytest.raises(InvalidInputError):
        funnel_limits(0.5, 100, z=Z95, method="poisson")


# --- overdispersion ---------------------------------------------------------------------------------


def test_overdispersion_on_a_small_unwinsorised_example() -> None:
    # p0 = 0.5. Units (60/100, 20/25, 45/100): s = 0.05, 0.1, 0.05, so z = 2, 3, −1.
    # φ = (4 + 9 + 1)/3 = 14/3. w = 1/s² = 400, 100, 400: Σw = 900, Σw² = 330000.
    # τ² = (3·14/3 − 2)/(900 − 330000/900) = 12/(1600/3) = 0.0225.
    result = overdispersion(np.array([60, 20, 45]), np.array([100, 25, 100]), 0.5, winsor=0.0)
    assert result.phi == pytest.approx(14 / 3, abs=1e-9)
    assert result.tau2 == pytest.approx(0.0225, abs=1e-12)
    np.testing.assert_allclose(result.z_scores, [2.0, 3.0, -1.0], atol=1e-9)


# Twenty units of n = 100 around p0 = 0.5 (s = 0.05, z = (x − 50)/5):
# z = −4, −1, −1, −1, 0 (twelve times), 1, 1, 1, 4.
# The 10 % and 90 % points fall among the tied ±1 values whatever quantile rule is used,
# so Winsorising turns −4 and 4 into −1 and 1.
TWENTY = np.array([30, 45, 45, 45, *([50] * 12), 55, 55, 55, 70])
HUNDREDS = np.full(20, 100)


def test_winsorising_pulls_extreme_z_scores_to_the_10_and_90_percent_points() -> None:
    # Winsorised: eight z² of 1, so φ = 8/20 = 0.4; Iφ = 8 < I − 1 = 19, so τ² = 0.
    result = overdispersion(TWENTY, HUNDREDS, 0.5)
    assert result.phi == pytest.approx(0.4, abs=1e-12)
    assert result.tau2 == 0.0


def test_without_winsorising_the_same_units_are_overdispersed() -> None:
    # Raw: φ = (16 + 3 + 3 + 16)/20 = 1.9; Iφ − (I − 1) = 38 − 19 = 19.
    # w = 400 each: Σw − Σw²/Σw = 8000 − 400 = 7600, so τ² = 19/7600 = 0.0025.
    result = overdispersion(TWENTY, HUNDREDS, 0.5, winsor=0.0)
    assert result.phi == pytest.approx(1.9, abs=1e-12)
    assert result.tau2 == pytest.approx(0.0025, abs=1e-12)


def test_units_exactly_on_target_give_zero_phi_and_tau2() -> None:
    result = overdispersion(np.array([10, 20, 40]), np.array([50, 100, 200]), 0.2)
    assert result.phi == pytest.approx(0.0, abs=1e-12)
    assert result.tau2 == 0.0
