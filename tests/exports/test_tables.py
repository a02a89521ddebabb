"""CSV and XLSX downloads: the reader's conventions, data first, description and check beside, no leaks, no formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from xml.etree import ElementTree

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from exports.disclosure import CheckReport, check_report
from exports.errors import IdentifierColumnError
from exports.provenance import Provenance
from exports.safety import could_start_a_formula, neutralise
from exports.tables import csv_bundle, csv_dialect, description, table_cells, table_to_csv, table_to_xlsx
from i18n import t
from i18n.format import SUPPRESSED_MARKER
from tests.exports.frames import areas
from tests.exports.workbooks import sheets
from views.common import table_headers, table_values

PROVENANCE = Provenance(
    source="Source: THL, register extract",
    licence="Licence: CC BY 4.0",
    filters="All counties · 2025 · Profession: Doctor",
    data_date="2025-06-30",
)
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def check(frame: pl.DataFrame | None = None) -> CheckReport:
    return check_report(areas() if frame is None else frame, threshold=5, role="public", audit=None)


def read_csv(data: bytes, language: str = "en") -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "spreadsheets need the byte-order mark to read UTF-8"
    delimiter, _ = csv_dialect(language)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


def read_xlsx(data: bytes, sheet: int = 1) -> dict[tuple[int, int], str | float | bool]:
    """Every written cell of one sheet, by (row, column) from 0; strings, numbers and booleans."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        shared = [
            unescape("".join(node.itertext()))
            for node in ElementTree.fromstring(book.read("xl/sharedStrings.xml")).iter(f"{MAIN}si")
        ]
        root = ElementTree.fromstring(book.read(f"xl/worksheets/sheet{sheet}.xml"))
    cells: dict[tuple[int, int], str | float | bool] = {}
    for cell in root.iter(f"{MAIN}c"):
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


def sheet_names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        root = ElementTree.fromstring(book.read("xl/workbook.xml"))
    return [node.attrib["name"] for node in root.iter(f"{MAIN}sheet")]


def unescape(text: str) -> str:
    """OOXML writes control characters as ``_xHHHH_``."""
    return re.sub(r"_x([0-9A-F]{4})_", lambda match: chr(int(match.group(1), 16)), text)


def xlsx_rows(cells: dict[tuple[int, int], str | float | bool]) -> list[list[str | float | bool | None]]:
    height = max(row for row, _ in cells) + 1
    width = max(column for _, column in cells) + 1
    return [[cells.get((row, column)) for column in range(width)] for row in range(height)]


def export_csv(frame: pl.DataFrame, language: str = "en", **options: object) -> list[list[str]]:
    return read_csv(table_to_csv(frame, language=language, **options), language)  # type: ignore[arg-type]


def export_xlsx(frame: pl.DataFrame, **options: object) -> list[list[str | float | bool | None]]:
    data = table_to_xlsx(frame, title="Access within 7 days", provenance=PROVENANCE, language="en", **options)  # type: ignore[arg-type]
    return xlsx_rows(read_xlsx(data))


