"""Difference in differences: the change in an indicator attributable to taking part in a programme.

Input is a county × period panel of aggregate cells (an access share, a mean
COC, a T3 median, an NPS) and each participating county's start period. The
estimate answers "how much more did the indicator change in the participating
counties than in comparable counties that did not take part?".

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
from typing import Final, Literal

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
