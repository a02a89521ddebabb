"""The investments view: the participants' trend against the others, and the estimate in words."""

from __future__ import annotations

import re
from collections.abc import Iterator

import polars as pl
import pytest

from charts.theme import OKABE_ITO
from core.settings import Settings
from i18n import t
from i18n.format import number
from metrics.did import FEW_CONTROLS
from pipeline.bootstrap import load_reference_data, open_store
from store.results import Results, load_results
from views.common import area_label
from views.investments import (
    did_estimate,
    did_summary,
    group_trend,
    investment_table,
    p_value_text,
    participants,
    seed_reference,
)
from views.state import ViewState

from .builders import access_rows, results


def two_groups():
    """Counties 01 and 02 take part, 03 and 04 do not; two quarters of access, 50 eligible visits per cell."""
    rows = [
        (region, "", "all", month, 7, 50, within)
        for region, within in (("01", 30), ("02", 35), ("03", 40), ("04", 45))
        for month in ("2025-01", "2025-04")
    ]
    return results(access=access_rows(rows))


def line_colours(language: str) -> dict[str, str]:
    view = group_trend(two_groups(), ViewState(lang=language), "access_7d", ["01", "02"], threshold=5, starts=[])
    return {trace.name: trace.line.color for trace in view.figure.data if trace.mode == "lines+markers"}


@pytest.mark.parametrize(
    ("language", "participants", "others"),
    [
        ("fi", "Osallistuvat alueet", "Muut alueet"),  # 'Muut' sorts before 'Osallistuvat'
        ("sv", "Deltagande områden", "Övriga områden"),  # 'Deltagande' sorts first
        ("en", "Participating counties", "Other counties"),  # 'Other' sorts first
    ],
)
def test_participants_and_others_keep_their_colours_in_every_language(
    language: str, participants: str, others: str
) -> None:
    assert line_colours(language) == {participants: OKABE_ITO[0], others: OKABE_ITO[1]}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_participants_come_first_in_the_legend(language: str) -> None:
    view = group_trend(two_groups(), ViewState(lang=language), "access_7d", ["01", "02"], threshold=5, starts=[])
    assert [trace.line.color for trace in view.figure.data] == [OKABE_ITO[0], OKABE_ITO[1]]


@pytest.mark.parametrize(
    ("p_value", "language", "shown"),
    [
        # below 0.001: never 'p = 0,000'
        (0.0, "fi", "p < 0,001"),
        (0.00049, "sv", "p < 0,001"),
        (0.0009, "en", "p < 0.001"),
        # from 0.001 on: the number, three decimals, as the language writes it
        (0.001, "fi", "p = 0,001"),
        (0.0123, "fi", "p = 0,012"),
        (0.0123, "en", "p = 0.012"),
        (0.5, "sv", "p = 0,500"),
        # unknown
        (None, "fi", "p = –"),
    ],
)
def test_p_values_below_a_thousandth_read_less_than(p_value: float | None, language: str, shown: str) -> None:
    assert p_value_text(p_value, language) == shown


# The tables' text columns are written in Python, outside polars (views.text); each cell reads as the
# writer gives it for its row.


@pytest.fixture(scope="module")
def reference_results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Results]:
    """The investments, participants and status reports from the seeds, without any visits."""
    data_dir = tmp_path_factory.mktemp("investments")
    engine = open_store(Settings.from_environment({"DASHBOARD_DATA_DIR": str(data_dir)}))
    load_reference_data(engine)
    yield load_results(engine)
    engine.dispose()


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_investment_table_writes_funding_in_the_readers_numbers(reference_results: Results, language: str) -> None:
    table = investment_table(reference_results, language)
    funding = reference_results.investments.sort("round", "number")["funding_eur"].to_list()
    assert table.height == len(funding) > 0
    assert table["funding_eur"].to_list() == [number(euros, language, digits=0) for euros in funding]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_participants_are_named_and_cited_per_row(reference_results: Results, language: str) -> None:
    shown = 0
    for round_, number_ in investment_table(reference_results, language).select("round", "number").iter_rows():
        people = participants(reference_results, round_, number_, language)
        assert people.schema["county"] == people.schema["source"] == pl.String
        for row in people.iter_rows(named=True):
            assert row["county"] == area_label(row["region_code"], language)
        rows = reference_results.participants.filter((pl.col("round") == round_) & (pl.col("investment") == number_))
        assert people["source"].to_list() == [
            seed_reference(file_name, line, language)
            for file_name, line in rows.select("seed_file", "seed_line").iter_rows()
        ]
        shown += people.height
    assert shown > 0


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_counties_left_out_of_the_estimate_are_named_with_their_reason(language: str) -> None:
    # 01 and 02 take part (02 without a stated start), 03 and 04 do not
    people = pl.DataFrame(
        {"region_code": ["01", "02"], "county": ["", ""], "start": ["2025-04", None], "source": ["", ""]}
    )
    state = ViewState(lang=language)
    result = did_estimate(two_groups(), state, "access_7d", people, threshold=5)
    summary = did_summary(result, "access_7d", people, language)
    county, reason = t("investments.col_county", language), t("investments.col_reason", language)
    assert summary.excluded.columns == [county, reason]
    assert summary.excluded.height == result.excluded.height > 0
    expected_reasons = [
        t("investments.start_unknown" if code == "02" else key, language)
        for code, key in result.excluded.select("region_code", "reason").iter_rows()
    ]
    assert summary.excluded[county].to_list() == [area_label(code, language) for code in result.excluded["region_code"]]
    assert summary.excluded[reason].to_list() == expected_reasons


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_few_comparison_counties_warning_states_the_metrics_own_limit(language: str) -> None:
    # the metric gives the key and the number (FEW_CONTROLS); the catalogue gives the words around it
    people = pl.DataFrame({"region_code": ["01"], "county": [""], "start": ["2025-04"], "source": [""]})
    result = did_estimate(two_groups(), ViewState(lang=language), "access_7d", people, threshold=5)
    summary = did_summary(result, "access_7d", people, language)
    warning = summary.warnings[result.warnings.index("did.warning.few_control_counties")]
    assert re.search(rf"\b{FEW_CONTROLS}\b", warning)
    assert "{" not in warning
