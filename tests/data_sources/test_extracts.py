"""Extract readers: canonical CSV and Parquet, every rejection reason in both layouts, typed errors, chunking."""

from __future__ import annotations

import datetime as dt
import gc
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.errors import DashboardError, InvalidInputError
from core.schema import APPOINTMENT_SLOTS, SURVEY_ANSWERS, VISITS, reader_dtypes
from data_sources.extracts import (
    ExtractColumnsError,
    ExtractError,
    ExtractResult,
    avohilmo,
    canonical,
    read_answers,
    read_extract,
    read_slots,
    reader,
    sniffing,
    tally,
)
from tests.data_sources.extract_fixtures import (
    AVOHILMO_COLUMNS,
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

VISIT_DTYPES = reader_dtypes(VISITS.name)


def read_visits(path: Path, **options: object) -> ExtractResult:
    return read_extract(path, table="visits", **{"today": TODAY, **options})  # type: ignore[arg-type]


def findings(result: ExtractResult, kind: str = "rejected") -> list[tuple[str, str, int, tuple[int, ...]]]:
    items = result.report.rejected if kind == "rejected" else result.report.flagged
    return [(f.key, f.column, f.count, f.examples) for f in items]


# --------------------------------------------------------------------------- canonical layout


def test_a_canonical_csv_file_is_read_into_the_canonical_dtypes(tmp_path: Path) -> None:
    path = write_canonical_csv(
        tmp_path / "visits.csv",
        [canonical_visit(), canonical_visit(visit_id="v2", urgent="true", assessment_at=None, professional_id=None)],
    )

    expected = pl.DataFrame(
        {
            "visit_id": ["v1", "v2"],
            "patient_id": ["p1", "p1"],
            "professional_id": ["d1", None],
            "profession": ["doctor", "doctor"],
            "unit_id": ["u1", "u1"],
            "region_code": ["02", "02"],
            "visit_at": [dt.datetime(2025, 3, 10, 9)] * 2,
            "assessment_at": [dt.datetime(2025, 3, 3, 8, 14), None],
            "urgent": [False, True],
            "contact_mode": ["in_person", "in_person"],
            "service_type": ["T11", "T11"],
            "age_years": [None, None],
        },
        schema=VISIT_DTYPES,
    )
    result = read_visits(path)

    assert_frame_equal(result.data.collect(), expected)
    assert (result.report.layout, result.report.file_format) == ("canonical", "csv")


def test_a_frame_written_by_polars_reads_back_unchanged(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "visit_id": ["a", "b", "c"],
            "patient_id": ["p", "p", "q"],
            "professional_id": ["d", None, "e"],
            "profession": ["doctor", "nurse", "other"],
            "unit_id": ["u", "u", "w"],
            "region_code": ["01", "90", "21"],
            "visit_at": [
                dt.datetime(2025, 1, 2, 8, 30, 15, 250_000),
                dt.datetime(2025, 2, 1),
                dt.datetime(2025, 6, 30, 23, 59),
            ],
            "assessment_at": [dt.datetime(2025, 1, 1), None, dt.datetime(2025, 6, 1)],
            "urgent": [False, True, False],
            "contact_mode": ["phone", "video", "home"],
            "service_type": ["T11", None, "T71"],
            "age_years": [34.0, None, 81.0],
        },
        schema=VISIT_DTYPES,
    )
    csv_path = tmp_path / "visits.csv"
    parquet_path = tmp_path / "visits.parquet"
    frame.write_csv(csv_path)
    frame.write_parquet(parquet_path)

    assert_frame_equal(read_visits(csv_path).data.collect(), frame)
    assert_frame_equal(read_visits(parquet_path).data.collect(), frame)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-10T09:00:00.000000", dt.datetime(2025, 3, 10, 9)),
        ("2025-03-10 09:00:00", dt.datetime(2025, 3, 10, 9)),
        ("2025-03-10T09:00", dt.datetime(2025, 3, 10, 9)),
        ("2025-03-10 09:00", dt.datetime(2025, 3, 10, 9)),
        ("2025-03-10", dt.datetime(2025, 3, 10)),
    ],
)
def test_canonical_times_are_iso_8601_in_any_common_form(tmp_path: Path, text: str, expected: dt.datetime) -> None:
    path = write_canonical_csv(tmp_path / "visits.csv", [canonical_visit(visit_at=text)])

    assert read_visits(path).data.collect().item(0, "visit_at") == expected


