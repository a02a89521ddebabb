"""A missing column's hint names only a close column: the same name but for case and separators, or a typo."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_sources.extracts import ExtractColumnsError, read_extract
from data_sources.extracts.common import close_name


@pytest.mark.parametrize(
    ("missing", "columns", "hint"),
    [
        ("visit_id", ["VisitID", "unit_id"], "VisitID"),  # case and separators
        ("visit_id", ["visit id", "unit_id"], "visit id"),
        ("assessment_at", ["assesment_at"], "assesment_at"),  # one letter left out
        ("visit_id", ["unit_id"], None),  # another column: never a hint
        ("urgent", ["region_code", "service_type"], None),
    ],
)
def test_only_a_close_name_is_suggested(missing: str, columns: list[str], hint: str | None) -> None:
    assert close_name(missing, columns) == hint


def test_a_file_lacking_visit_id_beside_unit_id_gets_no_hint_to_unit_id(tmp_path: Path) -> None:
    path = tmp_path / "visits.csv"
    path.write_text(
        "patient_id,professional_id,profession,unit_id,region_code,visit_at,assessment_at,urgent,contact_mode\n"
        "p1,d1,doctor,u1,02,2025-03-10 09:00,,false,in_person\n",
        encoding="utf-8",
    )

    with pytest.raises(ExtractColumnsError) as caught:
        read_extract(path, table="visits")

    assert "did you mean" not in str(caught.value)
    assert caught.value.close == {}
    assert caught.value.params["missing"] == "visit_id"
