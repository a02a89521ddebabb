"""Interval estimates and funnel-plot limits for proportions.

Sources: Wilson EB, JASA 1927 (score interval); Spiegelhalter DJ, Funnel plots
for comparing institutional performance, Stat Med 2005;24:1185-1202 (limits,
exact binomial interpolation); Spiegelhalter DJ, Handling over-dispersion of
performance indicators, Qual Saf Health Care 2005;14:347-351 (Winsorised
z-scores, multiplicative and additive adjustment).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal, overload

import numpy as np
import numpy.typing as npt
import polars as pl

from core.errors import InvalidInputError

Z95 = 1.959963984540054
"""Two-sided 95 % normal quantile."""
Z998 = 3.090232306167813
"""Two-sided 99.8 % normal quantile ("three sigma" funnel limits)."""

FloatArray = npt.NDArray[np.float64]


@overload
def wilson_interval(successes: int, n: int, *, z: float = Z95) -> tuple[float, float]: ...
@overload
def wilson_interval(successes: npt.ArrayLike, n: npt.ArrayLike, *, z: float = Z95) -> tuple[FloatArray, FloatArray]: ...
def wilson_interval(
    successes: npt.ArrayLike, n: npt.ArrayLike, *, z: float = Z95
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Wilson score interval for a proportion ``successes / n``.

    Works on scalars (returns floats) and arrays (returns arrays). n = 0 gives
    NaN bounds: no data, no interval. Raises ``InvalidInputError`` for negative
    counts or successes above n.
    """
    x = np.asarray(successes, dtype=np.float64)
    total = np.asarray(n, dtype=np.float64)
    if np.any(x < 0) or np.any(total < 0) or np.any(x > total):
        raise InvalidInputError(f"need 0 <= successes <= n, got successes={successes!r}, n={n!r}")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / total
        denominator = 1 + z**2 / total
        centre = (p + z**2 / (2 * total)) / denominator
        half = z * np.sqrt(p * (1 - p) / total + z**2 / (4 * total**2)) / denominator
    low = np.clip(centre - half, 0.0, 1.0)
    high = np.clip(centre + half, 0.0, 1.0)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def wilson_exprs(successes: pl.Expr, n: pl.Expr, *, z: float = Z95) -> tuple[pl.Expr, pl.Expr]:
    """The Wilson interval as polars expressions; null where n is 0 or null."""
    total = n.cast(pl.Float64)
    p = successes.cast(pl.Float64) / total
    denominator = 1 + z**2 / total
    centre = (p + z**2 / (2 * total)) / denominator
    half = z * (p * (1 - p) / total + z**2 / (4 * total**2)).sqrt() / denominator
    defined = n > 0
    low = pl.when(defined).then((centre - half).clip(0.0, 1.0))
    high = pl.when(defined).then((centre + half).clip(0.0, 1.0))
    return low, high


FunnelMethod = Literal["auto", "normal", "exact"]