@pytest.mark.parametrize(
    ("text", "expected"), [("true", True), ("FALSE", False), ("1", True), ("0", False), ("t", True), ("no", False)]
)
def test_canonical_booleans_accept_the_usual_spellings(tmp_path: Path, text: str, expected: bool) -> None:
    path = write_canonical_csv(tmp_path / "visits.csv", [canonical_visit(urgent=text)])

    assert read_visits(path).data.collect().item(0, "urgent") is expected


def test_a_utf8_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = write_canonical_csv(tmp_path / "visits.csv", [canonical_visit(unit_id="Pälkäne")], bom=True)

    result = read_visits(path)

    assert result.data.collect().item(0, "unit_id") == "Pälkäne"
    assert result.report.encoding == "utf-8"


def test_typed_parquet_columns_are_converted(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "visit_id": [1, 2],
            "patient_id": [10, 10],
            "professional_id": pl.Series([None, None], dtype=pl.String),
            "profession": ["doctor", "nurse"],
            "unit_id": [7, 7],
            "region_code": [2, 90],
            "visit_at": pl.Series([dt.datetime(2025, 3, 10, 7), dt.datetime(2025, 3, 11, 7)]).dt.replace_time_zone(
                "UTC"
            ),
            "assessment_at": [dt.date(2025, 3, 3), None],
            "urgent": [False, True],
            "contact_mode": pl.Series(["phone", "phone"], dtype=pl.Categorical),
            "service_type": ["T11", "T11"],
        }
    )
    path = tmp_path / "visits.parquet"
    frame.write_parquet(path)

    data = read_visits(path).data.collect()

    assert dict(data.schema) == VISIT_DTYPES
    assert data.get_column("visit_id").to_list() == ["1", "2"]
    assert data.get_column("region_code").to_list() == ["02", "90"]
    # UTC 07:00 in March is 09:00 in Helsinki
    assert data.get_column("visit_at").to_list() == [dt.datetime(2025, 3, 10, 9), dt.datetime(2025, 3, 11, 9)]
    assert data.get_column("assessment_at").to_list() == [dt.datetime(2025, 3, 3), None]


def test_a_parquet_column_of_an_unusable_type_names_the_file_and_column(tmp_path: Path) -> None:
    frame = pl.DataFrame([canonical_visit()]).with_columns(visit_at=pl.lit(1.5))
    path = tmp_path / "visits.parquet"
    frame.write_parquet(path)

    with pytest.raises(ExtractError, match="date or datetime") as caught:
        read_visits(path)
    assert caught.value.column == "visit_at"
    assert str(path) in str(caught.value)


def test_optional_canonical_columns_may_be_absent(tmp_path: Path) -> None:
    rows = [{k: val for k, val in canonical_visit().items() if k not in ("professional_id", "service_type")}]
    path = write_canonical_csv(tmp_path / "visits.csv", rows)

    result = read_visits(path)

    assert result.data.collect().select("professional_id", "service_type").row(0) == (None, None)
    assert len(result.report.notes) == 2


def test_the_region_code_argument_fills_a_canonical_file_without_regions(tmp_path: Path) -> None:
    rows = [{k: val for k, val in canonical_visit().items() if k != "region_code"}]
    path = write_canonical_csv(tmp_path / "visits.csv", rows)

    assert read_visits(path, region_code="05").data.collect().item(0, "region_code") == "05"


def test_slots_are_read(tmp_path: Path) -> None:
    path = write_canonical_csv(tmp_path / "slots.csv", [canonical_slot(), canonical_slot(slot_at="2025-09-01T09:00")])

    result = read_slots(path, today=TODAY)

    data = result.data.collect()
    assert dict(data.schema) == reader_dtypes(APPOINTMENT_SLOTS.name)
    # a slot may lie after today: books hold future slots
    assert data.get_column("slot_at").to_list() == [dt.datetime(2025, 3, 12, 9), dt.datetime(2025, 9, 1, 9)]
    assert result.report.table == "appointment_slots"
    assert result.report.coverage.is_empty()


def test_answers_are_read_and_out_of_range_scores_are_kept_for_nps_to_count(tmp_path: Path) -> None:
    rows = [
        canonical_answer(),
        canonical_answer(response_id="r2", score="11"),
        canonical_answer(response_id="r3", score=None),
        canonical_answer(response_id="r4", score="NaN", weight=None),
    ]
    path = write_canonical_csv(tmp_path / "answers.csv", rows)

    result = read_answers(path, today=TODAY)

    data = result.data.collect()
    assert dict(data.schema) == reader_dtypes(SURVEY_ANSWERS.name)
    assert data.get_column("score").to_list()[:3] == [9.0, 11.0, None]
    assert result.report.rows_kept == 4


