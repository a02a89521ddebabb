"""A chart's data (or the full data set) as CSV or XLSX, in the reader's conventions, with its description and check.

The frame is the table as shown (``views.common.table_values``: generic column names ``label``, ``period``,
``value``, ``ci_low``, ``ci_high``, ``n``, …, values in the chart's units) with the boolean ``suppressed``
column from the suppression step. Three rules hold for every file:

* **Suppressed cells.** In a suppressed row every numeric cell that is not a dimension (a year, say) is written
  as the marker ``..``, never the number, even when the frame still holds one; the description explains it.
* **No identifiers.** A frame with a patient, professional, visit, answer or book id column is refused with
  :class:`~exports.errors.IdentifierColumnError`.
* **No formulas.** Text cells (column names included) that a spreadsheet could run get a leading apostrophe
  (:func:`exports.safety.neutralise`); the XLSX is written by :class:`exports.workbook.SafeWorkbook`, which writes
  no formula or link.

**CSV** is data only: the column headings (in the reader's language) on the first line, then the rows, so a
spreadsheet and every program read it without skipping anything. Finnish and Swedish files use ``;`` between
fields and a decimal comma (what Excel expects in those locales), English ones ``,`` and a point; UTF-8 with a
byte-order mark, CRLF line ends, numbers without thousands separators. The description (title, source, licence,
filters, data date, the marker's meaning) and the output check report travel beside it in ``<name>.check.txt``;
a download that must be one file is a ZIP of the two (:func:`csv_bundle`).

**XLSX** keeps numbers as numbers: the table on its first sheet (headings on row 1, a filter row, frozen
headings), the description on a second sheet and the check report on a third.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import zipfile
from collections.abc import Collection, Mapping, Sequence
from typing import Final

import polars as pl

from core import columns as c
from exports.disclosure import CheckReport
from exports.provenance import Provenance
from exports.safety import neutralise, refuse_identifiers
from exports.workbook import GuardedWorksheet, SafeWorkbook
from i18n import check_language, t
from i18n.format import DECIMAL_COMMA, SUPPRESSED_MARKER

Cell = str | int | float | bool | None

#: Columns that describe a cell rather than measure it; they keep their values in suppressed rows.
DIMENSIONS: Final = frozenset({c.PERIOD, c.REGION_CODE, c.UNIT_ID, c.PROFESSION, "label", "year", "month"})


def description(
    *,
    title: str,
    provenance: Provenance,
    language: str,
    notes: Sequence[str] = (),
    has_suppressed: bool = False,
    threshold: int | None = None,
) -> list[str]:
    """What the numbers are: title, source, licence, filters, data date, notes and the marker's meaning."""
    lines = [title, provenance.source, provenance.licence]
    if provenance.filters:
        lines.append(t("export.filters", language, filters=provenance.filters))
    if provenance.data_date:
        lines.append(t("export.data_date", language, date=provenance.data_date))
    lines.extend(notes)
    if has_suppressed:
        if threshold is None:
            lines.append(t("export.marker_legend", language, marker=SUPPRESSED_MARKER))
        else:
            lines.append(t("export.marker_legend_threshold", language, marker=SUPPRESSED_MARKER, threshold=threshold))
    return [line for line in lines if line]


def table_cells(
    frame: pl.DataFrame,
    *,
    headers: Mapping[str, str] | None = None,
    dimensions: Collection[str] = DIMENSIONS,
    marked: Collection[str] | None = None,
    table: str = "export",
) -> tuple[list[str], list[list[Cell]]]:
    """Column headers and rows as written: identifiers refused, suppressed measures replaced by the marker.

    ``marked`` names the measures that show the marker in a suppressed row (all of them when None); the others
    are left empty there, never the number. Text cells are not neutralised here (the writers do it), so the
    result still shows what the data said. ``headers`` renames columns for display.
    """
    refuse_identifiers(frame.columns, table=table)
    measures = _measures(frame, dimensions)
    names = frame.columns
    hidden_cell = {name: SUPPRESSED_MARKER if marked is None or name in marked else None for name in measures}
    suppressed = (
        frame[c.SUPPRESSED].fill_null(False).to_list() if c.SUPPRESSED in frame.columns else [False] * frame.height
    )
    rows: list[list[Cell]] = []
    for hidden, row in zip(suppressed, frame.iter_rows(), strict=True):
        rows.append(
            [
                hidden_cell[name] if hidden and name in hidden_cell else _plain(value)
                for name, value in zip(names, row, strict=True)
            ]
        )
    labels = [(headers or {}).get(name, name) for name in names]
    return labels, rows


