"""The one way a workbook is written: text stays text, no cell is a formula or a link.

XlsxWriter's defaults turn a string that starts with ``=`` (or an array
formula ``{=…}``) into a live formula, and ``http://``, ``mailto:``,
``ftp://``, ``file://`` and ``internal:`` strings into links. A
:class:`SafeWorkbook` switches those conversions off and gives every sheet
the :class:`GuardedWorksheet` class, which

* passes every text cell through :func:`exports.safety.neutralise`, whichever
  write method put it there (``write``, ``write_string``, ``write_row``,
  ``write_column``: XlsxWriter routes them all through one string writer);
* refuses formulas, array formulas, links and rich strings outright: no
  export of the dashboard writes any, so one reaching a sheet is a bug.

The data tables (:mod:`exports.tables`) and the workbooks embedded in the
deck's charts (:mod:`exports.pptx`) are both written through it.
"""

from __future__ import annotations

from typing import IO, Any, Final

from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

from exports.errors import FormulaRefusedError
from exports.safety import neutralise

#: XlsxWriter options every workbook is written with (and that a caller cannot switch back on).
SAFE_OPTIONS: Final = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


class GuardedWorksheet(Worksheet):  # type: ignore[misc]  # XlsxWriter has no type information
    """A worksheet whose text cells pass the formula guard and that writes no formula or link."""

    def _write_string(self, row: int, col: int, string: str, cell_format: Any = None) -> int:
        written: int = super()._write_string(row, col, neutralise(str(string)), cell_format)
        return written

    def _write_formula(self, row: int, col: int, *args: Any) -> int:
        raise FormulaRefusedError(what="formula", cell=_cell(row, col))

    def _write_array_formula(self, first_row: int, first_col: int, *args: Any, **kwargs: Any) -> int:
        raise FormulaRefusedError(what="array formula", cell=_cell(first_row, first_col))

    def _write_url(self, row: int, col: int, *args: Any, **kwargs: Any) -> int:
        raise FormulaRefusedError(what="link", cell=_cell(row, col))

    def _write_rich_string(self, row: int, col: int, *args: Any) -> int:
        raise FormulaRefusedError(what="rich string", cell=_cell(row, col))


class SafeWorkbook(Workbook):  # type: ignore[misc]  # XlsxWriter has no type information
    """An XlsxWriter workbook with :data:`SAFE_OPTIONS` and :class:`GuardedWorksheet` sheets."""

    worksheet_class = GuardedWorksheet

    def __init__(self, file: str | IO[bytes], options: dict[str, object] | None = None) -> None:
        super().__init__(file, {**(options or {}), **SAFE_OPTIONS})

    def add_worksheet(self, name: str | None = None, worksheet_class: type | None = None) -> GuardedWorksheet:
        """A new :class:`GuardedWorksheet`; another sheet class is refused, so no sheet skips the guard."""
        if worksheet_class is not None and not issubclass(worksheet_class, GuardedWorksheet):
            raise FormulaRefusedError(what=f"sheet of class {worksheet_class.__name__} (not guarded)", cell="")
        sheet: GuardedWorksheet = super().add_worksheet(name, GuardedWorksheet)
        return sheet


def _cell(row: int, col: int) -> str:
    letters = ""
    number = col + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return f"{letters}{row + 1}"
