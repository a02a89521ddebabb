"""A comma is a number's decimal mark only in a ';'-separated CSV file (the Finnish and Swedish spreadsheets'
convention). In a ','-separated CSV file or a Parquet text column a number written with a comma ("1,250": a
thousands separator or a decimal comma?) refuses the file, naming the row and the column, and is never read as
1.25; text that is no number either way rejects only its row."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from data_sources.extracts import ExtractError, ExtractResult, read_extract
from i18n import t
from tests.data_sources.extract_fixtures import (
    TODAY,
    avohilmo_row,
    canonical_answer,
    write_avohilmo,
    write_canonical_csv,
)
from views.data import import_error_message

ANSWERS = "survey_answers"


def _answers(weights: list[str]) -> list[dict[str, str | None]]:
    return [canonical_answer(response_id=f"r{index}", weight=weight) for index, weight in enumerate(weights, 1)]


def _read(path: Path, table: str = ANSWERS) -> ExtractResult:
    return read_extract(path, table=table, today=TODAY)


def _weights(result: ExtractResult) -> list[float | None]:
    return result.data.collect().sort("response_id").get_column("weight").to_list()


def _parquet(path: Path, weights: list[str]) -> Path:
    rows = _answers(weights)
    pl.DataFrame(rows, schema=dict.fromkeys(rows[0], pl.String)).write_parquet(path)
    return path


# --- ';'-separated files: a comma is the decimal mark


def test_a_semicolon_file_reads_a_decimal_comma(tmp_path: Path) -> None:
    path = write_canonical_csv(tmp_path / "a.csv", _answers(["1,5", "2"]), separator=";")

    assert _weights(_read(path)) == [1.5, 2.0]


def test_a_semicolon_file_reads_a_decimal_point_too(tmp_path: Path) -> None:
    path = write_canonical_csv(tmp_path / "a.csv", _answers(["1.5"]), separator=";")

    assert _weights(_read(path)) == [1.5]


def test_an_avohilmo_file_reads_an_age_with_a_decimal_comma(tmp_path: Path) -> None:
    base = write_avohilmo(tmp_path / "base.csv", [avohilmo_row()]).read_text("latin-1").splitlines()
    path = tmp_path / "aged.csv"
    path.write_text(f"{base[0]};ASIAKAS_IKA\n{base[1]};67,5\n", encoding="latin-1")

    assert _read(path, table="visits").data.collect().get_column("age_years").to_list() == [67.5]


# --- ','-separated files and Parquet text: a comma in a number refuses the file


@pytest.mark.parametrize(
    "weight",
    [
        "1,250",  # a thousands separator, or a decimal comma: never guessed
        "1,5",
        " 2,5 ",  # surrounding spaces are trimmed as for any number
        "1,250,000",
    ],
)
def test_a_comma_separated_file_with_a_comma_in_a_number_is_refused(tmp_path: Path, weight: str) -> None:
    path = write_canonical_csv(tmp_path / "a.csv", _answers(["1.0", "2", weight]))
    assert f'"{weight}"' in path.read_text()  # quoted, as the separator is in the value

    with pytest.raises(ExtractError) as caught:
        _read(path)

    assert (caught.value.key, caught.value.row, caught.value.column) == ("comma_in_number", 3, "weight")
    assert "';'-separated CSV file" in caught.value.reason
    assert "decimal point and no thousands separator" in caught.value.reason


def test_the_refusal_names_the_first_row_with_a_comma(tmp_path: Path) -> None:
    path = write_canonical_csv(tmp_path / "a.csv", _answers(["1.0", "3,5", "4,5"]))

    with pytest.raises(ExtractError) as caught:
        _read(path)

    assert caught.value.row == 2


def test_the_refusal_does_not_quote_the_value(tmp_path: Path) -> None:
    path = write_canonical_csv(tmp_path / "a.csv", _answers(["7,125"]))

    with pytest.raises(ExtractError) as caught:
        _read(path)

    assert "7,125" not in str(caught.value)
    assert "7.125" not in str(caught.value)


def test_a_parquet_text_column_with_a_comma_in_a_number_is_refused(tmp_path: Path) -> None:
    path = _parquet(tmp_path / "a.parquet", ["1.0", "1,5"])

    with pytest.raises(ExtractError) as caught:
        _read(path)

    assert (caught.value.key, caught.value.row, caught.value.column) == ("comma_in_number", 2, "weight")


def test_a_parquet_text_column_with_a_decimal_point_is_read(tmp_path: Path) -> None:
    assert _weights(_read(_parquet(tmp_path / "a.parquet", ["1.5", "2"]))) == [1.5, 2.0]


def test_a_comma_separated_file_with_a_decimal_point_is_read(tmp_path: Path) -> None:
    path = write_canonical_csv(tmp_path / "a.csv", _answers(["1.5", "1250"]))

    assert _weights(_read(path)) == [1.5, 1250.0]


@pytest.mark.parametrize("weight", ["a,b", ",", "1,x"])
def test_text_with_a_comma_that_is_no_number_rejects_only_its_row(tmp_path: Path, weight: str) -> None:
    path = write_canonical_csv(tmp_path / "a.csv", _answers(["1.0", weight]))

    result = _read(path)

    assert result.report.rows_kept == 1
    assert [(f.key, f.column, f.examples) for f in result.report.rejected] == [("bad_number", "weight", (2,))]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_refusal_is_said_in_the_readers_language_with_its_row_and_column(tmp_path: Path, language: str) -> None:
    path = write_canonical_csv(tmp_path / "a.csv", _answers(["1,250"]))
    with pytest.raises(ExtractError) as caught:
        _read(path)

    text = import_error_message(caught.value, language)

    assert text.startswith(t("reader.comma_in_number", language))
    assert t("reader.where", language, row=1, column="weight") in text
    assert "1250" in text  # what is allowed
