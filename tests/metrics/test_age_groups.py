"""Age groups 0-17, 18-64, 65-74 and 75+: inclusive bounds, unknown never guessed, a patient's age reached."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import columns as c
from core.errors import InvalidInputError
from metrics.age_groups import AGE_GROUP, AGE_GROUPS, AGE_YEARS, UNKNOWN_AGE, age_group, has_ages, with_age_group
from tests.metrics.frames import MONDAY, visit, visits

SMALL = settings(max_examples=max(10, settings().max_examples // 4))


def group_of(age: float | None) -> str:
    frame = pl.DataFrame({"age": [age]}, schema={"age": pl.Float64})
    return str(frame.select(age_group(pl.col("age"))).item())


@pytest.mark.parametrize(
    ("age", "group"),
    [
        # Each bound is inclusive on its own side: 17 is a child, 18 an adult, 74 not yet 75+.
        (0, "0-17"),
        (17, "0-17"),
        (18, "18-64"),
        (64, "18-64"),
        (65, "65-74"),
        (74, "65-74"),
        (75, "75+"),
        (104, "75+"),
        # A fractional age is floored: 74.9 years is 74.
        (74.9, "65-74"),
        # No age, or an impossible one, is unknown: never put in a group.
        (None, UNKNOWN_AGE),
        (-1, UNKNOWN_AGE),
        (131, UNKNOWN_AGE),
        (float("nan"), UNKNOWN_AGE),
    ],
)
def test_age_group_bounds(age: float | None, group: str) -> None:
    assert group_of(age) == group


def test_visits_without_the_age_column_are_all_unknown() -> None:
    without = visits(visit(), visit()).drop(AGE_YEARS, strict=False)
    assert with_age_group(without)[AGE_GROUP].to_list() == [UNKNOWN_AGE, UNKNOWN_AGE]
    assert not has_ages(without.collect_schema())


def test_visits_with_no_age_recorded_are_unknown() -> None:
    frame = visits(visit()).with_columns(pl.lit(None, pl.Float64).alias(AGE_YEARS))
    assert with_age_group(frame)[AGE_GROUP].to_list() == [UNKNOWN_AGE]


def test_each_visit_gets_the_group_of_its_own_age() -> None:
    frame = visits(visit(), visit()).with_columns(pl.Series(AGE_YEARS, [74, 75]))
    assert with_age_group(frame)[AGE_GROUP].to_list() == ["65-74", "75+"]


def test_a_patient_who_turns_75_in_the_year_is_among_the_over_75s_for_all_their_visits() -> None:
    frame = visits(
        visit(patient_id="p1", visit_at=MONDAY),
        visit(patient_id="p1", visit_at=MONDAY + timedelta(days=100)),
        visit(patient_id="p2", visit_at=MONDAY),
    ).with_columns(pl.Series(AGE_YEARS, [74, 75, None], dtype=pl.Int64), pl.lit("2024").alias(c.PERIOD))
    grouped = with_age_group(frame, per_patient=[c.PERIOD])
    assert grouped[AGE_GROUP].to_list() == ["75+", "75+", UNKNOWN_AGE]


def test_lazy_gives_the_same_as_eager() -> None:
    frame = visits(visit(), visit(patient_id="p2")).with_columns(pl.Series(AGE_YEARS, [5, 80]))
    assert with_age_group(frame.lazy(), per_patient=[]).collect().equals(with_age_group(frame, per_patient=[]))


def test_an_age_column_of_text_is_refused_with_its_type() -> None:
    frame = visits(visit()).with_columns(pl.lit("80").alias(AGE_YEARS))
    with pytest.raises(InvalidInputError, match=AGE_YEARS):
        with_age_group(frame)


@SMALL
@given(st.lists(st.one_of(st.none(), st.integers(-5, 140)), max_size=20))
def test_every_age_is_in_exactly_one_group_ordered_by_age(ages: list[int | None]) -> None:
    frame = pl.DataFrame({"age": ages}, schema={"age": pl.Int64}).with_columns(age_group(pl.col("age")).alias("g"))
    assert set(frame["g"].to_list()) <= {*AGE_GROUPS, UNKNOWN_AGE}
    known = frame.filter(pl.col("g") != UNKNOWN_AGE).sort("age")
    ranks = [AGE_GROUPS.index(group) for group in known["g"].to_list()]
    assert ranks == sorted(ranks)
    assert frame.filter(pl.col("g") == UNKNOWN_AGE)["age"].to_list() == [
        age for age in ages if age is None or age < 0 or age > 130
    ]
