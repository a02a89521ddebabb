"""nps: the Net Promoter Score over valid 0–10 answers, with its plug-in SE, Wald interval and weights."""

from __future__ import annotations

import math
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core import columns as c
from core.errors import ColumnTypeError, DashboardError, MissingColumnsError
from metrics.satisfaction import nps
from tests.metrics.frames import Z, answers, is_null, only_row, rows_by, subset

NAN = float("nan")
VALUES = ("nps", "se", "ci_low", "ci_high", "promoter_share", "passive_share", "detractor_share")

# Ten answers: promoters 10 9 10 9 10 (5), passives 8 7 (2), detractors 6 0 5 (3).
TEN = [10, 9, 8, 7, 6, 0, 10, 5, 9, 10]


def one(frame: pl.DataFrame, **options: Any) -> dict[str, Any]:
    return only_row(nps(frame, **options))


def approx(values: dict[str, Any]) -> Any:
    return pytest.approx(values, abs=1e-9)


# --- classification and the score ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "klass"),
    [
        # Detractors 0–6.
        (0, "detractors"),
        (6, "detractors"),
        # Passives 7–8.
        (7, "passives"),
        (8, "passives"),
        # Promoters 9–10.
        (9, "promoters"),
        (10, "promoters"),
        # A float that is a whole number is a valid answer.
        (9.0, "promoters"),
    ],
)
def test_each_valid_score_falls_in_its_class(score: float, klass: str) -> None:
    row = one(answers([score]))
    assert subset(row, ("n", "promoters", "passives", "detractors")) == {
        "n": 1,
        "promoters": int(klass == "promoters"),
        "passives": int(klass == "passives"),
        "detractors": int(klass == "detractors"),
    }


def test_nps_is_promoter_share_minus_detractor_share_times_100() -> None:
    # p = 5/10, d = 3/10: NPS = 100·(0.5 − 0.3) = 20. Passives stay in n.
    row = one(answers(TEN))
    assert subset(row, ("n", "n_invalid", "promoters", "passives", "detractors")) == {
        "n": 10,
        "n_invalid": 0,
        "promoters": 5,
        "passives": 2,
        "detractors": 3,
    }
    assert subset(row, ("nps", "promoter_share", "passive_share", "detractor_share")) == approx(
        {"nps": 20.0, "promoter_share": 0.5, "passive_share": 0.2, "detractor_share": 0.3}
    )


def test_se_is_the_plug_in_standard_error_dividing_by_n() -> None:
    # se = 100·sqrt(((p + d) − (p − d)²)/n) = 100·sqrt((0.8 − 0.04)/10) = 100·sqrt(0.076).
    # Dividing by n − 1 instead would give 29.06.
    assert one(answers(TEN))["se"] == pytest.approx(27.568097504180443, abs=1e-9)


def test_interval_is_wald_nps_plus_minus_z_se() -> None:
    row = one(answers(TEN))
    assert (row["ci_low"], row["ci_high"]) == approx((20 - Z * 27.568097504180443, 20 + Z * 27.568097504180443))
    assert (row["ci_low"], row["ci_high"]) == approx((-34.03247823048222, 74.03247823048221))


def test_n_effective_is_n_without_weights() -> None:
    assert one(answers(TEN))["n_effective"] == 10


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        # All promoters: NPS 100, no spread, and the Wald interval collapses to a point.
        ([9, 10, 10], {"nps": 100.0, "se": 0.0, "ci_low": 100.0, "ci_high": 100.0}),
        # All detractors.
        ([0, 6, 3], {"nps": -100.0, "se": 0.0, "ci_low": -100.0, "ci_high": -100.0}),
        # All passives.
        ([7, 8], {"nps": 0.0, "se": 0.0, "ci_low": 0.0, "ci_high": 0.0}),
    ],
)
def test_answers_all_in_one_class_have_zero_se(scores: list[int], expected: dict[str, float]) -> None:
    assert subset(one(answers(scores)), expected) == approx(expected)


@pytest.mark.parametrize(
    ("scores", "nps_value", "ci_low", "ci_high"),
    [
        # 10 10 0: NPS 33.33, se = 100·sqrt((1 − 1/9)/3) = 54.43; 33.33 + 106.7 is clipped to 100.
        ([10, 10, 0], 100 / 3, -73.35359280789578, 100.0),
        # The mirror image: the lower limit is clipped to −100.
        ([0, 0, 10], -100 / 3, -100.0, 73.35359280789578),
    ],
)
def test_interval_is_clipped_to_plus_minus_100(
    scores: list[int], nps_value: float, ci_low: float, ci_high: float
) -> None:
    row = one(answers(scores))
    assert subset(row, ("nps", "se", "ci_low", "ci_high")) == approx(
        {"nps": nps_value, "se": 54.433105395181734, "ci_low": ci_low, "ci_high": ci_high}
    )


