"""The validation report of real reads: the coverage measure, no ids in the report, kept plus rejected is every row."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from data_sources.extracts import avohilmo
from tests.data_sources.extract_fixtures import TODAY, avohilmo_row, avohilmo_rows, write_avohilmo

# --------------------------------------------------------------------------- reports of real reads


def test_coverage_is_the_share_of_non_urgent_visits_with_an_assessment_per_region_and_month(tmp_path: Path) -> None:
    def visit(number: int, **values: str | None) -> dict[str, str | None]:
        return avohilmo_row(AVOHILMO_ID=str(number), **values)

    rows = [
        # region 02, March: four non-urgent visits, three assessed
        visit(1),
        visit(2),
        visit(3),
        visit(4, HOIDONTARVE_AJANKOHTA=None),
        # not counted: urgent, unknown urgency
        visit(5, KAYNTI_KIIREELLISYYS="K", HOIDONTARVE_AJANKOHTA=None),
        visit(6, KAYNTI_KIIREELLISYYS="?", HOIDONTARVE_AJANKOHTA=None),
        # region 05, April: two non-urgent visits, both assessed
        visit(7, HYVINVOINTIALUE="5", KAYNTI_ALKOI="01.04.2025 08:00"),
        visit(8, HYVINVOINTIALUE="05", KAYNTI_ALKOI="30.04.2025 16:00", HOIDONTARVE_AJANKOHTA="29.04.2025 08:00"),
        # not counted: rejected rows and a repeated visit (the same values again)
        visit(9, HYVINVOINTIALUE="99", HOIDONTARVE_AJANKOHTA=None),
        visit(1),
    ]
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows)

    coverage = avohilmo.read_visits_with_report(path, today=TODAY).report.coverage

    assert coverage.rows() == [("02", "2025-03", 4, 3, 0.75), ("05", "2025-04", 2, 2, 1.0)]


def test_a_report_holds_no_identifiers(tmp_path: Path) -> None:
    rows = [
        *avohilmo_rows(3, TNRO="PATIENT-SECRET", AMMATTIHENKILO_PSEUDO="PRO-SECRET"),
        avohilmo_row(AVOHILMO_ID="VISIT-SECRET", TNRO="PATIENT-SECRET", KAYNTI_ALKOI="bad"),
        avohilmo_row(AVOHILMO_ID="1000001", TNRO="PATIENT-SECRET", AMMATTIHENKILO_PSEUDO="PRO-SECRET"),
    ]
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows)

    value = avohilmo.read_visits_with_report(path, today=TODAY).report
    texts = [value.to_json(), value.summary(), str(value.to_frame().rows()), str(value.coverage.rows())]

    assert value.rows_rejected == 2
    assert not any(secret in text for text in texts for secret in ("SECRET", "1000001", "FR00"))


def test_the_report_names_only_the_file_not_its_folder(tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "extract-2025.csv", avohilmo_rows(1))

    value = avohilmo.read_visits_with_report(path, today=TODAY).report

    assert value.source == "extract-2025.csv"
    assert str(tmp_path) not in value.to_json()


# --------------------------------------------------------------------------- invariants over random files

BAD_VALUES: dict[str, list[str | None]] = {
    "KAYNTI_ALKOI": ["x", "31.02.2025 10:00", None, "01.01.2030 10:00"],
    "HYVINVOINTIALUE": ["91", "Lappi", None],
    "KAYNTI_AMMATTI": ["abc", None],
    "KAYNTI_YHTEYSTAPA": ["R60", None],
    "AVOHILMO_ID": [None, "1000001"],
    "HOIDONTARVE_AJANKOHTA": ["11.03.2025 08:00", None],
    "AMMATTIHENKILO_PSEUDO": [None],
    "KAYNTI_KIIREELLISYYS": ["?", "K"],
}

row_changes: st.SearchStrategy[dict[str, str | None]] = st.one_of(
    st.just({}),
    st.sampled_from([{column: value} for column, values in sorted(BAD_VALUES.items()) for value in values]),
)


@settings(max_examples=40)
@given(st.lists(row_changes, min_size=0, max_size=30))
def test_kept_plus_rejected_is_every_row_and_the_data_holds_the_kept_rows(changes: list[dict[str, str | None]]) -> None:
    rows = [
        {**avohilmo_row(AVOHILMO_ID=str(1_000_001 + index), TNRO=f"FR{index}"), **change}
        for index, change in enumerate(changes)
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = write_avohilmo(Path(folder) / "avohilmo.csv", rows)
        result = avohilmo.read_visits_with_report(path, today=TODAY)
        data = result.data.collect()
        value = result.report

        assert value.rows_read == len(rows)
        assert value.rows_read == value.rows_kept + sum(finding.count for finding in value.rejected)
        assert data.height == value.rows_kept
        assert data.get_column("visit_id").is_unique().all()
        # a rejected example row is not in the data (a repeated id's first occurrence is)
        kept_ids = set(data.get_column("visit_id").to_list())
        for row in (row for finding in value.rejected for row in finding.examples):
            assert rows[row - 1]["AVOHILMO_ID"] not in kept_ids - {"1000001"}
        assert value.coverage.get_column("n_with_assessment").sum() <= value.coverage.get_column("n_non_urgent").sum()
        assert all(0 <= share <= 1 for share in value.coverage.get_column("share").drop_nulls())
        del result, data