def funnel_limits(
    p0: float,
    n: npt.ArrayLike,
    *,
    z: float,
    method: FunnelMethod = "auto",
    phi: float | None = None,
    tau2: float | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Funnel-plot control limits for a proportion with target ``p0`` at volumes ``n``.

    ``method="normal"``: p0 ± z·sqrt(p0(1−p0)/n). ``method="exact"``: binomial
    quantiles with Spiegelhalter's interpolation, (r_P − α)/n where r_P is the
    smallest r with F(r) ≥ P, α = (F(r_P) − P)/(F(r_P) − F(r_P − 1)) and
    P = Φ(−z) for the lower, Φ(z) for the upper limit. ``"auto"`` is exact
    where n·p0 < 10 or n·(1−p0) < 10 and normal elsewhere. ``phi`` (an
    overdispersion factor) widens the normal limits by √φ; ``tau2`` adds a
    random-effects variance: p0 ± z·sqrt(p0(1−p0)/n + τ²). Both imply the
    normal method. Limits are clipped to [0, 1]; returns (lower, upper) arrays.
    """
    if not 0.0 <= p0 <= 1.0 or math.isnan(p0):
        raise InvalidInputError(f"p0 must be a proportion in [0, 1], got {p0!r}")
    if z <= 0:
        raise InvalidInputError(f"z must be positive, got {z!r}")
    if method not in ("auto", "normal", "exact"):
        raise InvalidInputError(f"method must be 'auto', 'normal' or 'exact', got {method!r}")
    if phi is not None and tau2 is not None:
        raise InvalidInputError("give either phi (multiplicative) or tau2 (additive) overdispersion, not both")
    volumes = np.atleast_1d(np.asarray(n, dtype=np.float64))
    if np.any(volumes <= 0):
        raise InvalidInputError("funnel volumes n must be positive")
    sd = np.sqrt(p0 * (1 - p0) / volumes)
    if phi is not None or tau2 is not None:
        if phi is not None and phi <= 0:
            raise InvalidInputError(f"phi must be positive, got {phi!r}")
        if tau2 is not None and tau2 < 0:
            raise InvalidInputError(f"tau2 must be non-negative, got {tau2!r}")
        spread = sd * math.sqrt(phi) if phi is not None else np.sqrt(sd**2 + (tau2 or 0.0))
        return np.clip(p0 - z * spread, 0, 1), np.clip(p0 + z * spread, 0, 1)
    low = p0 - z * sd
    high = p0 + z * sd
    use_exact = np.full(volumes.shape, method == "exact")
    if method == "auto":
        use_exact = (volumes * p0 < 10) | (volumes * (1 - p0) < 10)
    if np.any(use_exact):
        whole = np.round(volumes[use_exact])
        low[use_exact] = _exact_binomial_limit(p0, whole, NormalDist().cdf(-z))
        high[use_exact] = _exact_binomial_limit(p0, whole, NormalDist().cdf(z))
    return np.clip(low, 0, 1), np.clip(high, 0, 1)


def _exact_binomial_limit(p0: float, n: FloatArray, probability: float) -> FloatArray:
    """Spiegelhalter's interpolated binomial quantile, as a proportion of n."""
    from scipy import stats as sps  # noqa: PLC0415  # a second to import; only small funnels need it

    r = sps.binom.ppf(probability, n, p0)
    upper_cdf = sps.binom.cdf(r, n, p0)
    lower_cdf = sps.binom.cdf(r - 1, n, p0)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(upper_cdf > lower_cdf, (upper_cdf - probability) / (upper_cdf - lower_cdf), 0.0)
    return np.asarray((r - alpha) / n, dtype=np.float64)


@dataclass(frozen=True)
class Overdispersion:
    """Overdispersion of proportions around a target (Spiegelhalter 2005)."""

    phi: float
    """Mean squared Winsorised z-score; 1 means no overdispersion."""
    tau2: float
    """Additive random-effects variance (0 when Iφ ≤ I − 1)."""
    z_scores: FloatArray
    """Unwinsorised z-scores, one per unit."""

    @property
    def overdispersed(self) -> bool:
        return self.tau2 > 0


def overdispersion(successes: npt.ArrayLike, n: npt.ArrayLike, p0: float, *, winsor: float = 0.1) -> Overdispersion:
    """Estimate overdispersion of unit proportions around ``p0``.

    z_i = (y_i − p0)/s_i with s_i = sqrt(p0(1−p0)/n_i); the z_i are Winsorised
    at the ``winsor`` and 1 − ``winsor`` quantiles; φ = mean(z_w²);
    τ² = max(0, (Iφ − (I − 1)) / (Σw − Σw²/Σw)) with w_i = 1/s_i².
    """
    x = np.asarray(successes, dtype=np.float64)
    volumes = np.asarray(n, dtype=np.float64)
    if x.shape != volumes.shape or x.ndim != 1 or x.size < 2:
        raise InvalidInputError("overdispersion needs two equally long 1-D arrays with at least 2 units")
    if np.any(volumes <= 0) or np.any(x < 0) or np.any(x > volumes):
        raise InvalidInputError("need 0 <= successes <= n and n > 0 for every unit")
    if not 0.0 < p0 < 1.0:
        raise InvalidInputError(f"p0 must be strictly between 0 and 1, got {p0!r}")
    if not 0.0 <= winsor < 0.5:
        raise InvalidInputError(f"winsor must be in [0, 0.5), got {winsor!r}")
    variance = p0 * (1 - p0) / volumes
    z_scores = (x / volumes - p0) / np.sqrt(variance)
    low, high = np.quantile(z_scores, [winsor, 1 - winsor])
    winsorised = np.clip(z_scores, low, high)
    units = z_scores.size
    phi = float(np.mean(winsorised**2))
    weights = 1 / variance
    excess = units * phi - (units - 1)
    tau2 = max(0.0, excess / (weights.sum() - (weights**2).sum() / weights.sum())) if excess > 0 else 0.0
    return Overdispersion(phi=phi, tau2=float(tau2), z_scores=z_scores)
