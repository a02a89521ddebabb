"""The charts and cards of one age group: the group's figures, named in the subtitle; the others say why not."""

from __future__ import annotations

import polars as pl
import pytest

from i18n import t
from views import compare, county, overview
from views.ages import age_label, age_line
from views.indicators import INDICATORS
from views.state import ViewState

from .builders import access_rows, continuity_rows, results, t3_rows
from .test_age_cells import ALL_AGES, continuity_age_rows, over_75

OVER_75 = over_75((40, 20, 30), (50, 10, 25))
DATA = results(
    access=ALL_AGES,
    access_age=OVER_75,
    t3=t3_rows([("05", "", "all", "2025-03-03", 10, 0, 12.0), ("SSS", "", "all", "2025-03-03", 20, 0, 11.0)]),
)
STATE = ViewState(lang="fi", region="05", period="2025", profession="all", indicator="access_7d")
GROUP = age_label("75+", "fi")


def test_the_7_day_card_of_the_over_75s_is_theirs_and_names_them() -> None:
    everyone = overview.headline(DATA, STATE, INDICATORS["access_7d"], threshold=5)
    aged = overview.headline(DATA, STATE.with_changes(age_group="75+"), INDICATORS["access_7d"], threshold=5)
    assert everyone.value == "60,0 %"  # 60 of 100
    assert aged.value == "50,0 %"  # the over-75s: 20 of 40
    assert GROUP not in everyone.detail
    assert t("age_group.subtitle", "fi", group=GROUP) in aged.detail


def test_the_t3_card_says_the_age_group_does_not_apply_and_stays_all_ages() -> None:
    everyone = overview.headline(DATA, STATE, INDICATORS["t3"], threshold=5)
    aged = overview.headline(DATA, STATE.with_changes(age_group="75+"), INDICATORS["t3"], threshold=5)
    assert aged.value == everyone.value
    assert t("age_group.not_applicable", "fi", group=GROUP) in aged.detail


def test_the_default_state_gives_the_same_views_as_before() -> None:
    assert age_line(STATE, INDICATORS["access_7d"]) == ""
    ranking = compare.ranking(DATA, STATE, threshold=5)
    assert t("age_group.label", "fi") not in ranking.text.subtitle


@pytest.mark.parametrize("view", [overview.county_ranking, overview.county_map, compare.ranking])
def test_the_county_charts_of_an_age_group_show_its_figures_and_name_it(view: object) -> None:
    chart = view(DATA, STATE.with_changes(age_group="75+"), threshold=5)  # type: ignore[operator]
    values = dict(chart.data.select("region_code", "value").iter_rows())
    assert values["05"] == pytest.approx(0.5)
    assert values["06"] == pytest.approx(0.2)
    assert t("age_group.subtitle", "fi", group=GROUP) in chart.text.subtitle


def test_a_county_trend_of_an_age_group_drops_the_all_ages_overlays_and_says_so_for_t3() -> None:
    aged = STATE.with_changes(age_group="75+")
    trend = county.trend(DATA, aged, "access_7d", threshold=5)
    rows = trend.data.filter(pl.col("region_code") == "05")
    assert rows["value"].to_list() == pytest.approx([0.5])  # 2025Q1: the over-75s only
    assert t("age_group.subtitle", "fi", group=GROUP) in trend.text.subtitle
    t3 = county.trend(DATA, aged, "t3", threshold=5)
    assert t("age_group.not_applicable", "fi", group=GROUP) in t3.text.subtitle
    thl = county.trend(DATA, aged, "thl_access_7d", threshold=5)
    assert t("age_group.published", "fi", group=GROUP) in thl.text.subtitle


def test_the_health_centres_say_there_is_no_age_split() -> None:
    units = access_rows(
        [("05", "Asema A", "all", "2025-01", 7, 60, 30), ("05", "Asema B", "all", "2025-01", 7, 40, 30)]
    )
    data = results(access=pl.concat([ALL_AGES, units]), access_age=OVER_75)
    chart = county.units(data, STATE.with_changes(age_group="75+"), "access_7d", threshold=5)
    assert chart is not None
    assert chart.data.is_empty()
    assert t("age_group.no_units", "fi") in chart.text.subtitle
    everyone = county.units(data, STATE, "access_7d", threshold=5)
    assert everyone is not None
    assert everyone.data.height == 2


def test_the_access_continuity_scatter_has_one_age_group_on_both_axes_or_all_ages_on_both() -> None:
    coc = continuity_rows([(region, "", "all", "2025", 80, 0.6, 0.5, 0.7, 0.6) for region in ("05", "06", "SSS")])
    coc_75 = continuity_age_rows([(region, "75+", "2025", 40, 0.8) for region in ("05", "06")])
    coc_75 = pl.concat([coc_75, continuity_age_rows([("SSS", "75+", "2025", 80, 0.8)])])
    data = results(access=ALL_AGES, access_age=OVER_75, continuity=coc, continuity_age=coc_75, t3=DATA.t3)
    aged = STATE.with_changes(age_group="75+")
    scatter = compare.access_continuity(data, aged, threshold=5)
    row = scatter.data.filter(pl.col("region_code") == "05").row(0, named=True)
    assert (row["x"], row["y"]) == (pytest.approx(0.5), pytest.approx(0.8))
    t3 = compare.access_continuity(data, aged.with_changes(indicator="t3"), threshold=5)
    assert t("age_group.not_applicable", "fi", group=GROUP) in t3.text.subtitle
    assert t3.data["y"].drop_nulls().to_list() == [0.6]  # all ages' COC beside all ages' T3 (05; 06 has no T3)
