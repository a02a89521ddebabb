"""Seed documents are cited by name and line, never by their hashed file names."""

from __future__ import annotations

import pytest

from views.investments import seed_reference


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fi", "RRP4-alueiden tilannekatsaukset, kevät 2025, rivi 37"),
        ("sv", "RRP4-områdenas lägesrapporter, våren 2025, rad 37"),
        ("en", "RRP4 counties' status reports, spring 2025, line 37"),
    ],
)
def test_a_seed_line_is_cited_by_document_name(language: str, expected: str) -> None:
    assert seed_reference("000_eae0f6498add9be4.txt", 37, language) == expected


def test_every_seed_document_has_a_name() -> None:
    for prefix in ("000", "001", "002", "003", "004"):
        assert "_" not in seed_reference(f"{prefix}_0123456789abcdef.txt", None, "en")


def test_an_unknown_source_is_a_dash() -> None:
    assert seed_reference(None, None, "fi") == "–"
