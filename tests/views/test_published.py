"""THL's published series on the county page: live data under THL's caption, the bundled copy flagged as made up."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from i18n import LANGUAGES, t
from tests.views.builders import results
from views.common import ChartView
from views.published import published_view
from views.state import ViewState


def published(*, recorded: bool) -> pl.DataFrame:
    """Indicator 6411's metadata as the store holds it, fetched live or loaded from the bundled copy."""
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


def county_view(language: str, *, recorded: bool) -> ChartView:
    """Indicator 6411 for Keski-Uusimaa (02) against the whole country."""
    view = published_view(
        results(published=VALUES, published_meta=published(recorded=recorded)),
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
def test_the_bundled_copy_says_its_numbers_are_made_up_and_carries_the_sample_badge(language: str) -> None:
    view = county_view(language, recorded=True)
    assert view.text.caption == t("source.sotkanet_recorded", language, indicator="6411")
    assert view.text.badge == t("common.sample_badge", language)
    assert view.text.suppression_note == ""  # the copy's limits text is as made up as its numbers
    assert sorted(view.data["value"].to_list()) == [29.0, 31.5, 33.5, 35.0]
