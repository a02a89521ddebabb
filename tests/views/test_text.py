"""Columns written as text in Python, then looked up by polars: the same text a per-row writer gives."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest

from i18n.format import count, moment_text, number
from views.text import written, written_rows


def test_each_value_is_written_by_the_function_in_row_order() -> None:
    frame = pl.DataFrame({"n": [1_188_553, 7, 1_188_553, 0]})
    shown = frame.select(written(frame, pl.col("n"), lambda value: count(value, "fi")))
    assert shown["n"].to_list() == ["1\u202f188\u202f553", "7", "1\u202f188\u202f553", "0"]


def test_nulls_are_passed_to_the_writer_too() -> None:
    frame = pl.DataFrame({"n": [3, None]}, schema={"n": pl.Int64})
    assert frame.select(written(frame, pl.col("n"), lambda value: count(value, "en")))["n"].to_list() == ["3", "–"]


def test_the_writer_runs_once_per_distinct_value() -> None:
    calls: list[object] = []

    def write(value: object) -> str:
        calls.append(value)
        return str(value)

    frame = pl.DataFrame({"key": ["a", "b", "a", "a", None, None]})
    frame.select(written(frame, pl.col("key"), write))
    assert sorted(map(str, calls)) == ["None", "a", "b"]


def test_an_expression_is_written_as_computed_and_keeps_its_name() -> None:
    frame = pl.DataFrame({"share": [0.2512, 0.5, None]})
    shown = frame.select(written(frame, pl.col("share") * 100, lambda value: number(value, "sv", digits=1)))
    assert shown.columns == ["share"]
    assert shown["share"].to_list() == ["25,1", "50,0", "–"]


def test_dates_are_written_after_the_cast() -> None:
    moment = dt.datetime(2026, 11, 23, 18, 46, 34)
    frame = pl.DataFrame({"at": [moment, None]})
    expression = pl.col("at").cast(pl.Datetime("us"), strict=False)
    shown = frame.select(written(frame, expression, lambda value: moment_text(value, "fi")))
    assert shown["at"].to_list() == [moment_text(moment, "fi"), "–"]


@pytest.mark.parametrize("dtype", [pl.Int64, pl.Float64, pl.String, pl.Datetime("us")])
def test_an_empty_column_is_still_text(dtype: pl.DataType) -> None:
    frame = pl.DataFrame({"value": []}, schema={"value": dtype})
    shown = frame.select(written(frame, pl.col("value"), str))
    assert shown.schema == pl.Schema({"value": pl.String})
    assert shown.height == 0


def test_rows_are_written_from_several_columns_in_order() -> None:
    frame = pl.DataFrame({"file": ["a", None, "c"], "line": [1, 2, None]})
    series = written_rows(frame, ("file", "line"), lambda file, line: f"{file}:{line}", name="source")
    assert series.name == "source"
    assert series.dtype == pl.String
    assert series.to_list() == ["a:1", "None:2", "c:None"]


def test_every_float_finds_its_text_negative_zero_nan_and_infinity_included() -> None:
    frame = pl.DataFrame({"value": [0.0, -0.0, float("nan"), float("inf"), None]})

    # number() writes NaN as unknown ('–'), like None: the writer tells them apart to see NaN find its own text
    def write(value: float | None) -> str:
        return "NaN" if isinstance(value, float) and math.isnan(value) else number(value, "en", digits=0)

    shown = frame.select(written(frame, pl.col("value"), write))
    assert shown["value"].null_count() == 0
    assert shown["value"].to_list()[2:] == ["NaN", "inf", "–"]