def test_answers_without_a_weight_column_are_read(tmp_path: Path) -> None:
    rows = [{k: val for k, val in canonical_answer().items() if k != "weight"}]
    path = write_canonical_csv(tmp_path / "answers.csv", rows)

    assert read_answers(path, today=TODAY).data.collect().item(0, "weight") is None


# --------------------------------------------------------------------------- every rejection reason, both layouts

Rows = list[dict[str, str | None]]

# (reason, column, rows with the bad one last); row 3 is the bad row in every case.
AVOHILMO_REJECTIONS: list[tuple[str, str, Rows]] = [
    # dates: unparseable, impossible, another format
    ("bad_date", "KAYNTI_ALKOI", [avohilmo_row(KAYNTI_ALKOI="31.02.2025 10:00")]),
    ("bad_date", "KAYNTI_ALKOI", [avohilmo_row(KAYNTI_ALKOI="2025-03-10 09:00")]),
    ("bad_date", "HOIDONTARVE_AJANKOHTA", [avohilmo_row(HOIDONTARVE_AJANKOHTA="eilen")]),
    # after the reader's today
    ("future_date", "KAYNTI_ALKOI", [avohilmo_row(KAYNTI_ALKOI="01.07.2025 00:00")]),
    ("future_date", "HOIDONTARVE_AJANKOHTA", [avohilmo_row(HOIDONTARVE_AJANKOHTA="02.07.2025 08:00")]),
    # regions: Åland is not compared; unknown codes
    ("unknown_region", "HYVINVOINTIALUE", [avohilmo_row(HYVINVOINTIALUE="91")]),
    ("unknown_region", "HYVINVOINTIALUE", [avohilmo_row(HYVINVOINTIALUE="Pirkanmaa")]),
    # codes outside the allowed values
    ("invalid_code", "KAYNTI_AMMATTI", [avohilmo_row(KAYNTI_AMMATTI="lääkäri")]),
    ("invalid_code", "KAYNTI_YHTEYSTAPA", [avohilmo_row(KAYNTI_YHTEYSTAPA="R60")]),
    # required values
    ("missing_value", "AVOHILMO_ID", [avohilmo_row(AVOHILMO_ID=None)]),
    ("missing_value", "TNRO", [avohilmo_row(TNRO=None)]),
    ("missing_value", "PALVELUNTUOTTAJA_YKSIKKO", [avohilmo_row(PALVELUNTUOTTAJA_YKSIKKO=None)]),
    ("missing_value", "KAYNTI_ALKOI", [avohilmo_row(KAYNTI_ALKOI=None)]),
    ("missing_value", "KAYNTI_AMMATTI", [avohilmo_row(KAYNTI_AMMATTI=None)]),
    ("missing_value", "KAYNTI_YHTEYSTAPA", [avohilmo_row(KAYNTI_YHTEYSTAPA=None)]),
    ("missing_value", "HYVINVOINTIALUE", [avohilmo_row(HYVINVOINTIALUE=None)]),
    # a repeated visit with the same values: the first occurrence (row 1) is kept
    ("duplicate_visit_id", "AVOHILMO_ID", [avohilmo_row(AVOHILMO_ID="1000001", TNRO="FR0000001")]),
    ("cancelled", "PERUUTUS_AJANKOHTA", [avohilmo_row(AVOHILMO_ID="5", PERUUTUS_AJANKOHTA="01.03.2025 10:00")]),
]

CANONICAL_REJECTIONS: list[tuple[str, str, Rows]] = [
    ("bad_date", "visit_at", [canonical_visit(visit_id="x", visit_at="10.03.2025 09:00")]),
    ("bad_date", "assessment_at", [canonical_visit(visit_id="x", assessment_at="2025-02-30")]),
    ("future_date", "visit_at", [canonical_visit(visit_id="x", visit_at="2025-07-01")]),
    ("unknown_region", "region_code", [canonical_visit(visit_id="x", region_code="23")]),
    ("invalid_code", "profession", [canonical_visit(visit_id="x", profession="surgeon")]),
    ("invalid_code", "contact_mode", [canonical_visit(visit_id="x", contact_mode="telepathy")]),
    ("invalid_code", "urgent", [canonical_visit(visit_id="x", urgent="maybe")]),
    ("missing_value", "patient_id", [canonical_visit(visit_id="x", patient_id=None)]),
    ("missing_value", "visit_at", [canonical_visit(visit_id="x", visit_at=None)]),
    ("duplicate_visit_id", "visit_id", [canonical_visit(visit_id="v1")]),
]


