"""Difference in differences: the change in an indicator attributable to taking part in a programme.

Input is a county × period panel of aggregate cells (an access share, a mean
COC, a T3 median, an NPS) and each participating county's start period. The
estimate answers "how much more did the indicator change in the participating
counties than in comparable counties that did not take part?".

The dashboard reports :func:`permutation_test` (exact placebo-in-space inference over the comparison
counties), :func:`event_study` and, for one county, :func:`synthetic_control` (see the section
"permutation (placebo-in-space) inference" below); :func:`difference_in_differences` with its Student's t
interval stays for notebooks, but its interval assumes a participant's noise is like the comparison
counties', which a single noisier county breaks (Ferman & Pinto 2019).

Why this estimator, and not a regression with county and period effects
------------------------------------------------------------------------
* **Staggered starts.** Counties start in different periods. A two-way
  fixed-effects regression then also compares late starters with early
  starters that are already treated, so an effect that grows over time gets
  negative weights and the estimate can even take the wrong sign
  (Goodman-Bacon, J Econometrics 2021;225:254-277; de Chaisemartin &
  D'Haultfœuille, AER 2020;110:2964-2996). We compare each *cohort* (the
  counties sharing a start period) only with **never-treated** counties, pre
  against post, one 2×2 per cohort, and average the cohorts with fixed,
  non-negative weights: the stacked or group-time design of Cengiz et al.
  (QJE 2019;134:1405-1454) and Callaway & Sant'Anna (J Econometrics
  2021;225:200-230), with one pre and one post average per cohort.
* **Serially correlated cells.** Each county's window is collapsed to one
  number, d = mean(post) − mean(pre), before any variance is estimated, so
  correlation between a county's periods cannot understate the error
  (Bertrand, Duflo & Mullainathan, QJE 2004;119:249-275).
* **Few clusters, few treated.** There are 22 counties and often only one to
  seven participants. Cluster-robust (sandwich) errors need many clusters and
  are close to zero for a lone treated county (its own residual is zero); a
  county bootstrap resamples panels with no or only treated counties; and
  the wild cluster bootstrap over-rejects with few treated clusters
  (MacKinnon & Webb, J Appl Econometrics 2017;32:233-254). We use the
  county-level differences directly, as Donald & Lang recommend for few
  groups (REStat 2007;89:221-233): the comparison counties' part of the
  variance comes from their own spread, and a cohort's part from the pooled
  within-group spread of its members and the comparison counties (the
  two-sample t-test's pooling, which works for a one-county cohort by
  assuming its county-level noise is like the comparison counties', the
  idea of Conley & Taber, REStat 2011;93:113-125). Intervals use Student's t
  with df = (controls − 1) + Σ over cohorts of (members − 1), the residual
  degrees of freedom of the county-level comparison.

Definition
----------
For a cohort g starting in period s_g, the pre window is the panel periods
before s_g (the last ``pre_periods`` of them, all by default) and the post
window the periods from s_g on (the first ``post_periods``; the start period
counts as treated). For each county i: d_i^g = mean of its post cells − mean
of its pre cells. With county weights a_i (equal, or proportional to the
county's mean ``weight_column``) normalised within the cohort and b_j within
the comparison counties:

    ATT_g = Σ_{i∈g} a_i d_i^g − Σ_j b_j d_j^g,     ATT = Σ_g w_g ATT_g,

w_g = the cohort's share of the treated counties (or of their weights).
Variance: Σ_g w_g² (Σ a_i²) σ_g² + (Σ b_j²) s²(D_j), where σ_g² pools the
residuals of d^g around the cohort mean and around the comparison mean
(df N_g − 1 + N_C − 1) and D_j = Σ_g w_g d_j^g is a comparison county's
whole contribution (so its reuse across cohorts is accounted for).
The **pre-trend check** applies the same formulas to each county's
least-squares slope over its pre window (value units per period; needs at
least two pre periods): the participating counties' pre-programme trend
minus the comparison counties', with its interval. An interval that
excludes 0 is evidence against parallel trends; one that includes 0 is no
proof of them (few pre periods have little power).

Unit: the indicator's own unit (a share's effect is a difference of
proportions, not percentage change). Cell standard errors are not needed:
the county-level spread already contains each cell's sampling error plus the
county-level shocks that a cell error would miss.

Conventions
-----------
* Periods are the canonical text periods ``2024``, ``2024Q1`` or ``2024-03``;
  a panel uses one form and the starts must use the same form.
* A county is used only with every cell of its window present (complete
  cases): a null, NaN or absent cell (a suppressed value, say) excludes the
  county, and so does a null weight when weights are used. Comparison counties
  need every cell of every cohort's window. Periods with no value in any
  county are ignored. Each excluded county is listed in ``excluded`` with a
  reason key; nothing is dropped silently.
* A participant whose start is not after the first period has no pre window,
  one whose start is after the last period has no post window; both are
  excluded (a late starter is *not* used as a comparison county, because it
  may already anticipate the programme). The national total (``SSS``) is
  never a county.
* Caller mistakes raise :class:`~core.errors.InvalidInputError` (or its
  subclasses): missing columns, wrong types, duplicate cells, mixed or
  unknown period forms, bad options. Too little data is not an error: the
  result then has a null estimate (or a null standard error) and a reason
  key, because it is an answer the page must show.
* Reason, warning and assumption keys are dotted text keys
  (``did.reason.no_control_counties``, all in :data:`TEXT_KEYS`); the words
  are in the translation catalogues, and the page fills
  ``did.warning.few_control_counties``'s ``{controls}`` with :data:`FEW_CONTROLS`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, TypedDict, cast

import numpy as np
import numpy.typing as npt
import polars as pl

from core import columns as c
from core.codes import WHOLE_COUNTRY
from core.errors import ColumnTypeError, InvalidInputError
from core.schema import require_columns
from metrics._frames import check_int_option

FloatArray = npt.NDArray[np.float64]

NATIONAL_CODE: Final = WHOLE_COUNTRY
"""The whole country's row in indicator tables; never a county in the comparison."""

FEW_CONTROLS: Final = 5
"""Below this many comparison counties the result carries ``did.warning.few_control_counties``."""

TABLE: Final = "difference-in-differences panel"

Granularity = Literal["year", "quarter", "month"]
_PERIOD_FORMS: Final[dict[Granularity, re.Pattern[str]]] = {
    "year": re.compile(r"^(\d{4})$"),
    "quarter": re.compile(r"^(\d{4})Q([1-4])$"),
    "month": re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
}
_EXAMPLES: Final = "'2024' (year), '2024Q1' (quarter) or '2024-03' (month)"

# --- text keys ---------------------------------------------------------------------------------

ASSUMPTIONS: Final = (
    "did.assumption.parallel_trends",
    "did.assumption.no_anticipation",
    "did.assumption.no_spillover",
    "did.assumption.stable_measurement",
    "did.assumption.independent_counties",
    "did.assumption.comparable_noise",
)
"""The assumptions every estimate rests on, in the order a page should list them."""

TEXT_KEYS: Final = frozenset(
    {
        # Assumptions.
        *ASSUMPTIONS,
        # Why an estimate, a standard error or the pre-trend check is missing.
        "did.reason.no_treated_counties",
        "did.reason.no_control_counties",
        "did.reason.too_few_controls_for_se",
        "did.reason.fewer_than_two_pre_periods",
        # Why a county was left out.
        "did.excluded.national_total",
        "did.excluded.no_data",
        "did.excluded.not_in_controls",
        "did.excluded.no_pre_period",
        "did.excluded.no_post_period",
        "did.excluded.missing_cells",
        # Caveats about a computed result (``few_control_counties`` takes ``{controls}``: :data:`FEW_CONTROLS`).
        "did.warning.single_treated_county",
        "did.warning.variance_from_controls",
        "did.warning.few_control_counties",
        "did.warning.partial_pre_trend",
    }
)
"""Every text key this module returns; the catalogues (``i18n/*.toml``) hold the words in fi, sv and en."""

