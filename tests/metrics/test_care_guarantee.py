"""legal_limit_days and care_guarantee_rule: the statutory maximum wait by assessment date and age."""

from __future__ import annotations

from datetime import date

import pytest

from metrics.care_guarantee import CARE_GUARANTEE_TIMELINE, CareGuaranteeRule, care_guarantee_rule, legal_limit_days


@pytest.mark.parametrize(
    ("on", "age", "days"),
    [
        # Until 31.8.2023: three calendar months for everyone. 31.8 + 3 months = 30.11 (no 31.11): 91 days.
        (date(2023, 8, 31), 40, 91),
        (date(2023, 8, 31), 10, 91),
        # 15.1.2023 -> 15.4.2023: 16 + 28 + 31 + 15 = 90.
        (date(2023, 1, 15), 50, 90),
        # From 1.9.2023 to 31.12.2024: 14 days at any age.
        (date(2023, 9, 1), 40, 14),
        (date(2023, 9, 1), 22, 14),
        (date(2024, 12, 31), 40, 14),
        (date(2024, 12, 31), 23, 14),
        # The 7-day limit planned for 1.11.2024 never entered into force.
        (date(2024, 11, 1), 40, 14),
        # From 1.1.2025: 14 days under 23, three calendar months from 23 on (1.1 -> 1.4: 31 + 28 + 31 = 90).
        (date(2025, 1, 1), 22, 14),
        (date(2025, 1, 1), 23, 90),
        (date(2025, 1, 1), 0, 14),
        # Three calendar months depend on the months crossed: 1.7 -> 1.10 is 31 + 31 + 30 = 92.
        (date(2025, 7, 1), 23, 92),
        (date(2025, 7, 1), 22, 14),
        # A month end: 30.11.2025 + 3 months = 28.2.2026 (no 30.2): 30 + 31 + 29 = 90.
        (date(2025, 11, 30), 60, 90),
        # Across a leap February: 1.12.2027 -> 1.3.2028 is 31 + 31 + 29 = 91.
        (date(2027, 12, 1), 70, 91),
    ],
)
def test_legal_limit_days_follows_the_timeline(on: date, age: int, days: int) -> None:
    assert legal_limit_days(on, age) == days


def test_legal_limit_days_is_an_int() -> None:
    assert type(legal_limit_days(date(2025, 7, 1), 40)) is int


def test_the_rule_is_a_care_guarantee_rule() -> None:
    assert isinstance(care_guarantee_rule(date(2025, 1, 1), 40), CareGuaranteeRule)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # Inside one period, the rule does not depend on the day...
        ((date(2023, 9, 1), 40), (date(2024, 12, 31), 40)),
        # ...nor, before 2025, on the age.
        ((date(2024, 6, 1), 22), (date(2024, 6, 1), 23)),
        ((date(2023, 8, 31), 10), (date(2023, 1, 15), 50)),
        # From 2025 the under-23 rule is the same at any age below 23.
        ((date(2025, 1, 1), 0), (date(2025, 7, 1), 22)),
    ],
)
def test_the_same_rule_applies_within_a_period(first: tuple[date, int], second: tuple[date, int]) -> None:
    assert care_guarantee_rule(*first) == care_guarantee_rule(*second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # Across 1.9.2023.
        ((date(2023, 8, 31), 40), (date(2023, 9, 1), 40)),
        # Across 1.1.2025 for an adult.
        ((date(2024, 12, 31), 40), (date(2025, 1, 1), 40)),
        # From 2025, 22 and 23 differ.
        ((date(2025, 1, 1), 22), (date(2025, 1, 1), 23)),
    ],
)
def test_a_different_rule_applies_across_a_change(first: tuple[date, int], second: tuple[date, int]) -> None:
    assert care_guarantee_rule(*first) != care_guarantee_rule(*second)


def test_the_timeline_lists_the_periods() -> None:
    # Three regimes since 2011 (3 months; 14 days; 14 days under 23 and 3 months from 23).
    assert len(CARE_GUARANTEE_TIMELINE) >= 3