@pytest.mark.parametrize(("key", "column", "bad"), AVOHILMO_REJECTIONS)
def test_every_rejection_reason_is_reported_for_avohilmo_files(
    tmp_path: Path, key: str, column: str, bad: Rows
) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", [*avohilmo_rows(2), *bad])

    result = read_visits(path)

    assert findings(result) == [(key, column, 1, (3,))]
    assert result.report.rows_read == 3
    assert result.report.rows_kept == 2
    assert result.data.collect().height == 2


@pytest.mark.parametrize(("key", "column", "bad"), CANONICAL_REJECTIONS)
@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_every_rejection_reason_is_reported_for_canonical_files(
    tmp_path: Path, key: str, column: str, bad: Rows, file_format: str
) -> None:
    rows = [*canonical_visits(2), *bad]
    if file_format == "csv":
        path = write_canonical_csv(tmp_path / "visits.csv", rows)
    else:
        path = tmp_path / "visits.parquet"
        pl.DataFrame(rows, schema=dict.fromkeys(rows[0], pl.String)).write_parquet(path)

    result = read_visits(path)

    assert findings(result) == [(key, column, 1, (3,))]
    assert result.data.collect().height == 2


@pytest.mark.parametrize(
    ("table", "row", "key", "column"),
    [
        ("appointment_slots", canonical_slot(status="gone"), "invalid_code", "status"),
        ("appointment_slots", canonical_slot(slot_type="soon"), "invalid_code", "slot_type"),
        ("appointment_slots", canonical_slot(captured_at="2025-08-01T06:00"), "future_date", "captured_at"),
        ("appointment_slots", canonical_slot(book_id=None), "missing_value", "book_id"),
        ("survey_answers", canonical_answer(score="nine"), "bad_number", "score"),
        ("survey_answers", canonical_answer(weight="heavy"), "bad_number", "weight"),
        ("survey_answers", canonical_answer(respondent="robot"), "invalid_code", "respondent"),
        ("survey_answers", canonical_answer(answered_at="2030-01-01"), "future_date", "answered_at"),
        ("survey_answers", canonical_answer(), "duplicate_response_id", "response_id"),
    ],
)
def test_slots_and_answers_report_their_rejections(
    tmp_path: Path, table: str, row: dict[str, str | None], key: str, column: str
) -> None:
    good = canonical_slot() if table == "appointment_slots" else canonical_answer()
    path = write_canonical_csv(tmp_path / f"{table}.csv", [good, row])

    result = read_extract(path, table=table, today=TODAY)

    assert findings(result) == [(key, column, 1, (2,))]


def test_a_row_is_counted_once_under_its_first_reason(tmp_path: Path) -> None:
    # empty unit (missing_value) comes before the bad date and the unknown region
    bad = avohilmo_row(PALVELUNTUOTTAJA_YKSIKKO=None, KAYNTI_ALKOI="x", HYVINVOINTIALUE="99")
    path = write_avohilmo(tmp_path / "avohilmo.csv", [bad])

    assert findings(read_visits(path)) == [("missing_value", "PALVELUNTUOTTAJA_YKSIKKO", 1, (1,))]


def test_examples_are_the_first_five_rows_of_each_reason(tmp_path: Path) -> None:
    rows = avohilmo_rows(12)
    for index in (1, 3, 4, 6, 8, 9, 11):
        rows[index]["KAYNTI_ALKOI"] = "not a date"
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows)

    assert findings(read_visits(path)) == [("bad_date", "KAYNTI_ALKOI", 7, (2, 4, 5, 7, 9))]


def test_a_later_duplicate_is_rejected_and_the_first_kept(tmp_path: Path) -> None:
    rows = avohilmo_rows(3)
    path = write_avohilmo(tmp_path / "avohilmo.csv", [*rows, rows[1], rows[1]])

    result = read_visits(path)

    assert findings(result) == [("duplicate_visit_id", "AVOHILMO_ID", 2, (4, 5))]
    kept = result.data.collect()
    assert kept.filter(pl.col("visit_id") == "1000002").get_column("patient_id").to_list() == ["FR0000002"]


@pytest.mark.parametrize(
    "order",
    [
        # the row with other values comes last, first, or between two equal ones
        ["FR0000002", "FR0000002", "FR-other"],
        ["FR-other", "FR0000002", "FR0000002"],
        ["FR0000002", "FR-other", "FR0000002"],
    ],
)
def test_rows_of_one_visit_id_that_differ_are_all_rejected_whatever_their_order(
    tmp_path: Path, order: list[str]
) -> None:
    """Which of them is right cannot be told, so none is kept; the examples are the rows after the id's first."""
    rows = [*avohilmo_rows(1), *(avohilmo_row(AVOHILMO_ID="1000002", TNRO=patient) for patient in order)]
    rows.append(avohilmo_row(AVOHILMO_ID="1000003", TNRO="FR0000003"))
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows)

    result = read_visits(path)

    assert findings(result) == [("conflicting_visit_id", "AVOHILMO_ID", 3, (3, 4))]
    assert sorted(result.data.collect().get_column("visit_id").to_list()) == ["1000001", "1000003"]
    assert (result.report.rows_read, result.report.rows_kept) == (5, 2)


