"""Compare works for THL's published series: ranking against the country, a funnel where Sotkanet gives the
visits (6411) and a plain reason where it does not, yearly trends, and THL's own access-continuity scatter."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pytest
import sqlalchemy as sa

from core.codes import WHOLE_COUNTRY
from i18n import t
from pipeline.indicators import load_recorded_indicators
from store.engine import create_store_engine
from store.migrations import migrate
from store.results import Results, load_results
from views.common import table_for_display
from views.compare import TREND_GRAIN, access_continuity, funnel, funnel_absence, published_volumes, ranking, trends
from views.indicators import INDICATORS
from views.state import ViewState

from .builders import access_rows, results

PUBLISHED_SCHEMA = {
    "source": pl.String,
    "indicator_id": pl.String,
    "region_code": pl.String,
    "period": pl.String,
    "sex": pl.String,
    "value": pl.Float64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "unit": pl.String,
}


def published(rows: list[tuple[str, str, str, float, float | None]]) -> Results:
    """(indicator, area, year, value, abs_value) rows as the store holds Sotkanet's series, retrieved 18.8.2026."""
    frame = pl.DataFrame(
        [
            ("sotkanet", key, area, year, "total", value, count, None, "PERCENT")
            for key, area, year, value, count in rows
        ],
        schema=PUBLISHED_SCHEMA,
        orient="row",
    )
    ids = sorted(set(frame["indicator_id"].to_list()))
    meta = pl.DataFrame({"indicator_id": ids, "retrieved": ["2026-08-18"] * len(ids)})
    return results(published=frame, published_meta=meta)


# 6411 (visits over 7 days, %) with its abs_value: the country 40 % of 10 000 visits, four counties of 1 000
WAITS = [
    ("6411", WHOLE_COUNTRY, "2024", 40.0, 4000.0),
    ("6411", "01", "2024", 50.0, 500.0),  # 50 % within, far below the country's 60 %
    ("6411", "02", "2024", 38.0, 380.0),  # 62 % within: 2 points above, inside the 95 % limits (±3.0 points)
    ("6411", "03", "2024", 40.0, 400.0),
    ("6411", "04", "2024", 40.0, 400.0),
]


def state(indicator: str, language: str = "fi", region: str = "all") -> ViewState:
    return ViewState(lang=language, period="2025", indicator=indicator, region=region)


# -- the funnel


def test_the_visits_behind_6411_are_its_abs_value_divided_by_its_share() -> None:
    volumes = published_volumes(published(WAITS), INDICATORS["thl_access_7d"])
    assert dict(zip(volumes["region_code"], volumes["n"], strict=True)) == {
        WHOLE_COUNTRY: 10_000,  # 4000 / 0.40
        "01": 1000,  # 500 / 0.50
        "02": 1000,  # 380 / 0.38
        "03": 1000,
        "04": 1000,
    }


def test_a_series_without_a_numerator_has_no_volumes() -> None:
    store = published([("5502", "01", "2024", 0.3, None)])
    assert published_volumes(store, INDICATORS["thl_coc"]).is_empty()


