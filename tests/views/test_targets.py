"""Targets with a verdict: every row of ``targets.csv`` judged by hand, the order of preference of the figures,
and the headline text the overview shows.

THL's values used below (``sotkanet_published_2020_2025.csv``, indicator 6411, % of doctor visits over 7 days):
Varsinais-Suomi (05) 39.5 in 2024 and 57.9 in 2025, so 60.5 % and 42.1 % within 7 days; the whole country 54.7
in 2025 (45.3 %); Pohjois-Savo (13) 60.5 in 2025 (39.5 %). Kanta-Häme (07) reported NPS 84.3 for
1.10.2024-31.12.2025 (002:1572, period 2025 in ``reported_figures.csv``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import polars as pl
import pytest
import sqlalchemy as sa

from core.codes import ALL_UNITS
from core.targets import load_targets
from data_sources.reference import reported_figures
from pipeline.indicators import load_recorded_indicators
from store.engine import create_store_engine
from store.migrations import migrate
from store.results import Results, load_results
from tests.views.builders import access_rows, nps_rows, results
from views import targets
from views.reported import ReportedPoint, reported_points

SAMPLE_IMPORTS = pl.DataFrame({"imported_by": ["synthetic sample data generator"], "imported_at": ["2025-12-31"]})
EXTRACT_IMPORTS = pl.DataFrame({"imported_by": ["county analyst"], "imported_at": ["2025-12-31"]})


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Results]:
    """THL's bundled published series; no extract."""
    path = tmp_path_factory.mktemp("targets") / "store.sqlite"
    engine: sa.Engine = create_store_engine(f"sqlite:///{path}")
    migrate(engine)
    load_recorded_indicators(engine)
    yield load_results(engine)
    engine.dispose()


def beside(loaded: Results, **frames: object) -> Results:
    """Hand-made computed results with THL's published series beside them."""
    made = results(**frames)
    return dataclasses.replace(made, published=loaded.published, published_meta=loaded.published_meta)


def target(region: str, indicator: str, due: str | None) -> dict[str, object]:
    rows = load_targets().filter((pl.col("region_code") == region) & (pl.col("indicator") == indicator))
    rows = rows.filter(pl.col("due").is_null() if due is None else pl.col("due") == due)
    assert rows.height == 1
    return rows.row(0, named=True)


def points(region: str) -> tuple[ReportedPoint, ...]:
    return reported_points(reported_figures(), region)


@dataclasses.dataclass(frozen=True)
class Case:
    """A row of targets.csv (region, indicator, due), the area it is judged for, and the verdict by hand."""

    region: str
    indicator: str
    due: str | None
    area: str
    status: str
    figure: float | None
    period: str
    evidence: str | None
    text: str


EVERY_TARGET = [
    # Varsinais-Suomi's plan: 66 % by Q2/2024 against THL's 2024 (60.5 %), 80 % by Q4/2025 against 2025 (42.1 %)
    Case(
        "05", "access_7d", "2024Q2", "05", "not_met", 0.605, "2024", "thl",
        "Tavoite 66 % Q2/2024: ei saavutettu — THL 2024: 60,5 %",
    ),
    Case(
        "05", "access_7d", "2025Q4", "05", "not_met", 0.421, "2025", "thl",
        "Tavoite 80 % Q4/2025: ei saavutettu — THL 2025: 42,1 %",
    ),
    # Kanta-Häme's NPS above 70, no due date: no THL series, the county's own 84.3 (2025) is above 70
    Case(
        "07", "nps", None, "07", "met", 84.3, "2025", "reported",
        "Tavoite yli 70 (ei määräaikaa): saavutettu — alueen oma luku 2025: 84,3 "
        "(Kanta-Hämeen Syli-hankkeen loppuraportti, 002:1572)",
    ),
    # Keski-Suomi's "within 7 days" states no share and no date: it cannot be judged
    Case(
        "15", "access_7d", None, "15", "no_value", None, "", None,
        "Tavoite ilman lukuarvoa ja määräaikaa: ei arvioitavissa",
    ),
    # the national care guarantee, 80 % by Q4/2025, judged by the 7-day share: the country 45.3 %, Pohjois-Savo 39.5 %
    Case(
        "SSS", "care_guarantee", "2025Q4", "SSS", "not_met", 0.453, "2025", "thl",
        "Valtakunnallinen tavoite 80 % Q4/2025: ei saavutettu — THL 2025: 45,3 %",
    ),
    Case(
        "SSS", "care_guarantee", "2025Q4", "13", "not_met", 0.395, "2025", "thl",
        "Valtakunnallinen tavoite 80 % Q4/2025: ei saavutettu — THL 2025: 39,5 %",
    ),
]  # fmt: skip