def test_a_duplicate_of_a_rejected_row_is_kept(tmp_path: Path) -> None:
    rows = [avohilmo_row(KAYNTI_ALKOI="bad"), avohilmo_row()]
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows)

    result = read_visits(path)

    assert findings(result) == [("bad_date", "KAYNTI_ALKOI", 1, (1,))]
    assert result.report.rows_kept == 1


def test_future_dates_are_judged_against_the_today_argument(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", [avohilmo_row(KAYNTI_ALKOI="30.06.2025 23:59")])

    assert read_visits(path, today=dt.date(2025, 6, 30)).report.rows_kept == 1
    assert read_visits(path, today=dt.date(2025, 6, 29)).report.rejected_count("future_date") == 1


def test_today_defaults_to_the_current_date(tmp_path: Path) -> None:
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).strftime("%d.%m.%Y 00:00")
    path = write_avohilmo(tmp_path / "avohilmo.csv", [avohilmo_row(KAYNTI_ALKOI=tomorrow, HOIDONTARVE_AJANKOHTA=None)])

    assert avohilmo.read_visits_with_report(path).report.rejected_count("future_date") == 1


def test_a_blank_line_is_an_empty_row_and_trailing_blank_lines_are_ignored(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(3))
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join([*lines[:2], b"", *lines[2:]]) + b"\n\n")

    result = read_visits(path)

    assert findings(result) == [("empty_row", "(row)", 1, (2,))]
    assert result.report.rows_read == 4


def test_a_row_with_too_many_fields_is_rejected(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(2))
    path.write_bytes(path.read_bytes() + b";".join(b"x" for _ in range(len(AVOHILMO_COLUMNS) + 1)) + b"\n")

    assert findings(read_visits(path)) == [("too_many_fields", "(row)", 1, (3,))]


def test_quoted_values_may_hold_separators_and_line_breaks(tmp_path: Path) -> None:
    # A line break may sit in a quoted value of a column the reader does not use (an id holding one is rejected).
    first = avohilmo_row(PALVELUNTUOTTAJA="Kunta; Pohjoinen\nB-talo", PALVELUNTUOTTAJA_YKSIKKO="TK; Pohjoinen")
    path = write_avohilmo(tmp_path / "avohilmo.csv", [first, *avohilmo_rows(1, AVOHILMO_ID="7")])

    result = read_visits(path)

    assert result.data.collect().get_column("unit_id").to_list()[0] == "TK; Pohjoinen"
    assert result.report.rows_kept == 2


# --------------------------------------------------------------------------- flags and the professional-id share


def test_a_visit_before_its_assessment_is_kept_and_flagged(tmp_path: Path) -> None:
    rows = [
        *avohilmo_rows(2),
        avohilmo_row(AVOHILMO_ID="3", HOIDONTARVE_AJANKOHTA="11.03.2025 08:00", KAYNTI_ALKOI="10.03.2025 09:00"),
        # the same day, earlier in the day: a wait of 0 days, not negative
        avohilmo_row(AVOHILMO_ID="4", HOIDONTARVE_AJANKOHTA="10.03.2025 12:00", KAYNTI_ALKOI="10.03.2025 09:00"),
    ]
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows)

    result = read_visits(path)

    assert result.report.rows_kept == 4
    assert findings(result, "flagged") == [("visit_before_assessment", "HOIDONTARVE_AJANKOHTA", 1, (3,))]


def test_the_missing_professional_share_counts_kept_visits(tmp_path: Path) -> None:
    rows = [
        *avohilmo_rows(3),
        *avohilmo_rows(1, AVOHILMO_ID="8", AMMATTIHENKILO_PSEUDO=None),
        avohilmo_row(AVOHILMO_ID="9", AMMATTIHENKILO_PSEUDO=None, KAYNTI_ALKOI="bad"),
    ]
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows)

    result = read_visits(path)

    assert result.report.missing_professional_share == pytest.approx(1 / 4)
    assert findings(result, "flagged") == [("missing_professional_id", "AMMATTIHENKILO_PSEUDO", 1, (4,))]


def test_flags_of_a_rejected_duplicate_are_not_counted(tmp_path: Path) -> None:
    rows = [*avohilmo_rows(2), avohilmo_row(AVOHILMO_ID="1000001", AMMATTIHENKILO_PSEUDO=None)]
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows)

    result = read_visits(path)

    assert findings(result, "flagged") == []
    assert result.report.missing_professional_share == 0.0


