"""The one workbook writer: text stays text through every write method, and no formula or link is written."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest

from exports.errors import ExportError, FormulaRefusedError
from exports.safety import neutralise
from exports.workbook import SafeWorkbook
from tests.exports.workbooks import SheetContents, sheets

HOSTILE = [
    '{=HYPERLINK("http://evil","click")}',
    "=1+1",
    " =1+1",
    "@SUM(A1)",
    "mailto:a@example.org",
    "http://evil.example/",
    "ftp://evil.example/",
    "internal:Sheet1!A1",
]


def written(fill: Callable[[Any], None], options: dict[str, object] | None = None) -> SheetContents:
    buffer = io.BytesIO()
    workbook = SafeWorkbook(buffer, options)
    fill(workbook.add_worksheet())
    workbook.close()
    (sheet,) = sheets(buffer.getvalue())
    return sheet


@pytest.mark.parametrize(
    "fill",
    [
        pytest.param(lambda sheet: [sheet.write(row, 0, text) for row, text in enumerate(HOSTILE)], id="write"),
        pytest.param(lambda sheet: [sheet.write_string(row, 0, text) for row, text in enumerate(HOSTILE)], id="string"),
        pytest.param(lambda sheet: sheet.write_column(0, 0, HOSTILE), id="column"),
        pytest.param(lambda sheet: sheet.write_row("A1", HOSTILE), id="row"),
    ],
)
def test_every_write_method_writes_guarded_text(fill: Callable[[Any], None]) -> None:
    sheet = written(fill)
    assert sheet.formulas == []
    assert sheet.hyperlinks == 0
    assert sorted(sheet.texts) == sorted(neutralise(text) for text in HOSTILE)


def test_options_asking_for_conversions_are_overridden() -> None:
    options: dict[str, object] = {"strings_to_formulas": True, "strings_to_urls": True, "strings_to_numbers": True}
    sheet = written(lambda sheet: sheet.write_column(0, 0, [*HOSTILE, "12"]), options)
    assert (sheet.formulas, sheet.hyperlinks) == ([], 0)
    assert "12" in sheet.texts  # still text, not converted to a number


@pytest.mark.parametrize(
    ("write", "what"),
    [
        (lambda sheet: sheet.write_formula(0, 0, "=1+1"), "formula"),
        (lambda sheet: sheet.write_array_formula(0, 0, 0, 0, "{=SUM(A2:A3)}"), "array formula"),
        (lambda sheet: sheet.write_dynamic_array_formula(0, 0, 0, 0, "=A2:A3"), "array formula"),
        (lambda sheet: sheet.write_url(0, 0, "http://evil.example/"), "link"),
        (lambda sheet: sheet.write_rich_string(0, 0, "a", "b"), "rich string"),
    ],
)
def test_formulas_links_and_rich_strings_are_refused(write: Callable[[Any], None], what: str) -> None:
    workbook = SafeWorkbook(io.BytesIO())
    sheet = workbook.add_worksheet()
    with pytest.raises(FormulaRefusedError, match=f"refusing to write a {what} at cell A1") as caught:
        write(sheet)
    assert isinstance(caught.value, ExportError)
    workbook.close()


def test_a_sheet_class_without_the_guard_is_refused() -> None:
    from xlsxwriter.worksheet import Worksheet

    workbook = SafeWorkbook(io.BytesIO())
    with pytest.raises(FormulaRefusedError, match="not guarded"):
        workbook.add_worksheet("x", Worksheet)
    workbook.close()
