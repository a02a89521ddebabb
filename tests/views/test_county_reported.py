"""The county page's charts carry the counties' own reported figures with their sources, and targets at their
due period, read from the shipped reference files and THL's bundled published series.

Varsinais-Suomi (05) reported no share of its own, only its plan's targets (66 % by Q2/2024, 80 % by Q4/2025,
003:228 and 003:230); Pohjois-Savo (13) reported 77 % within 7 days (000:37) and Päijät-Häme (09) 56.1 % within
7 days and 76.89 % within 14 days (000:40), all in the status report of spring 2025.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import polars as pl
import pytest
import sqlalchemy as sa

from core.codes import ALL_UNITS
from data_sources.reference import caveats as reference_caveats
from data_sources.reference import reported_figures
from pipeline.indicators import load_recorded_indicators
from store.engine import create_store_engine
from store.migrations import migrate
from store.results import Results, load_results
from tests.views.builders import access_rows, continuity_rows, results, t3_rows
from views import county
from views.caveats import caveats_from
from views.reported import reported_points
from views.state import ViewState


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Results]:
    """A store holding THL's bundled published series and no extract (so nothing is the sample)."""
    path = tmp_path_factory.mktemp("county") / "store.sqlite"
    engine: sa.Engine = create_store_engine(f"sqlite:///{path}")
    migrate(engine)
    load_recorded_indicators(engine)
    yield load_results(engine)
    engine.dispose()


def as_sample(loaded: Results) -> Results:
    """The same published series beside a store whose computed figures are the synthetic sample."""
    sample = results(
        access=access_rows(
            [("13", ALL_UNITS, "doctor", "2025-02", 7, 100, 60), ("09", ALL_UNITS, "doctor", "2025-02", 7, 80, 40)]
        ),
        imports=pl.DataFrame({"imported_by": ["synthetic sample data generator"], "imported_at": ["2025-12-31"]}),
    )
    assert sample.sample_data
    return dataclasses.replace(sample, published=loaded.published, published_meta=loaded.published_meta)


def marks_of(view: county.ChartView) -> list[tuple[str, float, str, str]]:
    """(period, value, label, group) of the chart's marked points, the rows its table and downloads hold."""
    if "group" not in view.data.columns:
        return []
    marked = pl.col("group").is_not_null() & ~pl.col("group").is_in(["THL:n julkaisema luku"])  # THL's levels
    rows = view.data.filter(marked).select("period", "value", "label", "group")
    return [(period, round(value, 4), label, group) for period, value, label, group in rows.iter_rows()]


def trend(results: Results, region: str, key: str, language: str = "fi") -> county.ChartView:
    state = ViewState(lang=language, region=region, period="2025")
    points = reported_points(reported_figures(), region)
    return county.trend(results, state, key, threshold=5, reported=points)


def test_pohjois_savo_own_77_percent_is_drawn_on_thls_7_day_chart_with_its_source(loaded: Results) -> None:
    marks = marks_of(trend(as_sample(loaded), "13", "thl_access_7d"))
    assert ("2025", 0.77, "Pohjois-Savo, oma luku: Tilannekatsaus kevät 2025, 000:37", "Alueen oma luku") in marks


def test_paijat_hame_own_56_1_percent_is_drawn_on_thls_7_day_chart_with_its_source(loaded: Results) -> None:
    marks = marks_of(trend(as_sample(loaded), "09", "thl_access_7d"))
    assert ("2025", 0.561, "Päijät-Häme, oma luku: Tilannekatsaus kevät 2025, 000:40", "Alueen oma luku") in marks


