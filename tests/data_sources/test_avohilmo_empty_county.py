"""An Avohilmo extract whose HYVINVOINTIALUE column is present but empty: under ``auto`` (and ``provider``) the
column counts as absent, so the county comes from the municipality the rule names next and the report says so;
without such a municipality the refusal names the rule or the county that would place the visits, in the
reader's language. Rows with an empty county beside kept ones are rejected, and the report suggests ``home``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core.notes import parse_note
from data_sources.extracts import ExtractError, ExtractResult, avohilmo
from data_sources.municipalities import CLASSIFICATION_SOURCE, CLASSIFICATION_YEAR
from i18n import t
from store.catalogue import ImportReport
from tests.data_sources.extract_fixtures import AVOHILMO_COLUMNS, TODAY, avohilmo_row, write_avohilmo
from views.data import import_error_message, report_notes

LANGUAGES = ["fi", "sv", "en"]
PROVIDER_MUNICIPALITY = "PALVELUNTUOTTAJA_KUNTA"


def _read(path: Path, **options: object) -> ExtractResult:
    return avohilmo.read_visits_with_report(path, today=TODAY, **options)  # type: ignore[arg-type]


def _rows(home_codes: list[str], county: str | None = None, **more: str | None) -> list[dict[str, str | None]]:
    """Valid rows, one per home municipality code, with the county column ``county`` (None: empty)."""
    return [
        avohilmo_row(
            AVOHILMO_ID=str(1_000_001 + index),
            TNRO=f"FR{index:07d}",
            ASIAKAS_KOTIKUNTA=code,
            HYVINVOINTIALUE=county,
            **more,
        )
        for index, code in enumerate(home_codes)
    ]


def _regions(result: ExtractResult) -> list[str]:
    return result.data.collect().sort("visit_id").get_column("region_code").to_list()


def _notes(result: ExtractResult) -> list[tuple[str, dict[str, str]] | None]:
    return [parse_note(text) for text in result.report.notes]


def _shown(result: ExtractResult, language: str) -> list[str]:
    report = ImportReport(
        import_id=1,
        table_name="visits",
        file_name="kaynnit.csv",
        layout="avohilmo",
        rows_read=result.report.rows_read,
        rows_rejected=result.report.rows_rejected,
        imported_at=dt.datetime(2025, 6, 30, 12),
        imported_by="tester",
        report=result.report,
        detailed=True,
    )
    return report_notes(report, language)


# --- auto: the empty column is set aside and the municipality places the visits


def test_an_empty_county_column_gives_way_to_the_home_municipality(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "a.csv", _rows(["091", "297"]))  # Helsinki, Kuopio (North Savo)

    result = _read(path)

    assert _regions(result) == ["90", "13"]
    assert (result.report.rows_read, result.report.rows_kept) == (2, 2)


def test_the_report_says_the_column_was_empty_and_how_the_county_was_decided(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "a.csv", _rows(["091"]))

    notes = _notes(_read(path))

    assert notes[:2] == [
        ("county_column_empty", {"column": "HYVINVOINTIALUE"}),
        (
            "county_municipality",
            {
                "column": "ASIAKAS_KOTIKUNTA",
                "rule": "auto",
                "year": str(CLASSIFICATION_YEAR),
                "source": CLASSIFICATION_SOURCE,
            },
        ),
    ]


def test_an_empty_county_column_gives_way_to_the_provider_municipality_first(tmp_path: Path) -> None:
    columns = [*AVOHILMO_COLUMNS, PROVIDER_MUNICIPALITY]
    rows = [{**row, PROVIDER_MUNICIPALITY: "853"} for row in _rows(["091"])]  # Turku: Southwest Finland
    path = write_avohilmo(tmp_path / "a.csv", rows, columns=columns)

    result = _read(path)

    assert _regions(result) == ["05"]
    assert ("county_column_empty", {"column": "HYVINVOINTIALUE"}) in _notes(result)


def test_the_provider_rule_reads_the_provider_municipality_when_the_county_column_is_empty(tmp_path: Path) -> None:
    columns = [*AVOHILMO_COLUMNS, PROVIDER_MUNICIPALITY]
    rows = [{**row, PROVIDER_MUNICIPALITY: "853"} for row in _rows(["091"])]
    path = write_avohilmo(tmp_path / "a.csv", rows, columns=columns)

    assert _regions(_read(path, county_from="provider")) == ["05"]


def test_a_county_given_by_hand_still_fills_an_empty_county_column(tmp_path: Path) -> None:
    result = _read(write_avohilmo(tmp_path / "a.csv", _rows(["091"])), region_code="13")

    assert _regions(result) == ["13"]
    assert ("county_column_empty", {"column": "HYVINVOINTIALUE"}) not in _notes(result)


def test_rows_failing_other_checks_are_still_rejected_for_them_after_the_fallback(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "a.csv", _rows(["091", "297"], KAYNTI_ALKOI="01.07.2025 09:00"))

    result = _read(path)

    assert result.report.rows_kept == 0
    assert [(f.key, f.column) for f in result.report.rejected] == [("future_date", "KAYNTI_ALKOI")]


def test_an_unknown_county_in_the_column_is_not_taken_for_an_empty_column(tmp_path: Path) -> None:
    rows = [*_rows(["091"]), *_rows(["297"], county="91")]  # Åland is not a compared area
    rows[1]["AVOHILMO_ID"] = "2000001"
    path = write_avohilmo(tmp_path / "a.csv", rows)

    result = _read(path)

    assert result.report.rows_kept == 0
    assert {f.key for f in result.report.rejected} == {"missing_value", "unknown_region"}


# --- no municipality to fall back on: the refusal says what would place the visits


def test_the_provider_rule_with_only_home_municipalities_suggests_the_home_rule(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "a.csv", _rows(["091"]))

    with pytest.raises(ExtractError, match="--county-from home") as caught:
        _read(path, county_from="provider")

    assert caught.value.key == "county_column_empty_home"
    assert caught.value.params == {"column": "HYVINVOINTIALUE", "home": "ASIAKAS_KOTIKUNTA"}


def test_an_extract_without_municipalities_suggests_the_county_by_hand(tmp_path: Path) -> None:
    columns = [name for name in AVOHILMO_COLUMNS if name != "ASIAKAS_KOTIKUNTA"]
    path = write_avohilmo(tmp_path / "a.csv", _rows(["091"]), columns=columns)

    with pytest.raises(ExtractError, match="region_code") as caught:
        _read(path)

    assert caught.value.key == "county_column_empty"
    assert caught.value.params == {"column": "HYVINVOINTIALUE"}


# --- an empty county beside kept rows: rejected, and the report suggests the home rule


def test_rows_with_an_empty_county_beside_kept_ones_are_rejected_with_a_hint(tmp_path: Path) -> None:
    rows = [*_rows(["091"], county="13"), *_rows(["297"])]
    rows[1]["AVOHILMO_ID"] = "2000001"
    path = write_avohilmo(tmp_path / "a.csv", rows)

    result = _read(path)

    assert _regions(result) == ["13"]
    assert result.report.rejected_count("missing_value") == 1
    assert ("county_column_gaps", {"column": "HYVINVOINTIALUE", "home": "ASIAKAS_KOTIKUNTA", "rule": "home"}) in (
        _notes(result)
    )


def test_a_full_county_column_gets_no_hint(tmp_path: Path) -> None:
    notes = _notes(_read(write_avohilmo(tmp_path / "a.csv", _rows(["091"], county="13"))))

    assert not {"county_column_empty", "county_column_gaps"} & {note[0] for note in notes if note is not None}


# --- in the reader's language


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_fallback_is_said_in_the_readers_language(tmp_path: Path, language: str) -> None:
    shown = _shown(_read(write_avohilmo(tmp_path / "a.csv", _rows(["091"]))), language)

    assert shown[1] == t("extract_note.county_column_empty", language, column="HYVINVOINTIALUE")
    assert "ASIAKAS_KOTIKUNTA" in shown[2]
    assert t("datasets.rule_auto", language) in shown[2]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_home_rule_hint_names_the_rule_as_the_data_page_does(tmp_path: Path, language: str) -> None:
    rows = [*_rows(["091"], county="13"), *_rows(["297"])]
    rows[1]["AVOHILMO_ID"] = "2000001"

    shown = _shown(_read(write_avohilmo(tmp_path / "a.csv", rows)), language)

    hint = next(line for line in shown if "--county-from home" in line)
    assert t("datasets.rule_home", language) in hint
    assert "HYVINVOINTIALUE" in hint
    assert "ASIAKAS_KOTIKUNTA" in hint


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_refusal_names_the_home_rule_as_the_data_page_and_the_command_line_do(
    tmp_path: Path, language: str
) -> None:
    with pytest.raises(ExtractError) as caught:
        _read(write_avohilmo(tmp_path / "a.csv", _rows(["091"])), county_from="provider")

    text = import_error_message(caught.value, language)

    assert text.startswith(t("reader.county_column_empty_home", language, **caught.value.params))
    assert t("datasets.county_rule", language) in text
    assert t("datasets.rule_home", language) in text
    assert "--county-from home" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_refusal_without_municipalities_names_the_county_option(tmp_path: Path, language: str) -> None:
    columns = [name for name in AVOHILMO_COLUMNS if name != "ASIAKAS_KOTIKUNTA"]
    with pytest.raises(ExtractError) as caught:
        _read(write_avohilmo(tmp_path / "a.csv", _rows(["091"]), columns=columns))

    text = import_error_message(caught.value, language)

    assert text.startswith(t("reader.county_column_empty", language, column="HYVINVOINTIALUE"))
    assert "--region" in text