def _measures(frame: pl.DataFrame, dimensions: Collection[str]) -> set[str]:
    """The numeric columns that measure a cell (hidden in a suppressed row), not the dimensions that place it."""
    return {
        name
        for name, dtype in frame.schema.items()
        if dtype.is_numeric() and name not in dimensions and name != c.SUPPRESSED
    }


def csv_dialect(language: str) -> tuple[str, str]:
    """The field separator and the decimal sign of ``language``'s spreadsheets: ``;`` and ``,`` in Finnish and
    Swedish, ``,`` and ``.`` in English."""
    return (";", ",") if check_language(language) in DECIMAL_COMMA else (",", ".")


def table_to_csv(
    frame: pl.DataFrame,
    *,
    language: str,
    headers: Mapping[str, str] | None = None,
    dimensions: Collection[str] = DIMENSIONS,
    marked: Collection[str] | None = None,
    table: str = "CSV export",
) -> bytes:
    """The table alone as CSV bytes in ``language``'s conventions (see the module docstring): headings first.

    Written column by column in polars (the full data set has hundreds of thousands of rows), with the same
    rules as :func:`table_cells`: the marker (or nothing) for a suppressed measure, text through the formula guard.
    """
    refuse_identifiers(frame.columns, table=table)
    delimiter, decimal = csv_dialect(language)
    measures = _measures(frame, dimensions)
    hidden = pl.col(c.SUPPRESSED).fill_null(False) if c.SUPPRESSED in frame.columns else pl.lit(False)
    columns = []
    for name, dtype in frame.schema.items():
        text = _csv_text(frame, name, dtype, decimal)
        if name in measures:
            shown_instead = SUPPRESSED_MARKER if marked is None or name in marked else None
            text = pl.when(hidden).then(pl.lit(shown_instead, pl.String)).otherwise(text)
        columns.append(text.alias(name))
    body = frame.select(columns).write_csv(
        separator=delimiter, include_header=False, line_terminator="\r\n", quote_style="necessary"
    )
    head = io.StringIO()
    csv.writer(head, delimiter=delimiter, lineterminator="\r\n").writerow(
        [neutralise((headers or {}).get(name, name)) for name in frame.columns]
    )
    return (head.getvalue() + body).encode("utf-8-sig")


def _csv_text(frame: pl.DataFrame, name: str, dtype: pl.DataType, decimal: str) -> pl.Expr:
    """A column as CSV text: numbers plainly (no grouping) with ``decimal``, NaN and infinities empty, booleans
    as true/false, text through the formula guard, anything else (dates) as polars writes it (ISO)."""
    column = pl.col(name)
    if dtype == pl.Boolean:
        return pl.when(column).then(pl.lit("true")).when(~column).then(pl.lit("false"))
    if dtype.is_float():
        return pl.when(column.is_finite()).then(column.cast(pl.String).str.replace(".", decimal, literal=True))
    if dtype.is_numeric():
        return column.cast(pl.String)
    if dtype == pl.String:
        risky = {value: neutralise(value) for value in frame[name].unique().drop_nulls().to_list()}
        return column.replace({value: safe for value, safe in risky.items() if safe != value})
    return column.cast(pl.String)  # dates and times in ISO form


def text_file(lines: Sequence[str]) -> bytes:
    """Lines as a text file a reader opens anywhere: UTF-8 with a byte-order mark, CRLF line ends."""
    return ("\r\n".join(line.replace("\r", " ").replace("\n", " ") for line in lines) + "\r\n").encode("utf-8-sig")


def sidecar_lines(about: Sequence[str], check: CheckReport, language: str) -> list[str]:
    """The text beside a CSV: its description, an empty line, then the output check report."""
    return [*about, "", *check.lines(language)]


def csv_bundle(
    frame: pl.DataFrame,
    *,
    name: str,
    title: str,
    provenance: Provenance,
    language: str,
    check: CheckReport,
    headers: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    threshold: int | None = None,
    dimensions: Collection[str] = DIMENSIONS,
) -> bytes:
    """One ZIP with ``<name>.csv`` (the table, :func:`table_to_csv`) and ``<name>.check.txt`` (its description and
    the output check report): the CSV download of one click."""
    data = table_to_csv(
        frame, language=language, headers=headers, dimensions=dimensions, table=f"CSV export of {title!r}"
    )
    about = description(
        title=title,
        provenance=provenance,
        language=language,
        notes=notes,
        has_suppressed=_any_suppressed(frame),
        threshold=threshold,
    )
    return zip_files({f"{name}.csv": data, f"{name}.check.txt": text_file(sidecar_lines(about, check, language))})