# --------------------------------------------------------------------------- unreadable files end in typed errors


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "nowhere.csv"


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "folder.csv").mkdir()
    return tmp_path / "folder.csv"


def _empty(tmp_path: Path) -> Path:
    (tmp_path / "empty.csv").write_bytes(b"")
    return tmp_path / "empty.csv"


def _binary(tmp_path: Path) -> Path:
    (tmp_path / "image.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    return tmp_path / "image.csv"


def _fake_parquet(tmp_path: Path) -> Path:
    write_canonical_csv(tmp_path / "visits.parquet", canonical_visits(1))
    return tmp_path / "visits.parquet"


def _truncated_parquet(tmp_path: Path) -> Path:
    path = tmp_path / "visits.parquet"
    pl.DataFrame(canonical_visits(100)).write_parquet(path)
    path.write_bytes(path.read_bytes()[:300])
    return path


def _semicolons(tmp_path: Path) -> Path:
    return write_canonical_csv(tmp_path / "visits.csv", canonical_visits(2), separator=";")


def _latin1_canonical(tmp_path: Path) -> Path:
    return write_canonical_csv(
        tmp_path / "visits.csv",
        [*canonical_visits(2), canonical_visit(visit_id="v3", unit_id="Hämeenlinna")],
        encoding="latin-1",
    )


def _unclosed_quote(tmp_path: Path) -> Path:
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(2))
    path.write_bytes(path.read_bytes() + b'1000009;"FR9;x\n')
    return path


def _header_only_binary(tmp_path: Path) -> Path:
    path = tmp_path / "visits.csv"
    path.write_bytes(b"\n\n")
    return path


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (_missing, ExtractError, "no such file"),
        (_folder, ExtractError, "not a file"),
        (_empty, ExtractError, "empty"),
        (_binary, ExtractError, "binary"),
        (_fake_parquet, ExtractError, "not a Parquet file"),
        (_truncated_parquet, ExtractError, "truncated"),
        (_unclosed_quote, ExtractError, "quote|parsed"),
        (_header_only_binary, ExtractError, "header"),
    ],
)
def test_a_file_that_cannot_be_read_raises_a_typed_error_naming_it(
    tmp_path: Path, build: Callable[[Path], Path], error: type[Exception], message: str
) -> None:
    path = build(tmp_path)

    with pytest.raises(error, match=message) as caught:
        read_visits(path)
    assert isinstance(caught.value, DashboardError)
    assert str(path) in str(caught.value)


def test_an_unclosed_quote_is_located_by_row(tmp_path: Path) -> None:
    path = _unclosed_quote(tmp_path)

    with pytest.raises(ExtractError, match="quotes") as caught:
        read_visits(path)
    assert caught.value.row == 3


def test_a_runaway_quote_does_not_read_the_whole_file_into_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "CHUNK_BYTES", 200)
    monkeypatch.setattr(reader, "MAX_RECORD_BYTES", 1000)
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(1))
    path.write_bytes(path.read_bytes() + b'1000009;"FR9\n' + b"x;y;z\n" * 500)

    with pytest.raises(ExtractError, match="unclosed quote"):
        read_visits(path)


def test_undecodable_bytes_are_located_by_row_and_column(tmp_path: Path) -> None:
    path = _latin1_canonical(tmp_path)

    with pytest.raises(ExtractError) as caught:
        _read_as_utf8(path)
    assert (caught.value.row, caught.value.column) == (3, "unit_id")
    assert "row 3, column 'unit_id'" in str(caught.value)


def _read_as_utf8(path: Path) -> ExtractResult:
    """The canonical reader with the encoding fixed to UTF-8 (the automatic choice would read latin-1)."""
    sniffed = sniffing.sniff(path)
    spec = canonical.canonical_spec(path, "visits", sniffing.header_columns(sniffed, ","), region_code=None)
    return reader.run_reader(sniffed, spec, separator=",", encoding="utf-8", today=None)


def test_a_semicolon_separated_canonical_file_is_read_and_noted(tmp_path: Path) -> None:
    path = _semicolons(tmp_path)

    result = read_visits(path)

    assert result.report.rows_kept == 2
    assert any('"separator": ";"' in note for note in result.report.notes)


def test_a_latin1_canonical_file_is_read_and_its_encoding_reported(tmp_path: Path) -> None:
    result = read_visits(_latin1_canonical(tmp_path))

    assert result.report.encoding == "latin-1"
    assert "Hämeenlinna" in result.data.collect().get_column("unit_id").to_list()


