"""CSV and XLSX downloads: header block, suppressed cells as markers, no formulas, no identifiers."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from xml.etree import ElementTree

import polars as pl
import pytest

from exports.errors import IdentifierColumnError
from exports.provenance import Provenance
from exports.safety import could_start_a_formula, neutralise
from exports.tables import header_block, table_cells, table_to_csv, table_to_xlsx
from i18n.format import SUPPRESSED_MARKER
from tests.exports.frames import areas
from tests.exports.workbooks import sheets

PROVENANCE = Provenance(
    source="Source: THL, register extract",
    licence="Licence: CC BY 4.0",
    filters="All counties · 2025 · Profession: Doctor",
    data_date="2025-06-30",
)
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "spreadsheets need the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def read_xlsx(data: bytes) -> dict[tuple[int, int], str | float | bool]:
    """Every written cell of the first sheet, by (row, column) from 0; strings, numbers and booleans."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        shared = [
            unescape("".join(node.itertext()))
            for node in ElementTree.fromstring(book.read("xl/sharedStrings.xml")).iter(f"{MAIN}si")
        ]
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    cells: dict[tuple[int, int], str | float | bool] = {}
    for cell in sheet.iter(f"{MAIN}c"):
        match = re.fullmatch(r"([A-Z]+)(\d+)", cell.attrib["r"])
        assert match
        column = sum((ord(char) - 64) * 26**power for power, char in enumerate(reversed(match.group(1)))) - 1
        place = (int(match.group(2)) - 1, column)
        assert cell.find(f"{MAIN}f") is None, f"formula written at {cell.attrib['r']}"
        value = cell.find(f"{MAIN}v")
        if value is None or value.text is None:
            continue
        kind = cell.attrib.get("t")
        cells[place] = (
            shared[int(value.text)] if kind == "s" else value.text == "1" if kind == "b" else float(value.text)
        )
    return cells


def unescape(text: str) -> str:
    """OOXML writes control characters as ``_xHHHH_``."""
    return re.sub(r"_x([0-9A-F]{4})_", lambda match: chr(int(match.group(1), 16)), text)


def xlsx_rows(cells: dict[tuple[int, int], str | float | bool]) -> list[list[str | float | bool | None]]:
    height = max(row for row, _ in cells) + 1
    width = max(column for _, column in cells) + 1
    return [[cells.get((row, column)) for column in range(width)] for row in range(height)]


def export_csv(frame: pl.DataFrame, **options: object) -> list[list[str]]:
    return read_csv(table_to_csv(frame, title="Access within 7 days", provenance=PROVENANCE, language="en", **options))  # type: ignore[arg-type]


def export_xlsx(frame: pl.DataFrame, **options: object) -> list[list[str | float | bool | None]]:
    data = table_to_xlsx(frame, title="Access within 7 days", provenance=PROVENANCE, language="en", **options)  # type: ignore[arg-type]
    return xlsx_rows(read_xlsx(data))


# -- the header block


def test_csv_starts_with_title_source_licence_filters_date_and_marker_legend() -> None:
    rows = export_csv(areas(), threshold=5)
    assert [row[0] for row in rows[:6]] == [
        "Access within 7 days",
        "Source: THL, register extract",
        "Licence: CC BY 4.0",
        "Filters: All counties · 2025 · Profession: Doctor",
        "Data as of 2025-06-30",
        ".. = hidden: fewer than 5 observations (privacy)",
    ]
    assert rows[6] == []
    assert rows[7] == ["region_code", "label", "period", "value", "ci_low", "ci_high", "n", "suppressed"]


def test_xlsx_starts_with_the_same_header_block() -> None:
    rows = export_xlsx(areas())
    assert [row[0] for row in rows[:6]] == [
        "Access within 7 days",
        "Source: THL, register extract",
        "Licence: CC BY 4.0",
        "Filters: All counties · 2025 · Profession: Doctor",
        "Data as of 2025-06-30",
        ".. = hidden: too few observations (privacy)",
    ]


@pytest.mark.parametrize(("language", "legend"), [("fi", "piilotettu"), ("sv", "dold"), ("en", "hidden")])
def test_header_block_is_in_the_export_language(language: str, legend: str) -> None:
    lines = header_block(title="T", provenance=PROVENANCE, language=language, has_suppressed=True)
    assert legend in lines[-1]


def test_marker_legend_is_left_out_when_nothing_is_suppressed() -> None:
    rows = export_csv(areas().filter(~pl.col("suppressed")))
    assert not any(SUPPRESSED_MARKER in row[0] for row in rows[:6] if row)


def test_headers_rename_columns_for_readers() -> None:
    rows = export_csv(areas().select("label", "value"), headers={"label": "Alue", "value": "Osuus"})
    assert ["Alue", "Osuus"] in rows