Role = Literal["treated", "control", "other"]


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its t-interval; every field is null when it cannot be computed.

    ``reason`` is a text key, set when ``estimate`` or ``se`` is null.
    ``p_value`` tests "no difference" (two-sided, Student's t with ``df``).
    """

    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    df: int | None
    p_value: float | None
    reason: str | None = None

    @property
    def covers_zero(self) -> bool | None:
        """Whether the interval contains 0 (null without an interval)."""
        if self.ci_low is None or self.ci_high is None:
            return None
        return self.ci_low <= 0.0 <= self.ci_high


@dataclass(frozen=True)
class DidResult:
    """The difference-in-differences estimate and everything a page needs to qualify it.

    ``effect``: the programme's average effect on the participants (ATT), in
    the indicator's unit. ``pre_trend``: participants' minus comparison
    counties' slope before the start, per period. Counts are of counties and
    periods actually used; ``periods`` lists the periods used. ``cohorts``
    has one row per start period (``start``, ``n_treated``, ``weight``,
    ``n_pre_periods``, ``n_post_periods``, ``estimate``, ``se``, ``ci_low``,
    ``ci_high``, ``pre_trend``); ``excluded`` one row per county left out
    (``region_code``, ``role``, ``reason``). ``warnings`` and
    ``assumptions`` are text keys (see :data:`TEXT_KEYS`).
    """

    effect: Estimate
    pre_trend: Estimate
    level: float
    n_treated: int
    n_control: int
    n_cohorts: int
    n_periods: int
    periods: tuple[str, ...]
    cohorts: pl.DataFrame
    excluded: pl.DataFrame
    warnings: tuple[str, ...]
    assumptions: tuple[str, ...] = ASSUMPTIONS


_COHORT_SCHEMA: Final = pl.Schema(
    {
        "start": pl.String(),
        "n_treated": pl.Int64(),
        "weight": pl.Float64(),
        "n_pre_periods": pl.Int64(),
        "n_post_periods": pl.Int64(),
        "estimate": pl.Float64(),
        "se": pl.Float64(),
        "ci_low": pl.Float64(),
        "ci_high": pl.Float64(),
        "pre_trend": pl.Float64(),
    }
)
_EXCLUDED_SCHEMA: Final = pl.Schema({"region_code": pl.String(), "role": pl.String(), "reason": pl.String()})


# --- the estimator -----------------------------------------------------------------------------


def difference_in_differences(
    panel: pl.DataFrame | pl.LazyFrame,
    starts: Mapping[str, str],
    *,
    controls: Collection[str] | None = None,
    pre_periods: int | None = None,
    post_periods: int | None = None,
    weight_column: str | None = None,
    level: float = 0.95,
) -> DidResult:
    """Estimate the effect of a programme on an indicator from a county × period panel.

    ``panel`` needs ``region_code`` (text), ``period`` (text, see the module
    notes) and ``value`` (a number, null where suppressed), one row per
    county and period; other columns are ignored. ``starts`` maps each
    participating county to its first treated period. ``controls`` limits the
    comparison counties (default: every county in the panel that is not in
    ``starts``). ``pre_periods``/``post_periods`` cap the windows (the last
    pre and the first post periods). ``weight_column`` names a positive
    column, such as a denominator, to weight counties by their mean of it
    (default: every county counts once). ``level`` is the interval's
    coverage. Accepts an eager or a lazy frame (the panel is collected: a
    few hundred cells) and returns a :class:`DidResult`; the estimator and
    its conventions are in the module docstring.
    """
    _check_options(level=level, pre_periods=pre_periods, post_periods=post_periods)
    weighted = weight_column is not None
    cells = _read_panel(panel, weight_column)
    granularity = _granularity(cells[c.PERIOD].unique().sort().to_list(), where=f"{TABLE}, column 'period'")
    start_index = _read_starts(starts, granularity)
    chosen_controls = _read_controls(controls, start_index)

    # Periods with a value somewhere, in time order, each with its running index.
    observed = cells.filter(pl.col(c.VALUE).is_not_null())[c.PERIOD].unique().to_list()
    index_of = {period: _period_index(period, granularity) for period in observed}
    periods = sorted(observed, key=index_of.__getitem__)

    excluded: list[tuple[str, Role, str]] = []
    treated, candidates = _roles(cells, starts, chosen_controls, excluded)
    windows = _windows(
        treated,
        start_index,
        periods,
        index_of=index_of,
        pre_periods=pre_periods,
        post_periods=post_periods,
        excluded=excluded,
    )

    stats = _county_windows(cells, windows, treated, candidates, index_of, weighted=weighted)
    incomplete = stats.filter(pl.col("_missing") > 0)
    dropped: set[str] = set()
    roles: tuple[tuple[Role, bool], ...] = (("treated", True), ("control", False))
    for role, is_treated in roles:
        regions = sorted(set(incomplete.filter(pl.col("_treated") == is_treated)[c.REGION_CODE].to_list()))
        excluded.extend((region, role, "did.excluded.missing_cells") for region in regions)
        dropped.update(regions)
    used = stats.filter(~pl.col(c.REGION_CODE).is_in(sorted(dropped)))

    combined = _combine(used, windows, _sizes(cells, weighted=weighted), level=level)
    used_starts = combined.cohorts["start"].to_list() if combined.n_control else []
    used_periods = sorted(
        {period for start in used_starts for period in (*windows[start][0], *windows[start][1])},
        key=index_of.__getitem__,
    )
    return DidResult(
        effect=combined.effect,
        pre_trend=combined.pre_trend,
        level=level,
        n_treated=combined.n_treated,
        n_control=combined.n_control,
        n_cohorts=combined.cohorts.height,
        n_periods=len(used_periods),
        periods=tuple(used_periods),
        cohorts=combined.cohorts,
        excluded=pl.DataFrame(excluded, schema=_EXCLUDED_SCHEMA, orient="row").sort(c.REGION_CODE, "role"),
        warnings=combined.warnings,
    )


def _roles(
    cells: pl.DataFrame,
    starts: Mapping[str, str],
    chosen_controls: set[str] | None,
    excluded: list[tuple[str, Role, str]],
) -> tuple[dict[str, str], list[str]]:
    """Participants with data (county -> start) and candidate comparison counties; the rest go to ``excluded``."""
    in_panel = set(cells[c.REGION_CODE].unique().to_list())
    if NATIONAL_CODE in in_panel:
        excluded.append((NATIONAL_CODE, "other", "did.excluded.national_total"))
    treated: dict[str, str] = {}
    for region in sorted(starts):
        if region in in_panel:
            treated[region] = starts[region]
        else:
            excluded.append((region, "treated", "did.excluded.no_data"))
    candidates: list[str] = []
    for region in sorted(in_panel - set(starts) - {NATIONAL_CODE}):
        if chosen_controls is None or region in chosen_controls:
            candidates.append(region)
        else:
            excluded.append((region, "other", "did.excluded.not_in_controls"))
    missing_controls = sorted((chosen_controls or set()) - in_panel)
    excluded.extend((region, "control", "did.excluded.no_data") for region in missing_controls)
    return treated, candidates


def _windows(
    treated: Mapping[str, str],
    start_index: Mapping[str, int],
    periods: Sequence[str],
    *,
    index_of: Mapping[str, int],
    pre_periods: int | None,
    post_periods: int | None,
    excluded: list[tuple[str, Role, str]],
) -> dict[str, tuple[list[str], list[str]]]:
    """Each cohort's (pre, post) periods, in start order; cohorts lacking either go to ``excluded``."""
    begin_of = {start: start_index[region] for region, start in treated.items()}
    windows: dict[str, tuple[list[str], list[str]]] = {}
    for start in sorted(begin_of, key=begin_of.__getitem__):
        pre = [period for period in periods if index_of[period] < begin_of[start]]
        post = [period for period in periods if index_of[period] >= begin_of[start]]
        pre = pre[-pre_periods:] if pre_periods is not None else pre
        post = post[:post_periods] if post_periods is not None else post
        if pre and post:
            windows[start] = (pre, post)
            continue
        reason = "did.excluded.no_pre_period" if not pre else "did.excluded.no_post_period"
        excluded.extend((region, "treated", reason) for region in sorted(treated) if treated[region] == start)
    return windows


# --- input checks ------------------------------------------------------------------------------


def _check_options(*, level: float, pre_periods: int | None, post_periods: int | None) -> None:
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0.0 < level < 1.0:
        raise InvalidInputError(f"level must be a coverage strictly between 0 and 1 (such as 0.95), got {level!r}")
    if pre_periods is not None:
        check_int_option("pre_periods", pre_periods, minimum=1)
    if post_periods is not None:
        check_int_option("post_periods", post_periods, minimum=1)


def _read_panel(panel: pl.DataFrame | pl.LazyFrame, weight_column: str | None) -> pl.DataFrame:
    """The needed columns as (region_code, period, value, weight), sorted; NaN values become null."""
    if not isinstance(panel, pl.DataFrame | pl.LazyFrame):
        raise InvalidInputError(f"expected a polars DataFrame or LazyFrame, got {type(panel).__name__}")
    needed = [c.REGION_CODE, c.PERIOD, c.VALUE] + ([weight_column] if weight_column is not None else [])
    if weight_column in (c.REGION_CODE, c.PERIOD, c.VALUE):
        raise InvalidInputError(f"weight_column may not be {weight_column!r}: name a separate column such as 'n'")
    schema = require_columns(panel, needed, table=TABLE)
    for name in (c.REGION_CODE, c.PERIOD):
        if not isinstance(schema[name], pl.String | pl.Categorical | pl.Enum):
            raise ColumnTypeError(f"{TABLE}: column {name!r} has type {schema[name]}, but it must hold text.")
    for name in needed[2:]:
        if not schema[name].is_numeric():
            raise ColumnTypeError(f"{TABLE}: column {name!r} has type {schema[name]}, but it must hold a number.")
    value = pl.col(c.VALUE).cast(pl.Float64)
    weight = pl.col(weight_column).cast(pl.Float64) if weight_column is not None else pl.lit(1.0)
    cells = (
        panel.lazy()
        .select(
            pl.col(c.REGION_CODE).cast(pl.String),
            pl.col(c.PERIOD).cast(pl.String),
            value.fill_nan(None).alias(c.VALUE),
            weight.fill_nan(None).alias("_weight"),
        )
        .collect()
        .sort(c.REGION_CODE, c.PERIOD)
    )
    _fail_rows(
        cells, pl.col(c.REGION_CODE).is_null() | pl.col(c.PERIOD).is_null(), "has an empty region_code or period"
    )
    _fail_rows(cells, pl.col(c.VALUE).is_infinite(), "has an infinite value")
    # A zero weight is fine for an empty (suppressed) cell, not for a cell with a value.
    weight_given = pl.col("_weight")
    bad_weight = weight_given.is_infinite() | (weight_given < 0) | ((weight_given == 0) & pl.col(c.VALUE).is_not_null())
    _fail_rows(cells, bad_weight, "has a weight that is not positive")
    key = pl.struct(c.REGION_CODE, c.PERIOD)
    repeated = cells.filter(key.is_duplicated())
    if not repeated.is_empty():
        region, period = repeated.row(0)[:2]
        times = repeated.filter((pl.col(c.REGION_CODE) == region) & (pl.col(c.PERIOD) == period)).height
        raise InvalidInputError(
            f"{TABLE}: county {region!r}, period {period!r} has {times} rows; give one row per county and period"
            " (filter the panel to one indicator, sex and profession first)"
        )
    return cells


def _fail_rows(cells: pl.DataFrame, bad: pl.Expr, problem: str) -> None:
    hits = cells.filter(bad.fill_null(value=False))
    if not hits.is_empty():
        region, period, value = hits.row(0)[:3]
        raise InvalidInputError(
            f"{TABLE}: the cell of county {region!r}, period {period!r} (value {value!r}) {problem}"
        )


def _granularity(periods: Sequence[str], *, where: str) -> Granularity:
    """The one period form that every period uses."""
    forms: set[Granularity] = set()
    for period in periods:
        form = _form_of(period)
        if form is None:
            raise InvalidInputError(f"{where}: period {period!r} is not {_EXAMPLES}")
        forms.add(form)
    if len(forms) > 1:
        raise InvalidInputError(f"{where}: periods mix forms ({', '.join(sorted(forms))}); use one of {_EXAMPLES}")
    return forms.pop() if forms else "year"


def _form_of(period: str) -> Granularity | None:
    for form, pattern in _PERIOD_FORMS.items():
        if pattern.match(period):
            return form
    return None


def _period_index(period: str, granularity: Granularity) -> int:
    """Consecutive periods get consecutive integers (years, quarters or months since year 0)."""
    match = _PERIOD_FORMS[granularity].match(period)
    if match is None:
        raise InvalidInputError(f"period {period!r} is not a {granularity} like the panel's periods ({_EXAMPLES})")
    year = int(match.group(1))
    if granularity == "year":
        return year
    return year * (4 if granularity == "quarter" else 12) + int(match.group(2)) - 1


def _read_starts(starts: Mapping[str, str], granularity: Granularity) -> dict[str, int]:
    if not isinstance(starts, Mapping):
        raise InvalidInputError(f"starts must map region codes to start periods, got {type(starts).__name__}")
    index: dict[str, int] = {}
    for region, start in starts.items():
        if not isinstance(region, str) or not isinstance(start, str):
            raise InvalidInputError(f"starts must map region codes (text) to periods (text), got {region!r}: {start!r}")
        if region == NATIONAL_CODE:
            raise InvalidInputError(f"starts names {NATIONAL_CODE!r}, the national total, which is not a county")
        if _form_of(start) != granularity:
            raise InvalidInputError(
                f"start {start!r} of county {region!r} is not a {granularity} like the panel's periods; "
                f"convert the starts to the panel's form ({_EXAMPLES})"
            )
        index[region] = _period_index(start, granularity)
    return index


def _read_controls(controls: Collection[str] | None, start_index: Mapping[str, int]) -> set[str] | None:
    if controls is None:
        return None
    if isinstance(controls, str):
        raise InvalidInputError("controls must be a collection of region codes, not one string")
    chosen = set(controls)
    both = sorted(chosen & set(start_index))
    if both:
        raise InvalidInputError(f"counties {both} are both in starts and in controls; a county is one or the other")
    if NATIONAL_CODE in chosen:
        raise InvalidInputError(f"controls names {NATIONAL_CODE!r}, the national total, which is not a county")
    return chosen


# --- per county and cohort ---------------------------------------------------------------------


def _county_windows(
    cells: pl.DataFrame,
    windows: Mapping[str, tuple[list[str], list[str]]],
    treated: Mapping[str, str],
    controls: Sequence[str],
    index_of: Mapping[str, int],
    *,
    weighted: bool,
) -> pl.DataFrame:
    """One row per (cohort, county): missing cells, pre and post means, pre slope.

    The cohort's members are its treated counties; every comparison county
    belongs to every cohort. The slope is least squares of value on the
    period index over the pre window (null with one pre period).
    """
    window_rows = [
        (start, period, phase, index_of[period])
        for start, (pre, post) in windows.items()
        for phase, chosen in ((False, pre), (True, post))
        for period in chosen
    ]
    window_frame = pl.DataFrame(
        window_rows,
        schema={"_cohort": pl.String, c.PERIOD: pl.String, "_post": pl.Boolean, "_t": pl.Float64},
        orient="row",
    )
    member_rows = [(start, region, True) for region, start in treated.items() if start in windows]
    member_rows += [(start, region, False) for start in windows for region in controls]
    member_frame = pl.DataFrame(
        member_rows, schema={"_cohort": pl.String, c.REGION_CODE: pl.String, "_treated": pl.Boolean}, orient="row"
    )
    value, post, t = pl.col(c.VALUE), pl.col("_post"), pl.col("_t")
    missing = value.is_null() | (pl.col("_weight").is_null() if weighted else pl.lit(value=False))
    pre_t, pre_value = t.filter(~post), value.filter(~post)
    centred = pre_t - pre_t.mean()
    slope = pl.when(pre_t.len() >= 2).then((centred * pre_value).sum() / (centred * centred).sum())
    return (
        member_frame.join(window_frame, on="_cohort")
        .join(cells, on=[c.REGION_CODE, c.PERIOD], how="left")
        .sort("_cohort", c.REGION_CODE, "_t")
        .group_by("_cohort", c.REGION_CODE, "_treated", maintain_order=True)
        .agg(
            missing.sum().alias("_missing"),
            (value.filter(post).mean() - pre_value.mean()).alias("_d"),
            slope.alias("_slope"),
        )
    )


def _sizes(cells: pl.DataFrame, *, weighted: bool) -> dict[str, float]:
    """Each county's weight: its mean of the weight column over its cells with a value (1 unweighted)."""
    if not weighted:
        return dict.fromkeys(cells[c.REGION_CODE].unique().to_list(), 1.0)
    means = (
        cells.filter(pl.col(c.VALUE).is_not_null())
        .group_by(c.REGION_CODE)
        .agg(pl.col("_weight").mean())
        .filter(pl.col("_weight").is_not_null())
    )
    return dict(zip(means[c.REGION_CODE].to_list(), means["_weight"].to_list(), strict=True))


@dataclass(frozen=True)
class _Combined:
    effect: Estimate
    pre_trend: Estimate
    n_treated: int
    n_control: int
    cohorts: pl.DataFrame
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class _Cohort:
    """One cohort's county-level values (d or slope): its members', and every comparison county's."""

    start: str
    members: FloatArray
    member_sizes: FloatArray
    controls: FloatArray  # in the same (sorted) county order for every cohort


def _combine(
    used: pl.DataFrame, windows: Mapping[str, tuple[list[str], list[str]]], sizes: Mapping[str, float], *, level: float
) -> _Combined:
    """Cohort estimates, their weighted average and the pre-trend check, from the per-county values."""
    treated_rows = used.filter(pl.col("_treated"))
    control_names = sorted(set(used.filter(~pl.col("_treated"))[c.REGION_CODE].to_list()))
    with_members = set(treated_rows["_cohort"].to_list())
    starts = [start for start in windows if start in with_members]
    if not starts:
        empty = _empty_estimate("did.reason.no_treated_counties")
        return _Combined(empty, empty, 0, 0, pl.DataFrame(schema=_COHORT_SCHEMA), ())
    if not control_names:
        empty = _empty_estimate("did.reason.no_control_counties")
        estimates = [empty] * len(starts)
        cohorts = _cohort_frame(
            starts, windows, treated_rows, estimates=estimates, trend_by_start={}, weights=[None] * len(starts)
        )
        return _Combined(empty, empty, treated_rows.height, 0, cohorts, ())

    def cohorts_of(column: str) -> list[_Cohort]:
        built = []
        for start in starts:
            rows = used.filter(pl.col("_cohort") == start)
            members = rows.filter(pl.col("_treated")).sort(c.REGION_CODE)
            by_control = dict(rows.filter(~pl.col("_treated")).select(c.REGION_CODE, column).iter_rows())
            member_sizes = [sizes[name] for name in members[c.REGION_CODE].to_list()]
            built.append(
                _Cohort(
                    start=start,
                    members=members[column].cast(pl.Float64).to_numpy(),
                    member_sizes=np.array(member_sizes, dtype=np.float64),
                    controls=np.array([by_control[name] for name in control_names], dtype=np.float64),
                )
            )
        return built

    control_sizes = np.array([sizes[name] for name in control_names], dtype=np.float64)
    effect_cohorts = cohorts_of("_d")
    effect, per_cohort = _aggregate(effect_cohorts, control_sizes, level=level)
    trend_cohorts = [cohort for cohort in cohorts_of("_slope") if len(windows[cohort.start][0]) >= 2]
    trend_by_start: dict[str, float | None] = {}
    if trend_cohorts:
        pre_trend, trend_estimates = _aggregate(trend_cohorts, control_sizes, level=level)
        trend_by_start = {
            cohort.start: own.estimate for cohort, own in zip(trend_cohorts, trend_estimates, strict=True)
        }
    else:
        pre_trend = _empty_estimate("did.reason.fewer_than_two_pre_periods")

    warnings: list[str] = []
    if treated_rows.height == 1:
        warnings.append("did.warning.single_treated_county")
    if effect.se is not None and any(cohort.members.size == 1 for cohort in effect_cohorts):
        warnings.append("did.warning.variance_from_controls")
    if len(control_names) < FEW_CONTROLS:
        warnings.append("did.warning.few_control_counties")
    if trend_cohorts and len(trend_cohorts) < len(effect_cohorts):
        warnings.append("did.warning.partial_pre_trend")
    weights = [float(weight) for weight in _cohort_weights(effect_cohorts)]
    cohorts = _cohort_frame(
        starts, windows, treated_rows, estimates=per_cohort, trend_by_start=trend_by_start, weights=weights
    )
    return _Combined(effect, pre_trend, treated_rows.height, len(control_names), cohorts, tuple(warnings))


def _cohort_weights(cohorts: Sequence[_Cohort]) -> FloatArray:
    """w_g: each cohort's share of the participants (or of their total weight)."""
    totals = np.array([cohort.member_sizes.sum() for cohort in cohorts], dtype=np.float64)
    return np.asarray(totals / totals.sum(), dtype=np.float64)


def _aggregate(
    cohorts: Sequence[_Cohort], control_sizes: FloatArray, *, level: float
) -> tuple[Estimate, list[Estimate]]:
    """The weighted average of the cohorts' 2×2 comparisons with its t-interval, and each cohort's own.

    Variance = Σ_g w_g² Σa_i² σ_g² + Σb_j² s²(D_j): σ_g² pools the cohort's and
    the comparison counties' residuals (df N_g − 1 + N_C − 1), and D_j =
    Σ_g w_g d_j^g is comparison county j's whole share of the estimate.
    """
    weights = _cohort_weights(cohorts)
    b = control_sizes / control_sizes.sum()
    n_control = b.size
    estimate = 0.0
    treated_variance = 0.0
    treated_df = 0
    contributions = np.zeros(n_control, dtype=np.float64)
    per_cohort: list[Estimate] = []
    for weight, cohort in zip(weights.tolist(), cohorts, strict=True):
        a = cohort.member_sizes / cohort.member_sizes.sum()
        own = float(a @ cohort.members) - float(b @ cohort.controls)
        estimate += weight * own
        contributions += weight * cohort.controls
        treated_df += cohort.members.size - 1
        if n_control < 2:
            per_cohort.append(_estimate(own, None, None, level=level))
            continue
        member_ss = float(((cohort.members - cohort.members.mean()) ** 2).sum())
        control_ss = float(((cohort.controls - cohort.controls.mean()) ** 2).sum())
        df = cohort.members.size - 1 + n_control - 1
        sigma2 = (member_ss + control_ss) / df
        treated_variance += weight**2 * float((a**2).sum()) * sigma2
        own_variance = float((a**2).sum()) * sigma2 + float((b**2).sum()) * control_ss / (n_control - 1)
        per_cohort.append(_estimate(own, own_variance, df, level=level))
    if n_control < 2:
        return _estimate(estimate, None, None, level=level), per_cohort
    control_variance = float((b**2).sum()) * float(np.var(contributions, ddof=1))
    return _estimate(estimate, treated_variance + control_variance, treated_df + n_control - 1, level=level), per_cohort


def _estimate(value: float, variance: float | None, df: int | None, *, level: float) -> Estimate:
    """An estimate with its t-interval; without a variance, the estimate alone and the reason."""
    if variance is None or df is None:
        return Estimate(value, None, None, None, None, None, "did.reason.too_few_controls_for_se")
    se = math.sqrt(max(variance, 0.0))
    from scipy import stats as sps  # noqa: PLC0415  # a second to import; pages without an estimate skip it

    quantile = float(sps.t.ppf(0.5 + level / 2, df))
    # With exact data (se = 0) there is no doubt either way.
    p_value = float(2 * sps.t.sf(abs(value) / se, df)) if se > 0 else (1.0 if value == 0 else 0.0)
    return Estimate(value, se, value - quantile * se, value + quantile * se, df, p_value)


def _empty_estimate(reason: str) -> Estimate:
    return Estimate(None, None, None, None, None, None, reason)


def _cohort_frame(
    starts: Sequence[str],
    windows: Mapping[str, tuple[list[str], list[str]]],
    treated_rows: pl.DataFrame,
    *,
    estimates: Sequence[Estimate],
    trend_by_start: Mapping[str, float | None],
    weights: Sequence[float | None],
) -> pl.DataFrame:
    counts = dict(treated_rows.group_by("_cohort").len().iter_rows())
    rows = [
        (
            start,
            counts[start],
            weight,
            len(windows[start][0]),
            len(windows[start][1]),
            own.estimate,
            own.se,
            own.ci_low,
            own.ci_high,
            trend_by_start.get(start),
        )
        for start, own, weight in zip(starts, estimates, weights, strict=True)
    ]
    return pl.DataFrame(rows, schema=_COHORT_SCHEMA, orient="row")


# --- permutation (placebo-in-space) inference ----------------------------------------------------
#
# With one to seven participating counties, the t-interval above rests on the assumption that a
# participating county's county-level noise is like the comparison counties' (Conley & Taber). When it is
# not, a t-test over-rejects badly: with the treated county's noise twice the controls', a nominal 5 % test
# rejected 28 % of the time (Ferman & Pinto, REStat 2019;101:452-467). The functions below are the
# dashboard's reported inference instead: every way of giving the participants' starts to the counties of
# the analysis is one *assignment* (the actual one included); the DiD estimate is recomputed for each, and
# the p-value is the share of assignments whose absolute estimate is at least the actual one's. It is exact
# under the sharp null of no effect in any county when counties are exchangeable, and its smallest
# attainable value is 1 / (number of assignments): with one county and 12 comparison counties 1/13 = 0.077,
# so such a design cannot reach 5 % at all. Because a noisier participating county is not exchangeable with
# the others, the same permutation is also run on each county's change divided by its own pre-period
# variability (the idea of Abadie et al.'s post/pre RMSPE ratio); ``p_value_reported`` is the larger of
# the two, so a county that is merely noisier does not look significant.

_EXACT_LIMIT: Final = 100_000
"""Up to this many assignments every one is used (exact); above it a seeded random sample is drawn."""

_BISECT_LIMIT: Final = 3_000
"""Up to this many assignments the permutation interval is found by checking every break point."""


@dataclass(frozen=True)
class _PermutationInput:
    """A complete-case unit × period matrix with the participants' cohorts, ready for permutation."""

    units: tuple[str, ...]  # treated units first (in cohort order), then the comparison units
    periods: tuple[str, ...]
    index: tuple[int, ...]  # each period's running index
    values: FloatArray  # units × periods
    n_treated: int
    cohorts: tuple[int, ...]  # start index of each cohort, in time order
    members: tuple[tuple[int, ...], ...]  # the unit rows of each cohort's actual members
    excluded: tuple[str, ...]
    reason: str | None = None


def _long_cells(
    panel: pl.DataFrame | pl.LazyFrame,
    *,
    outcome: str,
    period: str,
    unit: str,
    treated: Collection[str],
    comparison: Collection[str] | None,
) -> pl.DataFrame:
    """The panel's unit, period and outcome as ``_unit``, ``_period``, ``_value`` (NaN as null), checked."""
    if not isinstance(panel, pl.DataFrame | pl.LazyFrame):
        raise InvalidInputError(f"expected a polars DataFrame or LazyFrame, got {type(panel).__name__}")
    if isinstance(treated, str) or (comparison is not None and isinstance(comparison, str)):
        raise InvalidInputError("treated and comparison must be collections of unit codes, not one string")
    if len({unit, period, outcome}) < 3:
        raise InvalidInputError(
            f"unit, period and outcome must name three different columns: {unit!r}, {period!r}, {outcome!r}"
        )
    schema = require_columns(panel, [unit, period, outcome], table=TABLE)
    for name in (unit, period):
        if not isinstance(schema[name], pl.String | pl.Categorical | pl.Enum):
            raise ColumnTypeError(f"{TABLE}: column {name!r} has type {schema[name]}, but it must hold text.")
    if not schema[outcome].is_numeric():
        raise ColumnTypeError(f"{TABLE}: column {outcome!r} has type {schema[outcome]}, but it must hold a number.")
    cells = (
        panel.lazy()
        .select(
            pl.col(unit).cast(pl.String).alias("_unit"),
            pl.col(period).cast(pl.String).alias("_period"),
            pl.col(outcome).cast(pl.Float64).fill_nan(None).alias("_value"),
        )
        .collect()
    )
    if cells.select(pl.struct("_unit", "_period").is_duplicated().any()).item():
        raise InvalidInputError(f"{TABLE}: give one row per {unit} and {period} (a unit and period repeat)")
    return cells


def _permutation_input(
    panel: pl.DataFrame | pl.LazyFrame,
    *,
    outcome: str,
    treated: Collection[str],
    start: str | Mapping[str, str],
    period: str,
    unit: str,
    comparison: Collection[str] | None,
) -> _PermutationInput:
    cells = _long_cells(panel, outcome=outcome, period=period, unit=unit, treated=treated, comparison=comparison)
    treated_set = set(treated)
    if NATIONAL_CODE in treated_set:
        raise InvalidInputError(f"treated names {NATIONAL_CODE!r}, the national total, which is not a county")
    starts = dict.fromkeys(treated_set, start) if isinstance(start, str) else dict(start)
    if not isinstance(start, str):
        missing = sorted(treated_set - set(starts))
        if missing:
            raise InvalidInputError(f"start gives no period for treated units {missing}")
    granularity = _granularity(
        sorted({*cells["_period"].drop_nulls().to_list(), *(starts[code] for code in treated_set)}),
        where=f"{TABLE}, column {period!r} and the starts",
    )
    observed = cells.filter(pl.col("_value").is_not_null())
    periods = sorted(set(observed["_period"].to_list()), key=lambda text: _period_index(text, granularity))
    index = [_period_index(text, granularity) for text in periods]
    chosen = set(comparison) if comparison is not None else None
    if chosen is not None and chosen & treated_set:
        raise InvalidInputError(f"units {sorted(chosen & treated_set)} are both treated and comparison units")
    in_panel = set(cells["_unit"].drop_nulls().to_list()) - {NATIONAL_CODE}
    pool = sorted((in_panel - treated_set) if chosen is None else (chosen & in_panel))
    wide = observed.pivot(on="_period", index="_unit", values="_value") if periods else pl.DataFrame()
    rows = {row[0]: row[1:] for row in wide.select("_unit", *periods).iter_rows()} if periods else {}

    def complete(code: str) -> bool:
        return code in rows and all(value is not None for value in rows[code])

    excluded = sorted({code for code in (*treated_set, *pool) if not complete(code)} | (set(chosen or ()) - in_panel))
    start_index = {code: _period_index(starts[code], granularity) for code in treated_set}
    usable = [code for code in sorted(treated_set) if complete(code)]
    # A participant needs a period before and one from its start.
    usable = [code for code in usable if index and index[0] < start_index[code] <= index[-1]]
    excluded = sorted(set(excluded) | (treated_set - set(usable)))
    controls = [code for code in pool if complete(code)]
    cohorts = tuple(sorted({start_index[code] for code in usable}))
    ordered = sorted(usable, key=lambda code: (start_index[code], code))
    units = (*ordered, *controls)
    members = tuple(tuple(row for row, code in enumerate(ordered) if start_index[code] == cohort) for cohort in cohorts)
    values = np.array([rows[code] for code in units], dtype=np.float64).reshape(len(units), len(periods))
    reason = None
    if not ordered:
        reason = "did.reason.no_treated_counties"
    elif not controls:
        reason = "did.reason.no_control_counties"
    return _PermutationInput(
        units=units,
        periods=tuple(periods),
        index=tuple(index),
        values=values,
        n_treated=len(ordered),
        cohorts=cohorts,
        members=members,
        excluded=tuple(excluded),
        reason=reason,
    )


def _assignments(n_units: int, sizes: Sequence[int], *, seed: int) -> tuple[list[npt.NDArray[np.int64]], bool]:
    """Every way (or a seeded sample) of giving the cohorts' places to ``n_units`` units, the actual one first.

    The actual assignment is units 0…k−1 in cohort order. Returns one integer array per cohort, shaped
    (assignments, cohort size), and whether the list is exhaustive.
    """
    from itertools import combinations  # noqa: PLC0415

    total = math.factorial(n_units) // math.factorial(n_units - sum(sizes))
    for size in sizes:
        total //= math.factorial(size)
    actual = []
    begin = 0
    for size in sizes:
        actual.append(tuple(range(begin, begin + size)))
        begin += size
    if total <= _EXACT_LIMIT:
        chosen: list[tuple[tuple[int, ...], ...]] = [()]
        for size in sizes:
            grown: list[tuple[tuple[int, ...], ...]] = []
            for taken in chosen:
                used = {item for group in taken for item in group}
                free = [item for item in range(n_units) if item not in used]
                grown.extend((*taken, group) for group in combinations(free, size))
            chosen = grown
        chosen.remove(tuple(actual))
        chosen.insert(0, tuple(actual))
        exact = True
    else:
        generator = np.random.default_rng(seed)
        chosen = [tuple(actual)]
        for _ in range(_EXACT_LIMIT - 1):
            order = generator.permutation(n_units)
            groups, begin = [], 0
            for size in sizes:
                groups.append(tuple(sorted(int(item) for item in order[begin : begin + size])))
                begin += size
            chosen.append(tuple(groups))
        exact = False
    arrays = [
        np.array([groups[g] for groups in chosen], dtype=np.int64).reshape(len(chosen), size)
        for g, size in enumerate(sizes)
    ]
    return arrays, exact


def _assignment_estimates(values: FloatArray, groups: Sequence[npt.NDArray[np.int64]]) -> FloatArray:
    """Σ_g w_g (mean of the cohort's assigned units − mean of the units assigned to no cohort), per assignment.

    ``values`` is units × cohorts (each unit's value for each cohort's window); w_g = cohort size / all treated.
    """
    n_units = values.shape[0]
    k = sum(group.shape[1] for group in groups)
    taken = np.zeros((groups[0].shape[0], values.shape[1]), dtype=np.float64)
    own = np.zeros(groups[0].shape[0], dtype=np.float64)
    for g, group in enumerate(groups):
        own += group.shape[1] / k * values[group, g].mean(axis=1)
        for h in range(values.shape[1]):
            taken[:, h] += values[group, h].sum(axis=1)
    weights = np.array([group.shape[1] / k for group in groups], dtype=np.float64)
    rest = (values.sum(axis=0)[None, :] - taken) / (n_units - k)
    return np.asarray(own - rest @ weights, dtype=np.float64)


def _share_at_least(estimates: FloatArray, actual: float) -> float:
    """Share of assignments whose absolute estimate is at least the actual one's (ties count, to rounding)."""
    tolerance = 1e-9 * max(1.0, float(np.abs(estimates).max(initial=0.0)))
    return float(np.mean(np.abs(estimates) >= abs(actual) - tolerance))


def _changes(data: _PermutationInput) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per unit and cohort: d = mean(post) − mean(pre); its effect loading under a constant effect; and s.

    The loading M[i, g] is how much d moves per unit of effect (1 for a member of the cohort, a share of
    periods for a member of another cohort, 0 for a comparison unit). s is the unit's standard deviation,
    over the cohort's pre window, of its gap to the mean of all units (null with fewer than 2 pre periods).
    """
    index = np.array(data.index)
    n_units, n_cohorts = data.values.shape[0], len(data.cohorts)
    changes = np.zeros((n_units, n_cohorts))
    loading = np.zeros((n_units, n_cohorts))
    spreads = np.full((n_units, n_cohorts), np.nan)
    gaps = data.values - data.values.mean(axis=0, keepdims=True)
    unit_start = np.full(n_units, np.iinfo(np.int64).max)
    for cohort, rows in zip(data.cohorts, data.members, strict=True):
        unit_start[list(rows)] = cohort
    for g, cohort in enumerate(data.cohorts):
        pre, post = index < cohort, index >= cohort
        changes[:, g] = data.values[:, post].mean(axis=1) - data.values[:, pre].mean(axis=1)
        treated_now = index[None, :] >= unit_start[:, None]
        loading[:, g] = treated_now[:, post].mean(axis=1) - treated_now[:, pre].mean(axis=1)
        if pre.sum() >= 2:
            spread = gaps[:, pre].std(axis=1, ddof=1)
            spreads[:, g] = np.where(spread > 0, spread, np.nan)
    return changes, loading, spreads


def _inverted_interval(
    estimates: FloatArray, loadings: FloatArray, *, alpha: float
) -> tuple[float | None, float | None]:
    """The set of constant effects τ the permutation test does not reject at ``alpha``, as (low, high).

    Under an effect τ each assignment's estimate is a_S − τ b_S (a line); the actual one's is the first.
    p(τ) changes only where two lines' absolute values cross, so the bounds are among those break points.
    An end that is never reached is ±infinity; null when even the estimate itself would be rejected.
    """
    a_actual, b_actual = float(estimates[0]), float(loadings[0])

    def p_at(tau: float) -> float:
        return _share_at_least(estimates - tau * loadings, a_actual - tau * b_actual)

    with np.errstate(divide="ignore", invalid="ignore"):
        points = np.concatenate(
            [(estimates - a_actual) / (loadings - b_actual), (estimates + a_actual) / (loadings + b_actual)]
        )
    points = np.unique(points[np.isfinite(points)])
    centre = a_actual / b_actual if b_actual else a_actual
    if p_at(centre) <= alpha:
        return None, None
    if points.size == 0:
        return -math.inf, math.inf
    span = float(points.max() - points.min()) or 1.0
    far_low, far_high = float(points.min()) - span, float(points.max()) + span
    if estimates.size <= _BISECT_LIMIT:
        candidates = np.concatenate([points, (points[:-1] + points[1:]) / 2, [far_low, far_high]])
        accepted = [float(tau) for tau in candidates if p_at(float(tau)) > alpha]
        low = -math.inf if p_at(far_low) > alpha else min(accepted)
        high = math.inf if p_at(far_high) > alpha else max(accepted)
        return low, high
    # Many assignments: walk outwards from the estimate over the break points, by bisection.
    below, above = points[points < centre], points[points > centre]

    def edge(sorted_points: FloatArray, outside: float) -> float:
        if p_at(outside) > alpha:
            return math.inf if outside > centre else -math.inf
        if sorted_points.size == 0:
            return centre
        lo, hi = 0, sorted_points.size - 1  # sorted_points ordered from the centre outwards
        if p_at(float(sorted_points[0])) <= alpha:
            return centre
        while lo < hi:
            middle = (lo + hi + 1) // 2
            if p_at(float(sorted_points[middle])) > alpha:
                lo = middle
            else:
                hi = middle - 1
        return float(sorted_points[lo])

    return edge(below[::-1], far_low), edge(above, far_high)


def _union(
    first: tuple[float | None, float | None], second: tuple[float | None, float | None]
) -> tuple[float | None, float | None]:
    """The smallest interval holding both (a null pair is empty)."""
    pairs = [pair for pair in (first, second) if pair[0] is not None and pair[1] is not None]
    if not pairs:
        return None, None
    return min(pair[0] for pair in pairs), max(pair[1] for pair in pairs)  # type: ignore[type-var]


_PERMUTATION_SCHEMA: Final = pl.Schema(
    {
        "estimate": pl.Float64(),
        "p_value": pl.Float64(),
        "p_value_studentized": pl.Float64(),
        "p_value_reported": pl.Float64(),
        "n_permutations": pl.Int64(),
        "min_p": pl.Float64(),
        "exact": pl.Boolean(),
        "ci_low": pl.Float64(),
        "ci_high": pl.Float64(),
        "level": pl.Float64(),
        "n_treated": pl.Int64(),
        "n_comparison": pl.Int64(),
        "n_pre_periods": pl.Int64(),
        "n_post_periods": pl.Int64(),
        "treated_units": pl.List(pl.String()),
        "comparison_units": pl.List(pl.String()),
        "excluded_units": pl.List(pl.String()),
        "reason": pl.String(),
    }
)


class PermutationResult(TypedDict):
    """A :func:`permutation_test` result as one typed mapping (:func:`permutation_result`): the columns of its
    one row. Without an estimate (``reason`` set) the estimate, the p-values, the counts of assignments,
    ``exact`` and the interval are None."""

    estimate: float | None
    p_value: float | None
    p_value_studentized: float | None
    p_value_reported: float | None
    n_permutations: int | None
    min_p: float | None
    exact: bool | None
    ci_low: float | None
    ci_high: float | None
    level: float
    n_treated: int
    n_comparison: int
    n_pre_periods: int
    n_post_periods: int
    treated_units: list[str]
    comparison_units: list[str]
    excluded_units: list[str]
    reason: str | None


def permutation_result(frame: pl.DataFrame) -> PermutationResult:
    """The one row of a :func:`permutation_test` frame as a :class:`PermutationResult`.

    Raises :class:`InvalidInputError` for a frame of other columns or not of one row.
    """
    if frame.schema != _PERMUTATION_SCHEMA or frame.height != 1:
        raise InvalidInputError(
            f"a permutation test result is one row of {list(_PERMUTATION_SCHEMA)}, got {frame.height} row(s) of "
            f"{list(frame.schema)}"
        )
    return cast(PermutationResult, frame.row(0, named=True))  # the schema checked above is the mapping's


def permutation_test(
    panel: pl.DataFrame | pl.LazyFrame,
    *,
    outcome: str,
    treated: Collection[str],
    start: str | Mapping[str, str],
    period: str,
    unit: str = "region_code",
    comparison: Collection[str] | None = None,
    level: float = 0.95,
    seed: int = 0,
) -> pl.DataFrame:
    """The DiD estimate with exact permutation (placebo-in-space) inference; a one-row frame.

    ``panel`` is long, one row per ``unit`` and ``period`` (text periods ``2024``, ``2024Q1`` or
    ``2024-03``) with the number ``outcome`` (null where suppressed). ``treated`` is a collection of unit
    codes; ``start`` their first treated period, one for all or a mapping per unit. ``comparison`` limits
    the comparison units (default: every other unit but the national total). A unit is used only with a
    value in every period of the panel that has any (complete cases); the others are listed in
    ``excluded_units``. The estimate is the cohort-averaged 2×2 of :func:`difference_in_differences`
    (unweighted, whole windows). Columns:

    * ``estimate`` — in the outcome's unit; ``p_value`` — two-sided: the share of assignments, the actual
      one included, whose absolute estimate is at least the actual one's; ``n_permutations`` — the number
      of assignments (all of them when ``exact``, else a seeded sample of 100,000 with the actual one);
      ``min_p`` — 1 / n_permutations, the smallest p-value the design can give.
    * ``p_value_studentized`` — the same permutation on each unit's change divided by its own pre-period
      spread (null with fewer than two pre periods); ``p_value_reported`` — the larger of the two.
    * ``ci_low``, ``ci_high`` — the constant effects the reported test does not reject at 1 − ``level``
      (test inversion of both permutation tests; the hull of their acceptance sets); ±inf where the
      design cannot bound them (for instance when ``min_p`` is above 1 − ``level``).
    * counts, the units used and left out, and ``reason`` (a text key) when there is no estimate.
    """
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0.0 < level < 1.0:
        raise InvalidInputError(f"level must be a coverage strictly between 0 and 1 (such as 0.95), got {level!r}")
    data = _permutation_input(
        panel, outcome=outcome, treated=treated, start=start, period=period, unit=unit, comparison=comparison
    )
    base = {
        "level": float(level),
        "n_treated": data.n_treated,
        "n_comparison": len(data.units) - data.n_treated,
        "treated_units": list(data.units[: data.n_treated]),
        "comparison_units": list(data.units[data.n_treated :]),
        "excluded_units": list(data.excluded),
        "n_pre_periods": sum(1 for i in data.index if data.cohorts and i < data.cohorts[0]),
        "n_post_periods": sum(1 for i in data.index if data.cohorts and i >= data.cohorts[-1]),
    }
    if data.reason is not None:
        return pl.DataFrame([{**base, "reason": data.reason}], schema=_PERMUTATION_SCHEMA)
    changes, loading, spreads = _changes(data)
    groups, exact = _assignments(len(data.units), [len(rows) for rows in data.members], seed=seed)
    estimates = _assignment_estimates(changes, groups)
    loadings = _assignment_estimates(loading, groups)
    p_value = _share_at_least(estimates, float(estimates[0]))
    low, high = _inverted_interval(estimates, loadings, alpha=1.0 - level)
    p_studentized = None
    if not np.isnan(spreads).any():
        # Each county's d and loading divided by its own pre-period spread (which an effect after the start
        # does not move), so the studentized statistic is linear in the effect too and can be inverted.
        studentized = _assignment_estimates(changes / spreads, groups)
        p_studentized = _share_at_least(studentized, float(studentized[0]))
        scaled_loadings = _assignment_estimates(loading / spreads, groups)
        # The reported test rejects only where both reject: its interval is the union of the two.
        low, high = _union((low, high), _inverted_interval(studentized, scaled_loadings, alpha=1.0 - level))
    row = {
        **base,
        "estimate": float(estimates[0]),
        "p_value": p_value,
        "p_value_studentized": p_studentized,
        "p_value_reported": max(p_value, p_studentized) if p_studentized is not None else p_value,
        "n_permutations": int(estimates.size),
        "min_p": 1.0 / estimates.size,
        "exact": exact,
        "ci_low": low,
        "ci_high": high,
    }
    return pl.DataFrame([row], schema=_PERMUTATION_SCHEMA)


_EVENT_SCHEMA: Final = pl.Schema(
    {
        "relative_period": pl.Int64(),
        "period": pl.String(),
        "estimate": pl.Float64(),
        "p_value": pl.Float64(),
        "placebo_low": pl.Float64(),
        "placebo_high": pl.Float64(),
        "n_permutations": pl.Int64(),
        "n_treated": pl.Int64(),
        "n_comparison": pl.Int64(),
    }
)


def event_study(
    panel: pl.DataFrame | pl.LazyFrame,
    *,
    outcome: str,
    treated: Collection[str],
    start: str | Mapping[str, str],
    period: str,
    unit: str = "region_code",
    comparison: Collection[str] | None = None,
    seed: int = 0,
) -> pl.DataFrame:
    """The effect by period relative to the start, the pre-periods included; one row per relative period.

    For relative period e and cohort g (start s_g): mean over the cohort's units of (y[s_g + e] −
    y[s_g − 1]) minus the same mean over the comparison units; cohorts present at e are averaged by their
    size. e = −1 is the reference (0 by construction, no p-value). Pre-period rows (e < −1) show whether
    the groups moved apart before the start: they describe, they do not prove parallel trends. ``p_value``
    is the permutation p of each row (as in :func:`permutation_test`); ``placebo_low``/``placebo_high``
    the smallest and largest estimate among the other assignments (each comparison unit, or group of
    units, pretending to be treated). ``period`` is the calendar period when there is one cohort.
    Same inputs and complete-case rule as :func:`permutation_test`; an empty frame when there is no
    estimate.
    """
    data = _permutation_input(
        panel, outcome=outcome, treated=treated, start=start, period=period, unit=unit, comparison=comparison
    )
    if data.reason is not None:
        return pl.DataFrame(schema=_EVENT_SCHEMA)
    groups, _exact = _assignments(len(data.units), [len(rows) for rows in data.members], seed=seed)
    position = {index: column for column, index in enumerate(data.index)}
    relative = sorted({i - cohort for cohort in data.cohorts for i in data.index if cohort - 1 in position})
    rows = []
    for e in relative:
        present = [g for g, cohort in enumerate(data.cohorts) if cohort - 1 in position and cohort + e in position]
        if not present:
            continue
        values = np.stack(
            [
                data.values[:, position[data.cohorts[g] + e]] - data.values[:, position[data.cohorts[g] - 1]]
                for g in present
            ],
            axis=1,
        )
        chosen = [groups[g] for g in present]
        estimates = _assignment_estimates(values, chosen)
        placebo = estimates[1:]
        single = len(data.cohorts) == 1
        rows.append(
            {
                "relative_period": e,
                "period": data.periods[position[data.cohorts[0] + e]] if single else None,
                "estimate": float(estimates[0]),
                "p_value": None if e == -1 else _share_at_least(estimates, float(estimates[0])),
                "placebo_low": float(placebo.min()) if placebo.size else None,
                "placebo_high": float(placebo.max()) if placebo.size else None,
                "n_permutations": int(estimates.size),
                "n_treated": sum(len(data.members[g]) for g in present),
                "n_comparison": len(data.units) - data.n_treated,
            }
        )
    return pl.DataFrame(rows, schema=_EVENT_SCHEMA)


_SYNTHETIC_SCHEMA: Final = pl.Schema(
    {
        "unit": pl.String(),
        "role": pl.String(),
        "period": pl.String(),
        "post": pl.Boolean(),
        "value": pl.Float64(),
        "synthetic": pl.Float64(),
        "gap": pl.Float64(),
        "pre_rmspe": pl.Float64(),
        "post_rmspe": pl.Float64(),
    }
)


def _synthetic_weights(target: FloatArray, donors: FloatArray) -> FloatArray:
    """Non-negative donor weights summing to 1 that best reproduce ``target`` (least squares, pre periods)."""
    from scipy.optimize import nnls  # noqa: PLC0415  # a second to import; only this view needs it

    scale = max(1.0, float(np.abs(donors).max(initial=0.0)), float(np.abs(target).max(initial=0.0)))
    penalty = 1e3 * scale
    design = np.vstack([donors, np.full((1, donors.shape[1]), penalty)])
    goal = np.concatenate([target, [penalty]])
    weights, _residual = nnls(design, goal)
    total = weights.sum()
    return np.asarray(
        weights / total if total > 0 else np.full(donors.shape[1], 1.0 / donors.shape[1]), dtype=np.float64
    )


def synthetic_control(
    panel: pl.DataFrame | pl.LazyFrame,
    *,
    outcome: str,
    treated: str,
    start: str,
    period: str,
    unit: str = "region_code",
    comparison: Collection[str] | None = None,
) -> pl.DataFrame:
    """A synthetic control for one treated unit, with the same fit for every comparison unit (placebo gaps).

    The synthetic unit is the weighted mean of the comparison units (weights ≥ 0, summing to 1) closest
    to the treated unit over the pre periods (Abadie, Diamond & Hainmueller, JASA 2010). Each comparison
    unit gets its own synthetic unit from the other comparison units (the treated one never a donor).
    One row per unit and period: ``role`` ('treated' or 'placebo'), ``value``, ``synthetic``, ``gap`` =
    value − synthetic, and the unit's root mean squared gap before and after the start. Same inputs and
    complete-case rule as :func:`permutation_test`; empty without a treated unit or two comparison units.
    """
    if not isinstance(treated, str):
        raise InvalidInputError("synthetic_control takes one treated unit (a code), not a collection")
    data = _permutation_input(
        panel, outcome=outcome, treated=[treated], start=start, period=period, unit=unit, comparison=comparison
    )
    if data.reason is not None or len(data.units) < 3:
        return pl.DataFrame(schema=_SYNTHETIC_SCHEMA)
    pre = np.array(data.index) < data.cohorts[0]
    rows = []
    for row, code in enumerate(data.units):
        donors = np.array([other for other in range(1, len(data.units)) if other != row], dtype=np.intp)
        weights = _synthetic_weights(data.values[row, pre], data.values[np.ix_(donors, np.flatnonzero(pre))].T)
        synthetic = weights @ data.values[donors, :]
        gap = data.values[row, :] - synthetic
        pre_rmspe = float(np.sqrt(np.mean(gap[pre] ** 2)))
        post_rmspe = float(np.sqrt(np.mean(gap[~pre] ** 2)))
        for column, text in enumerate(data.periods):
            rows.append(
                (
                    code,
                    "treated" if row == 0 else "placebo",
                    text,
                    bool(not pre[column]),
                    float(data.values[row, column]),
                    float(synthetic[column]),
                    float(gap[column]),
                    pre_rmspe,
                    post_rmspe,
                )
            )
    return pl.DataFrame(rows, schema=_SYNTHETIC_SCHEMA, orient="row")
