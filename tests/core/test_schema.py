"""The canonical schemas and their validator."""

from __future__ import annotations

import polars as pl
import pytest

from core import columns as c
from core.errors import ColumnTypeError, DashboardError, MissingColumnsError
from core.schema import (
    APPOINTMENT_SLOTS,
    ASSIGNMENTS,
    INDICATOR_VALUES,
    OPTIONAL_DTYPES,
    SURVEY_ANSWERS,
    VISITS,
    empty_frame,
)


@pytest.mark.parametrize("table", [VISITS, APPOINTMENT_SLOTS, SURVEY_ANSWERS, INDICATOR_VALUES, ASSIGNMENTS])
def test_the_canonical_empty_frame_passes_its_own_check(table) -> None:
    frame = empty_frame(table)
    # every canonical column but those only some extracts have (a visit's age)
    extra = OPTIONAL_DTYPES.get(table.name, {})
    assert tuple(frame.columns) == tuple(name for name in table.names if name not in extra)
    table.check(frame)
    table.check(frame.lazy())


def test_missing_columns_are_named_with_the_available_ones_and_a_hint() -> None:
    frame = pl.DataFrame({c.VISIT_ID: ["v1"], "patientid": ["p1"]})
    with pytest.raises(MissingColumnsError) as caught:
        VISITS.check(frame, [c.VISIT_ID, c.PATIENT_ID])
    message = str(caught.value)
    assert "missing column(s) 'patient_id'" in message
    assert "Available columns: 'visit_id', 'patientid'" in message
    assert "did you mean 'patientid'" in message
    assert caught.value.missing == (c.PATIENT_ID,)
    assert isinstance(caught.value, DashboardError)


def test_a_present_expected_column_is_never_offered_as_a_hint() -> None:
    frame = pl.DataFrame({c.VISIT_ID: ["v1"]})
    with pytest.raises(MissingColumnsError) as caught:
        VISITS.check(frame, [c.VISIT_ID, c.UNIT_ID])
    assert "did you mean" not in str(caught.value)


@pytest.mark.parametrize(
    ("column", "values"),
    [
        (c.VISIT_AT, ["2024-01-01"]),  # a time must be a date or datetime, not text
        (c.URGENT, ["yes"]),  # urgency must be a boolean
    ],
)
def test_a_column_of_the_wrong_kind_is_refused_with_what_it_must_hold(column: str, values: list[str]) -> None:
    with pytest.raises(ColumnTypeError, match=f"column '{column}' has type String, but it must hold"):
        VISITS.check(pl.DataFrame({column: values}), [column])


def test_identifiers_may_be_integers_or_text() -> None:
    VISITS.check(pl.DataFrame({c.PATIENT_ID: [1, 2]}), [c.PATIENT_ID])
    VISITS.check(pl.DataFrame({c.PATIENT_ID: ["a", "b"]}), [c.PATIENT_ID])
