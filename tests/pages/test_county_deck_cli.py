"""`python -m pipeline deck`: the standard county deck from the command line, checked slide by slide."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from pptx import Presentation

from core.codes import DEFAULT_PROFESSION
from core.settings import Settings
from i18n import region_name, t
from pipeline.bootstrap import bootstrap, open_store
from pipeline.cli import main
from store.results import load_results
from views.cells import indicator_cells
from views.indicators import INDICATORS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium renders the picture slides"),
]


@pytest.fixture(scope="module")
def store(data_dir: Path) -> Path:
    bootstrap(Settings.from_environment({"DASHBOARD_DATA_DIR": str(data_dir)}), sample_scale=0.03)
    return data_dir


def slide_titles(path: Path) -> list[str]:
    deck = Presentation(str(path))
    return [next(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame) for slide in deck.slides]


def names(title: str, chart: str, area: str) -> bool:
    """``title`` is the slide title of ``chart`` for ``area``: the chart's title (whole, or its first and last
    words around an ellipsis), then the county and the period (a year, or a span of years)."""
    head, _, tail = title.rpartition(" – ")
    period = re.fullmatch(rf"{re.escape(area)} \d{{4}}(–\d{{4}})?", tail)
    start, cut, end = head.partition("…")  # a shortened title keeps the chart's first and last words
    return period is not None and (head == chart or (bool(cut) and chart.startswith(start) and chart.endswith(end)))


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_county_deck_has_a_title_slide_and_one_slide_per_chart_in_the_language(
    store: Path, language: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(store))
    out = tmp_path / "deck.pptx"
    assert main(["deck", "--region", "05", "--lang", language, "--out", str(out), "--period", "2025"]) == 0
    deck = Presentation(str(out))
    assert deck.slide_width / deck.slide_height == pytest.approx(16 / 9, rel=0.01)
    titles = slide_titles(out)
    assert titles[0] == t("deck.county_title", language, area=region_name("05", language, short=True))
    # THL's published figures open the deck, under Sotkanet's name; then the figures computed from the store
    thl_7d, thl_coc = t("indicator.thl_access_7d", language), t("indicator.thl_coc", language)
    area = region_name("05", language, short=True)
    assert titles[1].startswith(thl_7d.split()[0])
    assert names(titles[2], thl_7d, area)
    assert names(titles[3], thl_coc, area)
    assert names(titles[4], t("indicator.access_7d", language), area)
    assert len(titles) >= 14
    for index, slide in enumerate(list(deck.slides)[1:], start=1):
        kinds = {shape.shape_type for shape in slide.shapes}
        assert any(shape.has_chart for shape in slide.shapes) or 13 in kinds  # 13: a picture
        footer = " ".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)
        assert "CC BY 4.0" in footer
        sotkanet = "Sotkanet" in footer
        assert sotkanet if index <= 3 else t("source.sample", language) in footer, (index, footer)
        # the sample notice only under charts of the sample, never under THL's own figures
        assert (t("export.sample_short", language) in footer) is (index > 3), (index, footer)
        for chart in (shape.chart for shape in slide.shapes if shape.has_chart):
            assert not any("<br" in series.name for plot in chart.plots for series in plot.series)


def test_a_native_trend_chart_holds_the_metrics_numbers(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(store))
    out = tmp_path / "deck.pptx"
    assert main(["deck", "--region", "05", "--lang", "en", "--out", str(out), "--period", "2025"]) == 0
    trend = next(
        slide
        for slide in Presentation(str(out)).slides
        if any(shape.has_chart for shape in slide.shapes)
        and names(
            next(s.text_frame.text for s in slide.shapes if s.has_text_frame),
            t("indicator.access_7d", "en"),
            region_name("05", "en", short=True),
        )
    )
    chart = next(shape.chart for shape in trend.shapes if shape.has_chart)
    lines = next(plot for plot in chart.plots if plot.__class__.__name__ == "LinePlot")  # under it: the bands
    series = {item.name: list(item.values) for item in lines.series}
    results = load_results(open_store(Settings.from_environment({"DASHBOARD_DATA_DIR": str(store)})))
    # the deck opens on the views' default profession (doctors), as the pages do
    cells = indicator_cells(
        results, INDICATORS["access_7d"], grain="quarter", profession=DEFAULT_PROFESSION, threshold=5
    )
    county = cells.filter(pl.col("region_code") == "05").sort("period")
    expected = [None if value is None else value * 100 for value in county["value"].to_list()]
    drawn = series[region_name("05", "en", short=True)]
    assert [None if value is None else pytest.approx(value) for value in expected] == drawn


def test_all_counties_write_one_deck_each(store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(store))
    assert main(["deck", "--region", "all", "--lang", "sv", "--out", str(tmp_path / "decks")]) == 0
    assert len(list((tmp_path / "decks").glob("*.pptx"))) == 22


def test_an_unknown_county_is_a_one_line_error(
    store: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(store))
    assert main(["deck", "--region", "99", "--lang", "fi", "--out", "x.pptx"]) == 1
    assert "is not a county code" in capsys.readouterr().err
