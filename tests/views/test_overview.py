"""Overview cards and county charts on tiny hand-made results: every expected number is worked out by hand."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from charts.theme import COMPARISON_COLOURS, HIGHLIGHT, LEGEND, NATIONAL
from data_sources.reference import reported_figures
from i18n import t
from store.results import SAMPLE_IMPORTER
from tests.views.builders import access_rows, results
from views import overview
from views.indicators import INDICATORS
from views.reported import reported_points
from views.state import ViewState
from views.targets import headline_target

#: Sotkanet 6411 (doctor visits waiting over 7 days, %) for Keski-Uusimaa (02) and the country;
#: 5186 (the survey's "reached quickly", %) every other year, for 02 and the country.
PUBLISHED = pl.DataFrame(
    {
        "indicator_id": ["6411"] * 6 + ["5186"] * 4,
        "region_code": ["02", "02", "02", "SSS", "SSS", "SSS", "02", "02", "SSS", "SSS"],
        "period": ["2023", "2024", "2025", "2023", "2024", "2025", "2022", "2024", "2022", "2024"],
        "value": [40.0, 31.5, 29.0, 38.0, 35.0, 33.5, 60.0, 62.5, 64.0, 64.7],
    }
)


def meta(retrieved: dict[str, dt.date]) -> pl.DataFrame:
    """The store's Sotkanet metadata: bundled copies retrieved on the given dates."""
    ids = list(retrieved)
    return pl.DataFrame(
        {
            "source": ["sotkanet"] * len(ids),
            "indicator_id": ids,
            "data_updated": [dt.date(2026, 3, 1)] * len(ids),
            "recorded": [True] * len(ids),
            "retrieved": pl.Series(list(retrieved.values()), dtype=pl.Date),
        }
    )


RETRIEVED = dt.date(2026, 8, 18)
#: Percentage points as the cards write them.
PP = f"\u00a0{t('unit.percentage_points', 'fi')}"
META = meta(dict.fromkeys(("6411", "5502", "5186", "4909"), RETRIEVED))


def published_results():
    return results(published=PUBLISHED, published_meta=META)


def card(data, key: str, *, region: str = "02", period: str = "2025", lang: str = "fi") -> overview.Headline:
    return overview.headline(data, ViewState(lang=lang, region=region, period=period), INDICATORS[key], threshold=5)


# -- THL's published cards ---------------------------------------------------------------------------------


def test_a_published_card_shows_the_share_within_7_days_with_the_country_and_the_gap() -> None:
    item = card(published_results(), "thl_access_7d")
    # 100 − 29,0 = 71,0 % in 2025; the country 100 − 33,5 = 66,5 %; the gap 4,5 points
    assert (item.value, item.year, item.national, item.gap) == ("71,0 %", "2025", "66,5 %", f"+4,5{PP}")
    assert (item.detail, item.versus) == ("Vuosi 2025", f"Koko maa 66,5 % · ero\u00a0+4,5{PP}")


def test_a_published_card_says_no_interval_and_is_not_coloured() -> None:
    item = card(published_results(), "thl_access_7d")
    assert item.comparison == "no_interval"
    assert item.comparison_text == t("comparison.no_interval", "fi")


def test_a_published_card_changes_from_the_previous_published_year() -> None:
    item = card(published_results(), "thl_access_7d")
    # 71,0 − 68,5 = +2,5 points, up and better
    assert (item.change, item.since, item.no_change) == (f"+2,5{PP}", "vrt. 2024", "")
    assert (item.delta_color, item.delta_arrow) == ("green", "up")


def test_a_published_cards_sparkline_holds_every_year_up_to_the_pages_in_per_cent() -> None:
    item = card(published_results(), "thl_access_7d")
    assert item.sparkline == pytest.approx((60.0, 68.5, 71.0))
    assert card(published_results(), "thl_access_7d", period="2024").sparkline == pytest.approx((60.0, 68.5))
    assert item.sparkline_text == "2023: 60,0 % · 2024: 68,5 % · 2025: 71,0 %"  # what a screen reader hears


def test_a_survey_card_on_a_later_page_says_its_own_year_and_changes_from_the_survey_before() -> None:
    item = card(published_results(), "thl_reached")
    # the survey's latest is 2024 (62,5 %) on the 2025 page; the one before, 2022 (60,0 %); the country 64,7 %
    assert (item.value, item.year, item.national) == ("62,5 %", "2024", "64,7 %")
    assert (item.change, item.since) == (f"+2,5{PP}", "vrt. 2022")
    assert item.gap == f"\u22122,2{PP}"


