"""Named providers: list sizes against the 200-300 guide, the known-provider share and coverage of patients seen."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core import columns as c
from core.assignments import DTYPES, PROVIDER_ID
from core.errors import InvalidInputError, MissingColumnsError
from metrics.named_provider import KNOWN_PROVIDER_OUTPUT, LIST_SIZE_GUIDE, known_provider_share, list_sizes
from metrics.stats import wilson_interval
from tests.metrics.frames import MONDAY, only_row, visit, visits

SMALL = settings(max_examples=max(10, settings().max_examples // 4))
JAN_1 = dt.date(2024, 1, 1)
CLASSES = ("n_other_profession", "n_not_assigned", "n_missing_provider", "n_covered")


def assignment(patient: str, provider: str, kind: str = "doctor", **overrides: Any) -> dict[str, Any]:
    row = {
        c.PATIENT_ID: patient,
        "provider_kind": kind,
        PROVIDER_ID: provider,
        c.REGION_CODE: "01",
        c.UNIT_ID: "u1",
        "valid_from": JAN_1,
        "valid_to": None,
    }
    return row | overrides


def assignments(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows) or None, schema=dict(DTYPES))


# --- list sizes ---------------------------------------------------------------------------------


def test_list_sizes_against_the_guide() -> None:
    # d1 has 3 patients, d2 one; on 1.3.2024 p5's assignment has ended and p6's has not started.
    rows = [assignment(f"p{i}", "d1") for i in range(1, 4)]
    rows += [
        assignment("p4", "d2"),
        assignment("p5", "d2", valid_to=dt.date(2024, 2, 29)),
        assignment("p6", "d2", valid_from=dt.date(2024, 3, 2)),
        assignment("p1", "n1", kind="nurse"),
    ]
    row = only_row(list_sizes(assignments(*rows), at=dt.date(2024, 3, 1), guide=(2, 3)))
    assert (row["n_assigned"], row["n_providers"], row["median_list_size"]) == (4, 2, 2.0)
    assert (row["n_below_guide"], row["n_within_guide"], row["n_above_guide"]) == (1, 1, 0)


def test_the_guide_defaults_to_200_to_300_patients_per_named_doctor() -> None:
    assert LIST_SIZE_GUIDE == (200, 300)
    rows = [assignment(f"p{i}", "d1") for i in range(250)]
    assert only_row(list_sizes(assignments(*rows), at=JAN_1))["n_within_guide"] == 1


def test_an_assignment_is_in_force_on_its_first_and_last_day() -> None:
    frame = assignments(assignment("p1", "d1", valid_from=dt.date(2024, 3, 1), valid_to=dt.date(2024, 3, 31)))
    assert [
        only_row(list_sizes(frame, at=day))["n_assigned"]
        for day in (dt.date(2024, 2, 29), dt.date(2024, 3, 1), dt.date(2024, 3, 31), dt.date(2024, 4, 1))
    ] == [0, 1, 1, 0]


def test_list_sizes_per_county_and_for_no_assignment() -> None:
    frame = assignments(assignment("p1", "d1", region_code="02"), assignment("p2", "d2"))
    per_region = list_sizes(frame, at=JAN_1, by=[c.REGION_CODE])
    assert per_region[c.REGION_CODE].to_list() == ["01", "02"]
    empty = only_row(list_sizes(assignments(), at=JAN_1))
    assert (empty["n_assigned"], empty["n_providers"], empty["median_list_size"]) == (0, 0, None)


@pytest.mark.parametrize(
    "options",
    [{"kind": "surgeon"}, {"guide": (300, 200)}, {"at": dt.datetime(2024, 1, 1)}, {"by": [PROVIDER_ID]}],
)
def test_bad_list_size_options_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError):
        list_sizes(assignments(assignment("p1", "d1")), **({"at": JAN_1} | options))


# --- the known-provider share -------------------------------------------------------------------


def hand_case() -> tuple[pl.DataFrame, pl.DataFrame]:
    named = assignments(
        assignment("a", "d1"),
        assignment("b", "d1", valid_from=dt.date(2024, 3, 5)),
        assignment("c", "t1", kind="team"),
    )
    seen = visits(
        visit(patient_id="a", professional_id="d1"),  # named
        visit(patient_id="a", professional_id="d2"),  # covered, another doctor
        visit(patient_id="b", professional_id="d1"),  # 4.3.: b's assignment starts 5.3.
        visit(patient_id="b", professional_id="d1", visit_at=MONDAY + timedelta(days=2)),  # named
        visit(patient_id="c", professional_id="d1"),  # c has a team, no named doctor
        visit(patient_id="a", profession="nurse", professional_id="n1"),  # a has no named nurse
        visit(patient_id="a", professional_id=None),  # covered, professional unknown
        visit(patient_id="a", profession="other", professional_id="x1"),  # no named provider of this kind
    )
    return seen, named


def test_hand_counted_known_provider_share_and_coverage() -> None:
    seen, named = hand_case()
    row = only_row(known_provider_share(seen, named))
    assert (row["n_visits"], row["n_covered"], row["n_named"]) == (8, 3, 2)
    assert (row["n_other_profession"], row["n_not_assigned"], row["n_missing_provider"]) == (1, 3, 1)
    low, high = wilson_interval(2, 3)
    assert row["share"] == pytest.approx(2 / 3)
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert row["coverage"] == pytest.approx(3 / 8)
    # Every patient seen has some assignment on a visit day (c's team counts for coverage).
    assert (row["n_patients"], row["n_patients_assigned"], row["patient_coverage"]) == (3, 3, 1.0)


def test_known_provider_share_differs_from_coc_when_the_most_seen_doctor_is_not_the_named_one() -> None:
    # Four visits to d2 and one to the named d1: continuity is high, the named doctor is seen once in five.
    seen = visits(*(visit(professional_id="d2", visit_at=MONDAY + timedelta(days=i)) for i in range(4)), visit())
    row = only_row(known_provider_share(seen, assignments(assignment("p1", "d1"))))
    assert row["share"] == pytest.approx(1 / 5)


def test_a_patient_without_any_assignment_is_not_covered() -> None:
    row = only_row(known_provider_share(visits(visit()), assignments()))
    assert (row["n_covered"], row["share"], row["n_patients_assigned"], row["patient_coverage"]) == (0, None, 0, 0.0)


def test_lazy_equals_eager_and_groups_are_sorted() -> None:
    seen, named = hand_case()
    seen = seen.with_columns(pl.Series(c.REGION_CODE, ["02", "01", "01", "01", "02", "01", "01", "01"]))
    eager = known_provider_share(seen, named, by=[c.REGION_CODE])
    assert eager[c.REGION_CODE].to_list() == ["01", "02"]
    assert_frame_equal(known_provider_share(seen.lazy(), named.lazy(), by=[c.REGION_CODE]).collect(), eager)
    assert set(eager.columns) == {c.REGION_CODE, *KNOWN_PROVIDER_OUTPUT}


def test_the_share_per_profession_compares_doctors_with_their_named_doctor_and_nurses_with_theirs() -> None:
    seen, named = hand_case()
    per_profession = known_provider_share(seen, named, by=[c.PROFESSION])
    assert per_profession[c.PROFESSION].to_list() == ["doctor", "nurse", "other"]
    assert per_profession["n_named"].to_list() == [2, 0, 0]
    assert per_profession["n_other_profession"].to_list() == [0, 0, 1]


def test_assignments_without_their_dates_are_named_as_missing() -> None:
    with pytest.raises(MissingColumnsError, match="valid_from"):
        known_provider_share(visits(visit()), assignments().drop("valid_from"))


# --- invariants ---------------------------------------------------------------------------------

visit_rows = st.fixed_dictionaries(
    {
        c.PATIENT_ID: st.sampled_from(["p1", "p2", "p3"]),
        c.PROFESSIONAL_ID: st.one_of(st.none(), st.sampled_from(["d1", "d2", "n1"])),
        c.PROFESSION: st.sampled_from(["doctor", "doctor", "nurse", "other"]),
        c.VISIT_AT: st.integers(0, 60).map(lambda day: MONDAY + timedelta(days=day)),
        c.REGION_CODE: st.sampled_from(["01", "02"]),
    }
)
assignment_rows = st.builds(
    lambda patient, provider, kind, start, length: assignment(
        patient,
        provider,
        kind,
        valid_from=MONDAY.date() + timedelta(days=start),
        valid_to=None if length is None else MONDAY.date() + timedelta(days=start + length),
    ),
    st.sampled_from(["p1", "p2", "p3"]),
    st.sampled_from(["d1", "d2", "n1", "t1"]),
    st.sampled_from(["doctor", "nurse", "team"]),
    st.integers(-10, 50),
    st.one_of(st.none(), st.integers(0, 30)),
)
cases = st.tuples(
    st.lists(visit_rows, max_size=15).map(lambda rows: visits(*rows)),
    st.lists(assignment_rows, max_size=6).map(lambda rows: assignments(*rows)),
)


@SMALL
@given(cases)
def test_classes_add_up_and_shares_stay_in_range(case: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    seen, named = case
    row = only_row(known_provider_share(seen, named))
    assert sum(row[name] for name in CLASSES) == row["n_visits"] == seen.height
    assert 0 <= row["n_named"] <= row["n_covered"]
    assert 0 <= row["n_patients_assigned"] <= row["n_patients"]
    for name in ("share", "coverage", "patient_coverage"):
        assert row[name] is None or 0.0 <= row[name] <= 1.0
    grouped = known_provider_share(seen, named, by=[c.REGION_CODE])
    for name in ("n_visits", "n_covered", "n_named", "n_not_assigned"):
        assert grouped[name].sum() == row[name]


@SMALL
@given(st.data(), cases)
def test_row_order_changes_nothing(data: st.DataObject, case: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    seen, named = case
    order = data.draw(st.permutations(list(range(seen.height))))
    shuffled = seen[order] if seen.height else seen
    assert_frame_equal(
        known_provider_share(shuffled, named, by=[c.REGION_CODE]), known_provider_share(seen, named, by=[c.REGION_CODE])
    )