def test_the_published_7_day_share_gets_a_funnel_on_the_derived_visits() -> None:
    view = funnel(published(WAITS), state("thl_access_7d"), threshold=5)
    assert view is not None
    flags = dict(zip(view.data["region_code"], view.data["flag"], strict=True))
    # around 60 % over 1000 visits one standard error is 1.55 points: 01 lies 10 points below
    assert flags == {"01": "below_998", "02": "within", "03": "within", "04": "within"}
    assert view.data["n"].to_list() == [1000] * 4
    assert view.period == "2024"  # THL's latest year, not the page's 2025
    assert "2024" in view.text.subtitle
    assert view.text.caption.startswith("Lähde: THL, Sotkanet, indikaattori 6411")
    assert view.text.caption.endswith(t("compare.funnel_derived_n", "fi", indicator="6411"))
    assert view.text.badge == ""


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        # THL publishes only the value: no number of patients or respondents to draw limits from
        ("thl_coc", "compare.funnel_none_published"),
        ("thl_reached", "compare.funnel_none_published"),
        ("thl_insufficient", "compare.funnel_none_published"),
        # no good direction: never judged
        ("thl_doctor_visits", "compare.funnel_none_context"),
        ("thl_emergency_visits", "compare.funnel_none_context"),
        # computed: shares have their counts, the rest are not shares
        ("coc", "compare.funnel_only_shares"),
        ("nps", "compare.funnel_only_shares"),
        ("access_7d", None),
        ("thl_access_7d", None),
    ],
)
def test_each_indicator_without_a_funnel_says_why(key: str, reason: str | None) -> None:
    assert funnel_absence(INDICATORS[key]) == reason
    if reason is not None:
        assert funnel(published(WAITS), state(key), threshold=5) is None


# -- the ranking


def test_the_published_ranking_shows_thls_latest_year_and_says_so() -> None:
    view = ranking(published(WAITS), state("thl_access_7d"), threshold=5)
    assert view.period == "2024"
    assert t("compare.published_year", "fi", period="2024", chosen="2025") in view.text.subtitle
    assert view.data["national_value"].to_list() == pytest.approx([0.6] * 4)
    # no interval: shown, never coloured better or worse, and the table says so in words
    assert set(view.data["comparison"]) == {t("comparison.no_interval", "fi")}


def test_the_ranking_draws_the_national_line_with_its_value() -> None:
    view = ranking(published(WAITS), state("thl_access_7d", region="01"), threshold=5)
    notes = [note.text for note in view.figure.layout.annotations]
    assert any("Koko maa 60,0\u00a0%" in note or "Koko maa 60,0 %" in note for note in notes), notes
    lines = [shape for shape in view.figure.layout.shapes if shape.x0 == shape.x1]
    assert [shape.x0 for shape in lines] == pytest.approx([60.0])


def computed_store() -> Results:
    """Doctor visits in 2025: the country 210/300 = 70 %; 01 90/100, 02 50/100, 03 70/100."""
    rows = [
        (WHOLE_COUNTRY, "", "doctor", "2025-01", 7, 300, 210),
        ("01", "", "doctor", "2025-01", 7, 100, 90),  # Wilson 95 %: 82.6–94.5 %, above 70 %
        ("02", "", "doctor", "2025-01", 7, 100, 50),  # 40.4–59.6 %, below
        ("03", "", "doctor", "2025-01", 7, 100, 70),  # contains 70 %
    ]
    return results(access=access_rows(rows))


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_computed_ranking_carries_each_countys_comparison_in_words(language: str) -> None:
    view = ranking(computed_store(), state("access_7d", language), threshold=5)
    words = dict(zip(view.data["region_code"], view.data["comparison"], strict=True))
    assert words == {
        "01": t("comparison.better", language),
        "02": t("comparison.worse", language),
        "03": t("comparison.similar", language),
    }
    table = table_for_display(view.data, language, percent=True)
    assert table[t("table.comparison", language)].to_list() == view.data["comparison"].to_list()
    assert table[t("table.national_value", language)].to_list() == pytest.approx([70.0] * 3)


def test_a_coded_comparison_reads_in_words_in_the_table() -> None:
    frame = pl.DataFrame({"label": ["A", "B"], "value": [0.5, 0.6], "comparison": ["worse", "no_interval"]})
    table = table_for_display(frame, "en", percent=True)
    assert table["Compared with the whole country"].to_list() == [
        t("comparison.worse", "en"),
        t("comparison.no_interval", "en"),
    ]


# -- trends and the scatter


