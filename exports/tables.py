"""A chart's data as CSV or XLSX: a header block naming title, source, licence and filters, then the table.

The frame is the plotted data with generic column names (``label``,
``period``, ``value``, ``ci_low``, ``ci_high``, ``n``, …) and the boolean
``suppressed`` column from :func:`metrics.privacy.suppress_small_counts`.
Three rules hold for every file:

* **Suppressed cells.** In a suppressed row every numeric cell that is not a
  dimension (a year, say) is written as the marker ``..``, never the number,
  even when the frame still holds one; the header block explains the marker.
* **No identifiers.** A frame with a patient, professional, visit, answer
  or book id column is refused with :class:`~exports.errors.IdentifierColumnError`.
* **No formulas.** Text cells (the header block and column names included)
  that a spreadsheet could run get a leading apostrophe (:func:`exports.safety.neutralise`);
  the XLSX is written by :class:`exports.workbook.SafeWorkbook`, which writes no formula or link.

CSV is RFC 4180: comma-separated, point as the decimal sign, CRLF line ends,
UTF-8 with a byte-order mark so that spreadsheets read ä, ö and å correctly.
XLSX keeps numbers as numbers, so a spreadsheet can compute with them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Collection, Mapping, Sequence
from typing import Final

import polars as pl

from core import columns as c
from exports.provenance import Provenance
from exports.safety import neutralise, refuse_identifiers
from exports.workbook import SafeWorkbook
from i18n import t
from i18n.format import SUPPRESSED_MARKER

Cell = str | int | float | bool | None

#: Columns that describe a cell rather than measure it; they keep their values in suppressed rows.
DIMENSIONS: Final = frozenset({c.PERIOD, c.REGION_CODE, c.UNIT_ID, c.PROFESSION, "label", "year", "month"})


def header_block(
    *,
    title: str,
    provenance: Provenance,
    language: str,
    notes: Sequence[str] = (),
    has_suppressed: bool = False,
    threshold: int | None = None,
) -> list[str]:
    """The lines above the table: title, source, licence, filters, data date, notes and the marker's meaning."""
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
    table: str = "export",
) -> tuple[list[str], list[list[Cell]]]:
    """Column headers and rows as written: identifiers refused, suppressed measures replaced by the marker.

    Text cells are not neutralised here (the writers do it), so the result
    still shows what the data said. ``headers`` renames columns for display.
    """
    refuse_identifiers(frame.columns, table=table)
    measures = {
        name
        for name, dtype in frame.schema.items()
        if dtype.is_numeric() and name not in dimensions and name != c.SUPPRESSED
    }
    names = frame.columns
    suppressed = (
        frame[c.SUPPRESSED].fill_null(False).to_list() if c.SUPPRESSED in frame.columns else [False] * frame.height
    )
    rows: list[list[Cell]] = []
    for hidden, row in zip(suppressed, frame.iter_rows(), strict=True):
        rows.append(
            [
                SUPPRESSED_MARKER if hidden and name in measures else _plain(value)
                for name, value in zip(names, row, strict=True)
            ]
        )
    labels = [(headers or {}).get(name, name) for name in names]
    return labels, rows


def table_to_csv(
    frame: pl.DataFrame,
    *,
    title: str,
    provenance: Provenance,
    language: str,
    headers: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    threshold: int | None = None,
    dimensions: Collection[str] = DIMENSIONS,
) -> bytes:
    """The header block, an empty line and the table, as CSV bytes (UTF-8 with BOM)."""
    labels, rows = table_cells(frame, headers=headers, dimensions=dimensions, table=f"CSV export of {title!r}")
    block = header_block(
        title=title,
        provenance=provenance,
        language=language,
        notes=notes,
        has_suppressed=_any_suppressed(frame),
        threshold=threshold,
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([neutralise(line)] for line in block)
    writer.writerow([])
    writer.writerow([neutralise(label) for label in labels])
    writer.writerows([_csv_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


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
) -> bytes:
    """One worksheet: the header block, then the table with a filter row and frozen headers, as XLSX bytes."""
    labels, rows = table_cells(frame, headers=headers, dimensions=dimensions, table=f"XLSX export of {title!r}")
    block = header_block(
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
    whole = workbook.add_format({"num_format": "#,##0"})
    sheet = workbook.add_worksheet(t("export.sheet", language))

    for index, line in enumerate(block):
        sheet.write_string(index, 0, neutralise(line), bold if index == 0 else None)
    top = len(block) + 1
    for column, label in enumerate(labels):
        sheet.write_string(top, column, neutralise(label), heading)
    for offset, row in enumerate(rows, start=1):
        for column, cell in enumerate(row):
            place = (top + offset, column)
            if cell is None:
                sheet.write_blank(*place, None)
            elif isinstance(cell, bool):
                sheet.write_boolean(*place, cell)
            elif isinstance(cell, int):
                sheet.write_number(*place, cell, whole)
            elif isinstance(cell, float):
                sheet.write_number(*place, cell)
            elif cell == SUPPRESSED_MARKER:
                sheet.write_string(*place, cell, marker)
            else:
                sheet.write_string(*place, neutralise(cell))
    for column, label in enumerate(labels):
        longest = max([len(label), *(len(str(row[column])) for row in rows[:500] if row[column] is not None)])
        sheet.set_column(column, column, min(max(longest + 2, 8), 60))
    if labels:
        sheet.autofilter(top, 0, top + len(rows), len(labels) - 1)
        sheet.freeze_panes(top + 1, 0)
    workbook.close()
    return buffer.getvalue()


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


def _csv_cell(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, int | float):
        return repr(cell) if isinstance(cell, float) else str(cell)
    return cell if cell == SUPPRESSED_MARKER else neutralise(cell)