# -- suppressed cells


def test_suppressed_row_shows_markers_in_every_measure_of_the_csv() -> None:
    rows = export_csv(areas())
    assert rows[-1] == ["03", "Ahvenanmaa", "2025", "..", "..", "..", "..", "true"]
    assert rows[-2] == ["02", "Pohjois-Savo", "2025", "0.71", "0.69", "0.73", "1800", "false"]


def test_suppressed_row_shows_markers_in_the_xlsx_and_numbers_stay_numbers() -> None:
    rows = export_xlsx(areas())
    assert rows[-1] == ["03", "Ahvenanmaa", "2025", "..", "..", "..", "..", True]
    assert rows[-2] == ["02", "Pohjois-Savo", "2025", 0.71, 0.69, 0.73, 1800.0, False]


def test_a_number_left_in_a_suppressed_row_is_never_written() -> None:
    leaky = areas().with_columns(n=pl.Series([2400, 1800, 3]), value=pl.Series([0.62, 0.71, 0.333]))
    csv_text = table_to_csv(leaky, title="t", provenance=PROVENANCE, language="en").decode("utf-8-sig")
    xlsx = read_xlsx(table_to_xlsx(leaky, title="t", provenance=PROVENANCE, language="en"))
    assert "0.333" not in csv_text
    assert ",3," not in csv_text
    assert 0.333 not in xlsx.values()
    assert 3.0 not in xlsx.values()


def test_dimensions_keep_their_values_in_suppressed_rows() -> None:
    frame = pl.DataFrame({"year": [2025], "value": [0.5], "n": [2], "suppressed": [True]})
    _, rows = table_cells(frame)
    assert rows == [[2025, SUPPRESSED_MARKER, SUPPRESSED_MARKER, True]]


# -- formula injection


HOSTILE = ['=HYPERLINK("http://evil","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=1", "\r=1"]


def hostile_frame() -> pl.DataFrame:
    return pl.DataFrame({"label": HOSTILE, "value": [-0.5] * len(HOSTILE), "n": [10] * len(HOSTILE)})


def test_csv_text_cells_cannot_start_a_formula() -> None:
    rows = export_csv(hostile_frame())
    labels = [row[0] for row in rows[-len(HOSTILE) :]]
    assert labels == ["'" + text for text in HOSTILE]
    assert all(row[1] == "-0.5" for row in rows[-len(HOSTILE) :]), "negative numbers stay numbers"


def test_xlsx_text_cells_cannot_start_a_formula_and_no_formula_is_written() -> None:
    rows = export_xlsx(hostile_frame())  # read_xlsx also fails on any formula element
    labels = [row[0] for row in rows[-len(HOSTILE) :]]
    assert labels == ["'" + text for text in HOSTILE]
    assert all(row[1] == -0.5 for row in rows[-len(HOSTILE) :])


def test_xlsx_names_that_are_array_formulas_or_links_are_guarded_text() -> None:
    names = ['{=HYPERLINK("http://evil","click")}', " =1+1", "mailto:a@example.org", "http://evil.example/"]
    frame = pl.DataFrame({"label": names, "value": [0.5] * len(names)})
    data = table_to_xlsx(frame, title="{=1}", provenance=PROVENANCE, language="en")
    (sheet,) = sheets(data)
    assert sheet.formulas == []
    assert sheet.hyperlinks == 0
    assert {neutralise(name) for name in names} | {"'{=1}"} <= set(sheet.texts)
    assert not any(could_start_a_formula(text) for text in sheet.texts)


def test_header_block_and_column_names_are_neutralised_too() -> None:
    data = table_to_csv(pl.DataFrame({"=cmd": ["a"]}), title="=title", provenance=PROVENANCE, language="en", headers={})
    rows = read_csv(data)
    assert rows[0] == ["'=title"]
    assert ["'=cmd"] in rows


# -- identifiers


@pytest.mark.parametrize("writer", [table_to_csv, table_to_xlsx])
@pytest.mark.parametrize("column", ["patient_id", "professional_id", "visit_id", "response_id", "book_id"])
def test_identifier_columns_are_refused(writer: object, column: str) -> None:
    frame = areas().with_columns(pl.lit("x").alias(column))
    with pytest.raises(IdentifierColumnError, match=column):
        writer(frame, title="t", provenance=PROVENANCE, language="en")  # type: ignore[operator]


def test_dates_are_written_as_iso_text_and_missing_numbers_as_empty_cells() -> None:
    import datetime as dt

    frame = pl.DataFrame({"measured_at": [dt.date(2025, 3, 1)], "value": [None], "ratio": [float("nan")]}).cast(
        {"value": pl.Float64}
    )
    rows = export_csv(frame)
    assert rows[-1] == ["2025-03-01", "", ""]