def test_published_trends_are_yearly() -> None:
    store = published([*WAITS, ("6411", "01", "2023", 45.0, 450.0), ("6411", WHOLE_COUNTRY, "2023", 42.0, 4200.0)])
    view = trends(store, state("thl_access_7d"), threshold=5)
    assert view.text.title == t("compare.trends_title_yearly", "fi", indicator=t("indicator.thl_access_7d", "fi"))
    assert sorted(view.data.filter(pl.col("region_code") == "01")["period"]) == ["2023", "2024"]


def test_with_a_published_indicator_the_scatter_is_thls_access_against_thls_coci() -> None:
    coci = [("5502", area, "2024", 0.3, None) for area in (WHOLE_COUNTRY, "01", "02", "03")]
    view = access_continuity(published([*WAITS, *coci]), state("thl_coc"), threshold=5)
    assert view.text.title == t("compare.scatter_title_thl", "fi")
    assert view.text.caption == "Lähde: THL, Sotkanet, indikaattorit 6411 ja 5502, haettu 18.8.2026, CC BY 4.0"
    assert view.text.badge == ""
    # 04 has no COCI: only the areas with both
    assert sorted(view.data["region_code"]) == ["01", "02", "03"]
    assert view.data.filter(pl.col("region_code") == "02")["x"].item() == pytest.approx(0.62)
    assert view.period == "2024"


# -- THL's real published series, through the loader the app uses


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Results]:
    path = tmp_path_factory.mktemp("published") / "store.sqlite"
    engine: sa.Engine = create_store_engine(f"sqlite:///{path}")
    migrate(engine)
    load_recorded_indicators(engine)
    yield load_results(engine)
    engine.dispose()


COUNTIES_AND_HELSINKI = sorted([f"{code:02d}" for code in range(1, 22)] + ["90"])


def test_the_default_compare_page_ranks_every_county_on_thls_2025_figures(real: Results) -> None:
    view = ranking(real, ViewState(lang="fi", period="2025", region="05"), threshold=5)
    assert view.indicator == "thl_access_7d"
    assert sorted(view.data["region_code"]) == COUNTIES_AND_HELSINKI
    # Varsinais-Suomi (05): THL's 2025 figure is 57.9 % over 7 days, so 42.1 % within
    assert view.data.filter(pl.col("region_code") == "05")["value"].item() == pytest.approx(0.421)


def test_the_real_scatter_has_every_county_and_helsinki(real: Results) -> None:
    view = access_continuity(real, ViewState(lang="fi", period="2025"), threshold=5)
    assert sorted(view.data.filter(pl.col("period") == "2025")["region_code"]) == COUNTIES_AND_HELSINKI


def test_the_real_6411_funnel_widens_its_limits_and_names_its_outliers(real: Results) -> None:
    view = funnel(real, ViewState(lang="en", period="2025"), threshold=5)
    assert view is not None
    assert sorted(view.data["region_code"]) == COUNTIES_AND_HELSINKI
    # tens of thousands of visits per county: almost every county is outside plain binomial limits
    assert "overdispersion" in view.text.subtitle
    assert view.data["n"].min() > 1000


def test_the_ranking_colours_by_comparison_and_names_each_in_the_legend() -> None:
    view = ranking(computed_store(), state("access_7d", "en", region="02"), threshold=5)
    names = [trace.name for trace in view.figure.data if trace.x and trace.x[0] is not None]
    assert names == [t(f"comparison.{code}", "en") for code in ("better", "similar", "worse")]
    # the chosen county is named in bold and has its own legend entry
    assert "<b>" + view.data.filter(pl.col("region_code") == "02")["label"].item() + "</b>" in (
        view.figure.layout.yaxis.ticktext
    )
    key = " ".join(str(note.text) for note in view.figure.layout.annotations)
    assert all(f"</span> {t(f'comparison.{code}', 'en')}" in key for code in ("better", "similar", "worse"))
    assert f"</span> {t('compare.chosen_county', 'en')}" in key


def test_continuity_trends_are_yearly_as_thl_computes_them() -> None:
    assert TREND_GRAIN["continuity"] == "year"
    assert TREND_GRAIN["published"] == "year"
