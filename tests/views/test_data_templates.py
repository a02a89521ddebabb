"""The Data page's templates read back through the readers as they stand; the column table lists every column;
a failed import and the report's notes are said in each language."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core.notes import note
from data_sources.extracts import read_extract
from i18n import LANGUAGES, t
from views import data


@pytest.mark.parametrize("table", data.TABLES)
def test_a_template_reads_back_with_both_example_rows_kept(tmp_path: Path, table: str) -> None:
    path = tmp_path / f"{table}.csv"
    path.write_bytes(data.template_csv(table))

    result = read_extract(path, table=table, today=dt.date(2026, 1, 1))

    assert (result.report.rows_read, result.report.rows_kept) == (2, 2)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("table", data.TABLES)
def test_the_column_table_lists_every_canonical_column(table: str, language: str) -> None:
    frame = data.column_table(table, language)

    names = frame[t("data.col_column", language)].to_list()
    assert names == [column.name for column in data.TABLES_BY_NAME[table].columns]


class _Failure:
    """What the page gets from a failed import: a key and parameters, or only a reason in English."""

    def __init__(self, key: str | None, params: dict[str, str], reason: str = "", **where: object) -> None:
        self.key, self.params, self.reason, self.file_name = key, params, reason, "kaynnit.csv"
        self.row, self.column = where.get("row"), where.get("column")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_missing_column_is_said_in_the_language_with_a_close_name_only(language: str) -> None:
    failure = _Failure("missing_columns", {"missing": "visit_id", "available": "visitid, unit_id", "hint": ""})
    failure.__cause__ = type("Cause", (), {"close": {"visit_id": "visitid"}})()  # type: ignore[attr-defined]

    text = data.import_error_message(failure, language)

    assert text.startswith(
        t("reader.missing_columns", language, file="kaynnit.csv", missing="visit_id", available="visitid, unit_id")
    )
    assert t("reader.close_name", language, found="visitid", wanted="visit_id") in text
    assert text.endswith(t("reader.unchanged", language))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_reason_without_a_key_is_quoted_inside_the_languages_sentence(language: str) -> None:
    text = data.import_error_message(_Failure(None, {}, reason="a file operation failed"), language)

    assert text.startswith(t("reader.failed", language, file="kaynnit.csv", reason="a file operation failed"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_county_rule_note_names_the_rule_and_the_year_in_the_language(language: str) -> None:
    class _Report:
        encoding = "latin-1"
        notes = (note("county_municipality", column="ASIAKAS_KOTIKUNTA", rule="auto", year="2025", source="x"),)

    lines = data.report_notes(type("Imported", (), {"report": _Report()})(), language)

    assert lines[0] == t("extract_note.encoding", language, encoding="latin-1")
    assert "2025" in lines[1]
    assert t("datasets.rule_auto", language) in lines[1]
