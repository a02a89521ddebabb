"""The investments view: the participants' trend against the others, and the estimate in words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from charts.theme import OKABE_ITO
from core.settings import Settings
from data_sources.reference import participants as shipped_participants
from i18n import t
from i18n.format import number
from metrics.did import permutation_test
from pipeline.bootstrap import load_reference_data, open_store
from store.results import Results, load_results
from views.common import area_label
from views.investments import (
    Evaluation,
    comparison_counties,
    evaluation_participants,
    evaluation_starts,
    evaluation_text,
    group_trend,
    investment_table,
    p_value_text,
    participants,
    seed_reference,
)
from views.state import ViewState

from .builders import access_rows, results


def two_groups():
    """Counties 01 and 02 take part, 03 and 04 do not; two quarters of doctors' access (the views open on doctors),
    50 eligible visits per cell."""
    rows = [
        (region, "", "doctor", month, 7, 50, within)
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


# --- the evaluation -------------------------------------------------------------------------------

NEVER_IN_ANY_RRP = ["02", "04", "08", "10", "11", "12", "14", "15", "17", "18", "21", "90"]
RRP4_1 = ["03", "05", "06", "09", "13", "19", "20"]


def rrp4_people(results: Results, language: str = "fi") -> pl.DataFrame:
    return evaluation_participants(shipped_participants(), results, "RRP4", 1, language)


def test_the_default_comparison_is_the_counties_in_no_rrp_investment_at_all(reference_results: Results) -> None:
    # Ten areas take part in some investment (RRP2: 05, 07; RRP4: 01, 03, 05, 06, 09, 13, 16, 19, 20);
    # the other twelve of the 22 areas (Åland is not one) never did.
    assert comparison_counties(reference_results, "RRP4", 1, "never_any") == NEVER_IN_ANY_RRP
    not_this = comparison_counties(reference_results, "RRP4", 1, "not_this")
    assert len(not_this) == 22 - 7
    assert {"01", "07", "16"} <= set(not_this)  # in other investments: not clean controls


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_paijat_hame_is_evaluated_from_its_go_live_not_from_the_start_of_development(
    reference_results: Results, language: str
) -> None:
    people = rrp4_people(reference_results, language)
    row = people.filter(pl.col("region_code") == "09").row(0, named=True)
    assert (row["work_started"], row["go_live"], row["used"]) == ("2024-09", "2025-01", "2025-01")
    assert row["source"] == seed_reference("001_646a86ef3f6e86e2.txt", 288, language)
    assert evaluation_starts(people, "own_start", "year") == {"09": "2025"}
    assert evaluation_starts(people, "own_start", "quarter") == {"09": "2025Q1"}


def test_every_rrp4_county_is_dated_by_the_spring_2025_status_report(reference_results: Results) -> None:
    people = rrp4_people(reference_results, "en")
    assert people["region_code"].to_list() == RRP4_1
    assert set(people["status_report"]) == {t("investments.status_spring_2025", "en")}
    assert evaluation_starts(people, "status_report", "year") == dict.fromkeys(RRP4_1, "2025")


def one_county_evaluation() -> Evaluation:
    # 09 against three comparison counties: d 09 6, 02 0, 04 3, 08 −3 → estimate 6, p 2/4 (a tie), min p 1/4.
    values = {"09": [0, 0, 6], "02": [0, 0, 0], "04": [0, 0, 3], "08": [0, 0, -3]}
    panel = pl.DataFrame(
        [
            (code, year, v / 100)
            for code, series in values.items()
            for year, v in zip(("2022", "2023", "2024"), series, strict=True)
        ],
        schema={"region_code": pl.String, "period": pl.String, "value": pl.Float64},
        orient="row",
    )
    test = permutation_test(panel, outcome="value", treated=["09"], start="2024", period="period")
    return Evaluation(
        key="thl_access_7d",
        grain="year",
        starts={"09": "2024"},
        comparison=["02", "04", "08"],
        test=test.row(0, named=True),
        events=pl.DataFrame(),
        synthetic=pl.DataFrame(),
        periods=("2022", "2023", "2024"),
    )


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_one_county_is_described_not_tested_and_the_smallest_p_is_shown(
    reference_results: Results, language: str
) -> None:
    words = evaluation_text(one_county_evaluation(), rrp4_people(reference_results, language), language)
    assert t("evaluation.one_county", language) in words.lines
    smallest = f"1/4 ≈ {number(0.25, language, digits=3)}"
    assert t("evaluation.min_p_above", language, min_p=smallest) in words.lines
    assert any(f"p = {number(0.5, language, digits=3)}" in line for line in words.lines)  # p = 2/4
    assert t("evaluation.interval_open", language, level="95", min_p=smallest) in words.lines
    assert words.effect.startswith("+6")
    assert words.warnings[0] == t("evaluation.single_county", language)


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_participants_without_a_start_are_named_as_in_neither_group(reference_results: Results, language: str) -> None:
    words = evaluation_text(one_county_evaluation(), rrp4_people(reference_results, language), language)
    others = sorted(area_label(code, language) for code in RRP4_1 if code != "09")
    assert t("evaluation.no_start", language, names=", ".join(others)) in words.warnings


@pytest.mark.parametrize(
    ("language", "overclaim"),
    [
        ("fi", "tukee rinnakkaisten"),
        ("sv", "stöder antagandet om parallella"),
        ("en", "supports the parallel"),
    ],
)
def test_no_text_calls_an_interval_containing_zero_support_for_parallel_trends(language: str, overclaim: str) -> None:
    text = (Path(__file__).parents[2] / "i18n" / f"{language}.toml").read_text(encoding="utf-8")
    assert overclaim not in text


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_one_county_warning_says_its_change_minus_the_comparison_mean(language: str) -> None:
    minus = {"fi": "miinus vertailualueiden", "sv": "minus jämförelseområdenas", "en": "minus the comparison"}
    for key in ("evaluation.single_county", "did.warning.single_treated_county"):
        assert minus[language] in t(key, language)


def test_the_trend_compares_with_the_comparison_group_when_one_is_given() -> None:
    view = group_trend(
        two_groups(), ViewState(lang="en"), "access_7d", ["01"], threshold=5, starts=[], comparison=["03"]
    )
    assert set(view.data["label"]) == {t("investments.participants", "en"), t("evaluation.comparison", "en")}
    # 03 alone: 40 of 50 within 7 days
    others = view.data.filter(pl.col("label") == t("evaluation.comparison", "en"))
    assert others["value"].to_list() == pytest.approx([0.8, 0.8])