def test_varsinais_suomi_targets_are_drawn_at_their_due_year_with_verdict_and_thls_figure(loaded: Results) -> None:
    # THL 6411 for 05: 39.5 % over 7 days in 2024, 57.9 % in 2025 -> 60.5 % and 42.1 % within 7 days.
    marks = marks_of(trend(as_sample(loaded), "05", "thl_access_7d"))
    assert ("2024", 0.66, "Tavoite 66 % Q2/2024: ei saavutettu — THL 2024: 60,5 %", "Alueen tavoite") in marks
    assert ("2025", 0.8, "Tavoite 80 % Q4/2025: ei saavutettu — THL 2025: 42,1 %", "Alueen tavoite") in marks
    national = "Valtakunnallinen tavoite 80 % Q4/2025: ei saavutettu — THL 2025: 42,1 %"
    assert ("2025", 0.8, national, "Valtakunnallinen tavoite") in marks


def test_a_computed_chart_of_the_sample_draws_targets_but_no_reported_figure(loaded: Results) -> None:
    marks = marks_of(trend(as_sample(loaded), "13", "access_7d"))
    assert [group for *_, group in marks] == ["Valtakunnallinen tavoite"]
    assert marks[0][0] == "2025Q4"  # at its due quarter on a quarterly chart


def test_a_computed_chart_of_real_figures_draws_the_county_figure_at_its_quarter(loaded: Results) -> None:
    marks = marks_of(trend(loaded, "09", "access_14d"))
    assert marks == [("2025Q1", 0.7689, "Päijät-Häme, oma luku: Tilannekatsaus kevät 2025, 000:40", "Alueen oma luku")]


def test_the_figure_carries_each_reported_point_as_a_named_trace(loaded: Results) -> None:
    figure = trend(as_sample(loaded), "13", "thl_access_7d").figure
    own = [trace for trace in figure.data if trace.name and "000:37" in trace.name]
    assert len(own) == 1
    assert list(own[0].x) == ["2025"]
    assert list(own[0].y) == pytest.approx([77.0])
    assert "77 %" in own[0].hovertemplate


def test_a_chart_with_a_county_figure_explains_the_definition_difference(loaded: Results) -> None:
    notes = trend(as_sample(loaded), "13", "thl_access_7d", "en").notes
    assert any("register (Avohilmo)" in note and "all professions" in note for note in notes)


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_other_figures_table_leaves_out_the_drawn_ones(loaded: Results, language: str) -> None:
    frame = reported_figures()
    sample = as_sample(loaded)
    points = reported_points(frame, "09")
    table = county.other_figures(sample, "09", frame, points, language)
    sources = table[table.columns[4]].to_list()
    # 000:40 holds two figures: the 7-day share is drawn on THL's chart, the 14-day share (no THL counterpart,
    # and the computed chart is the sample) is listed; 000:67 (costs on yellow) and 001:294 are listed too.
    assert sum("000:40" in source for source in sources) == 1
    assert any("000:67" in source for source in sources) or any("001:294" in source for source in sources)
    assert table.height == frame.filter(pl.col("region_code") == "09").height - 1


def test_the_whole_country_has_no_table_of_other_figures(loaded: Results) -> None:
    frame = reported_figures()
    assert county.other_figures(loaded, "all", frame, (), "fi").is_empty()


def test_t3_carries_the_legal_limit_as_steps_clipped_above_the_plot() -> None:
    rows = [
        ("05", ALL_UNITS, "doctor", f"{year}-{month:02d}-15", 10, 0, 10.0)
        for year in (2023, 2024, 2025)
        for month in (2, 5, 8, 11)
    ]
    data = results(t3=t3_rows(rows), imports=pl.DataFrame({"imported_by": ["x"], "imported_at": ["2025-12-31"]}))
    view = county.trend(data, ViewState(lang="fi", region="05", period="2025"), "t3", threshold=1)
    names = {trace.name.replace("<br>", " "): trace for trace in view.figure.data if trace.name}  # legend lines joined
    steps = {name: trace for name, trace in names.items() if "Hoitotakuu" in name}
    youth = steps["Hoitotakuu, alle 23-vuotiaat"]
    adults = steps["Hoitotakuu, 23 vuotta täyttäneet"]
    top = view.figure.layout.yaxis.range[1]
    # at each quarter's start: 3 calendar months until Q3/2023 (90, 91 and 92 days from 1.1, 1.4 and 1.7),
    # 14 days from Q4/2023 (in force from 1.9.2023), 3 months again for adults from 1.1.2025
    assert list(youth.customdata) == [90, 91, 92, 14, 14, 14, 14, 14, 14, 14, 14, 14]
    assert list(adults.customdata) == [90, 91, 92, 14, 14, 14, 14, 14, 90, 91, 92, 92]
    assert max(adults.y) <= top < 90  # the three months are clipped, not drawn to scale
    arrows = [note.text for note in view.figure.layout.annotations if note.showarrow]
    assert arrows == ["↑ 3 kk (90 vrk)"] * 2  # Q1/2023 and Q1/2025