def zip_files(files: Mapping[str, bytes]) -> bytes:
    """``files`` (name → contents) in one ZIP, compressed, in the order given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def table_to_xlsx(
    frame: pl.DataFrame,
    *,
    title: str,
    provenance: Provenance,
    language: str,
    headers: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    threshold: int | None = None,
    dimensions: Collection[str] = DIMENSIONS,
    marked: Collection[str] | None = None,
    check: CheckReport | None = None,
    about: Sequence[str] | None = None,
) -> bytes:
    """The table on the first sheet (headings on row 1, a filter row, frozen headings), its description on the
    second and the output check report on the third (when ``check`` is given), as XLSX bytes.

    ``about`` replaces the description made from ``title``, ``provenance``, ``notes`` and ``threshold``.
    """
    labels, rows = table_cells(
        frame, headers=headers, dimensions=dimensions, marked=marked, table=f"XLSX export of {title!r}"
    )
    if about is None:
        about = description(
            title=title,
            provenance=provenance,
            language=language,
            notes=notes,
            has_suppressed=_any_suppressed(frame),
            threshold=threshold,
        )
    buffer = io.BytesIO()
    workbook = SafeWorkbook(buffer)  # every text cell passes the formula guard; no formula or link is written
    workbook.set_properties(
        {"title": neutralise(title), "comments": neutralise(provenance.footnote()), "created": dt.datetime.now(dt.UTC)}
    )
    bold = workbook.add_format({"bold": True, "font_size": 13})
    heading = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "bottom"})
    marker = workbook.add_format({"align": "right", "font_color": "#595959"})
    whole = workbook.add_format({"num_format": "0"})
    sheet = workbook.add_worksheet(t("export.sheet", language))
    for column, label in enumerate(labels):
        sheet.write_string(0, column, neutralise(label), heading)
    for index, row in enumerate(rows, start=1):
        for column, cell in enumerate(row):
            if cell is not None:  # an empty cell is no cell
                _write_cell(sheet, (index, column), cell, whole=whole, marker=marker)
    for column, label in enumerate(labels):
        longest = max([len(label), *(len(str(row[column])) for row in rows[:500] if row[column] is not None)])
        sheet.set_column(column, column, min(max(longest + 2, 8), 60))
    if labels:
        sheet.autofilter(0, 0, len(rows), len(labels) - 1)
        sheet.freeze_panes(1, 0)
    _text_sheet(workbook, t("export.sheet_about", language), about, bold)
    if check is not None:
        _text_sheet(workbook, t("export.sheet_check", language), check.lines(language), bold)
    workbook.close()
    return buffer.getvalue()


def _write_cell(sheet: GuardedWorksheet, place: tuple[int, int], cell: Cell, *, whole: object, marker: object) -> None:
    """One table cell: numbers and booleans as such (whole numbers without decimals), the marker grey on the
    right, other text through the formula guard."""
    if isinstance(cell, bool):
        sheet.write_boolean(*place, cell)
    elif isinstance(cell, int):
        sheet.write_number(*place, cell, whole)
    elif isinstance(cell, float):
        sheet.write_number(*place, cell)
    elif cell == SUPPRESSED_MARKER:
        sheet.write_string(*place, cell, marker)
    elif cell is not None:
        sheet.write_string(*place, neutralise(cell))


def _text_sheet(workbook: SafeWorkbook, name: str, lines: Sequence[str], first: object) -> None:
    """A sheet of lines in column A, the first in ``first``'s format, wide enough to read."""
    sheet = workbook.add_worksheet(name)
    for index, line in enumerate(lines):
        sheet.write_string(index, 0, neutralise(line), first if index == 0 else None)
    sheet.set_column(0, 0, 120)


def _any_suppressed(frame: pl.DataFrame) -> bool:
    return c.SUPPRESSED in frame.columns and bool(frame[c.SUPPRESSED].fill_null(False).any())


def _plain(value: object) -> Cell:
    """A polars value as a cell: numbers, booleans and text as they are, dates and the rest as ISO text."""
    if isinstance(value, float) and not math.isfinite(value):
        return None  # NaN and infinities are no number a reader could use
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return str(value)
