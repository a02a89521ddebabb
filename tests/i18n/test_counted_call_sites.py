"""The pages write a count with the form that agrees with it (one/other), in every language."""

from __future__ import annotations

import polars as pl
import pytest

from core import columns as c
from i18n import LANGUAGES
from views import data
from views.common import suppression_note


class _FailedImportError(Exception):
    def __init__(self, key: str, params: dict[str, str]) -> None:
        super().__init__(key)
        self.key, self.params, self.reason, self.file_name = key, params, "", "kaynnit.csv"
        self.row, self.column = None, None


@pytest.mark.parametrize(
    ("hidden", "language", "expected"),
    [
        (1, "fi", "1 solu piilotettu: alle 5 havaintoa"),
        (2, "fi", "2 solua piilotettu: alle 5 havaintoa"),
        (1, "sv", "1 cell dold:"),
        (3, "sv", "3 celler dolda:"),
        (1, "en", "1 cell hidden:"),
        (1200, "en", "1,200 cells hidden:"),
    ],
)
def test_the_suppression_note_agrees_with_its_count(hidden: int, language: str, expected: str) -> None:
    frame = pl.DataFrame({c.SUPPRESSED: [True] * hidden + [False, None]})

    assert suppression_note(frame, language, threshold=5).startswith(expected)


def test_no_hidden_cell_writes_no_note() -> None:
    assert suppression_note(pl.DataFrame({c.SUPPRESSED: [False, None]}), "fi", threshold=5) == ""


@pytest.mark.parametrize(
    ("key", "rows", "language", "expected"),
    [
        ("nothing_kept", "1", "fi", "Tiedoston ainoaa riviä ei voi käyttää"),
        ("nothing_kept", "3", "fi", "Yhtään tiedoston 3 rivistä ei voi käyttää"),
        ("nothing_kept", "1", "en", "The file's only row cannot be used"),
        ("all_imported_before", "1", "sv", "Filens enda rad har redan importerats"),
        ("all_imported_before", "50", "sv", "Alla filens 50 rader har redan importerats"),
    ],
)
def test_an_import_that_kept_nothing_counts_its_rows_rightly(key: str, rows: str, language: str, expected: str) -> None:
    failure = _FailedImportError(key, {"rows": rows, "column": "visit_id"})

    assert data.import_error_message(failure, language).startswith(expected)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_most_common_reason_is_named_for_a_single_row_too(language: str) -> None:
    failure = _FailedImportError("nothing_kept_because", {"rows": "1", "reason": "", "column": "X", "examples": "1"})

    text = data.import_error_message(failure, language)

    assert "X" in text
    assert "{" not in text
