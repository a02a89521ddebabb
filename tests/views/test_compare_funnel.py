"""The compare funnel answers who is an outlier: limits and a flag per county, coloured and labelled outliers,
and limits widened for overdispersion only when most counties fall outside the plain ones."""

from __future__ import annotations

import polars as pl
import pytest

from charts.builders import funnel_plot
from charts.theme import ABOVE_LIMIT, BELOW_LIMIT, PRIMARY, ChartText
from core.codes import WHOLE_COUNTRY
from metrics.stats import Z95, Z998, funnel_limits
from store.results import Results
from views.common import table_for_display
from views.compare import county_limits, funnel, funnel_limits_for, overdispersion_factor
from views.state import ViewState

from .builders import access_rows, results

TEXT = ChartText(title="Funnel", subtitle="", caption="Source")
LIMIT_COLUMNS = ["lower_95", "upper_95", "lower_998", "upper_998"]


def shares(values: list[float | None], n: int = 1000) -> pl.DataFrame:
    """Counties A, B, … with the given shares, each over ``n`` visits (a None share is a hidden county)."""
    return pl.DataFrame(
        {
            "label": [chr(ord("A") + index) for index in range(len(values))],
            "value": values,
            "n": [None if value is None else n for value in values],
            "suppressed": [value is None for value in values],
        }
    )


def flags(frame: pl.DataFrame) -> dict[str, str | None]:
    return dict(zip(frame["label"].to_list(), frame["flag"].to_list(), strict=True))


# -- classification


def test_each_county_gets_its_place_against_the_limits_at_its_own_volume() -> None:
    # around 50 % over 1000 visits one standard error is 1.58 points: 95 % ≈ ±3.1, 99.8 % ≈ ±4.9 points
    frame = county_limits(shares([0.60, 0.40, 0.50, 0.535, 0.465, None]), p0=0.5)
    assert flags(frame) == {
        "A": "above_998",
        "B": "below_998",
        "C": "within",
        "D": "above_95",
        "E": "below_95",
        "F": None,  # hidden: no value, no limits, no flag
    }


def test_the_limits_in_the_data_are_spiegelhalters_exact_ones_at_each_volume() -> None:
    frame = county_limits(pl.DataFrame({"label": ["A", "B"], "value": [0.5, 0.5], "n": [40, 4000]}), p0=0.5)
    for z, suffix in ((Z95, "95"), (Z998, "998")):
        low, high = funnel_limits(0.5, [40, 4000], z=z, method="exact")
        assert frame[f"lower_{suffix}"].to_list() == pytest.approx(low.tolist())
        assert frame[f"upper_{suffix}"].to_list() == pytest.approx(high.tolist())


@pytest.mark.parametrize(
    ("limit", "flag"),
    [
        # a value exactly on a limit counts as inside it
        ("upper_95", "within"),
        ("lower_95", "within"),
        ("upper_998", "above_95"),
        ("lower_998", "below_95"),
    ],
)
def test_a_county_exactly_on_a_limit_counts_as_inside_it(limit: str, flag: str) -> None:
    on_limit = county_limits(shares([0.5]), p0=0.5)[limit].item()
    assert county_limits(shares([on_limit]), p0=0.5)["flag"].item() == flag


# -- overdispersion


def test_most_counties_outside_the_plain_limits_widen_them_for_overdispersion() -> None:
    frame = shares([0.40, 0.44, 0.50, 0.56, 0.60])  # four of five outside the plain 99.8 % limits
    phi = overdispersion_factor(frame, p0=0.5)
    assert phi is not None
    assert phi > 1
    plain, widened = county_limits(frame, p0=0.5), county_limits(frame, p0=0.5, phi=phi)
    assert (widened["upper_998"] > plain["upper_998"]).all()
    low, high = funnel_limits(0.5, [1000], z=Z998, phi=phi)
    assert widened["lower_998"][0] == pytest.approx(low[0])
    assert widened["upper_998"][0] == pytest.approx(high[0])


def test_few_counties_outside_keep_the_plain_limits() -> None:
    assert overdispersion_factor(shares([0.50, 0.51, 0.49, 0.52, 0.60]), p0=0.5) is None


def test_the_funnel_limit_curves_follow_the_same_widening() -> None:
    frame = shares([0.40, 0.44, 0.50, 0.56, 0.60])
    limits = funnel_limits_for(frame, p0=0.5, phi=4.0)
    _, high = funnel_limits(0.5, limits.volumes, z=Z998, phi=4.0)
    assert list(limits.limits[0].upper) == pytest.approx(high.tolist())
    assert limits.phi == 4.0


def five_counties(within: list[int]) -> Results:
    """Five counties with 1000 eligible visits each in 2025 and the given visits within 7 days, and the country."""
    rows = [(f"{index + 1:02d}", "", "all", "2025-01", 7, 1000, count) for index, count in enumerate(within)]
    rows.append((WHOLE_COUNTRY, "", "all", "2025-01", 7, 1000 * len(within), sum(within)))
    return results(access=access_rows(rows))


def state(language: str) -> ViewState:
    """The 7-day share for all professions pooled (as :func:`five_counties` has it) in 2025."""
    return ViewState(lang=language, period="2025", indicator="access_7d", profession="all")