# --- invalid answers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        11.0,  # above the scale
        -1.0,  # below the scale
        7.5,  # not a whole number
        None,  # no answer
        NAN,  # not a number
    ],
)
def test_an_invalid_score_is_excluded_and_counted(bad: float | None) -> None:
    row = one(answers([10.0, bad, 0.0]))
    assert (row["n"], row["n_invalid"], row["promoters"], row["passives"], row["detractors"]) == (2, 1, 1, 0, 1)
    assert row["nps"] == pytest.approx(0.0)


def test_invalid_scores_of_every_kind_add_up() -> None:
    row = one(answers([10, 11, -1, 7.5, None, NAN, 7.0, 0]))
    assert (row["n"], row["n_invalid"]) == (3, 5)
    assert row["nps"] == pytest.approx(0.0)  # one promoter, one passive, one detractor


def test_integer_scores_are_accepted() -> None:
    frame = answers([0, 0, 0]).with_columns(pl.Series(c.SCORE, [10, 0, 11], dtype=pl.Int64))
    row = one(frame)
    assert (row["n"], row["n_invalid"], row["nps"]) == (2, 1, 0.0)


@pytest.mark.parametrize(
    "scores",
    [
        [],  # no answers at all
        [None, 11.0, NAN],  # only invalid answers
    ],
)
def test_no_valid_answer_gives_null_nps_se_interval_and_shares(scores: list[float | None]) -> None:
    row = one(answers(scores))
    assert (row["n"], row["n_invalid"]) == (0, len(scores))
    assert all(is_null(row[name]) for name in VALUES)


# --- weights ---------------------------------------------------------------------------------------

# Scores 10 (w 2), 6 (w 1), 8 (w 1), 9 (w 0). Σw = 4, Σw² = 6.
# Weighted p = 2/4, d = 1/4, passives 1/4: NPS = 25, m = 0.25.
# s = +1, −1, 0, +1: Σw²(s − m)² = 4·0.75² + 1·1.25² + 1·0.25² + 0 = 3.875; se = 100·sqrt(3.875)/4.
# Kish n_effective = 4²/6 = 8/3. The zero weight is valid: n = 4 and the 9 is counted as a promoter.
WEIGHTED = answers([10, 6, 8, 9], weights=[2.0, 1.0, 1.0, 0.0])


def test_weighted_nps_uses_weighted_shares() -> None:
    row = one(WEIGHTED, weight=c.WEIGHT)
    assert subset(row, ("nps", "promoter_share", "passive_share", "detractor_share")) == approx(
        {"nps": 25.0, "promoter_share": 0.5, "passive_share": 0.25, "detractor_share": 0.25}
    )


def test_weighted_counts_stay_unweighted_and_a_zero_weight_counts_in_n() -> None:
    row = one(WEIGHTED, weight=c.WEIGHT)
    assert subset(row, ("n", "n_invalid", "promoters", "passives", "detractors")) == {
        "n": 4,
        "n_invalid": 0,
        "promoters": 2,
        "passives": 1,
        "detractors": 1,
    }


def test_weighted_se_is_the_linearised_one() -> None:
    assert one(WEIGHTED, weight=c.WEIGHT)["se"] == pytest.approx(100 * math.sqrt(3.875) / 4, abs=1e-9)


def test_weighted_n_effective_is_kish() -> None:
    assert one(WEIGHTED, weight=c.WEIGHT)["n_effective"] == pytest.approx(8 / 3, abs=1e-12)


def test_weighted_interval_is_wald_clipped() -> None:
    # 25 ± 1.96·49.21: the upper end (121.5) is clipped to 100.
    row = one(WEIGHTED, weight=c.WEIGHT)
    assert (row["ci_low"], row["ci_high"]) == approx((25 - Z * 49.21254921257382, 100.0))


def test_equal_weights_reproduce_the_unweighted_result() -> None:
    # With w_i = 3: Σw²(s − m)²/(Σw)² = Σ(s − m)²/n², which is the plug-in variance over n.
    weighted = one(answers(TEN, weights=[3.0] * 10), weight=c.WEIGHT)
    unweighted = one(answers(TEN))
    assert subset(weighted, VALUES) == approx(subset(unweighted, VALUES))
    assert weighted["n_effective"] == pytest.approx(10.0)


@pytest.mark.parametrize(
    "bad_weight",
    [
        None,  # missing weight
        NAN,  # not a number
        -1.0,  # negative
    ],
)
def test_a_row_with_an_unusable_weight_is_excluded_and_counted(bad_weight: float | None) -> None:
    # Left: 10 (w 1) and 5 (w 1): NPS 0, se = 100·sqrt(1² + 1²)/2 = 70.71.
    row = one(answers([10, 10, 5], weights=[1.0, bad_weight, 1.0]), weight=c.WEIGHT)
    assert (row["n"], row["n_invalid"], row["promoters"]) == (2, 1, 1)
    assert (row["nps"], row["se"]) == approx((0.0, 100 * math.sqrt(2) / 2))


def test_a_row_with_an_invalid_score_and_an_invalid_weight_is_counted_once() -> None:
    row = one(answers([None, 10, 0], weights=[None, 1.0, 1.0]), weight=c.WEIGHT)
    assert (row["n"], row["n_invalid"]) == (2, 1)