def test_the_first_published_year_has_no_change_and_says_why() -> None:
    item = card(published_results(), "thl_reached", period="2022")
    assert (item.change, item.since) == ("", "")
    assert item.no_change == t("overview.no_change_first", "fi", year="2022")
    assert (item.delta_color, item.delta_arrow) == ("gray", "off")


def test_an_area_without_a_published_figure_says_so() -> None:
    item = card(published_results(), "thl_coc")
    assert (item.value, item.year, item.detail) == ("–", "", t("overview.card_no_figure", "fi"))
    assert item.no_change == t("overview.no_change_no_value", "fi")


def test_the_countrys_own_card_has_no_national_value_gap_or_comparison() -> None:
    item = card(published_results(), "thl_access_7d", region="all")
    assert (item.value, item.national, item.gap, item.comparison_text) == ("66,5 %", "", "", "")
    assert item.comparison == "country"
    assert (item.detail, item.versus) == ("Vuosi 2025", "")


def test_a_published_card_carries_the_target_of_its_own_key() -> None:
    data = published_results()
    for region in ("02", "04", "all"):
        item = card(data, "thl_access_7d", region=region)
        assert item.target == headline_target(data, region, "thl_access_7d", "fi")


def test_the_published_cards_are_the_four_published_headlines_in_order() -> None:
    items = overview.published_headlines(
        published_results(), ViewState(lang="en", region="02", period="2025"), threshold=5
    )
    assert [item.indicator for item in items] == ["thl_access_7d", "thl_coc", "thl_reached", "thl_insufficient"]
    assert all(item.comparison in ("no_interval", "no_data") for item in items)


def test_sotkanets_caption_names_the_four_series_once_when_their_copies_share_a_date() -> None:
    assert overview.published_caption(published_results(), "fi") == (
        "Lähde: THL, Sotkanet, indikaattorit 6411, 5502, 5186, 4909, haettu 18.8.2026, CC BY 4.0"
    )


def test_sotkanets_caption_names_each_series_with_its_own_date_when_they_differ() -> None:
    later = meta({"6411": dt.date(2026, 9, 1), "5502": RETRIEVED, "5186": RETRIEVED, "4909": RETRIEVED})
    caption = overview.published_caption(results(published=PUBLISHED, published_meta=later), "en")
    assert caption.startswith("Source: THL, Sotkanet, indicator 6411, retrieved 1 Sep 2026, CC BY 4.0 · ")
    assert "indicator 4909, retrieved 18 Aug 2026" in caption


# -- the computed cards ------------------------------------------------------------------------------------


def computed_results(*, sample: bool = True):
    """Doctor visits within 7 days: county 02 70/100 in 2024 and 80/100 in 2025; the country 600/1000 in 2025."""
    access = access_rows(
        [
            ("02", "", "doctor", "2024-05", 7, 100, 70),
            ("02", "", "doctor", "2025-05", 7, 100, 80),
            ("03", "", "doctor", "2025-05", 7, 100, 58),
            ("04", "", "doctor", "2025-05", 7, 400, 200),
            ("SSS", "", "doctor", "2025-05", 7, 1000, 600),
        ]
    )
    importer = SAMPLE_IMPORTER if sample else "tester"
    imports = pl.DataFrame({"imported_by": [importer], "imported_at": ["2025-12-31 10:00"]})
    return results(access=access, imports=imports, published=PUBLISHED, published_meta=META)


def test_a_computed_card_judges_the_county_better_when_its_interval_lies_above_the_country() -> None:
    item = card(computed_results(), "access_7d")
    # 80/100 = 80 %, Wilson 95 % interval 71,1–86,7 % lies above the country's 600/1000 = 60 %
    assert (item.value, item.national, item.gap) == ("80,0 %", "60,0 %", f"+20,0{PP}")
    assert item.comparison == "better"
    assert (item.change, item.since) == (f"+10,0{PP}", "vrt. 2024")
    assert item.sparkline == pytest.approx((70.0, 80.0))
    assert item.n == 100


@pytest.mark.parametrize(
    ("region", "comparison"),
    [
        ("03", "similar"),  # 58/100: 48,2–67,2 % holds 60 %
        ("04", "worse"),  # 200/400 = 50 %: 45,1–54,9 % lies below 60 %
    ],
)
def test_a_computed_card_judges_similar_or_worse_by_its_interval(region: str, comparison: str) -> None:
    assert card(computed_results(), "access_7d", region=region).comparison == comparison


