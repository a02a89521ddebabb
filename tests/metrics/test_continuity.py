"""continuity_indices and continuity_summary: patient-level COC, UPC, HHI, MMCI, SECON and their means.

Providers are written as a sequence in visit order, one visit a day (see
``visits_of`` in tests/metrics/frames.py); ``None`` is a visit whose provider is unknown.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core import columns as c
from core.errors import ColumnTypeError, DashboardError, InvalidInputError, MissingColumnsError
from metrics.continuity import continuity_indices, continuity_summary
from tests.metrics.frames import Z, is_null, only_row, patient_visits, rows_by, subset, visit, visits, visits_of

INDICES = ("coc", "upc", "hhi", "mmci", "secon")


def indices_of(providers: list[str | None], **options: Any) -> dict[str, Any]:
    """The one output row of a single patient who saw ``providers`` in this order."""
    return only_row(continuity_indices(visits_of({"p1": providers}), **options))


def approx(values: dict[str, Any]) -> Any:
    return pytest.approx(values, abs=1e-12)


# --- patient-level indices ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("providers", "expected"),
    [
        # A A A B C: n = 5, k = 3, n_j = (3, 1, 1). Σn_j² = 11. COC = (11 − 5)/(5·4) = 0.3,
        # UPC = 3/5, HHI = 11/25, MMCI = (5 − 3 + 1)/5, SECON: pairs AA AA AB BC -> 2/4.
        (["A", "A", "A", "B", "C"], {"coc": 0.3, "upc": 0.6, "hhi": 0.44, "mmci": 0.6, "secon": 0.5}),
        # One provider throughout: every index is 1.
        (["A", "A", "A"], {"coc": 1.0, "upc": 1.0, "hhi": 1.0, "mmci": 1.0, "secon": 1.0}),
        # A new provider every time: COC 0, UPC = HHI = MMCI = 1/3, SECON 0.
        (["A", "B", "C"], {"coc": 0.0, "upc": 1 / 3, "hhi": 1 / 3, "mmci": 1 / 3, "secon": 0.0}),
        # The minimum, two visits: same provider or not.
        (["A", "A"], {"coc": 1.0, "upc": 1.0, "hhi": 1.0, "mmci": 1.0, "secon": 1.0}),
        (["A", "B"], {"coc": 0.0, "upc": 0.5, "hhi": 0.5, "mmci": 0.5, "secon": 0.0}),
        # A A B A C: same counts as the first case in another order; only SECON changes (AA AB BA AC -> 1/4).
        (["A", "A", "B", "A", "C"], {"coc": 0.3, "upc": 0.6, "hhi": 0.44, "mmci": 0.6, "secon": 0.25}),
    ],
)
def test_indices_match_hand_computed_values(providers: list[str], expected: dict[str, float]) -> None:
    assert subset(indices_of(providers), INDICES) == approx(expected)


@pytest.mark.parametrize(
    ("providers", "secon"),
    [
        # P04: A A B B, pairs AA AB BB -> 2/3.
        (["A", "A", "B", "B"], 2 / 3),
        # P05: A B A B, pairs AB BA AB -> 0.
        (["A", "B", "A", "B"], 0.0),
    ],
)
def test_p04_and_p05_share_coc_upc_hhi_mmci_but_not_secon(providers: list[str], secon: float) -> None:
    # n = 4, n_j = (2, 2): COC = (8 − 4)/12 = 1/3, UPC = 1/2 (a tie: the value is the same whichever
    # provider is "usual"), HHI = 1/2, MMCI = (4 − 2 + 1)/4 = 3/4.
    row = indices_of(providers)
    assert subset(row, INDICES) == approx({"coc": 1 / 3, "upc": 0.5, "hhi": 0.5, "mmci": 0.75, "secon": secon})


def test_counts_are_reported_with_the_indices() -> None:
    row = indices_of(["A", None, "B", "A", None])
    assert subset(row, (c.PATIENT_ID, "n_visits", "n_providers", "n_missing_provider")) == {
        c.PATIENT_ID: "p1",
        "n_visits": 3,
        "n_providers": 2,
        "n_missing_provider": 2,
    }


def test_every_index_is_null_for_a_single_visit_patient() -> None:
    row = indices_of(["A"])
    assert (row["n_visits"], row["n_providers"]) == (1, 1)
    assert all(is_null(row[name]) for name in INDICES)


def test_a_patient_whose_visits_all_lack_a_provider_still_gets_a_row_with_null_indices() -> None:
    row = indices_of([None, None, None])
    assert (row["n_visits"], row["n_providers"], row["n_missing_provider"]) == (0, 0, 3)
    assert all(is_null(row[name]) for name in INDICES)


@pytest.mark.parametrize(
    ("providers", "expected"),
    [
        # A, ?, A: the unknown visit is dropped, so the two A visits form one pair: SECON 1 (not 0, as
        # it would be if the gap broke the sequence), and n = 2.
        (["A", None, "A"], {"coc": 1.0, "upc": 1.0, "hhi": 1.0, "mmci": 1.0, "secon": 1.0}),
        # A, ?, A, B: A A B after dropping: n = 3, n_j = (2, 1), COC = (5 − 3)/6 = 1/3, UPC 2/3,
        # HHI 5/9, MMCI (3 − 2 + 1)/3 = 2/3, SECON (AA, AB) = 1/2.
        (["A", None, "A", "B"], {"coc": 1 / 3, "upc": 2 / 3, "hhi": 5 / 9, "mmci": 2 / 3, "secon": 0.5}),
    ],
)
def test_visits_without_a_provider_are_dropped_so_their_neighbours_form_a_pair(
    providers: list[str | None], expected: dict[str, float]
) -> None:
    assert subset(indices_of(providers), INDICES) == approx(expected)


def test_one_known_provider_and_missing_ones_is_below_the_minimum() -> None:
    row = indices_of(["A", None, None])
    assert (row["n_visits"], row["n_missing_provider"]) == (1, 2)
    assert all(is_null(row[name]) for name in INDICES)


@pytest.mark.parametrize(
    ("providers", "has_indices"),
    [
        # With min_visits = 3, two visits are too few even though COC is defined for them...
        (["A", "A"], False),
        # ...three are enough...
        (["A", "A", "B"], True),
        # ...and visits without a provider do not count towards the minimum.
        (["A", None, "A"], False),
    ],
)
def test_min_visits_three_nulls_patients_with_fewer_known_provider_visits(
    providers: list[str | None], has_indices: bool
) -> None:
    row = indices_of(providers, min_visits=3)
    assert [is_null(row[name]) for name in INDICES] == [not has_indices] * len(INDICES)


def test_min_visits_three_keeps_the_hand_computed_values() -> None:
    # A A B: COC = (4 + 1 − 3)/6 = 1/3, SECON 1/2.
    row = indices_of(["A", "A", "B"], min_visits=3)
    assert (row["coc"], row["secon"]) == approx((1 / 3, 0.5))


@pytest.mark.parametrize("min_visits", [1, 0, -2])
def test_min_visits_below_two_is_refused(min_visits: int) -> None:
    with pytest.raises(InvalidInputError):
        continuity_indices(visits_of({"p1": ["A", "B"]}), min_visits=min_visits)


@pytest.mark.parametrize(
    ("second", "third", "secon"),
    [
        # v1 A at 9:00; v2 and v3 at the same 10:00. Ordered by (visit_at, visit_id): A, A, B -> 1/2.
        ("A", "B", 0.5),
        # Swap who was seen in v2 and v3: A, B, A -> 0.
        ("B", "A", 0.0),
    ],
)
def test_ties_in_visit_time_are_ordered_by_visit_id_for_secon(second: str, third: str, secon: float) -> None:
    t1, t2 = datetime(2024, 3, 1, 9), datetime(2024, 3, 1, 10)
    frame = visits(
        # Rows deliberately out of id order, so the input order cannot be what decides.
        visit(visit_id="v3", professional_id=third, visit_at=t2),
        visit(visit_id="v1", professional_id="A", visit_at=t1),
        visit(visit_id="v2", professional_id=second, visit_at=t2),
    )
    assert only_row(continuity_indices(frame))["secon"] == pytest.approx(secon)


def test_integer_visit_ids_break_ties_in_numeric_order() -> None:
    # Ids 1, 9, 10 at times t1, t2, t2: numeric order gives A, A, B (SECON 1/2); ordering the ids as
    # text ("1" < "10" < "9") would give A, B, A (SECON 0).
    t1, t2 = datetime(2024, 3, 1, 9), datetime(2024, 3, 1, 10)
    frame = visits(
        visit(visit_id="10", professional_id="B", visit_at=t2),
        visit(visit_id="1", professional_id="A", visit_at=t1),
        visit(visit_id="9", professional_id="A", visit_at=t2),
    ).with_columns(pl.col(c.VISIT_ID).cast(pl.Int64))
    assert only_row(continuity_indices(frame))["secon"] == pytest.approx(0.5)


def test_secon_follows_visit_time_not_row_order() -> None:
    # Rows in the order A, B, A but times say A (1.3), A (2.3), B (3.3): SECON 1/2.
    frame = visits(
        visit(professional_id="A", visit_at=datetime(2024, 3, 1, 9)),
        visit(professional_id="B", visit_at=datetime(2024, 3, 3, 9)),
        visit(professional_id="A", visit_at=datetime(2024, 3, 2, 9)),
    )
    assert only_row(continuity_indices(frame))["secon"] == pytest.approx(0.5)


def test_one_row_per_patient_each_with_its_own_indices() -> None:
    result = continuity_indices(visits_of({"p2": ["A", "B"], "p1": ["A", "A"], "p3": ["C"]}))
    rows = rows_by(result, c.PATIENT_ID)
    assert sorted(rows) == ["p1", "p2", "p3"]
    assert (rows["p1"]["coc"], rows["p2"]["coc"]) == (1.0, 0.0)
    assert is_null(rows["p3"]["coc"])


def test_by_profession_computes_separate_doctor_and_nurse_indices() -> None:
    frame = visits(
        *patient_visits("p1", ["D1", "D1"], profession="doctor"),
        *[
            {**row, c.VISIT_ID: f"n-{i}"}
            for i, row in enumerate(patient_visits("p1", ["N1", "N2"], profession="nurse"))
        ],
    )
    # Together: n_j = (2, 1, 1), COC = (6 − 4)/12 = 1/6; by profession: doctor 1, nurse 0.
    assert only_row(continuity_indices(frame))["coc"] == pytest.approx(1 / 6)
    rows = rows_by(continuity_indices(frame, by=(c.PROFESSION,)), c.PROFESSION, c.PATIENT_ID)
    assert sorted(rows) == [("doctor", "p1"), ("nurse", "p1")]
    assert (rows["doctor", "p1"]["coc"], rows["nurse", "p1"]["coc"]) == (1.0, 0.0)
    assert (rows["doctor", "p1"]["n_visits"], rows["nurse", "p1"]["n_visits"]) == (2, 2)


def test_a_visit_time_held_as_text_is_refused() -> None:
    frame = visits_of({"p1": ["A", "B"]}).with_columns(pl.col(c.VISIT_AT).cast(pl.String))
    with pytest.raises(ColumnTypeError):
        continuity_indices(frame)


def test_continuity_indices_lazy_input_gives_lazy_output_equal_to_the_eager_result() -> None:
    frame = visits_of({"p1": ["A", "A", "B"], "p2": ["B", None, "C"], "p3": ["A"]})
    lazy = continuity_indices(frame.lazy())
    assert isinstance(lazy, pl.LazyFrame)
    eager = continuity_indices(frame)
    assert isinstance(eager, pl.DataFrame)
    assert_frame_equal(lazy.collect().sort(c.PATIENT_ID), eager.sort(c.PATIENT_ID))


@pytest.mark.parametrize("column", [c.PATIENT_ID, c.PROFESSIONAL_ID, c.VISIT_AT, c.VISIT_ID])
def test_a_missing_visit_column_is_named_with_the_available_ones(column: str) -> None:
    frame = visits_of({"p1": ["A", "B"]}).drop(column)
    for function in (continuity_indices, continuity_summary):
        with pytest.raises(MissingColumnsError) as caught:
            function(frame)
        assert repr(column) in str(caught.value)
        assert repr(c.UNIT_ID) in str(caught.value)  # an available column is listed
        assert isinstance(caught.value, DashboardError)


# --- continuity_summary ------------------------------------------------------------------------

# Five patients in region 01:
#   p1 A A       n = 2  COC 1    UPC 1    HHI 1    MMCI 1    SECON 1
#   p2 A A B B   n = 4  COC 1/3  UPC 1/2  HHI 1/2  MMCI 3/4  SECON 2/3
#   p3 A B C D   n = 4  COC 0    UPC 1/4  HHI 1/4  MMCI 1/4  SECON 0
#   p4 A         n = 1  not eligible
#   p5 ? ?       n = 0  not eligible, two visits without a provider
MIXED = {
    "p1": ["A", "A"],
    "p2": ["A", "A", "B", "B"],
    "p3": ["A", "B", "C", "D"],
    "p4": ["A"],
    "p5": [None, None],
}


def summary_of(patients: dict[str, list[str | None]], **options: Any) -> dict[str, Any]:
    return only_row(continuity_summary(visits_of(patients), **options))


def test_summary_counts_patients_eligible_patients_and_visits() -> None:
    row = summary_of(MIXED)
    assert subset(row, ("n_patients", "n_eligible", "n_visits", "n_missing_provider", "min_visits")) == {
        "n_patients": 5,  # every patient with a visit, with or without a provider
        "n_eligible": 3,  # p1, p2, p3
        "n_visits": 11,  # 2 + 4 + 4 + 1 visits with a known provider
        "n_missing_provider": 2,
        "min_visits": 2,
    }


def test_mean_coc_is_the_unweighted_mean_over_eligible_patients() -> None:
    # (1 + 1/3 + 0)/3 = 4/9; p4 and p5 do not pull it down as zeros would.
    assert summary_of(MIXED)["mean_coc"] == pytest.approx(4 / 9, abs=1e-12)


def test_visit_weighted_coc_weights_each_patient_by_their_visits() -> None:
    # (2·1 + 4·(1/3) + 4·0)/(2 + 4 + 4) = (10/3)/10 = 1/3, below the unweighted 4/9.
    assert summary_of(MIXED)["visit_weighted_coc"] == pytest.approx(1 / 3, abs=1e-12)


def test_the_other_means_are_unweighted_means_over_eligible_patients() -> None:
    row = summary_of(MIXED)
    assert subset(row, ("mean_upc", "visit_weighted_upc", "mean_hhi", "mean_mmci", "mean_secon")) == approx(
        {
            "mean_upc": (1 + 1 / 2 + 1 / 4) / 3,  # 7/12
            "visit_weighted_upc": (2 * 1 + 4 * 0.5 + 4 * 0.25) / 10,  # 1/2
            "mean_hhi": (1 + 1 / 2 + 1 / 4) / 3,
            "mean_mmci": (1 + 3 / 4 + 1 / 4) / 3,  # 2/3
            "mean_secon": (1 + 2 / 3 + 0) / 3,  # 5/9
        }
    )


# Four patients with four visits each, chosen so the interval stays inside [0, 1]:
#   (3, 1) -> COC (9 + 1 − 4)/12 = 1/2,  UPC 3/4
#   (2, 2) -> COC 1/3,                    UPC 1/2   (twice)
#   (2, 1, 1) -> COC (4 + 1 + 1 − 4)/12 = 1/6, UPC 1/2
# Mean COC 1/3, deviations ±1/6, 0, 0: s² = (2/36)/3 = 1/54.
# Mean UPC 9/16, deviations 3/16 and −1/16 (×3): s² = (12/256)/3 = 1/64, s = 1/8.
SPREAD = {
    "p1": ["A", "A", "A", "B"],
    "p2": ["A", "A", "B", "B"],
    "p3": ["A", "B", "A", "B"],
    "p4": ["A", "A", "B", "C"],
}


def test_coc_interval_is_the_mean_plus_minus_z_s_over_root_m() -> None:
    row = summary_of(SPREAD)
    half = Z * math.sqrt(1 / 54) / math.sqrt(4)
    assert subset(row, ("mean_coc", "ci_low", "ci_high")) == approx(
        {"mean_coc": 1 / 3, "ci_low": 1 / 3 - half, "ci_high": 1 / 3 + half}
    )


def test_upc_interval_is_the_mean_plus_minus_z_s_over_root_m() -> None:
    row = summary_of(SPREAD)
    half = Z * (1 / 8) / math.sqrt(4)
    assert subset(row, ("mean_upc", "upc_ci_low", "upc_ci_high")) == approx(
        {"mean_upc": 9 / 16, "upc_ci_low": 9 / 16 - half, "upc_ci_high": 9 / 16 + half}
    )


def test_coc_interval_is_clipped_to_zero_and_one() -> None:
    # MIXED: mean 4/9, s = sqrt(7/27) (deviations 5/9, −1/9, −4/9), m = 3:
    # 4/9 ∓ 1.96·0.294 = −0.13 and 1.02, clipped to 0 and 1.
    half = Z * math.sqrt(7 / 27) / math.sqrt(3)
    assert 4 / 9 - half < 0  # the hand numbers do cross both ends
    assert 4 / 9 + half > 1
    row = summary_of(MIXED)
    assert (row["ci_low"], row["ci_high"]) == (0.0, 1.0)


def test_intervals_are_null_with_a_single_eligible_patient() -> None:
    row = summary_of({"p1": ["A", "A", "B"], "p2": ["A"]})
    assert (row["n_eligible"], row["mean_coc"]) == (1, pytest.approx(1 / 3))
    assert all(is_null(row[name]) for name in ("ci_low", "ci_high", "upc_ci_low", "upc_ci_high"))


def test_all_means_are_null_without_eligible_patients() -> None:
    row = summary_of({"p1": ["A"], "p2": [None, None]})
    assert (row["n_patients"], row["n_eligible"], row["n_visits"], row["n_missing_provider"]) == (2, 0, 1, 2)
    means = ("mean_coc", "visit_weighted_coc", "mean_upc", "visit_weighted_upc", "mean_secon", "mean_mmci", "mean_hhi")
    assert all(is_null(row[name]) for name in (*means, "ci_low", "ci_high", "upc_ci_low", "upc_ci_high"))


def test_summary_min_visits_changes_who_is_eligible_and_is_reported() -> None:
    # With min_visits = 3 only p2 and p3 are eligible: mean COC (1/3 + 0)/2 = 1/6.
    row = summary_of(MIXED, min_visits=3)
    assert (row["n_patients"], row["n_eligible"], row["min_visits"]) == (5, 2, 3)
    assert row["mean_coc"] == pytest.approx(1 / 6, abs=1e-12)


def test_summary_refuses_min_visits_below_two() -> None:
    with pytest.raises(InvalidInputError):
        continuity_summary(visits_of(MIXED), min_visits=1)


def test_an_empty_input_gives_one_summary_row_of_zeros_and_nulls() -> None:
    row = only_row(continuity_summary(visits()))
    assert (row["n_patients"], row["n_eligible"], row["n_visits"], row["n_missing_provider"]) == (0, 0, 0, 0)
    assert is_null(row["mean_coc"])


def test_summary_by_region_gives_one_sorted_row_per_region() -> None:
    frame = pl.concat([visits_of({"p9": ["A", "A"]}, region_code="02"), visits_of(SPREAD, region_code="01")])
    result = continuity_summary(frame, by=(c.REGION_CODE,))
    assert result[c.REGION_CODE].to_list() == ["01", "02"]
    regions = rows_by(result, c.REGION_CODE)
    assert (regions["01"]["n_eligible"], regions["01"]["mean_coc"]) == (4, pytest.approx(1 / 3))
    assert (regions["02"]["n_eligible"], regions["02"]["mean_coc"]) == (1, 1.0)


def test_summary_has_no_identifier_columns() -> None:
    result = continuity_summary(visits_of(MIXED), by=(c.REGION_CODE,))
    assert not set(result.columns) & c.IDENTIFIER_COLUMNS


def test_summary_lazy_input_gives_lazy_output_equal_to_the_eager_result() -> None:
    lazy = continuity_summary(visits_of(MIXED).lazy())
    assert isinstance(lazy, pl.LazyFrame)
    assert_frame_equal(lazy.collect(), continuity_summary(visits_of(MIXED)))
