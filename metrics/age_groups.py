"""Population groups by age: 0-17, 18-64, 65-74 and 75+ years.

The groups are those of the programme's over-75s work (Kanta-Häme's work
package for people over 75) and THL's usual age bands. An extract may carry
the patient's age at the visit in the optional visit column ``age_years``
(whole years); a visit without an age is in no group (``unknown``), never
guessed. A patient's group in a period is the group of the highest age at
their visits in it (the age reached), so a patient who turns 75 in the year
counts once, among the over-75s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import polars as pl

from core import columns as c
from core.errors import InvalidInputError
from core.schema import VISITS, require_columns
from metrics._frames import Frame, group_columns, same_kind

AGE_YEARS: Final = c.AGE_YEARS
"""The optional canonical visit column: the patient's age in whole years at the visit (nullable)."""
AGE_GROUP: Final = "age_group"
"""The column the age group is written to."""
AGE_GROUPS: Final = ("0-17", "18-64", "65-74", "75+")
"""The groups in order; each is ``lower-upper`` inclusive, the last open-ended."""
ALL_AGES: Final = "all"
"""The group of every visit, with or without an age."""
UNKNOWN_AGE: Final = "unknown"
"""The group of a visit without an age (or with an age outside 0-130 years)."""
_LOWER_BOUNDS = (0, 18, 65, 75)
MAX_AGE: Final = 130


def age_group(age: pl.Expr) -> pl.Expr:
    """The age group of an age in whole years: one of :data:`AGE_GROUPS`, or ``unknown`` for null or out of range.

    Bounds are inclusive: 17 is ``0-17``, 18 is ``18-64``, 74 is ``65-74`` and 75 is ``75+``. A fractional age
    is floored first (74.9 is 74).
    """
    years = age.cast(pl.Float64).floor()
    unknown = years.is_null() | years.is_nan() | (years < 0) | (years > MAX_AGE)
    # The groups are in ascending order: the first whose next lower bound lies above the age holds it.
    (first, *rest) = zip(AGE_GROUPS, _LOWER_BOUNDS[1:], strict=False)
    expr = pl.when(unknown).then(pl.lit(UNKNOWN_AGE)).when(years < first[1]).then(pl.lit(first[0]))
    for label, next_lower in rest:
        expr = expr.when(years < next_lower).then(pl.lit(label))
    return expr.otherwise(pl.lit(AGE_GROUPS[-1]))


def with_age_group(visits: Frame, *, per_patient: Sequence[str] | None = None) -> Frame:
    """``visits`` with an ``age_group`` column from ``age_years``.

    With ``per_patient=None`` each visit gets the group of its own age (for visit-level measures such as
    access and the remote share). With ``per_patient`` naming grouping columns (a period, a county), every
    visit of a patient in one such group gets the group of the patient's highest age there (for
    patient-level measures such as continuity and heavy use); a patient with no age there is ``unknown``.
    A frame without ``age_years`` gets ``unknown`` everywhere. Returns the same kind of frame as the input.
    """
    keys: list[str] = group_columns(per_patient or ())
    schema = visits.collect_schema()
    if per_patient is not None:
        VISITS.check(visits, (c.PATIENT_ID,))
        require_columns(visits, keys, table=VISITS.name)
    if AGE_YEARS in schema and not (schema[AGE_YEARS].is_numeric() or schema[AGE_YEARS] == pl.Null):
        raise InvalidInputError(f"{AGE_YEARS} must hold numbers (whole years), got {schema[AGE_YEARS]}")
    if AGE_YEARS not in schema:
        return same_kind(visits, lambda frame: frame.with_columns(pl.lit(UNKNOWN_AGE).alias(AGE_GROUP)))
    age = pl.col(AGE_YEARS)
    if per_patient is not None:
        age = age.max().over([*keys, c.PATIENT_ID])
    return same_kind(visits, lambda frame: frame.with_columns(age_group(age).alias(AGE_GROUP)))


def has_ages(schema: pl.Schema) -> bool:
    """Whether a visits frame of this schema carries the optional age column."""
    return AGE_YEARS in schema