def bundle(frame: pl.DataFrame, language: str = "en") -> dict[str, bytes]:
    data = csv_bundle(
        frame,
        name="access-7d_2025_en",
        title="Access within 7 days",
        provenance=PROVENANCE,
        language=language,
        check=check(frame),
        threshold=5,
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# -- the CSV: data first, in the reader's conventions

#: A county's share as the chart shows it (65,6 %) and its interval, hand-written in each convention.
SHARES = pl.DataFrame(
    {
        "region_code": ["05", "SSS"],
        "label": ["Varsinais-Suomi", "Koko maa"],
        "period": ["2025", "2025"],
        "value": [0.656, 0.6123],
        "ci_low": [0.6412, 0.6101],
        "ci_high": [0.6712, 0.6145],
        "n": [4123, 98765],
        "suppressed": [False, False],
    }
)


@pytest.mark.parametrize(
    ("language", "row"),
    [
        # Finnish and Swedish spreadsheets expect ';' between fields and a decimal comma
        ("fi", "05;Varsinais-Suomi;2025;65,6;64,1;67,1;4123;false"),
        ("sv", "05;Varsinais-Suomi;2025;65,6;64,1;67,1;4123;false"),
        # English ones ',' and a point
        ("en", "05,Varsinais-Suomi,2025,65.6,64.1,67.1,4123,false"),
    ],
)
def test_the_csv_is_data_only_in_the_readers_conventions_and_units(language: str, row: str) -> None:
    frame = table_values(SHARES, language, percent=True, keys=("region_code",))
    data = table_to_csv(frame, language=language, headers=table_headers(frame.columns, language))
    assert data.startswith(b"\xef\xbb\xbf")
    header, first, *_ = data.decode("utf-8-sig").split("\r\n")
    assert header.split(csv_dialect(language)[0]) == [t(f"table.{name}", language) for name in frame.columns]
    assert first == row


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_csv_headers_are_in_the_readers_language(language: str) -> None:
    frame = table_values(SHARES, language, percent=True, keys=("region_code",))
    header = read_csv(table_to_csv(frame, language=language, headers=table_headers(frame.columns, language)), language)[
        0
    ]
    assert (
        header[:4]
        == {
            "fi": ["Aluekoodi", "Alue", "Jakso", "Arvo"],
            "sv": ["Områdeskod", "Område", "Period", "Värde"],
            "en": ["Area code", "Area", "Period", "Value"],
        }[language]
    )


def test_the_finnish_csv_read_back_gives_the_values_the_chart_shows() -> None:
    frame = table_values(SHARES, "fi", percent=True, keys=("region_code",))
    data = table_to_csv(frame, language="fi", headers=table_headers(frame.columns, "fi"))
    back = pl.read_csv(data, separator=";", decimal_comma=True, schema_overrides={"Aluekoodi": pl.String})
    assert back["Arvo"].to_list() == [65.6, 61.2]  # the chart's '65,6 %' and '61,2 %'
    assert back["95 % LV alaraja"].to_list() == [64.1, 61.0]
    assert back["n"].to_list() == [4123, 98765]
    assert back["Aluekoodi"].to_list() == ["05", "SSS"]


@given(
    st.lists(st.floats(min_value=-1000, max_value=1000, allow_nan=False).map(lambda x: round(x, 1)), min_size=1),
    st.sampled_from(["fi", "sv", "en"]),
)
def test_any_value_reads_back_as_written_in_each_convention(values: list[float], language: str) -> None:
    frame = pl.DataFrame({"label": [f"a{i}" for i in range(len(values))], "value": values})
    separator, decimal = csv_dialect(language)
    back = pl.read_csv(table_to_csv(frame, language=language), separator=separator, decimal_comma=decimal == ",")
    assert back["value"].cast(pl.Float64).to_list() == values


def test_the_csv_has_no_thousands_separators_and_no_exponents() -> None:
    frame = pl.DataFrame({"value": [1234567.5, 0.00001], "n": [1234567, 5]})
    rows = export_csv(frame, "fi")
    assert rows[1:] == [["1234567,5", "1234567"], ["0,00001", "5"]]


def test_the_csv_bundle_holds_the_table_and_its_description_and_check_report() -> None:
    files = bundle(areas(), "en")
    assert list(files) == ["access-7d_2025_en.csv", "access-7d_2025_en.check.txt"]
    assert read_csv(files["access-7d_2025_en.csv"])[0][0] == "region_code"  # the table starts on line 1
    sidecar = files["access-7d_2025_en.check.txt"]
    assert sidecar.startswith(b"\xef\xbb\xbf")
    lines = sidecar.decode("utf-8-sig").split("\r\n")
    assert lines[:6] == [
        "Access within 7 days",
        "Source: THL, register extract",
        "Licence: CC BY 4.0",
        "Filters: All counties · 2025 · Profession: Doctor",
        "Data as of 2025-06-30",
        ".. = hidden: fewer than 5 observations (privacy)",
    ]
    assert lines[6] == ""
    assert lines[7:-1] == check(areas()).lines("en")


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_sidecar_is_in_the_export_language(language: str) -> None:
    sidecar = bundle(areas(), language)["access-7d_2025_en.check.txt"].decode("utf-8-sig")
    assert t("check.title", language) in sidecar
    assert t("export.marker_legend_threshold", language, marker="..", threshold=5) in sidecar


# -- the XLSX: data, description and check on three sheets


def test_xlsx_has_the_table_on_its_first_sheet_from_row_one() -> None:
    rows = export_xlsx(areas())
    assert rows[0] == ["region_code", "label", "period", "value", "ci_low", "ci_high", "n", "suppressed"]
    assert rows[1] == ["01", "Helsinki", "2025", 0.62, 0.6, 0.64, 2400.0, False]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_xlsx_carries_its_description_and_check_report_on_sheets_of_their_own(language: str) -> None:
    data = table_to_xlsx(
        areas(), title="Access within 7 days", provenance=PROVENANCE, language=language, threshold=5, check=check()
    )
    assert sheet_names(data) == [
        t("export.sheet", language),
        t("export.sheet_about", language),
        t("export.sheet_check", language),
    ]
    about = [row[0] for row in xlsx_rows(read_xlsx(data, 2))]
    assert about[:3] == ["Access within 7 days", "Source: THL, register extract", "Licence: CC BY 4.0"]
    assert about[-1] == t("export.marker_legend_threshold", language, marker="..", threshold=5)
    assert [row[0] for row in xlsx_rows(read_xlsx(data, 3))] == check().lines(language)


def test_description_leaves_the_marker_legend_out_when_nothing_is_suppressed() -> None:
    lines = description(title="T", provenance=PROVENANCE, language="en", has_suppressed=False, threshold=5)
    assert not any(SUPPRESSED_MARKER in line for line in lines)


@pytest.mark.parametrize(("language", "legend"), [("fi", "piilotettu"), ("sv", "dold"), ("en", "hidden")])
def test_description_is_in_the_export_language(language: str, legend: str) -> None:
    lines = description(title="T", provenance=PROVENANCE, language=language, has_suppressed=True)
    assert legend in lines[-1]


# -- suppressed cells


def test_suppressed_row_shows_markers_in_every_measure_of_the_csv() -> None:
    rows = export_csv(areas())
    assert rows[-1] == ["03", "Ahvenanmaa", "2025", "..", "..", "..", "..", "true"]
    assert rows[-2] == ["02", "Pohjois-Savo", "2025", "0.71", "0.69", "0.73", "1800", "false"]


def test_only_the_marked_measures_show_the_marker_the_others_stay_empty() -> None:
    rows = export_csv(areas(), marked=("value",))
    assert rows[-1] == ["03", "Ahvenanmaa", "2025", "..", "", "", "", "true"]
    assert export_xlsx(areas(), marked=("value",))[-1] == ["03", "Ahvenanmaa", "2025", "..", None, None, None, True]


def test_suppressed_row_shows_markers_in_the_xlsx_and_numbers_stay_numbers() -> None:
    rows = export_xlsx(areas())
    assert rows[-1] == ["03", "Ahvenanmaa", "2025", "..", "..", "..", "..", True]
    assert rows[-2] == ["02", "Pohjois-Savo", "2025", 0.71, 0.69, 0.73, 1800.0, False]


@pytest.mark.parametrize("marked", [None, ("value",)])
def test_a_number_left_in_a_suppressed_row_is_never_written(marked: tuple[str, ...] | None) -> None:
    leaky = areas().with_columns(n=pl.Series([2400, 1800, 3]), value=pl.Series([0.62, 0.71, 0.333]))
    csv_text = table_to_csv(leaky, language="en", marked=marked).decode("utf-8-sig")
    xlsx = read_xlsx(table_to_xlsx(leaky, title="t", provenance=PROVENANCE, language="en", marked=marked))
    assert "0.333" not in csv_text
    assert ",3," not in csv_text
    assert 0.333 not in xlsx.values()
    assert 3.0 not in xlsx.values()


def test_dimensions_keep_their_values_in_suppressed_rows() -> None:
    frame = pl.DataFrame({"year": [2025], "value": [0.5], "n": [2], "suppressed": [True]})
    _, rows = table_cells(frame)
    assert rows == [[2025, SUPPRESSED_MARKER, SUPPRESSED_MARKER, True]]
    assert export_csv(frame)[1] == ["2025", "..", "..", "true"]


# -- formula injection


HOSTILE = ['=HYPERLINK("http://evil","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=1", "\r=1"]


def hostile_frame() -> pl.DataFrame:
    return pl.DataFrame({"label": HOSTILE, "value": [-0.5] * len(HOSTILE), "n": [10] * len(HOSTILE)})


@pytest.mark.parametrize("language", ["fi", "en"])
def test_csv_text_cells_cannot_start_a_formula(language: str) -> None:
    rows = export_csv(hostile_frame(), language)
    labels = [row[0] for row in rows[-len(HOSTILE) :]]
    assert labels == ["'" + text for text in HOSTILE]
    negative = "-0,5" if language == "fi" else "-0.5"
    assert all(row[1] == negative for row in rows[-len(HOSTILE) :]), "negative numbers stay numbers"


def test_xlsx_text_cells_cannot_start_a_formula_and_no_formula_is_written() -> None:
    rows = export_xlsx(hostile_frame())  # read_xlsx also fails on any formula element
    labels = [row[0] for row in rows[-len(HOSTILE) :]]
    assert labels == ["'" + text for text in HOSTILE]
    assert all(row[1] == -0.5 for row in rows[-len(HOSTILE) :])


def test_xlsx_names_that_are_array_formulas_or_links_are_guarded_text() -> None:
    names = ['{=HYPERLINK("http://evil","click")}', " =1+1", "mailto:a@example.org", "http://evil.example/"]
    frame = pl.DataFrame({"label": names, "value": [0.5] * len(names)})
    data = table_to_xlsx(frame, title="{=1}", provenance=PROVENANCE, language="en", check=check(frame))
    for sheet in sheets(data):
        assert sheet.formulas == []
        assert sheet.hyperlinks == 0
        assert not any(could_start_a_formula(text) for text in sheet.texts)
    assert {neutralise(name) for name in names} <= set(sheets(data)[0].texts)
    assert "'{=1}" in sheets(data)[1].texts


def test_column_names_and_the_sidecar_are_neutralised_too() -> None:
    frame = pl.DataFrame({"=cmd": ["a"]})
    assert read_csv(table_to_csv(frame, language="en", headers={}))[0] == ["'=cmd"]
    files = csv_bundle(frame, name="x", title="=title", provenance=PROVENANCE, language="en", check=check(frame))
    with zipfile.ZipFile(io.BytesIO(files)) as archive:
        assert archive.read("x.csv").decode("utf-8-sig").startswith("'=cmd")


# -- identifiers


@pytest.mark.parametrize("column", ["patient_id", "professional_id", "visit_id", "response_id", "book_id"])
def test_identifier_columns_are_refused_by_every_writer(column: str) -> None:
    frame = areas().with_columns(pl.lit("x").alias(column))
    with pytest.raises(IdentifierColumnError, match=column):
        table_to_csv(frame, language="en")
    with pytest.raises(IdentifierColumnError, match=column):
        table_to_xlsx(frame, title="t", provenance=PROVENANCE, language="en")
    with pytest.raises(IdentifierColumnError, match=column):
        csv_bundle(frame, name="x", title="t", provenance=PROVENANCE, language="en", check=check())


def test_dates_are_written_as_iso_text_and_missing_numbers_as_empty_cells() -> None:
    frame = pl.DataFrame({"measured_at": [dt.date(2025, 3, 1)], "value": [None], "ratio": [float("nan")]}).cast(
        {"value": pl.Float64}
    )
    rows = export_csv(frame)
    assert rows[-1] == ["2025-03-01", "", ""]
