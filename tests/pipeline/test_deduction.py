"""The audit's engine: the interior-point method and the programs pulling the undecided counts together find what
the exact programs find."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from scipy import sparse

from pipeline import deduction
from pipeline.audit import Problem, build_relations, deduce
from pipeline.audit_counts import Key
from tests.pipeline.test_audit import hierarchies, visits

THRESHOLD = 5


def findings(truth: dict[Key, int], hidden: set[Key]) -> list[tuple[str, Key, float, float]]:
    shown = {key: value for key, value in truth.items() if key not in hidden}
    outcome = deduce(Problem(truth, shown, hidden, build_relations(truth)), threshold=THRESHOLD)
    return [(finding.kind, finding.key, finding.low, finding.high) for finding in outcome.findings]


#: Programs over more than 8 counts are large: solved by the interior-point method; any target left undecided by
#: the small programs is pulled with the others over the whole component.
SMALL = {"WHOLE_SIZE": 8, "PULLED_AT_LEAST": 0}


@pytest.fixture
def small_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SMALL.items():
        monkeypatch.setattr(deduction, name, value)


@settings(max_examples=30, deadline=None)
@given(hierarchies())
def test_the_interior_point_and_the_pulls_find_what_the_exact_programs_find(
    case: tuple[dict[Key, int], set[Key]],
) -> None:
    truth, hidden = case
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(deduction, "PULLED_AT_LEAST", 10**9)  # no pulls: every undecided target's exact programs
        exact = findings(truth, hidden)

    with pytest.MonkeyPatch.context() as patch:
        for name, value in SMALL.items():
            patch.setattr(deduction, name, value)
        pulled = findings(truth, hidden)

    assert pulled == exact


@pytest.mark.usefixtures("small_whole")
def test_a_hidden_pair_under_the_threshold_is_narrow_by_the_interior_point() -> None:
    # Seven health centres' January and February hidden, their March and quarter shown; the county's January
    # and February hidden too, its March and quarter shown: one component of 16 counts.
    units = [f"u{number}" for number in range(7)]
    january = [visits("01", "2024-01", unit=unit) for unit in units]
    february = [visits("01", "2024-02", unit=unit) for unit in units]
    truth = {key: 3 if key.unit == "u0" else 6 for key in january}
    truth |= {key: 1 if key.unit == "u0" else 7 for key in february}  # u0: 3 + 1 = 4 together, under 5
    truth |= {visits("01", "2024-03", unit=unit): 20 for unit in units}
    for unit in units:  # the quarters: 24 for u0, 33 for the others
        truth[visits("01", "2024Q1", unit=unit)] = sum(v for k, v in truth.items() if k.unit == unit)
    for period in ("2024-01", "2024-02", "2024-03", "2024Q1"):  # the county: the sum of its health centres
        truth[visits("01", period)] = sum(v for k, v in truth.items() if k.period == period)

    found = findings(truth, hidden={*january, *february, visits("01", "2024-01"), visits("01", "2024-02")})

    assert found == [("narrow", january[0], 0.0, 4.0), ("narrow", february[0], 0.0, 4.0)]


def test_a_local_program_holds_the_other_counts_at_their_true_values() -> None:
    # x0 + x1 - x2 = 0, x2 - x3 - x4 = 0 on the counts 2, 3, 5, 3, 2
    matrix = sparse.csr_matrix(np.array([[1.0, 1, -1, 0, 0], [0, 0, 1, -1, -1]]))
    truth = np.array([2.0, 3, 5, 3, 2])
    members = np.array([1, 2])

    inside, right = deduction._held_outside(matrix, matrix.tocsc(), np.zeros(2), truth, members)

    # x1 - x2 = -2 (x0 held at 2), x2 = 5 (x3 and x4 held at 3 and 2)
    assert inside.toarray().tolist() == [[1.0, -1.0], [0.0, 1.0]]
    assert right.tolist() == [-2.0, 5.0]