def test_a_file_mixing_encodings_is_refused_with_the_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "CHUNK_BYTES", 256)
    rows = [avohilmo_row(PALVELUNTUOTTAJA_YKSIKKO="Hämeenlinna"), *avohilmo_rows(5, PALVELUNTUOTTAJA_YKSIKKO="x")]
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows, encoding="utf-8")
    latin1 = write_avohilmo(tmp_path / "b.csv", [avohilmo_row(PALVELUNTUOTTAJA_YKSIKKO="Ähtäri")], encoding="latin-1")
    path.write_bytes(path.read_bytes() + latin1.read_bytes().split(b"\n", 1)[1])

    with pytest.raises(ExtractError, match="mixes encodings") as caught:
        read_visits(path)
    assert (caught.value.row, caught.value.column) == (7, "PALVELUNTUOTTAJA_YKSIKKO")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"table": "patients"}, "table must be one of"),
        ({"table": "visits", "layout": "excel"}, "layout must be one of"),
        ({"table": "survey_answers", "layout": "avohilmo"}, "Avohilmo layout holds visits only"),
        ({"table": "visits", "today": "2025-06-30"}, "today must be a date"),
    ],
)
def test_bad_options_are_refused(tmp_path: Path, options: dict[str, object], message: str) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(1))

    with pytest.raises(InvalidInputError, match=message):
        read_extract(path, **options)  # type: ignore[arg-type]


def test_the_canonical_layout_can_be_forced_on_an_avohilmo_file(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(1))

    with pytest.raises(ExtractColumnsError, match="visit_id"):
        read_extract(path, table="visits", layout="canonical")


def test_a_header_only_file_gives_an_empty_frame_and_report(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", [])

    result = read_visits(path)

    assert result.data.collect().height == 0
    assert (result.report.rows_read, result.report.rows_kept) == (0, 0)
    assert result.report.missing_professional_share is None


# --------------------------------------------------------------------------- chunks, lazy data and temporary files


def test_small_chunks_give_the_same_result_as_one_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = avohilmo_rows(40)
    rows[5]["PALVELUNTUOTTAJA"] = 'Pälkäne "B"\n2. krs'
    rows[17]["KAYNTI_ALKOI"] = "bad"
    rows[33] = dict(rows[2])  # the same visit again
    rows[39]["AMMATTIHENKILO_PSEUDO"] = None
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows)
    whole = read_visits(path)

    monkeypatch.setattr(reader, "CHUNK_BYTES", 300)
    chunked = read_visits(path)

    assert_frame_equal(chunked.data.collect(), whole.data.collect())
    assert chunked.report == whole.report
    assert findings(chunked) == [
        ("bad_date", "KAYNTI_ALKOI", 1, (18,)),
        ("duplicate_visit_id", "AVOHILMO_ID", 1, (34,)),
    ]
    assert chunked.report.rows_kept == 38


def test_ids_that_share_a_hash_are_still_told_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = avohilmo_rows(30)
    rows[20] = dict(rows[2])  # a real repeat, in a later chunk
    rows[25] = dict(rows[2])
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows)
    monkeypatch.setattr(reader, "CHUNK_BYTES", 300)
    expected = read_visits(path)

    monkeypatch.setattr(tally, "_id_hashes", lambda ids: np.zeros(ids.len(), dtype=np.uint64))
    colliding = read_visits(path)

    assert colliding.report == expected.report
    assert findings(colliding) == [("duplicate_visit_id", "AVOHILMO_ID", 2, (21, 26))]
    assert_frame_equal(colliding.data.collect().sort("visit_id"), expected.data.collect().sort("visit_id"))


