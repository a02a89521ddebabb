"""The pure mapping from Plotly figures to editable PowerPoint charts, or the reason for a picture."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import pytest

from charts.builders import (
    Reference,
    access_continuity_scatter,
    binned_bars,
    funnel_plot,
    grouped_bars,
    histogram,
    ranked_dot_plot,
    share_bars,
    small_multiples,
    tile_map,
    trend_chart,
)
from charts.theme import HIGHLIGHT, LIMIT_95, OKABE_ITO, PRIMARY, TARGET, ChartText
from exports.native import NativeChart, NativeSeries, NotNative, native_chart
from tests.exports.frames import TEXT, areas, scatter, trend
from views.compare import funnel_limits_for

PARTS = [("within_7", "Within 7 days", OKABE_ITO[2]), ("later", "Later", OKABE_ITO[1])]


def shares() -> pl.DataFrame:
    return areas().with_columns(within_7=pl.Series([0.4, 0.55, None]), later=pl.Series([0.6, 0.45, None]))


def native(figure: go.Figure) -> NativeChart:
    chart = native_chart(figure)
    assert isinstance(chart, NativeChart), chart
    return chart


def data_series(chart: NativeChart) -> list[NativeSeries]:
    return [series for series in chart.series if not series.reference]


# -- bars


def test_share_bars_become_a_stacked_horizontal_bar_chart_of_the_shown_areas() -> None:
    chart = native(share_bars(shares(), TEXT, parts=PARTS, value_label="%"))
    assert (chart.kind, chart.stacked, chart.legend) == ("bar", True, True)
    assert chart.categories == ("Helsinki", "Pohjois-Savo")  # the suppressed area is not drawn
    assert [(series.name, series.colour) for series in chart.series] == [
        ("Within 7 days", OKABE_ITO[2]),
        ("Later", OKABE_ITO[1]),
    ]
    assert [series.values for series in chart.series] == [pytest.approx((40.0, 55.0)), pytest.approx((60.0, 45.0))]
    assert chart.value_title == "%"
    assert chart.value_range == (0.0, 100.0)


def test_histogram_becomes_a_column_chart_with_narrow_gaps() -> None:
    chart = native(histogram(pl.Series([0.1, 0.12, 0.5, 0.9]), TEXT, value_label="COC", count_label="patients", bins=5))
    assert chart.kind == "column"
    assert chart.categories == ("0.1", "0.3", "0.5", "0.7", "0.9")
    assert chart.series[0].values == (2.0, 0.0, 1.0, 0.0, 1.0)
    assert chart.series[0].colour == PRIMARY
    assert (chart.gap_width, chart.legend, chart.category_title, chart.value_title) == (5, False, "COC", "patients")


def test_a_suppressed_bin_stays_an_empty_place_not_a_closed_gap() -> None:
    bins = pl.DataFrame(
        {
            "bin_low": [0.0, 0.2, 0.4, 0.6, 0.8],
            "bin_high": [0.2, 0.4, 0.6, 0.8, 1.0],
            "n": [12, None, 30, 25, None],
            "suppressed": [False, True, False, False, True],
        }
    )
    chart = native(binned_bars(bins, TEXT, value_label="COC", count_label="patients"))
    assert chart.categories == ("0.1", "0.3", "0.5", "0.7", "0.9")  # 0.3 and 0.9 were suppressed, not dropped
    assert chart.series[0].values == (12.0, None, 30.0, 25.0, None)


def test_grouped_bars_keep_the_axis_order_and_note_the_dropped_reference() -> None:
    frame = pl.DataFrame(
        {
            "label": ["Helsinki", "Helsinki", "Pohjois-Savo", "Pohjois-Savo"],
            "group": ["Doctor", "Nurse", "Doctor", "Nurse"],
            "value": [30.0, 20.0, 25.0, 18.0],
            "n": [100, 200, 150, 250],
        }
    )
    chart = native(grouped_bars(frame, TEXT, value_label="days", references=[Reference(14, "Legal limit")]))
    assert (chart.kind, chart.stacked) == ("bar", False)
    assert chart.categories == ("Pohjois-Savo", "Helsinki")  # "category descending", as Plotly draws it
    assert [(series.name, series.values) for series in chart.series] == [
        ("Doctor", (25.0, 30.0)),
        ("Nurse", (18.0, 20.0)),
    ]
    assert chart.dropped == ("reference_lines",)


def test_bars_with_different_categories_are_aligned_on_their_union() -> None:
    figure = go.Figure([go.Bar(x=["a", "b"], y=[1, 2], name="one"), go.Bar(x=["b", "c"], y=[3, 4], name="two")])
    chart = native(figure)
    assert chart.categories == ("a", "b", "c")
    assert [series.values for series in chart.series] == [(1.0, 2.0, None), (None, 3.0, 4.0)]


def test_bars_without_colours_take_the_colorway_in_trace_order() -> None:
    figure = go.Figure([go.Bar(x=["a"], y=[1]), go.Bar(x=["a"], y=[2])], layout={"colorway": ["#123456", "#abc"]})
    assert [series.colour for series in native(figure).series] == ["#123456", "#AABBCC"]


@pytest.mark.parametrize(
    ("colour", "expected"),
    [
        # hex, short hex, rgb and rgba (alpha dropped), a few names
        ("#0072b2", "#0072B2"),
        ("#abc", "#AABBCC"),
        ("rgb(0, 114, 178)", "#0072B2"),
        ("rgba(230,159,0,0.15)", "#E69F00"),
        ("white", "#FFFFFF"),
        # what is not a plain colour leaves PowerPoint's default
        ("hsl(10, 20%, 30%)", None),
    ],
)
def test_trace_colours_become_hex(colour: str, expected: str | None) -> None:
    assert native(go.Figure(go.Bar(x=["a"], y=[1], marker={"color": colour}))).series[0].colour == expected


def test_per_bar_colours_are_kept() -> None:
    figure = go.Figure(go.Bar(x=["a", "b"], y=[1, 2], marker={"color": [PRIMARY, HIGHLIGHT]}))
    assert native(figure).series[0].point_colours == (PRIMARY, HIGHLIGHT)


# -- lines


def test_trend_becomes_a_line_chart_over_the_periods_with_one_series_per_area() -> None:
    chart = native(trend_chart(trend(), TEXT))
    assert chart.kind == "line"
    assert chart.categories == ("2023", "2024", "2025")
    helsinki, savo = data_series(chart)
    assert (helsinki.name, helsinki.colour, helsinki.line, helsinki.markers) == ("Helsinki", OKABE_ITO[0], True, True)
    assert helsinki.values == pytest.approx((55.0, 58.0, 62.0))
    assert (savo.name, savo.colour) == ("Pohjois-Savo", OKABE_ITO[1])
    assert savo.values == pytest.approx((66.0, 69.0, 71.0))
    assert chart.legend


def test_interval_bands_become_bands_of_the_line_chart_in_their_lines_colours() -> None:
    chart = native(trend_chart(trend(), TEXT, band=True))
    assert chart.dropped == ()
    assert len(chart.series) == 2
    helsinki, savo = chart.bands
    assert (helsinki.colour, savo.colour) == (OKABE_ITO[0], OKABE_ITO[1])
    assert helsinki.low == pytest.approx((53.0, 56.0, 60.0))  # value ∓ 2 points in the frame
    assert helsinki.high == pytest.approx((57.0, 60.0, 64.0))


def test_a_band_with_a_missing_period_has_no_ends_there() -> None:
    frame = trend().filter(~((pl.col("label") == "Pohjois-Savo") & (pl.col("period") == "2024")))
    _, savo = native(trend_chart(frame, TEXT, band=True)).bands
    assert savo.low[1] is None
    assert savo.high[1] is None
    assert savo.low[0] is not None
    assert savo.high[2] is not None


def test_bands_on_an_xy_chart_are_left_out_and_named() -> None:
    band = go.Scatter(x=[1, 2, 2, 1], y=[3, 4, 2, 1], fill="toself", hoverinfo="skip")
    chart = native(go.Figure([band, go.Scatter(x=[1.0, 2.0], y=[2.0, 3.0])]))
    assert (chart.kind, chart.dropped, chart.bands) == ("xy", ("bands",), ())


# -- rankings


def test_a_ranked_dot_plot_becomes_bars_from_zero_with_the_intervals_as_error_bars() -> None:
    chart = native(ranked_dot_plot(areas(), TEXT, value_label="%"))
    assert (chart.kind, chart.stacked, chart.value_range) == ("bar", True, None)
    assert chart.categories == ("Helsinki", "Pohjois-Savo")  # bottom to top, as Plotly draws them
    (series,) = chart.series
    assert series.values == pytest.approx((62.0, 71.0))
    assert series.error_plus == pytest.approx((2.0, 2.0))
    assert series.error_minus == pytest.approx((2.0, 2.0))
    assert chart.value_title == "%"


def test_a_ranking_outlines_the_highlighted_area_and_puts_the_national_value_at_the_bottom() -> None:
    figure = ranked_dot_plot(
        areas(), TEXT, highlight="Pohjois-Savo", national=Reference(0.5, "Whole country 50 %", kind="national")
    )
    chart = native(figure)
    assert chart.categories == ("Whole country 50 %", "Helsinki", "Pohjois-Savo")
    (series,) = chart.series
    assert series.values == pytest.approx((50.0, 62.0, 71.0))
    assert series.outlined == (False, False, True)
    assert series.point_colours[0] == "#4D4D4D"  # the national line's colour
    assert series.error_plus[0] is None  # the national value has no interval


def test_a_ranking_with_comparisons_keeps_a_named_series_per_comparison() -> None:
    frame = areas().with_columns(comparison=pl.Series(["better", "worse", None]))
    chart = native(ranked_dot_plot(frame, TEXT, legend={"better": "Better", "worse": "Worse"}))
    assert [series.name for series in chart.series] == ["Worse", "Better"] or [
        series.name for series in chart.series
    ] == ["Better", "Worse"]
    assert chart.legend
    for series in chart.series:  # one bar per area across the series
        assert sum(value is not None for value in series.values) == 1


def test_a_horizontal_reference_line_becomes_a_dashed_named_series() -> None:
    chart = native(trend_chart(trend(), TEXT, references=[Reference(0.65, "Target 65 %")]))
    (target,) = [series for series in chart.series if series.reference]
    assert (target.name, target.values, target.colour, target.dash) == ("Target 65 %", (65.0,) * 3, TARGET, "dash")
    assert (target.markers, target.in_legend) == (False, True)


def test_values_missing_in_a_period_stay_gaps() -> None:
    frame = trend().filter(~((pl.col("label") == "Pohjois-Savo") & (pl.col("period") == "2024")))
    chart = native(trend_chart(frame, TEXT, band=False))
    assert chart.categories == ("2023", "2024", "2025")
    assert data_series(chart)[1].values == pytest.approx((66.0, None, 71.0))


@pytest.mark.parametrize(
    ("layout", "categories"),
    [
        # Plotly's default: order of first appearance across the traces
        ({}, ("2025", "2023", "2024")),
        # an order the axis asks for
        ({"categoryorder": "category ascending"}, ("2023", "2024", "2025")),
        ({"categoryorder": "category descending"}, ("2025", "2024", "2023")),
        ({"categoryorder": "array", "categoryarray": ["2024", "2023"]}, ("2024", "2023", "2025")),
    ],
)
def test_categories_follow_the_order_plotly_draws(layout: dict[str, object], categories: tuple[str, ...]) -> None:
    figure = go.Figure(
        [go.Scatter(x=["2025", "2023"], y=[1, 2], mode="lines"), go.Scatter(x=["2024"], y=[3], mode="lines")],
        layout={"xaxis": {"type": "category", **layout}},
    )
    assert native(figure).categories == categories


# -- scatters


def test_access_continuity_scatter_becomes_an_xy_chart_with_labels_and_highlight() -> None:
    chart = native(
        access_continuity_scatter(
            scatter(),
            TEXT,
            x_label="Within 7 days",
            y_label="COC",
            x_reference=0.65,
            y_reference=0.4,
            highlight="Helsinki",
        )
    )
    assert chart.kind == "xy"
    assert (chart.x_title, chart.y_title) == ("Within 7 days", "COC")
    points = next(series for series in chart.series if series.labels and not series.line)
    assert points.labels == ("Helsinki", "Pohjois-Savo")
    assert points.x == pytest.approx((62.0, 71.0))
    assert points.values == pytest.approx((0.33, 0.45))
    assert points.point_colours == (HIGHLIGHT, PRIMARY)
    assert (points.line, points.markers) == (False, True)
    paths = [series for series in chart.series if series.line and not series.reference]
    assert [path.x for path in paths] == [pytest.approx((58.0, 62.0))]  # only the picked county's path
    references = [series for series in chart.series if series.reference]
    vertical, horizontal = references
    assert vertical.x == pytest.approx((65.0, 65.0))
    assert vertical.values == pytest.approx((0.31, 0.45))  # the vertical line spans the data
    assert horizontal.x == pytest.approx((58.0, 71.0))
    assert horizontal.values == pytest.approx((0.4, 0.4))
    assert not chart.legend


def test_without_a_picked_county_every_path_is_drawn() -> None:
    figure = access_continuity_scatter(
        scatter(), TEXT, x_label="x", y_label="y", x_reference=None, y_reference=None, highlight=None
    )
    paths = [trace for trace in figure.data if trace.mode == "lines"]
    assert [list(trace.x) for trace in paths] == [pytest.approx([58.0, 62.0]), pytest.approx([69.0, 71.0])]


def test_funnel_keeps_its_limits_points_and_log_axis() -> None:
    frame = areas().with_columns(n=pl.Series([2400, 180, None]))
    chart = native(
        funnel_plot(
            frame,
            TEXT,
            limits=funnel_limits_for(frame, p0=0.65),
            volume_label="n",
            value_label="%",
            highlight="Helsinki",
        )
    )
    assert (chart.kind, chart.x_log) == ("xy", True)
    limits = [series for series in chart.series if series.line and not series.reference]
    assert [series.name for series in limits] == ["99,8 %", "99,8 %", "95 %", "95 %"]
    assert [series.in_legend for series in limits] == [True, False, True, False]
    assert {series.colour for series in limits[2:]} == {LIMIT_95}
    points = next(series for series in chart.series if series.markers)
    assert points.x == (2400.0, 180.0)
    assert points.values == pytest.approx((62.0, 71.0))
    assert points.point_colours == (HIGHLIGHT, PRIMARY)


# -- pictures


@pytest.mark.parametrize(
    ("figure", "reason"),
    [
        (go.Figure(go.Scatter(x=["a"], y=[1.0], error_y={"array": [0.1]})), "error bars"),
        (tile_map(areas(), TEXT), "text-only"),
        (go.Figure(go.Scatter(x=[0.5, 0.6], y=["A", "B"], mode="lines")), "vertical axis"),
        (go.Figure(go.Heatmap(z=[[1, 2]])), "heatmap"),
        (go.Figure([go.Bar(x=["a"], y=[1]), go.Scatter(x=["a"], y=[1])]), "bars and lines"),
        (go.Figure(), "no data"),
        (small_multiples(trend(), TEXT), "several panels"),
    ],
)
def test_figures_without_a_native_counterpart_say_why(figure: go.Figure, reason: str) -> None:
    result = native_chart(figure)
    assert isinstance(result, NotNative)
    assert reason in result.reason


def test_the_mapping_does_not_change_the_figure() -> None:
    figure = trend_chart(trend(), ChartText("t", "s", "c"), references=[Reference(0.6, "x")])
    before = figure.to_json()
    native_chart(figure)
    assert figure.to_json() == before


# -- value axes


def test_line_chart_value_axis_is_fitted_to_the_data_as_plotly_does() -> None:
    chart = native(trend_chart(trend(), TEXT, references=[Reference(0.65, "Target")], band=False))
    assert chart.y_range == (55.0, 75.0)


def test_line_chart_value_axis_holds_the_bands_too() -> None:
    chart = native(trend_chart(trend(), TEXT, band=True))
    assert chart.y_range == (50.0, 75.0)  # the lowest band end is 53


def test_axes_plotly_draws_from_zero_are_left_to_powerpoint() -> None:
    figure = go.Figure(go.Scatter(x=[1.0, 2.0], y=[55.0, 70.0]), layout={"yaxis": {"rangemode": "tozero"}})
    assert native(figure).y_range is None


@pytest.mark.parametrize(
    ("ys", "expected"),
    [
        # round steps of about a fifth of the spread
        ([-3.0, 12.0], (-5.0, 15.0)),
        ([0.5, 3.0], (0.5, 3.0)),
        ([0.31, 0.45], (0.3, 0.45)),
        # the bounds do not cross zero when the data stay on one side
        ([1.0, 100.0], (0.0, 100.0)),
        ([-100.0, -1.0], (-100.0, 0.0)),
        # nothing to fit
        ([2.0, 2.0], None),
    ],
)
def test_fitted_value_axes_use_round_bounds(ys: list[float], expected: tuple[float, float] | None) -> None:
    chart = native(go.Figure(go.Scatter(x=["a", "b"], y=ys, mode="lines")))
    assert chart.y_range == expected