def test_a_county_without_last_years_figure_says_there_is_no_change() -> None:
    item = card(computed_results(), "access_7d", region="03")
    assert item.change == ""
    assert item.no_change == t("overview.no_change_first", "fi", year="2025")


def test_the_computed_section_is_headed_as_from_the_sample_or_from_the_extract_with_its_date() -> None:
    assert overview.computed_heading(computed_results(sample=True), "fi") == (
        t("overview.computed_sample", "fi"),
        t("overview.computed_sample_note", "fi"),
    )
    heading, note = overview.computed_heading(computed_results(sample=False), "fi")
    assert heading == t("overview.computed_extract", "fi", date="31.12.2025")
    assert note == t("source.extract", "fi", date="31.12.2025")


# -- the counties at a glance ------------------------------------------------------------------------------


def test_the_ranking_colours_by_the_comparison_and_draws_the_national_line() -> None:
    view = overview.county_ranking(
        computed_results(), ViewState(lang="fi", region="03", period="2025", indicator="access_7d"), threshold=5
    )
    assert dict(zip(view.data["region_code"], view.data["comparison"], strict=True)) == {
        "02": "better",
        "03": "similar",
        "04": "worse",
    }
    colours = {trace.name: trace.marker.color for trace in view.figure.data if trace.x != (None,)}
    assert colours == {
        t("comparison.better", "fi"): COMPARISON_COLOURS["better"],
        t("comparison.similar", "fi"): COMPARISON_COLOURS["similar"],
        t("comparison.worse", "fi"): COMPARISON_COLOURS["worse"],
    }
    line = next(shape for shape in view.figure.layout.shapes if shape.line.color == NATIONAL)
    assert line.x0 == pytest.approx(60.0)
    assert "Koko maa <br>60,0 %" in " ".join(note.text for note in view.figure.layout.annotations)
    [key] = [note.text for note in view.figure.layout.annotations if note.name == LEGEND]
    assert t("overview.chosen_area", "fi", area="Länsi-Uusimaa") in key


def test_the_map_of_a_published_series_is_coloured_by_value_and_says_counties_are_not_compared() -> None:
    view = overview.county_map(
        published_results(), ViewState(lang="fi", region="02", period="2025", indicator="thl_access_7d"), threshold=5
    )
    assert t("overview.not_judged", "fi") in view.text.subtitle
    assert view.figure.data[1].marker.showscale  # the colour bar
    [chosen] = [shape for shape in view.figure.layout.shapes if shape.line.width]
    assert chosen.line.color == HIGHLIGHT
    assert view.text.badge == ""


def test_a_published_series_without_the_pages_year_is_shown_for_its_latest_year_and_says_so() -> None:
    view = overview.county_ranking(
        published_results(), ViewState(lang="fi", region="all", period="2025", indicator="thl_reached"), threshold=5
    )
    assert view.period == "2024"
    assert view.data["value"].to_list() == pytest.approx([0.625])
    assert t("overview.latest_year", "fi", year="2024") in view.text.subtitle
    assert "Koko maa <br>64,7 %" in " ".join(note.text for note in view.figure.layout.annotations)


def test_a_hidden_figure_says_it_is_hidden_rather_than_missing() -> None:
    access = access_rows([("02", "", "doctor", "2024-05", 7, 100, 70), ("02", "", "doctor", "2025-05", 7, 3, 2)])
    item = card(results(access=access), "access_7d")
    assert (item.value, item.suppressed, item.change) == (t("common.suppressed_value", "fi"), True, "")
    assert item.no_change == t("overview.no_change_hidden", "fi", year="2025")


def test_the_overview_judges_a_target_by_the_countys_own_reported_figure_when_it_is_the_best_figure() -> None:
    """Kanta-Häme's NPS target (> 70, 002:1571) rests on its own reported 84.3 (no THL figure, never the sample):
    the card must say it is met, with the figure and its source, as the county page does."""
    points = reported_points(reported_figures(), "07")
    cards = overview.headlines(
        results(), ViewState(lang="fi", region="07", period="2025"), threshold=5, reported=points
    )
    nps = next(card for card in cards if card.indicator == "nps")
    assert "saavutettu" in nps.target
    assert "ei saavutettu" not in nps.target
    assert "84,3" in nps.target
    bare = overview.headlines(results(), ViewState(lang="fi", region="07", period="2025"), threshold=5)
    assert "ei lukua" in next(card for card in bare if card.indicator == "nps").target
