"""THL's published series on the county page: live data under THL's caption, the bundled copy of THL's values
under its retrieval date, a constructed example flagged as made up."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from i18n import LANGUAGES, t
from pipeline.indicators import load_recorded_indicators
from store.engine import create_store_engine
from store.migrations import migrate
from store.results import load_results
from tests.views.builders import results
from views.common import ChartView
from views.published import published_view
from views.state import ViewState


def published(*, recorded: bool, retrieved: dt.date | None = None) -> pl.DataFrame:
    """Indicator 6411's metadata as the store holds it: fetched live, or a bundled copy of THL's values (with
    its retrieval date) or a constructed example (without)."""
    return pl.DataFrame(
        {
            "source": ["sotkanet"],
            "indicator_id": ["6411"],
            "title_fi": ["Yli 7 vrk odottaneet"],
            "title_sv": ["Väntat över 7 dygn"],
            "title_en": ["Waited over 7 days"],
            "data_updated": [dt.date(2025, 3, 14)],
            "limits": [
                json.dumps(
                    {
                        "fi": "Alle 5 käyntiä ei julkaista.",
                        "sv": "Under 5 besök publiceras inte.",
                        "en": "Fewer than 5 visits are not published.",
                    }
                )
            ],
            "unit": ["PERCENT"],
            "recorded": [recorded],
            "retrieved": pl.Series([retrieved], dtype=pl.Date),
        }
    )


VALUES = pl.DataFrame(
    {
        "indicator_id": ["6411"] * 4,
        "region_code": ["02", "02", "SSS", "SSS"],
        "period": ["2024", "2025", "2024", "2025"],
        "value": [31.5, 29.0, 35.0, 33.5],
        "denominator": [1200.0, 1250.0, 90000.0, 91000.0],
    }
)


def county_view(language: str, *, recorded: bool, retrieved: dt.date | None = None) -> ChartView:
    """Indicator 6411 for Keski-Uusimaa (02) against the whole country."""
    view = published_view(
        results(published=VALUES, published_meta=published(recorded=recorded, retrieved=retrieved)),
        ViewState(lang=language, region="02"),
        "6411",
    )
    assert view is not None
    return view


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_live_series_carries_thls_caption_and_limits_and_no_badge(language: str) -> None:
    view = county_view(language, recorded=False)
    updated = {"fi": "14.3.2025", "sv": "14.3.2025", "en": "14 Mar 2025"}[language]
    assert view.text.caption == t("source.sotkanet", language, indicator="6411", updated=updated)
    assert view.text.badge == ""
    limits = {
        "fi": "Alle 5 käyntiä ei julkaista.",
        "sv": "Under 5 besök publiceras inte.",
        "en": "Fewer than 5 visits are not published.",
    }
    assert view.text.suppression_note == limits[language]  # Sotkanet's own limits text, in the language


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_constructed_example_says_its_numbers_are_made_up_and_carries_the_sample_badge(language: str) -> None:
    view = county_view(language, recorded=True)
    assert view.text.caption == t("source.sotkanet_recorded", language, indicator="6411")
    assert view.text.badge == t("common.sample_badge", language)
    assert view.text.suppression_note == ""  # the copy's limits text is as made up as its numbers
    assert sorted(view.data["value"].to_list()) == [29.0, 31.5, 33.5, 35.0]


#: How each language writes the copy's caption: THL's figures, with the day they were copied.
COPY_CAPTIONS = {
    "fi": "THL:n julkaisemat luvut, kopio haettu 18.8.2026",
    "sv": "THL:s publicerade siffror, kopia hämtad 18.8.2026",
    "en": "THL's published figures, copy retrieved 18 Aug 2026",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_bundled_copy_of_thls_values_says_when_it_was_retrieved_and_carries_no_badge(language: str) -> None:
    view = county_view(language, recorded=True, retrieved=dt.date(2026, 8, 18))
    assert COPY_CAPTIONS[language] in view.text.caption
    assert view.text.badge == ""
    assert view.text.suppression_note == ""  # the copy's limits text is constructed, not Sotkanet's
    assert sorted(view.data["value"].to_list()) == [29.0, 31.5, 33.5, 35.0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_series_loaded_on_the_first_start_are_thls_copies_without_a_badge(tmp_path: Path, language: str) -> None:
    """Through the store: every bundled series the county page can show says it is THL's, copied on 18.8.2026."""
    engine = create_store_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    migrate(engine)
    load_recorded_indicators(engine)
    loaded = load_results(engine)
    engine.dispose()
    for indicator_id in ("6411", "5502", "5186", "4909", "1080", "5081"):
        view = published_view(loaded, ViewState(lang=language, region="05"), indicator_id)
        assert view is not None, indicator_id
        assert COPY_CAPTIONS[language] in view.text.caption, indicator_id
        assert t("common.sample_badge", language) not in (view.text.badge, view.text.caption)
        assert view.text.badge == ""
        assert not view.data.is_empty(), indicator_id