@pytest.mark.parametrize("case", EVERY_TARGET, ids=lambda case: f"{case.region}-{case.indicator}-{case.area}")
def test_every_target_gets_its_hand_computed_verdict(loaded: Results, case: Case) -> None:
    sample = beside(loaded, imports=SAMPLE_IMPORTS)
    verdict = targets.verdict(sample, target(case.region, case.indicator, case.due), case.area, points(case.area))
    assert verdict.status == case.status
    assert verdict.figure == pytest.approx(case.figure)
    assert verdict.figure_period == case.period
    assert verdict.evidence == case.evidence
    assert targets.verdict_text(verdict, "fi") == case.text


def test_the_hand_list_covers_every_row_of_targets_csv() -> None:
    listed = {(case.region, case.indicator, case.due) for case in EVERY_TARGET}
    assert listed == {tuple(row) for row in load_targets().select("region_code", "indicator", "due").iter_rows()}


def test_a_target_whose_period_has_not_ended_is_not_yet_due(loaded: Results) -> None:
    verdict = targets.verdict(loaded, target("05", "access_7d", "2025Q4"), "05", today=dt.date(2025, 12, 31))
    assert verdict.status == "not_yet_due"
    assert targets.verdict_text(verdict, "en") == "Target 80 % Q4/2025: not yet due"


def test_the_day_after_the_due_quarter_the_target_is_judged(loaded: Results) -> None:
    verdict = targets.verdict(loaded, target("05", "access_7d", "2025Q4"), "05", today=dt.date(2026, 1, 1))
    assert verdict.status == "not_met"


def test_without_thls_figure_for_the_due_year_the_county_figure_for_that_period_is_used(loaded: Results) -> None:
    # Pohjois-Savo reported 77 % within 7 days for Q1/2025 (000:37); with THL's series gone, a target of 75 %
    # due in 2025 is judged by it and met.
    bare = results(imports=SAMPLE_IMPORTS)
    row = {**target("05", "access_7d", "2025Q4"), "region_code": "13", "value": 0.75, "due": "2025"}
    verdict = targets.verdict(bare, row, "13", points("13"))
    assert (verdict.status, verdict.evidence, verdict.figure) == ("met", "reported", 0.77)
    assert "Tilannekatsaus kevät 2025, 000:37" in targets.verdict_text(verdict, "fi")


def test_a_county_figure_from_another_quarter_does_not_judge_a_quarter_target(loaded: Results) -> None:
    bare = results(imports=SAMPLE_IMPORTS)
    row = {**target("05", "access_7d", "2025Q4"), "region_code": "13"}  # due Q4/2025, reported Q1/2025
    assert targets.verdict(bare, row, "13", points("13")).status == "no_data"


def test_the_sample_never_judges_a_target(loaded: Results) -> None:
    # 90 of 100 visits within 7 days in Q2/2024 would meet 66 %, but they are the synthetic sample
    access = access_rows([("05", ALL_UNITS, "all", "2024-05", 7, 100, 90)])
    sample = results(access=access, imports=SAMPLE_IMPORTS)
    assert targets.verdict(sample, target("05", "access_7d", "2024Q2"), "05").status == "no_data"