def test_the_weight_column_is_ignored_unless_asked_for() -> None:
    row = one(WEIGHTED)
    assert (row["nps"], row["n_effective"]) == approx((25.0, 4.0))  # 2 promoters, 1 detractor of 4


def test_a_named_weight_column_must_exist() -> None:
    with pytest.raises(MissingColumnsError, match="'weight'"):
        nps(answers(TEN), weight=c.WEIGHT)


def test_a_text_weight_column_is_refused() -> None:
    frame = WEIGHTED.with_columns(pl.col(c.WEIGHT).cast(pl.String))
    with pytest.raises(ColumnTypeError):
        nps(frame, weight=c.WEIGHT)


def test_any_column_can_serve_as_the_weight() -> None:
    frame = WEIGHTED.rename({c.WEIGHT: "design_weight"})
    assert one(frame, weight="design_weight")["nps"] == pytest.approx(25.0)


# --- groups, kinds, errors ----------------------------------------------------------------------------


def test_staff_enps_is_the_same_function_grouped_by_respondent() -> None:
    frame = answers(
        [0, 6, 10, 8, 10, 9, 0],
        respondent=["staff", "staff", "staff", "staff", "patient", "patient", "patient"],
    )
    result = nps(frame, by=(c.RESPONDENT,))
    assert result[c.RESPONDENT].to_list() == ["patient", "staff"]
    groups = rows_by(result, c.RESPONDENT)
    assert groups["patient"]["nps"] == pytest.approx(100 / 3)  # 2 promoters, 1 detractor of 3
    assert groups["staff"]["nps"] == pytest.approx(-25.0)  # 1 promoter, 2 detractors of 4
    staff_only = one(frame.filter(pl.col(c.RESPONDENT) == "staff"))
    assert staff_only["nps"] == pytest.approx(-25.0)


def test_a_group_with_only_invalid_answers_still_appears() -> None:
    result = nps(answers([10, None], unit_id=["u2", "u1"]), by=(c.UNIT_ID,))
    groups = rows_by(result, c.UNIT_ID)
    assert (groups["u1"]["n"], groups["u1"]["n_invalid"]) == (0, 1)
    assert is_null(groups["u1"]["nps"])
    assert groups["u2"]["nps"] == pytest.approx(100.0)


def test_no_identifier_column_appears_in_the_output() -> None:
    assert not set(nps(answers(TEN), by=(c.UNIT_ID,)).columns) & c.IDENTIFIER_COLUMNS


def test_lazy_input_gives_lazy_output_equal_to_the_eager_result() -> None:
    lazy = nps(WEIGHTED.lazy(), weight=c.WEIGHT)
    assert isinstance(lazy, pl.LazyFrame)
    eager = nps(WEIGHTED, weight=c.WEIGHT)
    assert isinstance(eager, pl.DataFrame)
    assert_frame_equal(lazy.collect(), eager)


def test_a_missing_score_column_is_named_with_the_available_ones() -> None:
    with pytest.raises(MissingColumnsError) as caught:
        nps(answers(TEN).drop(c.SCORE))
    assert "'score'" in str(caught.value)
    assert "'respondent'" in str(caught.value)
    assert isinstance(caught.value, DashboardError)


def test_a_text_score_column_is_refused() -> None:
    frame = answers([1]).with_columns(pl.Series(c.SCORE, ["10"]))
    with pytest.raises(ColumnTypeError):
        nps(frame)


# --- the per-class sums against the definitions, row by row ------------------------------------------

weights_and_scores = st.lists(
    st.tuples(
        st.sampled_from([0.0, 3.0, 6.0, 7.0, 8.0, 9.0, 10.0, 9.5, 11.0, None]),
        st.sampled_from([0.5, 1.0, 2.0, 3.25, 0.0, None]),
    ),
    max_size=25,
)


@settings(max_examples=50, deadline=None)
@given(rows=weights_and_scores)
def test_weighted_se_and_effective_n_match_the_row_by_row_definitions(rows: list[tuple[Any, Any]]) -> None:
    # Σw²(s − m)²/Σw and (Σw)²/Σw² over the valid answers, computed here in plain Python.
    frame = answers([score for score, _ in rows], weights=[weight for _, weight in rows])
    row = one(frame, weight=c.WEIGHT)
    valid = [(s, w) for s, w in rows if s is not None and s <= 10 and s == int(s) and w is not None]
    total = sum(w for _, w in valid)
    assert row["n"] == len(valid)
    if not valid or total == 0:
        assert is_null(row["se"])
        return
    signed = [(1 if s >= 9 else 0 if s >= 7 else -1, w) for s, w in valid]
    mean = sum(w * s for s, w in signed) / total
    expected_se = 100 * math.sqrt(sum(w * w * (s - mean) ** 2 for s, w in signed)) / total
    assert row["se"] == pytest.approx(expected_se, abs=1e-9)
    assert row["nps"] == pytest.approx(100 * mean, abs=1e-9)
    assert row["n_effective"] == pytest.approx(total**2 / sum(w * w for _, w in valid), rel=1e-12)
