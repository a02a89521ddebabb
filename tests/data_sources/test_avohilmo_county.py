"""An Avohilmo extract without a county column: each visit's county from a municipality, through Statistics
Finland's classification (hand-checked rows), the rule noted in the report; ages from an age or a birth year."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from data_sources.extracts import ExtractError, ExtractResult, avohilmo, parse_note
from data_sources.municipalities import CLASSIFICATION_YEAR, county_of, municipalities
from tests.data_sources.extract_fixtures import AVOHILMO_COLUMNS, TODAY, avohilmo_row, write_avohilmo

WITHOUT_COUNTY = [name for name in AVOHILMO_COLUMNS if name != "HYVINVOINTIALUE"]

# Hand-checked against the classification 2025: municipality code → county code.
HAND_CHECKED = [
    ("091", "90"),  # Helsinki is its own area
    ("092", "04"),  # Vantaa: Vantaa and Kerava
    ("049", "03"),  # Espoo: West Uusimaa
    ("297", "13"),  # Kuopio: North Savo
    ("853", "05"),  # Turku: Southwest Finland
    ("090", "14"),  # Heinävesi moved from South Savo to North Karelia on 1.1.2021
    ("291", "08"),  # Kuhmoinen moved from Central Finland to Pirkanmaa on 1.1.2021
    ("142", "09"),  # Iitti moved from Kymenlaakso to Päijät-Häme on 1.1.2021
    ("698", "21"),  # Rovaniemi: Lapland
]


def _read(path: Path, **options: object) -> ExtractResult:
    return avohilmo.read_visits_with_report(path, today=TODAY, **options)  # type: ignore[arg-type]


def _rows(codes: list[str]) -> list[dict[str, str | None]]:
    return [
        avohilmo_row(AVOHILMO_ID=str(1_000_001 + index), TNRO=f"FR{index:07d}", ASIAKAS_KOTIKUNTA=code)
        for index, code in enumerate(codes)
    ]


def test_visits_are_placed_in_the_county_of_the_home_municipality(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "a.csv", _rows([code for code, _ in HAND_CHECKED]), columns=WITHOUT_COUNTY)

    result = _read(path)

    frame = result.data.collect().sort("visit_id")
    assert frame.get_column("region_code").to_list() == [county for _, county in HAND_CHECKED]
    assert result.report.rows_rejected == 0


def test_the_report_records_the_rule_the_column_and_the_classification_year(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "a.csv", _rows(["091"]), columns=WITHOUT_COUNTY)

    notes = [parse_note(text) for text in _read(path).report.notes]

    assert (
        "county_municipality",
        {
            "column": "ASIAKAS_KOTIKUNTA",
            "rule": "auto",
            "year": str(CLASSIFICATION_YEAR),
            "source": avohilmo.CLASSIFICATION_SOURCE,
        },
    ) in notes


@pytest.mark.parametrize(
    ("code", "county"),
    [("91", "90"), ("5", "16"), (" 092 ", "04")],  # leading zeros left out by a spreadsheet, spaces
)
def test_a_municipality_code_without_leading_zeros_is_read(tmp_path: Path, code: str, county: str) -> None:
    path = write_avohilmo(tmp_path / "a.csv", _rows([code]), columns=WITHOUT_COUNTY)

    assert _read(path).data.collect().get_column("region_code").to_list() == [county]


@pytest.mark.parametrize(
    "code",
    [
        "478",  # Maarianhamina: Åland is not a compared area
        "999",  # no permanent home municipality
        "099",  # Honkajoki, merged into Kankaanpää in 2021: not in the 2025 classification
        "KUOPIO",
    ],
)
def test_a_municipality_outside_the_compared_counties_rejects_the_row(tmp_path: Path, code: str) -> None:
    path = write_avohilmo(tmp_path / "a.csv", _rows(["297", code]), columns=WITHOUT_COUNTY)

    result = _read(path)

    assert result.report.rows_kept == 1
    assert result.report.rejected_count("unknown_region") == 1
    assert [finding.column for finding in result.report.rejected] == ["ASIAKAS_KOTIKUNTA"]


def test_the_county_column_comes_first_under_the_default_rule(tmp_path: Path) -> None:
    row = avohilmo_row(HYVINVOINTIALUE="13", ASIAKAS_KOTIKUNTA="091")
    path = write_avohilmo(tmp_path / "a.csv", [row])

    assert _read(path).data.collect().get_column("region_code").to_list() == ["13"]


def test_the_home_rule_reads_the_home_municipality_even_beside_a_county_column(tmp_path: Path) -> None:
    row = avohilmo_row(HYVINVOINTIALUE="13", ASIAKAS_KOTIKUNTA="091")
    path = write_avohilmo(tmp_path / "a.csv", [row])

    assert _read(path, county_from="home").data.collect().get_column("region_code").to_list() == ["90"]


def test_the_provider_rule_without_a_provider_column_says_what_is_needed(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "a.csv", _rows(["091"]), columns=WITHOUT_COUNTY)

    with pytest.raises(ExtractError, match="PALVELUNTUOTTAJA_KUNTA") as caught:
        _read(path, county_from="provider")
    assert caught.value.key == "no_county"


def test_a_county_given_by_hand_overrides_the_municipalities(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "a.csv", _rows(["091", "297"]), columns=WITHOUT_COUNTY)

    assert _read(path, region_code="13").data.collect().get_column("region_code").to_list() == ["13", "13"]


def test_an_unknown_rule_is_refused(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "a.csv", _rows(["091"]), columns=WITHOUT_COUNTY)

    with pytest.raises(ValueError, match="county_from must be one of"):
        _read(path, county_from="patient")


def test_the_classification_lists_every_municipality_once_with_a_known_county() -> None:
    frame = municipalities()

    assert frame.height == 309  # the municipal division of 2021-2025
    assert frame.filter(frame["hva_code"] == "90")["name_fi"].to_list() == ["Helsinki"]
    assert frame.filter(frame["hva_code"] == "91").height == 16  # Åland


@given(st.sampled_from(sorted(municipalities()["municipality_code"].to_list())))
def test_a_code_and_its_short_form_give_the_same_county(code: str) -> None:
    assert county_of(code) == county_of(code.lstrip("0") or "0") is not None


def _aged(tmp_path: Path, column: str, value: str) -> Path:
    text = write_avohilmo(tmp_path / "base.csv", [avohilmo_row(KAYNTI_ALKOI="10.03.2025 09:00")]).read_text("latin-1")
    header, row = text.splitlines()[:2]
    path = tmp_path / "aged.csv"
    path.write_text(f"{header};{column}\n{row};{value}\n", encoding="latin-1")
    return path


def test_an_age_column_is_read_as_the_age_at_the_visit(tmp_path: Path) -> None:
    frame = _read(_aged(tmp_path, "ASIAKAS_IKA", "67")).data.collect()

    assert frame.get_column("age_years").to_list() == [67.0]


def test_a_birth_year_gives_the_age_reached_in_the_visit_year(tmp_path: Path) -> None:
    frame = _read(_aged(tmp_path, "ASIAKAS_SYNTYMAVUOSI", "1958")).data.collect()

    assert frame.get_column("age_years").to_list() == [2025.0 - 1958]


def test_an_extract_without_ages_has_null_ages(tmp_path: Path) -> None:
    frame = _read(write_avohilmo(tmp_path / "a.csv", [avohilmo_row()])).data.collect()

    assert frame.get_column("age_years").to_list() == [None]
