"""THL's published series as indicators of their own: the values shown are exactly THL's, read through the store.

The shared file of THL's published values is looked for as in ``tests/pipeline/test_published_copies.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import polars as pl
import pytest
import sqlalchemy as sa

from i18n import LANGUAGES, t
from pipeline.indicators import load_recorded_indicators
from store.engine import create_store_engine
from store.migrations import migrate
from store.results import Results, load_results
from tests.pipeline.test_published_copies import published_csv_path
from tests.views.builders import results
from views import overview
from views.cells import indicator_cells, latest_period
from views.common import chart_source, chart_text, sotkanet_caption
from views.indicators import INDICATORS, PUBLISHED_INDICATORS, indicator_value
from views.state import ViewState


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Results]:
    path = tmp_path_factory.mktemp("published") / "store.sqlite"
    engine: sa.Engine = create_store_engine(f"sqlite:///{path}")
    migrate(engine)
    load_recorded_indicators(engine)
    yield load_results(engine)
    engine.dispose()


def thl_rows(sotkanet_id: str) -> pl.DataFrame:
    raw = pl.read_csv(published_csv_path(), infer_schema=False)
    return raw.filter(pl.col("sotkanet_indicator") == sotkanet_id).select(
        "region_code", pl.col("year").alias("period"), pl.col("value").cast(pl.Float64)
    )


@pytest.mark.parametrize("key", list(PUBLISHED_INDICATORS))
def test_every_published_cell_is_thls_value_as_shown(loaded: Results, key: str) -> None:
    """Every row THL published and no other; a percentage as a share, 6411 as 100 minus it (within 7 days)."""
    indicator = INDICATORS[key]
    expected = thl_rows(indicator.sotkanet_id)
    if indicator.complement:
        expected = expected.with_columns((100.0 - pl.col("value")).alias("value"))
    if indicator.percent:
        expected = expected.with_columns(pl.col("value") / 100.0)
    for grain in ("year", "quarter", "month"):  # yearly whatever the grain
        cells = indicator_cells(loaded, indicator, grain=grain, threshold=5)
        joined = expected.join(cells, on=["region_code", "period"], how="full", coalesce=True)
        assert joined.height == expected.height == cells.height
        assert (joined["value"] - joined["value_right"]).abs().max() < 1e-12
        assert not cells["suppressed"].any()
        assert cells["ci_low"].is_null().all()
        assert cells["ci_high"].is_null().all()


@pytest.mark.parametrize(
    ("region", "year", "shown"),
    [("05", "2025", "42,1 %"), ("SSS", "2021", "61,7 %"), ("13", "2025", None)],
)
def test_within_7_days_for_doctors_reads_as_thl_publishes_its_complement(
    loaded: Results, region: str, year: str, shown: str | None
) -> None:
    """Varsinais-Suomi 2025: THL publishes 57.9 % over 7 days, so 42.1 % within (the issue's example)."""
    indicator = INDICATORS["thl_access_7d"]
    cells = indicator_cells(loaded, indicator, grain="year", threshold=5)
    row = cells.filter((pl.col("region_code") == region) & (pl.col("period") == year))
    over = thl_rows("6411").filter((pl.col("region_code") == region) & (pl.col("period") == year))
    assert row.height == over.height == 1
    assert indicator_value(row["value"].item(), indicator, "fi") == f"{100 - over['value'].item():.1f} %".replace(
        ".", ","
    )
    if shown:
        assert indicator_value(row["value"].item(), indicator, "fi") == shown


def test_a_survey_year_falls_back_to_the_latest_published_year(loaded: Results) -> None:
    cells = indicator_cells(loaded, INDICATORS["thl_reached"], grain="year", threshold=5)
    assert latest_period(cells, "2025") == "2024"  # the survey runs every other year
    assert latest_period(cells, "2023") == "2022"
    assert latest_period(cells, "2019") == ""
    assert latest_period(cells.clear(), "2025") == ""


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_published_chart_carries_sotkanets_caption_and_no_sample_badge_even_beside_the_sample(
    loaded: Results, language: str
) -> None:
    sample = results(
        imports=pl.DataFrame({"imported_by": ["synthetic sample data generator"], "imported_at": ["2026-01-01"]}),
        published=loaded.published,
        published_meta=loaded.published_meta,
    )
    assert sample.sample_data
    state = ViewState(lang=language)
    published_text = chart_text(
        sample, state, title="", subtitle="", plotted=pl.DataFrame(), threshold=5, indicator=INDICATORS["thl_coc"]
    )
    computed_text = chart_text(
        sample, state, title="", subtitle="", plotted=pl.DataFrame(), threshold=5, indicator=INDICATORS["coc"]
    )
    assert published_text.badge == ""
    assert "5502" in published_text.caption
    assert {"fi": "18.8.2026", "sv": "18.8.2026", "en": "18 Aug 2026"}[language] in published_text.caption
    assert computed_text.badge == t("common.sample_badge", language)


def test_context_series_have_no_good_direction(loaded: Results) -> None:
    state = ViewState(lang="en")
    text = chart_text(
        loaded,
        state,
        title="",
        subtitle="",
        plotted=pl.DataFrame(),
        threshold=5,
        indicator=INDICATORS["thl_doctor_visits"],
    )
    assert text.direction == ""


def test_a_series_fetched_live_says_when_thl_updated_it() -> None:
    """A live refresh stores THL's data-updated date and no retrieval date: the caption gives the update."""
    meta = pl.DataFrame(
        {
            "indicator_id": ["6411"],
            "data_updated": pl.Series([dt.date(2026, 3, 14)], dtype=pl.Date),
            "retrieved": pl.Series([None], dtype=pl.Date),
        }
    )
    live = results(published_meta=meta)
    assert sotkanet_caption(live, "6411", "fi") == t("source.sotkanet", "fi", indicator="6411", updated="14.3.2026")
    assert "päivitetty 14.3.2026" in sotkanet_caption(live, "6411", "fi")


def test_a_download_or_slide_of_thls_series_names_sotkanet_not_the_sample(loaded: Results) -> None:
    """The files carry the chart's own source: THL's series beside the sample store are THL's, without the
    sample's import date; a computed chart names the sample."""
    sample = results(
        imports=pl.DataFrame({"imported_by": ["synthetic sample data generator"], "imported_at": ["2026-01-01"]}),
        published=loaded.published,
        published_meta=loaded.published_meta,
    )
    state = ViewState(lang="fi", region="05", period="2025")
    thl = overview.county_ranking(sample, state.with_changes(indicator="thl_access_7d"), threshold=5)
    source, data_date = chart_source(sample, thl, "fi")
    assert "Sotkanet, indikaattori 6411" in source
    assert data_date == ""
    computed = overview.county_ranking(sample, state.with_changes(indicator="access_7d"), threshold=5)
    assert chart_source(sample, computed, "fi") == (t("source.sample", "fi"), "2026-01-01")
