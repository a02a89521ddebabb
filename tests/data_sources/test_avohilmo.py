"""The Avohilmo research-extract layout is translated to the canonical visit table at the boundary."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.errors import DashboardError, InvalidInputError
from core.schema import VISITS, reader_dtypes
from data_sources.extracts import ExtractColumnsError, ExtractResult, avohilmo, read_extract
from tests.data_sources.extract_fixtures import (
    AVOHILMO_COLUMNS,
    TODAY,
    avohilmo_row,
    avohilmo_rows,
    write_avohilmo,
)


def read(path: Path, **options: object) -> ExtractResult:
    return avohilmo.read_visits_with_report(path, today=TODAY, **options)  # type: ignore[arg-type]


def only_row(result: ExtractResult) -> dict[str, object]:
    frame = result.data.collect()
    assert frame.height == 1, result.report.summary()
    return frame.row(0, named=True)


def test_read_visits_returns_the_canonical_columns_and_dtypes(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(2))

    data = avohilmo.read_visits(path)

    assert isinstance(data, pl.LazyFrame)
    assert dict(data.collect_schema()) == reader_dtypes(VISITS.name)
    VISITS.check(data)


def test_a_documented_row_becomes_this_canonical_visit(tmp_path: Path) -> None:
    path = write_avohilmo(
        tmp_path / "avohilmo.csv",
        [
            avohilmo_row(),
            avohilmo_row(
                AVOHILMO_ID="1000002",
                TNRO="FR0000002",
                HOIDONTARVE_AJANKOHTA="03.03.2025 10:40",
                KAYNTI_ALKOI="03.03.2025 14:00",
                KAYNTI_AMMATTI="32311",
                KAYNTI_YHTEYSTAPA="R52",
                AMMATTIHENKILO_PSEUDO=None,
                KAYNTI_KIIREELLISYYS="K",
            ),
        ],
    )

    expected = pl.DataFrame(
        {
            "visit_id": ["1000001", "1000002"],
            "patient_id": ["FR0000001", "FR0000002"],
            "professional_id": ["P000001", None],
            "profession": ["doctor", "nurse"],
            "unit_id": ["1.2.246.10.1234567.10.12"] * 2,
            "region_code": ["02", "02"],
            "visit_at": [dt.datetime(2025, 3, 10, 9, 0), dt.datetime(2025, 3, 3, 14, 0)],
            "assessment_at": [dt.datetime(2025, 3, 3, 8, 14), dt.datetime(2025, 3, 3, 10, 40)],
            "urgent": [False, True],
            "contact_mode": ["in_person", "phone"],
            "service_type": ["T11", "T11"],
            "age_years": [None, None],
        },
        schema=reader_dtypes(VISITS.name),
    )
    assert_frame_equal(avohilmo.read_visits(path).collect(), expected)


def test_the_contract_reads_a_latin1_file_with_finnish_letters_losslessly(tmp_path: Path) -> None:
    path = write_avohilmo(
        tmp_path / "avohilmo.csv", [avohilmo_row(PALVELUNTUOTTAJA_YKSIKKO="Jyväskylän terveysasema Ö")]
    )

    result = read(path)

    assert only_row(result)["unit_id"] == "Jyväskylän terveysasema Ö"
    assert result.report.encoding == "latin-1"


@pytest.mark.parametrize(
    ("encoding", "bom", "reported"),
    [
        # THL's documented encoding
        ("latin-1", False, "latin-1"),
        # a re-saved extract: UTF-8 is recognised with or without a byte-order mark
        ("utf-8", False, "utf-8"),
        ("utf-8", True, "utf-8"),
    ],
)
def test_both_encodings_give_the_same_visits(tmp_path: Path, encoding: str, bom: bool, reported: str) -> None:
    rows = [avohilmo_row(PALVELUNTUOTTAJA_YKSIKKO="Hämeenlinnan tk")]
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows, encoding=encoding, bom=bom)

    result = read(path)

    assert only_row(result)["unit_id"] == "Hämeenlinnan tk"
    assert result.report.encoding == reported


def test_an_ascii_only_file_reports_ascii(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(1))

    assert read(path).report.encoding == "ascii"


def test_an_explicit_encoding_overrides_the_detection(tmp_path: Path) -> None:
    path = write_avohilmo(
        tmp_path / "avohilmo.csv", [avohilmo_row(PALVELUNTUOTTAJA_YKSIKKO="Hämeenlinna")], encoding="utf-8"
    )

    assert only_row(read(path, encoding="latin-1"))["unit_id"] == "HÃ¤meenlinna"


def test_crlf_line_endings_are_read(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(3), line_ending="\r\n")

    result = read(path)

    assert result.report.rows_kept == 3
    assert result.data.collect().get_column("professional_id").to_list() == ["P000001"] * 3


@pytest.mark.parametrize(
    ("code", "profession"),
    [
        # doctors: Ammattiluokitus 2001 codes starting 222
        ("222", "doctor"),
        ("2221", "doctor"),
        ("22211", "doctor"),
        ("22213", "doctor"),
        # nurses and public-health nurses: 323
        ("323", "nurse"),
        ("3231", "nurse"),
        ("32315", "nurse"),
        ("3232", "nurse"),
        # any other occupation code
        ("41000", "other"),
        ("2", "other"),
        ("2231", "other"),
        (" 22213 ", "doctor"),
    ],
)
def test_kaynti_ammatti_maps_to_a_profession(tmp_path: Path, code: str, profession: str) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", [avohilmo_row(KAYNTI_AMMATTI=code)])

    assert only_row(read(path))["profession"] == profession


@pytest.mark.parametrize(
    ("code", "mode"),
    [
        # in person: at the practice, workplace, hospital, elsewhere
        ("R10", "in_person"),
        ("R30", "in_person"),
        ("R40", "in_person"),
        ("R41", "in_person"),
        ("R20", "home"),
        # real-time remote contacts: the code cannot tell video from phone
        ("R50", "phone"),
        ("R51", "phone"),
        ("R52", "phone"),
        ("R55", "video"),
        ("R56", "message"),
        # trimmed and case-insensitive
        (" r52 ", "phone"),
    ],
)
def test_kaynti_yhteystapa_maps_to_a_contact_mode(tmp_path: Path, code: str, mode: str) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", [avohilmo_row(KAYNTI_YHTEYSTAPA=code)])

    assert only_row(read(path))["contact_mode"] == mode


@pytest.mark.parametrize("code", ["R60", "R71", "R72", "R80", "R90", "X"])
def test_contact_types_that_are_not_patient_visits_are_rejected_as_invalid_codes(tmp_path: Path, code: str) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", [avohilmo_row(KAYNTI_YHTEYSTAPA=code)])

    report = read(path).report

    assert report.rows_kept == 0
    assert [(f.key, f.column, f.examples) for f in report.rejected] == [("invalid_code", "KAYNTI_YHTEYSTAPA", (1,))]


@pytest.mark.parametrize(
    ("code", "urgent"),
    [
        # the default mapping: an assumption, THL's values are unconfirmed
        ("K", True),
        ("1", True),
        ("E", False),
        ("2", False),
        ("0", False),
        (" k ", True),
        # unknown or empty: kept with a null urgency
        ("X", None),
        (None, None),
    ],
)
def test_kaynti_kiireellisyys_maps_through_the_default_urgency_codes(
    tmp_path: Path, code: str | None, urgent: bool | None
) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", [avohilmo_row(KAYNTI_KIIREELLISYYS=code)])

    result = read(path)

    assert only_row(result)["urgent"] is urgent
    assert result.report.flagged_count("missing_urgency") == (1 if urgent is None else 0)


def test_an_unknown_urgency_code_is_flagged_not_rejected(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(3, KAYNTI_KIIREELLISYYS="9"))

    report = read(path).report

    assert report.rows_kept == 3
    assert [(f.key, f.column, f.count, f.examples) for f in report.flagged] == [
        ("missing_urgency", "KAYNTI_KIIREELLISYYS", 3, (1, 2, 3))
    ]


def test_urgency_codes_can_be_replaced(tmp_path: Path) -> None:
    rows = [avohilmo_row(AVOHILMO_ID=str(i), KAYNTI_KIIREELLISYYS=code) for i, code in enumerate(["KI", "EI", "K"])]
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows)

    result = read(path, urgency_codes={"ki": True, "EI": False})

    assert result.data.collect().get_column("urgent").to_list() == [True, False, None]
    assert not any("default_urgency" in note for note in result.report.notes)


def test_the_default_urgency_mapping_is_noted_in_the_report(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(1))

    assert any("default_urgency" in note for note in read(path).report.notes)


@pytest.mark.parametrize("codes", [{}, {"K": "yes"}, {"": True}, {1: True}, ["K"]])
def test_malformed_urgency_codes_are_refused(tmp_path: Path, codes: object) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(1))

    with pytest.raises(InvalidInputError, match="urgency_codes"):
        read(path, urgency_codes=codes)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("03.03.2025 08:14", dt.datetime(2025, 3, 3, 8, 14)),
        ("3.3.2025 8:14", dt.datetime(2025, 3, 3, 8, 14)),
        # accepted variants: with seconds, date only
        ("03.03.2025 08:14:30", dt.datetime(2025, 3, 3, 8, 14, 30)),
        ("03.03.2025", dt.datetime(2025, 3, 3)),
    ],
)
def test_timestamps_are_read_in_the_finnish_format(tmp_path: Path, value: str, expected: dt.datetime) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", [avohilmo_row(HOIDONTARVE_AJANKOHTA=value)])

    assert only_row(read(path))["assessment_at"] == expected


def test_an_empty_assessment_time_is_kept_as_null(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", [avohilmo_row(HOIDONTARVE_AJANKOHTA=None)])

    assert only_row(read(path))["assessment_at"] is None


@pytest.mark.parametrize(("value", "expected"), [("2", "02"), ("90", "90"), (" 21 ", "21")])
def test_hyvinvointialue_is_read_as_a_zero_padded_region_code(tmp_path: Path, value: str, expected: str) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", [avohilmo_row(HYVINVOINTIALUE=value)])

    assert only_row(read(path))["region_code"] == expected


def test_without_hyvinvointialue_the_region_code_argument_is_used(tmp_path: Path) -> None:
    columns = [name for name in AVOHILMO_COLUMNS if name != "HYVINVOINTIALUE"]
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(2), columns=columns)

    result = read(path, region_code="8")

    assert result.data.collect().get_column("region_code").to_list() == ["08", "08"]


def test_without_any_region_information_the_error_says_what_is_needed(tmp_path: Path) -> None:
    columns = [name for name in AVOHILMO_COLUMNS if name not in ("HYVINVOINTIALUE", "ASIAKAS_KOTIKUNTA")]
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(1), columns=columns)

    with pytest.raises(InvalidInputError, match=r"HYVINVOINTIALUE.*region_code") as caught:
        avohilmo.read_visits(path)
    assert str(path) in str(caught.value)


def test_the_region_code_argument_fills_empty_hyvinvointialue_values(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", [avohilmo_row(HYVINVOINTIALUE=None)])

    assert only_row(read(path, region_code="13"))["region_code"] == "13"


@pytest.mark.parametrize("region_code", ["91", "22", "X", ""])
def test_an_unknown_region_code_argument_is_refused(tmp_path: Path, region_code: str) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(1))

    with pytest.raises(InvalidInputError, match="region_code must be one of"):
        read(path, region_code=region_code)


@pytest.mark.parametrize("column", ["FINREGISTRYID", "SHNRO", "shnro"])
def test_other_permits_patient_id_columns_are_read(tmp_path: Path, column: str) -> None:
    columns = [column if name == "TNRO" else name for name in AVOHILMO_COLUMNS]
    row = {column if name == "TNRO" else name: value for name, value in avohilmo_row().items()}
    path = write_avohilmo(tmp_path / "avohilmo.csv", [row], columns=columns)

    assert only_row(read(path))["patient_id"] == "FR0000001"


def test_column_names_are_matched_ignoring_case(tmp_path: Path) -> None:
    columns = [name.lower() for name in AVOHILMO_COLUMNS]
    rows = [{name.lower(): value for name, value in avohilmo_row().items()}]
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows, columns=columns)

    assert only_row(read(path))["visit_id"] == "1000001"


def test_without_a_professional_id_column_every_visit_lacks_one_and_the_report_says_so(tmp_path: Path) -> None:
    columns = [name for name in AVOHILMO_COLUMNS if name != "AMMATTIHENKILO_PSEUDO"]
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(4), columns=columns)

    result = read(path)

    assert result.data.collect().get_column("professional_id").null_count() == 4
    assert result.report.missing_professional_share == 1.0
    assert any("AMMATTIHENKILO_PSEUDO" in note for note in result.report.notes)


def test_without_a_service_column_service_type_is_null(tmp_path: Path) -> None:
    columns = [name for name in AVOHILMO_COLUMNS if name != "KAYNTI_PALVELUMUOTO"]
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(1), columns=columns)

    assert only_row(read(path))["service_type"] is None


def test_a_cancelled_appointment_is_rejected(tmp_path: Path) -> None:
    rows = [*avohilmo_rows(2), avohilmo_row(AVOHILMO_ID="9", PERUUTUS_AJANKOHTA="09.03.2025 12:00", KAYNTI_ALKOI=None)]
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows)

    report = read(path).report

    assert [(f.key, f.column, f.examples) for f in report.rejected] == [("cancelled", "PERUUTUS_AJANKOHTA", (3,))]


@pytest.mark.parametrize(
    "missing",
    [
        "AVOHILMO_ID",
        "TNRO",
        "PALVELUNTUOTTAJA_YKSIKKO",
        "HOIDONTARVE_AJANKOHTA",
        "KAYNTI_ALKOI",
        "KAYNTI_AMMATTI",
        "KAYNTI_KIIREELLISYYS",
        "KAYNTI_YHTEYSTAPA",
    ],
)
def test_a_missing_required_column_is_named_with_the_file(tmp_path: Path, missing: str) -> None:
    columns = [name for name in AVOHILMO_COLUMNS if name != missing]
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(1), columns=columns)

    with pytest.raises(ExtractColumnsError, match=missing) as caught:
        avohilmo.read_visits(path)
    assert str(path) in str(caught.value)


def test_a_comma_separated_avohilmo_file_gets_a_separator_hint(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "avohilmo.csv", avohilmo_rows(1), separator=",")

    with pytest.raises(ExtractColumnsError, match="';'-separated"):
        avohilmo.read_visits(path)


def test_read_extract_detects_the_avohilmo_layout_from_the_header(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "extract.txt", avohilmo_rows(2))

    result = read_extract(path, table="visits", today=TODAY)

    assert result.report.layout == "avohilmo"
    assert result.report.rows_kept == 2


def test_an_avohilmo_layout_parquet_file_is_read_with_the_same_rules(tmp_path: Path) -> None:
    frame = pl.DataFrame([avohilmo_row(), avohilmo_row(AVOHILMO_ID="2", KAYNTI_AMMATTI="3231")])
    path = tmp_path / "avohilmo.parquet"
    frame.write_parquet(path)

    result = read(path)

    assert result.report.file_format == "parquet"
    assert result.data.collect().get_column("profession").to_list() == ["doctor", "nurse"]


def test_the_contract_raises_only_dashboard_errors(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(b"AVOHILMO_ID;TNRO\n\x00\x01\x02")

    with pytest.raises(DashboardError):
        avohilmo.read_visits(path)


def test_profession_and_contact_mode_tables_cover_the_canonical_codes() -> None:
    assert set(avohilmo.PROFESSION_PREFIXES.values()) | {"other"} == {"doctor", "nurse", "other"}
    assert set(avohilmo.CONTACT_MODES.values()) == {"in_person", "phone", "video", "message", "home"}