def test_a_computed_doctor_chart_carries_thls_yearly_figure_as_its_own_dashed_series(loaded: Results) -> None:
    """Pohjois-Savo's computed doctor 7-day share (sample) with THL's 2025 figure (100 − 60.5 = 39.5 %) across the
    quarters of 2025, named as THL's, in the table too, and Sotkanet in the caption; never for pooled professions."""
    sample = as_sample(loaded)
    view = county.trend(sample, ViewState(lang="fi", region="13", period="2025"), "access_7d", threshold=5)
    thl = view.data.filter(pl.col("group") == "THL:n julkaisema luku")
    assert thl.select("period", "value").rows() == [("2025", pytest.approx(0.395))]
    dashed = [trace for trace in view.figure.data if trace.name and trace.name.startswith("THL: Pohjois-Savo")]
    assert len(dashed) == 1
    assert list(dashed[0].x) == ["2025Q1"]  # the one quarter of 2025 the computed line has
    assert list(dashed[0].y) == [pytest.approx(39.5)]
    assert dashed[0].line.dash == "dash"
    assert "indikaattori 6411" in view.text.caption
    pooled = county.trend(
        sample, ViewState(lang="fi", region="13", period="2025", profession="all"), "access_7d", threshold=5
    )
    assert not any(trace.name and trace.name.startswith("THL:") for trace in pooled.figure.data)
    assert any("vain lääkärikäynneistä" in note for note in pooled.notes)


def test_continuity_on_the_county_page_is_yearly_as_thl_computes_it(loaded: Results) -> None:
    sample = dataclasses.replace(
        as_sample(loaded),
        continuity=continuity_rows(
            [
                ("13", ALL_UNITS, "doctor", "2025", 500, 0.31, 0.29, 0.33, 0.5),
                ("13", ALL_UNITS, "doctor", "2025Q1", 200, 0.20, 0.18, 0.22, 0.4),
            ]
        ),
    )
    view = county.trend(sample, ViewState(lang="fi", region="13", period="2025"), "coc", threshold=5)
    own = view.data.filter((pl.col("region_code") == "13") & pl.col("group").is_null())
    assert own.select("period", "value").rows() == [("2025", 0.31)]
    thl = view.data.filter(pl.col("group") == "THL:n julkaisema luku")
    assert thl["period"].to_list() == ["2025"]  # THL's 5502 for 2025, on the same yearly axis


def test_a_countys_own_caveat_stands_under_the_chart_it_concerns_and_no_other(loaded: Results) -> None:
    """Päijät-Häme's statistics errors (000:68) go under its access charts, not under COC or another county's."""
    shipped = caveats_from(reference_caveats())
    state = ViewState(lang="fi", region="09", period="2025")
    access = county.trend(loaded, state, "access_7d", threshold=5, caveats=shipped)
    assert any("virheitä" in note and "rivi 68" in note for note in access.notes)
    coc = county.trend(loaded, state, "coc", threshold=5, caveats=shipped)
    assert not any(note.startswith("⚠") for note in coc.notes)
    other = county.trend(
        loaded, ViewState(lang="fi", region="13", period="2025"), "access_7d", threshold=5, caveats=shipped
    )
    assert not any(note.startswith("⚠") for note in other.notes)