@pytest.mark.parametrize(
    ("language", "note"),
    [
        ("fi", "Rajoja levennetty ylihajonnan vuoksi, φ = "),
        ("sv", "Gränserna vidgade för överspridning, φ = "),
        ("en", "Limits widened for overdispersion, φ = "),
    ],
)
def test_the_funnel_says_in_its_subtitle_when_its_limits_are_widened(language: str, note: str) -> None:
    view = funnel(five_counties([400, 440, 500, 560, 600]), state(language), threshold=5)
    assert view is not None
    assert note in view.text.subtitle
    phi = overdispersion_factor(view.data.drop(*LIMIT_COLUMNS, "flag"), p0=0.5)
    assert phi is not None
    _, high = funnel_limits(0.5, [1000], z=Z998, phi=phi)
    assert view.data["upper_998"].to_list() == pytest.approx([high[0]] * 5)


def test_the_funnel_with_few_outliers_keeps_its_plain_limits_and_says_nothing() -> None:
    view = funnel(five_counties([500, 510, 490, 520, 600]), state("en"), threshold=5)
    assert view is not None
    assert "overdispersion" not in view.text.subtitle
    p0 = 2620 / 5000
    _, high = funnel_limits(p0, [1000], z=Z998, method="exact")
    assert view.data["upper_998"].to_list() == pytest.approx([high[0]] * 5)
    assert view.data.filter(pl.col("flag") == "above_998")["region_code"].to_list() == ["05"]


# -- what the reader sees


def test_only_the_outliers_are_coloured_and_labelled() -> None:
    view = funnel(five_counties([500, 510, 490, 520, 600]), state("en"), threshold=5)
    assert view is not None
    points = [trace for trace in view.figure.data if trace.mode and "markers" in trace.mode]
    labelled = [trace for trace in points if "text" in trace.mode]
    assert [(trace.name, list(trace.text)) for trace in labelled] == [
        ("Above the 99.8 % limit", [view.data.filter(pl.col("region_code") == "05")["label"].item()])
    ]
    assert set(labelled[0].marker.color) == {ABOVE_LIMIT}
    inside = [trace for trace in points if "text" not in trace.mode]
    assert [trace.name for trace in inside] == ["Inside the 99.8 % limits"]
    assert len(inside[0].x) == 4
    assert set(inside[0].marker.color) == {PRIMARY}


def test_a_county_below_the_limits_gets_its_own_colour_and_label() -> None:
    view = funnel(five_counties([500, 510, 490, 520, 400]), state("fi"), threshold=5)
    assert view is not None
    below = [trace for trace in view.figure.data if trace.name == "Alle 99,8 %:n alarajan"]
    assert len(below) == 1
    assert below[0].mode == "markers+text"
    assert set(below[0].marker.color) == {BELOW_LIMIT}


#: The four limit columns' headings and the flag's heading, in each language.
HEADERS = {
    "fi": ["95 %:n alaraja", "95 %:n yläraja", "99,8 %:n alaraja", "99,8 %:n yläraja", "Suhteessa rajoihin"],
    "sv": [
        "Nedre 95 %-gräns",
        "Övre 95 %-gräns",
        "Nedre 99,8 %-gräns",
        "Övre 99,8 %-gräns",
        "I förhållande till gränserna",
    ],
    "en": ["Lower 95 % limit", "Upper 95 % limit", "Lower 99.8 % limit", "Upper 99.8 % limit", "Against the limits"],
}


@pytest.mark.parametrize(
    ("language", "above", "within", "below"),
    [
        ("fi", "yli 99,8 %:n ylärajan", "rajojen sisällä", "alle 95 %:n alarajan"),
        ("sv", "över 99,8 %-gränsen", "inom gränserna", "under 95 %-gränsen"),
        ("en", "above the 99.8 % limit", "within the limits", "below the 95 % limit"),
    ],
)
def test_the_funnels_table_carries_the_limits_and_the_flag_in_words(
    language: str, above: str, within: str, below: str
) -> None:
    # around the national 52.4 %: 49 % is below the 95 % limit, 60 % above the 99.8 % one
    view = funnel(five_counties([500, 510, 490, 520, 600]), state(language), threshold=5)
    assert view is not None
    assert {*LIMIT_COLUMNS, "flag"} <= set(view.data.columns)  # the CSV writes the data's columns as they are
    table = table_for_display(view.data, language, percent=True)
    *limits, flag = HEADERS[language]
    assert set(HEADERS[language]) <= set(table.columns)
    assert table[flag].to_list() == [within, within, below, within, above]
    assert all(50 < value < 60 for value in table[limits[1]].to_list())  # percentages, like the value


def test_two_outliers_close_together_have_their_names_on_opposite_sides() -> None:
    # two counties far above the limits at nearly the same volume and share, a third well apart
    frame = pl.DataFrame(
        {
            "label": ["Near1", "Near2", "Apart"],
            "value": [0.60, 0.605, 0.70],
            "n": [1000, 1050, 4000],
        }
    )
    flagged = county_limits(frame, p0=0.5)
    limits = funnel_limits_for(flagged, p0=0.5)
    names = {"inside": "in", "above": "up", "below": "down"}
    figure = funnel_plot(flagged, TEXT, limits=limits, volume_label="n", value_label="%", point_names=names)
    above = next(trace for trace in figure.data if trace.name == "up")
    assert dict(zip(above.text, above.textposition, strict=True)) == {
        "Near1": "top left",
        "Near2": "top right",
        "Apart": "top center",
    }
