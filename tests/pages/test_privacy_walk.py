"""Every chart, table and export for every county: no cell under the threshold, no identifier anywhere.

The sample store here is tiny (scale 0.03), so most health centres are small: the hard case. The
sample's pseudonymised ids all start with 'SYN-', so any leak of a patient, professional, visit,
book or response id into a figure, a table or a file shows up as that prefix.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from core.settings import Settings
from exports.pptx import build_pptx
from exports.provenance import Provenance
from exports.slides import deck_from_views
from exports.tables import table_to_csv, table_to_xlsx
from pipeline.bootstrap import bootstrap
from store.catalogue import scan_extracts
from store.results import Results, load_results
from views import compare, county, investments, overview
from views.common import ChartView
from views.county import coc_distribution_cells
from views.indicators import INDICATORS
from views.state import ViewState

THRESHOLD = 5
ID_PREFIX = "SYN-"
IDENTIFIERS = {"patient_id", "professional_id", "visit_id", "book_id", "response_id"}
COUNT_COLUMNS = ("n", "n_x", "n_y", "n_within")


@pytest.fixture(scope="module")
def store(data_dir: Path) -> tuple[Results, pl.LazyFrame]:
    engine = bootstrap(Settings.from_environment({"DASHBOARD_DATA_DIR": str(data_dir)}), sample_scale=0.03)
    visits = scan_extracts(engine, "visits")
    assert visits is not None
    return load_results(engine), visits


def every_view(results: Results, visits: pl.LazyFrame, region: str) -> Iterator[ChartView]:
    for key in INDICATORS:
        state = ViewState(lang="fi", region=region, period="2025", indicator=key)
        yield overview.county_map(results, state, threshold=THRESHOLD)
        yield compare.ranking(results, state, threshold=THRESHOLD)
        funnel = compare.funnel(results, state, threshold=THRESHOLD)
        if funnel is not None:
            yield funnel
        yield compare.trends(results, state, threshold=THRESHOLD)
        yield county.trend(results, state, key, threshold=THRESHOLD)
        unit_view = county.units(results, state, key, threshold=THRESHOLD)
        if unit_view is not None:
            yield unit_view
    state = ViewState(lang="fi", region=region, period="2025")
    yield compare.access_continuity(results, state, threshold=THRESHOLD)
    t3_units = county.t3_by_unit(results, state, threshold=THRESHOLD)
    if t3_units is not None:
        yield t3_units
    cells = coc_distribution_cells(visits, region=region, year="2025", profession="all", threshold=THRESHOLD)
    yield county.coc_distribution_view(results, state, cells, threshold=THRESHOLD)
    yield county.nps_split(results, state, threshold=THRESHOLD)
    people = investments.participants(results, "RRP4", 1, "fi")
    yield investments.group_trend(
        results, state, "coc", people["region_code"].to_list(), threshold=THRESHOLD, starts=[]
    )
    for key in county.PUBLISHED_TRENDS:
        yield county.trend(results, state, key, threshold=THRESHOLD)


def assert_private(view: ChartView) -> None:
    assert not IDENTIFIERS & set(view.data.columns), view.key
    for column in COUNT_COLUMNS:
        if column in view.data.columns:
            shown = view.data.filter(pl.col(column).is_not_null())[column]
            assert (shown >= THRESHOLD).all(), (view.key, column, shown.min())
    if "suppressed" in view.data.columns:
        hidden = view.data.filter(pl.col("suppressed"))
        for column in ("value", "ci_low", "ci_high", *COUNT_COLUMNS):
            if column in hidden.columns:
                assert hidden[column].null_count() == hidden.height, (view.key, column)
    assert ID_PREFIX not in view.figure.to_json(), view.key


@pytest.mark.parametrize("region", ["20", "05", "90"])  # a small county, a large one, Helsinki
def test_no_chart_or_table_shows_a_small_cell_or_an_identifier(
    store: tuple[Results, pl.LazyFrame], region: str
) -> None:
    results, visits = store
    views = list(every_view(results, visits, region))
    assert len(views) > 40
    suppressed = 0
    for view in views:
        assert_private(view)
        suppressed += int(view.data["suppressed"].sum()) if "suppressed" in view.data.columns else 0
    assert suppressed > 0  # the small store really has small cells, so the check is not vacuous


def test_no_download_or_deck_carries_an_identifier_or_a_small_number(store: tuple[Results, pl.LazyFrame]) -> None:
    results, visits = store
    views = [view for view in every_view(results, visits, "20") if view.key.startswith(("county_units", "county_t3"))]
    views += list(every_view(results, visits, "20"))[:6]
    provenance = Provenance(source="synthetic", licence="CC BY 4.0")
    for view in views:
        csv = table_to_csv(view.data, language="fi")
        assert ID_PREFIX.encode() not in csv, view.key
        xlsx = table_to_xlsx(
            view.data, title=view.text.title, provenance=provenance, language="fi", threshold=THRESHOLD
        )
        with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
            assert not any(ID_PREFIX.encode() in archive.read(name) for name in archive.namelist()), view.key
    native = [view for view in views if not view.key.startswith(("county_units", "compare_ranking", "county_map"))]
    deck = deck_from_views(native[:4], results, title="t", subtitle="s", language="fi")
    pptx = build_pptx(deck, native_charts=True)
    with zipfile.ZipFile(io.BytesIO(pptx)) as archive:
        assert not any(ID_PREFIX.encode() in archive.read(name) for name in archive.namelist())
