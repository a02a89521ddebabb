"""Implausible values are rejected per row, with the reason in the report: over-long or control-character text
(which one store accepts and the other refuses) and dates outside the plausible range.

Every rule runs on both layouts and both formats; a value at the boundary is kept.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Mapping
from pathlib import Path

import polars as pl
import pytest

from core.schema import MAX_LENGTHS, Kind
from core.settings import DEFAULT_EARLIEST_DATE, DEFAULT_SLOT_HORIZON_YEARS, Settings
from core.validation import REASONS
from data_sources.extracts import ExtractResult, avohilmo, read_extract
from i18n import catalogue
from tests.data_sources.extract_fixtures import (
    TODAY,
    avohilmo_row,
    avohilmo_rows,
    canonical_answer,
    canonical_slot,
    canonical_visit,
    canonical_visits,
    write_avohilmo,
    write_canonical_csv,
)

Row = dict[str, str | None]
ID_LIMIT = MAX_LENGTHS[Kind.ID]


def _write(tmp_path: Path, table: str, layout: str, file_format: str, rows: list[Row]) -> Path:
    """``rows`` as a file of ``layout`` and ``file_format`` (every column text in Parquet, as in a CSV file)."""
    if file_format == "parquet":
        path = tmp_path / f"{table}.parquet"
        pl.DataFrame(rows, schema=dict.fromkeys(rows[0], pl.String)).write_parquet(path)
        return path
    if layout == "avohilmo":
        return write_avohilmo(tmp_path / f"{table}.csv", rows)
    return write_canonical_csv(tmp_path / f"{table}.csv", rows)


def _good_rows(table: str, layout: str) -> list[Row]:
    if layout == "avohilmo":
        return avohilmo_rows(2)
    if table == "visits":
        return canonical_visits(2)
    if table == "appointment_slots":
        return [canonical_slot(book_id="b1"), canonical_slot(book_id="b2")]
    return [canonical_answer(response_id="r1"), canonical_answer(response_id="r2")]


def _bad_row(table: str, layout: str, **values: str | None) -> Row:
    if layout == "avohilmo":
        return avohilmo_row(AVOHILMO_ID="9", **values)
    if table == "visits":
        return canonical_visit(**{"visit_id": "x", **values})
    if table == "appointment_slots":
        return canonical_slot(**values)
    return canonical_answer(**{"response_id": "x", **values})


def _read(path: Path, table: str, **options: object) -> ExtractResult:
    return read_extract(path, table=table, **{"today": TODAY, **options})  # type: ignore[arg-type]


def _findings(result: ExtractResult) -> list[tuple[str, str, int, tuple[int, ...]]]:
    return [(f.key, f.column, f.count, f.examples) for f in result.report.rejected]


FORMATS = ["csv", "parquet"]

# (table, layout, the bad value's column, the value, reason): the bad row is row 3 of every file.
TEXT_REJECTIONS: list[tuple[str, str, str, str, str]] = [
    # longer than an id may be (the 8 MiB health-centre id of the report, cut to 1 MiB)
    ("visits", "canonical", "unit_id", "u" * (1 << 20), "value_too_long"),
    ("visits", "canonical", "unit_id", "u" * (ID_LIMIT + 1), "value_too_long"),
    ("visits", "canonical", "patient_id", "p" * (ID_LIMIT + 1), "value_too_long"),
    ("visits", "canonical", "professional_id", "d" * (ID_LIMIT + 1), "value_too_long"),
    ("visits", "canonical", "visit_id", "v" * (ID_LIMIT + 1), "value_too_long"),
    ("visits", "canonical", "service_type", "T" * (ID_LIMIT + 1), "value_too_long"),
    ("visits", "avohilmo", "PALVELUNTUOTTAJA_YKSIKKO", "1.2.246." * 9, "value_too_long"),
    ("visits", "avohilmo", "TNRO", "F" * (ID_LIMIT + 1), "value_too_long"),
    ("appointment_slots", "canonical", "book_id", "b" * (ID_LIMIT + 1), "value_too_long"),
    ("appointment_slots", "canonical", "unit_id", "u" * (ID_LIMIT + 1), "value_too_long"),
    ("survey_answers", "canonical", "unit_id", "u" * (ID_LIMIT + 1), "value_too_long"),
    # control characters: a line break, a tab, an escape, DEL
    ("visits", "canonical", "unit_id", "TK\nB-talo", "control_character"),
    ("visits", "canonical", "patient_id", "p\t1", "control_character"),
    ("visits", "avohilmo", "PALVELUNTUOTTAJA_YKSIKKO", "1.2.246\x1b[31m", "control_character"),
    ("visits", "avohilmo", "AMMATTIHENKILO_PSEUDO", "P1\x7f", "control_character"),
    ("appointment_slots", "canonical", "book_id", "b\x01", "control_character"),
    ("survey_answers", "canonical", "unit_id", "u\r1", "control_character"),
]


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize(("table", "layout", "column", "value", "key"), TEXT_REJECTIONS)
def test_implausible_text_rejects_its_row(
    *, tmp_path: Path, table: str, layout: str, column: str, value: str, key: str, file_format: str
) -> None:
    rows = [*_good_rows(table, layout), _bad_row(table, layout, **{column: value})]
    path = _write(tmp_path, table, layout, file_format, rows)

    result = _read(path, table)

    assert _findings(result) == [(key, column, 1, (3,))]
    assert result.report.rows_kept == 2
    assert result.data.collect().height == 2


@pytest.mark.parametrize("column", ["unit_id", "patient_id", "visit_id"])
def test_a_nul_byte_in_a_parquet_value_rejects_its_row(tmp_path: Path, column: str) -> None:
    rows = [*canonical_visits(2), canonical_visit(**{"visit_id": "x", column: "abc\x00def"})]
    path = _write(tmp_path, "visits", "canonical", "parquet", rows)

    result = _read(path, "visits")

    assert _findings(result) == [("control_character", column, 1, (3,))]
    assert "\x00" not in "".join(result.data.collect().get_column(column).to_list())


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("layout", ["canonical", "avohilmo"])
def test_an_id_of_exactly_the_limit_is_kept(tmp_path: Path, layout: str, file_format: str) -> None:
    unit = "PALVELUNTUOTTAJA_YKSIKKO" if layout == "avohilmo" else "unit_id"
    rows = [*_good_rows("visits", layout), _bad_row("visits", layout, **{unit: "ä" * ID_LIMIT})]
    path = _write(tmp_path, "visits", layout, file_format, rows)

    result = _read(path, "visits")

    assert result.report.rows_kept == 3
    assert ID_LIMIT * "ä" in result.data.collect().get_column("unit_id").to_list()


# (table, layout, column, value, reason): dates before 2000 or slots more than two years after TODAY (2025-06-30).
DATE_REJECTIONS: list[tuple[str, str, str, str, str]] = [
    ("visits", "canonical", "visit_at", "1999-12-31T23:59:59", "date_too_early"),
    ("visits", "canonical", "visit_at", "1900-03-10T09:00:00", "date_too_early"),
    ("visits", "canonical", "visit_at", "0001-03-10", "date_too_early"),
    ("visits", "canonical", "assessment_at", "1999-12-31", "date_too_early"),
    ("visits", "avohilmo", "KAYNTI_ALKOI", "31.12.1999 23:59", "date_too_early"),
    ("visits", "avohilmo", "HOIDONTARVE_AJANKOHTA", "01.01.1900 08:00", "date_too_early"),
    ("survey_answers", "canonical", "answered_at", "1999-06-01T12:00:00", "date_too_early"),
    ("appointment_slots", "canonical", "captured_at", "1999-06-01T06:00:00", "date_too_early"),
    ("appointment_slots", "canonical", "slot_at", "1999-06-01T09:00:00", "date_too_early"),
    ("appointment_slots", "canonical", "slot_at", "9999-01-01T09:00:00", "date_too_far_ahead"),
    ("appointment_slots", "canonical", "slot_at", "2027-07-01T00:00:00", "date_too_far_ahead"),
]


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize(("table", "layout", "column", "value", "key"), DATE_REJECTIONS)
def test_implausible_dates_reject_their_row(
    *, tmp_path: Path, table: str, layout: str, column: str, value: str, key: str, file_format: str
) -> None:
    rows = [*_good_rows(table, layout), _bad_row(table, layout, **{column: value})]
    path = _write(tmp_path, table, layout, file_format, rows)

    result = _read(path, table)

    assert _findings(result) == [(key, column, 1, (3,))]
    assert result.report.rows_kept == 2


# (table, layout, column, value): the first and last moments allowed are kept.
DATE_BOUNDARIES: list[tuple[str, str, str, str]] = [
    ("visits", "canonical", "visit_at", "2000-01-01T00:00:00"),
    ("visits", "canonical", "assessment_at", "2000-01-01"),
    ("visits", "avohilmo", "KAYNTI_ALKOI", "01.01.2000 00:00"),
    ("survey_answers", "canonical", "answered_at", "2000-01-01T00:00:00"),
    ("appointment_slots", "canonical", "slot_at", "2027-06-30T23:59:59"),
    ("appointment_slots", "canonical", "slot_at", "2000-01-01T00:00:00"),
]


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize(("table", "layout", "column", "value"), DATE_BOUNDARIES)
def test_a_date_at_the_boundary_is_kept(
    *, tmp_path: Path, table: str, layout: str, column: str, value: str, file_format: str
) -> None:
    extra: Mapping[str, str | None] = {"HOIDONTARVE_AJANKOHTA": None} if column == "KAYNTI_ALKOI" else {}
    if column == "visit_at":
        extra = {"assessment_at": None}
    rows = [*_good_rows(table, layout), _bad_row(table, layout, **{column: value, **extra})]
    path = _write(tmp_path, table, layout, file_format, rows)

    result = _read(path, table)

    assert result.report.rejected == ()
    assert result.report.rows_kept == 3


def test_typed_parquet_dates_of_ancient_years_are_rejected(tmp_path: Path) -> None:
    # The years -768, 1 and 1900 of the report, as typed datetimes and dates.
    frame = pl.DataFrame(canonical_visits(4)).with_columns(
        pl.Series(
            "visit_at",
            [dt.datetime(2025, 3, 10, 9), dt.datetime(1, 1, 1), dt.datetime(1900, 5, 5), dt.datetime(2025, 3, 11)],
        ),
        pl.Series("assessment_at", [None, None, None, None], dtype=pl.Date),
    )
    frame = frame.with_columns(
        pl.when(pl.col("visit_id") == "v4").then(pl.date(-768, 1, 1)).otherwise(pl.col("visit_at")).alias("visit_at")
    )
    path = tmp_path / "visits.parquet"
    frame.write_parquet(path)

    result = _read(path, "visits")

    assert _findings(result) == [("date_too_early", "visit_at", 3, (2, 3, 4))]
    years = result.data.collect().get_column("visit_at").dt.year().to_list()
    assert years == [2025]


def test_the_earliest_date_and_the_horizon_are_arguments(tmp_path: Path) -> None:
    visits = write_canonical_csv(
        tmp_path / "visits.csv", [canonical_visit(visit_at="2019-12-31T10:00", assessment_at=None)]
    )
    slots = write_canonical_csv(tmp_path / "slots.csv", [canonical_slot(slot_at="2026-07-01T09:00")])
    avohilmo_file = write_avohilmo(
        tmp_path / "avohilmo.csv", [avohilmo_row(KAYNTI_ALKOI="31.12.2019 10:00", HOIDONTARVE_AJANKOHTA=None)]
    )

    assert _read(visits, "visits").report.rows_kept == 1
    assert _read(visits, "visits", earliest_date=dt.date(2020, 1, 1)).report.rejected_count("date_too_early") == 1
    assert _read(slots, "appointment_slots").report.rows_kept == 1
    one_year = _read(slots, "appointment_slots", slot_horizon_years=1)
    assert one_year.report.rejected_count("date_too_far_ahead") == 1
    avohilmo_result = avohilmo.read_visits_with_report(avohilmo_file, today=TODAY, earliest_date=dt.date(2020, 1, 1))
    assert avohilmo_result.report.rejected_count("date_too_early") == 1


def test_a_row_with_a_bad_id_and_a_bad_date_is_counted_once_under_the_id(tmp_path: Path) -> None:
    path = write_canonical_csv(tmp_path / "visits.csv", [canonical_visit(unit_id="u" * 100, visit_at="1999-01-01")])

    assert _findings(_read(path, "visits")) == [("value_too_long", "unit_id", 1, (1,))]


def test_the_readers_defaults_are_the_settings_defaults(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="sqlite://")
    reader = inspect.signature(read_extract).parameters
    avohilmo_reader = inspect.signature(avohilmo.read_visits_with_report).parameters

    assert reader["earliest_date"].default == settings.earliest_date == DEFAULT_EARLIEST_DATE == dt.date(2000, 1, 1)
    assert avohilmo_reader["earliest_date"].default == DEFAULT_EARLIEST_DATE
    assert reader["slot_horizon_years"].default == settings.slot_horizon_years == DEFAULT_SLOT_HORIZON_YEARS == 2


def test_the_settings_read_the_earliest_date_and_the_horizon() -> None:
    settings = Settings.from_environment(
        {"DASHBOARD_EARLIEST_DATE": "2015-01-01", "DASHBOARD_SLOT_HORIZON_YEARS": "3"}, secrets={}
    )

    assert (settings.earliest_date, settings.slot_horizon_years) == (dt.date(2015, 1, 1), 3)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DASHBOARD_EARLIEST_DATE", "1.1.2000"),
        ("DASHBOARD_SLOT_HORIZON_YEARS", "0"),
        ("DASHBOARD_SLOT_HORIZON_YEARS", "x"),
    ],
)
def test_the_settings_refuse_a_bad_earliest_date_or_horizon(name: str, value: str) -> None:
    with pytest.raises(Exception, match=name):
        Settings.from_environment({name: value}, secrets={})


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.parametrize("key", sorted(REASONS))
def test_every_reason_is_described_in_every_language(language: str, key: str) -> None:
    assert catalogue(language)[f"reason.{key}"].strip()