def test_an_imported_extract_judges_a_target_when_thl_and_the_county_have_no_figure(loaded: Results) -> None:
    access = access_rows([("05", ALL_UNITS, "all", "2024-05", 7, 100, 70)])
    extract = results(access=access, imports=EXTRACT_IMPORTS)
    verdict = targets.verdict(extract, target("05", "access_7d", "2024Q2"), "05")
    assert (verdict.status, verdict.evidence, verdict.figure, verdict.figure_period) == (
        "met",
        "extract",
        0.7,
        "2024Q2",
    )
    assert targets.verdict_text(verdict, "en") == (
        "Target 66 % Q2/2024: met — computed from the imported extract Q2/2024: 70.0 %"
    )


def test_thls_figure_comes_before_an_imported_extract(loaded: Results) -> None:
    access = access_rows([("05", ALL_UNITS, "all", "2024-05", 7, 100, 70)])
    extract = beside(loaded, access=access, imports=EXTRACT_IMPORTS)
    verdict = targets.verdict(extract, target("05", "access_7d", "2024Q2"), "05")
    assert (verdict.status, verdict.evidence) == ("not_met", "thl")


def test_an_nps_target_without_the_county_figure_has_no_data_on_the_sample(loaded: Results) -> None:
    nps = nps_rows([("07", ALL_UNITS, "2025-03", "patient", 90, 5, 5)])
    sample = beside(loaded, nps=nps, imports=SAMPLE_IMPORTS)
    assert targets.verdict(sample, target("07", "nps", None), "07").status == "no_data"


@pytest.mark.parametrize(
    ("region", "key", "expected"),
    [
        # a published key maps to its computed counterpart's targets; the county's own target due last leads
        ("05", "thl_access_7d", "Tavoite 80 % Q4/2025: ei saavutettu — THL 2025: 42,1 %"),
        ("05", "access_7d", "Tavoite 80 % Q4/2025: ei saavutettu — THL 2025: 42,1 %"),
        # a county without its own target gets the national care guarantee
        ("13", "thl_access_7d", "Valtakunnallinen tavoite 80 % Q4/2025: ei saavutettu — THL 2025: 39,5 %"),
        ("all", "thl_access_7d", "Valtakunnallinen tavoite 80 % Q4/2025: ei saavutettu — THL 2025: 45,3 %"),
        # no target for COC anywhere; Keski-Suomi's unnumbered goal is no headline, the national one is
        ("05", "thl_coc", ""),
        ("15", "thl_access_7d", "Valtakunnallinen tavoite 80 % Q4/2025: ei saavutettu — THL 2025: 26,5 %"),
    ],
)
def test_headline_target_reads_the_verdict(loaded: Results, region: str, key: str, expected: str) -> None:
    assert targets.headline_target(loaded, region, key, "fi") == expected


def test_headline_target_uses_the_county_figure_it_is_given(loaded: Results) -> None:
    text = targets.headline_target(loaded, "07", "nps", "en", reported=points("07"))
    assert text.startswith("Target above 70 (no due date): met — county's own figure 2025: 84.3")


@pytest.mark.parametrize(
    ("period", "end"),
    [("2024", dt.date(2024, 12, 31)), ("2024Q2", dt.date(2024, 6, 30)), ("2025Q4", dt.date(2025, 12, 31)),
     ("2024-02", dt.date(2024, 2, 29))],
)  # fmt: skip
def test_period_end(period: str, end: dt.date) -> None:
    assert targets.period_end(period) == end


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_verdict_table_lists_every_target_of_the_area(loaded: Results, language: str) -> None:
    table = targets.verdict_table(loaded, "05", points("05"), language)
    assert table.height == 3  # its two own targets and the national care guarantee
    assert table.columns[2]
    assert all(isinstance(value, str) and value for value in table[table.columns[2]])
