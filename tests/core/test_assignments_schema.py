"""The named-provider assignments are a canonical table like the visits: one schema, one set of reader dtypes."""

from __future__ import annotations

from core import assignments
from core.schema import ASSIGNMENTS, empty_frame, reader_dtypes


def test_the_assignments_reader_dtypes_are_declared_with_the_other_canonical_tables() -> None:
    assert reader_dtypes(ASSIGNMENTS.name) == dict(assignments.DTYPES)
    assert ASSIGNMENTS == assignments.ASSIGNMENTS
    assert ASSIGNMENTS.name == assignments.TABLE_NAME


def test_the_empty_assignments_frame_passes_its_own_check() -> None:
    frame = empty_frame(ASSIGNMENTS)
    assert tuple(frame.columns) == ASSIGNMENTS.names
    ASSIGNMENTS.check(frame)
    ASSIGNMENTS.check(frame.lazy())