def test_a_conflict_across_chunks_withdraws_the_row_already_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row 3 is written before rows 21 and 26 repeat its id, one of them with another patient: all three go,
    also when every id shares one hash (the rows are then judged by their ids and values alone)."""
    rows = avohilmo_rows(30)
    rows[20] = dict(rows[2], TNRO="FR-other")
    rows[25] = dict(rows[2])
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows)
    monkeypatch.setattr(reader, "CHUNK_BYTES", 300)
    expected = read_visits(path)

    monkeypatch.setattr(tally, "_id_hashes", lambda ids: np.zeros(ids.len(), dtype=np.uint64))
    colliding = read_visits(path)

    for result in (expected, colliding):
        assert findings(result) == [("conflicting_visit_id", "AVOHILMO_ID", 3, (21, 26))]
        assert result.report.rows_kept == 27
        assert rows[2]["AVOHILMO_ID"] not in result.data.collect().get_column("visit_id").to_list()
    assert colliding.report == expected.report
    assert_frame_equal(colliding.data.collect().sort("visit_id"), expected.data.collect().sort("visit_id"))


def test_the_seen_ids_know_exactly_the_hashes_added() -> None:
    rng = np.random.default_rng(7)
    seen = tally._SeenIds()
    added: set[int] = set()
    for _ in range(12):
        batch = rng.integers(0, 2**64, 3_000, dtype=np.uint64)
        queries = (
            np.concatenate([batch[:100], rng.choice(np.array(sorted(added), dtype=np.uint64), 100)]) if added else batch
        )
        expected = np.array([int(value) in added for value in queries])
        assert (seen.contains(queries) == expected).all()
        seen.add(batch)
        added.update(int(value) for value in batch)
    assert sum(len(run) for run in seen.runs) == len(added)


def test_the_kept_rows_are_handed_over_as_the_readers_own_parquet_file(tmp_path: Path) -> None:
    staging = tmp_path / "staging"
    staging.mkdir()
    result = read_visits(write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(3)), staging_dir=staging)

    result.write_parquet(tmp_path / "kept.parquet")

    assert result.parquet_file is not None
    assert (tmp_path / "kept.parquet").stat().st_ino == result.parquet_file.stat().st_ino  # linked, not rewritten
    assert_frame_equal(pl.read_parquet(tmp_path / "kept.parquet"), result.data.collect())


def test_parquet_is_read_in_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "PARQUET_BATCH_ROWS", 3)
    monkeypatch.setattr(tally, "PARQUET_BATCH_ROWS", 3)
    rows = canonical_visits(10)
    rows[7]["visit_id"] = "v2"
    path = tmp_path / "visits.parquet"
    pl.DataFrame(rows).write_parquet(path)

    result = read_visits(path)

    assert findings(result) == [("duplicate_visit_id", "visit_id", 1, (8,))]
    assert result.data.collect().height == 9


def test_the_data_is_lazy_and_supports_projection_filters_and_limits(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(6, KAYNTI_AMMATTI="3231"))
    data = read_visits(path).data

    assert data.select("visit_id").head(2).collect().get_column("visit_id").to_list() == ["1000001", "1000002"]
    assert data.filter(pl.col("visit_id") == "1000005").collect().height == 1
    assert data.collect().equals(data.collect())


def test_the_temporary_files_live_as_long_as_a_frame_built_on_them(tmp_path: Path) -> None:
    staging = tmp_path / "staging"
    staging.mkdir()
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(3))
    result = read_visits(path, staging_dir=staging)
    derived = result.data.filter(pl.col("profession") == "doctor")
    del result
    gc.collect()

    assert derived.collect().height == 3
    assert any(staging.iterdir())
    del derived
    gc.collect()
    assert not any(staging.iterdir())


def test_sinking_the_data_writes_the_kept_rows(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", [*avohilmo_rows(3), avohilmo_row(AVOHILMO_ID="1000001")])
    result = read_visits(path)

    result.data.sink_parquet(tmp_path / "out.parquet")

    written = pl.read_parquet(tmp_path / "out.parquet")
    assert written.height == result.report.rows_kept == 3
    assert dict(written.schema) == VISIT_DTYPES


def test_the_result_fulfils_the_stores_reader_protocol(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(2))
    result = read_visits(path)

    assert (result.report.rows_read, result.report.rows_kept) == (2, 2)
    assert '"rows_kept": 2' in result.report.to_json()


def test_read_visits_of_the_avohilmo_module_and_read_extract_agree(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(5))

    assert_frame_equal(avohilmo.read_visits(path).collect(), read_extract(path, table="visits").data.collect())


# --------------------------------------------------------------------------- the package's parts

PARTS = (
    "data_sources.extracts",
    "data_sources.extracts.avohilmo",
    "data_sources.extracts.canonical",
    "data_sources.extracts.common",
    "data_sources.extracts.conversion",
    "data_sources.extracts.reader",
    "data_sources.extracts.sniffing",
    "data_sources.extracts.tally",
    "data_sources.avohilmo",
)


def test_each_part_of_the_reader_can_be_imported_first() -> None:
    # A cycle between the parts shows only in the order of first import: each is imported into a clean slate.
    script = (
        "import importlib, sys\n"
        f"for name in {PARTS!r}:\n"
        "    for loaded in [key for key in sys.modules if key.startswith('data_sources')]:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)

    assert done.returncode == 0, done.stderr


def test_the_avohilmo_contract_keeps_its_first_name() -> None:
    from data_sources import avohilmo as first_name

    assert first_name.read_visits is avohilmo.read_visits
    assert first_name.read_visits_with_report is avohilmo.read_visits_with_report
