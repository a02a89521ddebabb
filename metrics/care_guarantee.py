"""The legal care guarantee (hoitotakuu) for non-urgent primary care in Finland.

Source: Terveydenhuoltolaki 1326/2010 51 § and the temporary 51 a §
(HE 74/2022), the cancellation of the 7-day limit (HE 55/2023), and the
return to three months for adults from 1.1.2025 (HE 134/2024); see
``metric_definitions.md`` §2.1. The 7-day limit never entered into force, so
the 7-day share is a performance indicator, not a legal limit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from core.errors import InvalidInputError

YOUTH_AGE_LIMIT = 23
"""From 1.1.2025 the 14-day limit applies to patients under this age."""


@dataclass(frozen=True)
class CareGuaranteeRule:
    """One rule of the timeline: a maximum wait for an age band from a start date."""

    starts: dt.date
    ends: dt.date | None
    min_age: int
    max_age: int | None  # exclusive; None means no upper bound
    days: int | None
    months: int | None
    source: str

    def applies(self, on: dt.date, age: int) -> bool:
        in_time = self.starts <= on and (self.ends is None or on <= self.ends)
        in_age = self.min_age <= age and (self.max_age is None or age < self.max_age)
        return in_time and in_age

    def limit_days(self, on: dt.date) -> int:
        """The maximum wait in days for an assessment on ``on`` (months counted as calendar months)."""
        if self.days is not None:
            return self.days
        assert self.months is not None  # every rule has days or months
        later: dt.date = on + relativedelta(months=self.months)
        return (later - on).days


_EARLIEST = dt.date(2011, 5, 1)  # Terveydenhuoltolaki 1326/2010 in force

CARE_GUARANTEE_TIMELINE: tuple[CareGuaranteeRule, ...] = (
    CareGuaranteeRule(_EARLIEST, dt.date(2023, 8, 31), 0, None, None, 3, "Terveydenhuoltolaki 1326/2010 51 §"),
    CareGuaranteeRule(dt.date(2023, 9, 1), dt.date(2024, 12, 31), 0, None, 14, None, "HE 74/2022, 51 a §; HE 55/2023"),
    CareGuaranteeRule(dt.date(2025, 1, 1), None, 0, YOUTH_AGE_LIMIT, 14, None, "HE 134/2024"),
    CareGuaranteeRule(dt.date(2025, 1, 1), None, YOUTH_AGE_LIMIT, None, None, 3, "HE 134/2024"),
)


def care_guarantee_rule(on: dt.date, age: int) -> CareGuaranteeRule:
    """The rule in force for a care-need assessment on ``on`` for a patient aged ``age`` (whole years)."""
    day = _as_date(on)
    if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 130:
        raise InvalidInputError(f"age must be whole years from 0 to 130, got {age!r}")
    for rule in CARE_GUARANTEE_TIMELINE:
        if rule.applies(day, age):
            return rule
    raise InvalidInputError(f"no care-guarantee rule is known before {_EARLIEST.isoformat()}, got {day.isoformat()}")


def legal_limit_days(on: dt.date, age: int) -> int:
    """The legal maximum wait in days from a care-need assessment on ``on`` at age ``age``.

    Three calendar months before 1.9.2023; 14 days from 1.9.2023 to
    31.12.2024; from 1.1.2025 14 days under 23 and three calendar months from
    23 on. Unit: days; three months are counted from ``on`` (90 days from
    1.1.2025, 92 from 1.7.2025). Pass the visit date when the assessment date
    is unknown; the rule in force on that date is used.
    """
    day = _as_date(on)
    return care_guarantee_rule(day, age).limit_days(day)


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise InvalidInputError(f"expected a date, got {value!r}")
