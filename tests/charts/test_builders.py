"""Chart builders put the text frame on every figure and never draw a suppressed cell."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from charts.builders import (
    LABEL_PLOT,
    TILE_HEIGHT,
    TILE_POSITIONS,
    TRAIL,
    FunnelLimit,
    FunnelLimits,
    Reference,
    _wrap,
    access_continuity_scatter,
    binned_bars,
    funnel_plot,
    grouped_bars,
    histogram,
    ranked_dot_plot,
    readable_labels,
    share_bars,
    small_multiples,
    tile_map,
    trend_chart,
)
from charts.theme import (
    COMPARISON_COLOURS,
    HIGHLIGHT,
    HIGHLIGHT_WIDTH,
    LEGAL,
    LEGEND,
    LEGEND_ROW,
    MUTED,
    NATIONAL,
    OKABE_ITO,
    ChartText,
    legend_entry,
    wrap_title,
)
from metrics.stats import Z95, funnel_limits
from views.compare import funnel_limits_for

TEXT = ChartText(
    title="Access within 7 days",
    subtitle="All counties · Doctor",
    caption="Source: synthetic sample data",
    direction="Higher is better",
    badge="Synthetic sample data",
    suppression_note="1 cell hidden",
)


def areas() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "region_code": ["01", "02", "03"],
            "label": ["A", "B", "C"],
            "period": ["2025-01", "2025-01", "2025-01"],
            "value": [0.6, 0.7, None],
            "ci_low": [0.5, 0.65, None],
            "ci_high": [0.7, 0.75, None],
            "n": [100, 1000, None],
            "suppressed": [False, False, True],
        }
    )


def scatter() -> pl.DataFrame:
    """Access (x, a share) against continuity (y): A over two years, B over three (its 2024 hidden), C once."""
    return pl.DataFrame(
        {
            "label": ["A", "A", "B", "B", "B", "C"],
            "period": ["2024", "2025", "2023", "2024", "2025", "2025"],
            "x": [0.58, 0.62, 0.66, 0.69, 0.71, 0.5],
            "y": [0.31, 0.33, 0.40, 0.42, 0.45, 0.2],
            "n": [2200, 2400, 1600, 1700, 1800, 90],
            "suppressed": [False, False, False, True, False, False],
        }
    )


def units() -> pl.DataFrame:
    """Waits per unit and profession; U2's nurses are a hidden cell."""
    return pl.DataFrame(
        {
            "label": ["U1", "U1", "U2", "U2"],
            "group": ["Doctor", "Nurse", "Doctor", "Nurse"],
            "value": [30.0, 20.0, 25.0, None],
            "n": [100, 200, 150, None],
            "suppressed": [False, False, False, True],
        }
    )


def bins() -> pl.DataFrame:
    """Five COC bins; the second and the last are hidden."""
    return pl.DataFrame(
        {
            "bin_low": [0.0, 0.2, 0.4, 0.6, 0.8],
            "bin_high": [0.2, 0.4, 0.6, 0.8, 1.0],
            "n": [12, None, 30, 25, None],
            "suppressed": [False, True, False, False, True],
        }
    )


def annotation_texts(figure) -> str:
    return " ".join(annotation.text for annotation in figure.layout.annotations)


#: Every builder, named, on a small frame with a hidden cell.
BUILDS = [
    pytest.param(lambda: ranked_dot_plot(areas(), TEXT), id="ranked_dot_plot"),
    pytest.param(
        lambda: funnel_plot(
            areas(), TEXT, limits=funnel_limits_for(areas(), p0=0.65), volume_label="n", value_label="%"
        ),
        id="funnel_plot",
    ),
    pytest.param(lambda: trend_chart(areas(), TEXT), id="trend_chart"),
    pytest.param(
        lambda: share_bars(
            areas().with_columns(a=pl.lit(0.5), b=pl.lit(0.5)),
            TEXT,
            parts=[("a", "A", "#000"), ("b", "B", "#111")],
            value_label="%",
        ),
        id="share_bars",
    ),
    pytest.param(
        lambda: histogram(pl.Series([0.1, 0.5, 0.9]), TEXT, value_label="COC", count_label="patients"), id="histogram"
    ),
    pytest.param(lambda: tile_map(areas(), TEXT), id="tile_map"),
    pytest.param(
        lambda: access_continuity_scatter(
            scatter(), TEXT, x_label="x", y_label="y", x_reference=0.6, y_reference=0.4, highlight="B"
        ),
        id="access_continuity_scatter",
    ),
    pytest.param(
        lambda: grouped_bars(units(), TEXT, value_label="days", references=[Reference(14, "Legal limit")]),
        id="grouped_bars",
    ),
    pytest.param(lambda: binned_bars(bins(), TEXT, value_label="COC", count_label="patients"), id="binned_bars"),
]


@pytest.mark.parametrize("build", BUILDS)
def test_every_chart_carries_title_subtitle_direction_caption_badge_and_note(build) -> None:
    figure = build()
    assert "Access within 7 days" in figure.layout.title.text
    assert "All counties · Doctor · Higher is better" in figure.layout.title.text
    assert "Synthetic sample data" in figure.layout.title.text  # the badge rides with the title, so it never clips
    notes = annotation_texts(figure)
    for part in ("Source: synthetic sample data", "1 cell hidden"):
        assert part in notes


def test_suppressed_areas_are_not_drawn_in_the_dot_plot() -> None:
    figure = ranked_dot_plot(areas(), TEXT)
    assert list(figure.data[0].y) == ["A", "B"]  # drawn bottom-up, so the highest (B) is on top; C left out


def test_dot_plot_intervals_are_drawn_in_percent() -> None:
    figure = ranked_dot_plot(areas(), TEXT)
    assert list(figure.data[0].x) == pytest.approx([60.0, 70.0])
    assert list(figure.data[0].error_x.arrayminus) == pytest.approx([10.0, 5.0])


def test_a_dot_whose_interval_is_unknown_is_drawn_without_whiskers() -> None:
    frame = areas().with_columns(ci_low=pl.Series([None, 0.65, None]), ci_high=pl.Series([None, 0.75, None]))
    figure = ranked_dot_plot(frame, TEXT)
    assert list(figure.data[0].x) == pytest.approx([60.0, 70.0])
    assert list(figure.data[0].error_x.array) == [None, pytest.approx(5.0)]


def test_every_row_of_a_dot_plot_is_named_even_when_space_is_short() -> None:
    figure = ranked_dot_plot(areas(), TEXT)
    assert (figure.layout.yaxis.tickmode, figure.layout.yaxis.dtick) == ("linear", 1)


def test_a_dot_plot_reference_is_a_vertical_line_labelled_above_the_plot() -> None:
    figure = ranked_dot_plot(areas(), TEXT, references=[Reference(0.66, "Target 66 %", kind="target")])
    [line] = figure.layout.shapes
    assert (line.x0, line.x1, line.yref, line.y0, line.y1) == (
        pytest.approx(66.0),
        pytest.approx(66.0),
        "y domain",
        0,
        1,
    )
    label = next(note for note in figure.layout.annotations if note.text == "Target 66 %")
    assert (label.x, label.yref, label.y, label.yanchor) == (pytest.approx(66.0), "y domain", 1, "bottom")


def test_the_funnel_draws_the_limits_it_is_given_as_percentages() -> None:
    # the chart computes nothing: the view hands it the target, the volumes and the limits as plain numbers
    given = FunnelLimits(
        p0=0.5,
        volumes=[10.0, 100.0],
        limits=(
            FunnelLimit(coverage=99.8, lower=[0.1, 0.3], upper=[0.9, 0.7]),
            FunnelLimit(coverage=95.0, lower=[0.2, 0.4], upper=[0.8, 0.6]),
        ),
    )
    figure = funnel_plot(areas(), TEXT, limits=given, volume_label="n", value_label="%", language="en")
    lines = [(trace.name, list(trace.x), list(trace.y), trace.line.dash) for trace in figure.data[:4]]
    assert lines == [
        ("99.8 %", [10.0, 100.0], pytest.approx([10.0, 30.0]), "dot"),
        ("99.8 %", [10.0, 100.0], pytest.approx([90.0, 70.0]), "dot"),
        ("95 %", [10.0, 100.0], pytest.approx([20.0, 40.0]), "dash"),
        ("95 %", [10.0, 100.0], pytest.approx([80.0, 60.0]), "dash"),
    ]
    assert figure.layout.shapes[0].y0 == pytest.approx(50.0)


def test_the_funnel_limits_are_spiegelhalters() -> None:
    figure = funnel_plot(areas(), TEXT, limits=funnel_limits_for(areas(), p0=0.65), volume_label="n", value_label="%")
    limit = next(trace for trace in figure.data if trace.name == "95 %")
    low, _ = funnel_limits(0.65, limit.x, z=Z95, method="exact")
    assert list(limit.y) == pytest.approx(list(low * 100))


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("fi", ["99,8 %", "95 %"]),  # decimal comma
        ("sv", ["99,8 %", "95 %"]),
        ("en", ["99.8 %", "95 %"]),  # decimal point
    ],
)
def test_the_funnel_legend_writes_its_limits_as_the_language_does(language: str, names: list[str]) -> None:
    figure = funnel_plot(
        areas(), TEXT, limits=funnel_limits_for(areas(), p0=0.65), volume_label="n", value_label="%", language=language
    )
    assert [trace.name for trace in figure.data if trace.showlegend] == names


def test_a_log_volume_axis_is_labelled_in_round_numbers() -> None:
    volumes = pl.DataFrame({"label": ["A", "B"], "value": [0.6, 0.7], "n": [150, 2400]})
    figure = funnel_plot(volumes, TEXT, limits=funnel_limits_for(volumes, p0=0.65), volume_label="n", value_label="%")
    assert figure.layout.xaxis.type == "log"
    assert list(figure.layout.xaxis.tickvals) == [100.0, 200.0, 500.0, 1000.0, 2000.0]
    assert list(figure.layout.xaxis.ticktext) == ["100", "200", "500", "1\u202f000", "2\u202f000"]


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Lappi", "Lappi"),
        ("Keski-Suomi", "Keski-<br>Suomi"),
        ("Pohjois-Pohjanmaa", "Pohjois-<br>Pohjanmaa"),
        ("Vantaa ja Kerava", "Vantaa ja<br>Kerava"),
    ],
)
def test_long_tile_labels_break_at_a_hyphen_or_space(name: str, shown: str) -> None:
    assert _wrap(name) == shown


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        # a word longer than a tile line is hyphenated at a syllable near its middle
        ("Kymenlaakso", "Kymen-<br>laakso"),
        ("Kymmenedalen", "Kymmene-<br>dalen"),
        ("Mellersta Österbotten", "Mellersta<br>Öster-<br>botten"),
        ("Päijänne-Tavastland", "Päijänne-<br>Tavast-<br>land"),
        # a hyphen the name has ends a line without counting
        ("Varsinais-Suomi", "Varsinais-<br>Suomi"),
    ],
)
def test_long_tile_words_are_hyphenated_between_syllables(name: str, shown: str) -> None:
    assert _wrap(name) == shown


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_area_name_fits_its_tile_in_every_language(language: str) -> None:
    from views.common import area_label

    for code in TILE_POSITIONS:
        name = area_label(code, language)
        lines = _wrap(name).split("<br>")
        assert all(len(line.rstrip("-")) <= 9 for line in lines), name
        assert len(lines) <= 3, name  # three lines and the value fit a tile's height
        kept = _wrap(name).replace("<br>", "").replace("-", "").replace(" ", "")
        assert kept == name.replace("-", "").replace(" ", ""), name  # no letter lost


@pytest.mark.parametrize(
    "title", ["Short", "A title long enough to take three lines in a half-width column of the page"]
)
def test_the_tile_map_keeps_its_tiles_height_whatever_the_frame(title: str) -> None:
    figure = tile_map(areas(), ChartText(title=title, subtitle="", caption="Source"))
    top, bottom = figure.layout.margin.t, figure.layout.margin.b
    assert figure.layout.height - top - bottom == 7 * TILE_HEIGHT  # seven rows of tiles
    assert figure.layout.yaxis.scaleanchor is None  # tiles fill the width instead of shrinking with it


def test_the_tile_maps_colour_bar_lies_under_the_map() -> None:
    bar = tile_map(areas(), TEXT, value_label="Days").data[1].marker.colorbar
    assert (bar.orientation, bar.y, bar.yanchor, bar.title.text, bar.title.side) == ("h", 0.0, "top", "Days", "top")


def test_reference_lines_are_labelled() -> None:
    figure = trend_chart(areas(), TEXT, references=[Reference(0.66, "Target 66 % by Q2/2024")])
    assert "Target 66 % by Q2/2024" in annotation_texts(figure)


def test_the_tile_map_places_all_22_areas() -> None:
    figure = tile_map(areas(), TEXT)
    assert len(figure.layout.shapes) == 22
    assert sum("–" in text for text in figure.data[0].text) == 20  # 19 areas without data and C, suppressed


def test_the_palette_is_okabe_ito() -> None:
    assert ranked_dot_plot(areas(), TEXT).layout.colorway == OKABE_ITO


def test_unframed_drops_title_and_source_but_keeps_the_chart() -> None:
    from charts.theme import unframed

    framed = trend_chart(areas(), TEXT, references=[Reference(0.66, "Target 66 %")])
    bare = unframed(framed)
    assert not bare.layout.title.text
    assert TEXT.caption not in " ".join(annotation_texts(bare))
    assert "Target 66 %" in annotation_texts(bare)  # reference labels belong to the chart, not to the frame
    assert len(bare.data) == len(framed.data)
    assert framed.layout.title.text  # the original is untouched


def test_retitle_changes_only_the_title_line_of_a_copy() -> None:
    from charts.theme import retitle

    figure = ranked_dot_plot(areas(), TEXT)
    renamed = retitle(figure, "Board slide 3")
    assert renamed.layout.title.text.startswith("<b>Board slide 3</b>")
    assert "All counties · Doctor · Higher is better" in renamed.layout.title.text
    assert "Access within 7 days" in figure.layout.title.text  # the original is untouched
    assert len(renamed.layout.annotations) == len(figure.layout.annotations)


def test_a_trend_line_keeps_its_colour_when_the_line_before_it_is_hidden() -> None:
    frame = pl.DataFrame(
        {
            "label": ["County", "County", "Whole country", "Whole country"],
            "period": ["2025Q1", "2025Q2", "2025Q1", "2025Q2"],
            "value": [None, None, 0.6, 0.62],
            "n": [None, None, 900, 950],
            "suppressed": [True, True, False, False],
        }
    )
    figure = trend_chart(frame, TEXT, band=False)
    assert [trace.name for trace in figure.data] == ["Whole country"]
    assert figure.data[0].line.color == OKABE_ITO[1]  # as beside a county whose line is shown


def test_scatter_labels_that_would_overlap_are_left_to_the_hover() -> None:
    # Two points almost on top of each other in the middle, two far apart at the corners.
    xs, ys = [50.0, 50.1, 0.0, 100.0], [0.5, 0.5, 0.0, 1.0]
    labels = ["Middle one", "Middle two", "Low", "High"]
    shown = readable_labels(xs, ys, labels)
    assert shown[2:] == ["Low", "High"]  # the corners have room
    assert sorted(label for label in shown[:2] if label) in (["Middle one"], ["Middle two"])  # one of the pair


def test_the_picked_area_is_always_labelled() -> None:
    xs, ys = [50.0, 50.1], [0.5, 0.5]
    assert readable_labels(xs, ys, ["Far", "Picked"], keep="Picked")[1] == "Picked"


@given(
    st.lists(
        st.tuples(st.floats(0, 100), st.floats(0, 1), st.sampled_from(["Lappi", "Pohjois-Pohjanmaa", "Kainuu", "A"])),
        min_size=1,
        max_size=25,
    )
)
def test_placed_scatter_labels_never_overlap(points: list[tuple[float, float, str]]) -> None:
    xs, ys, labels = (list(column) for column in zip(*points, strict=True))
    shown = readable_labels(xs, ys, labels)
    boxes = []
    width, height = LABEL_PLOT
    x_span, y_span = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    for x, y, label in zip(xs, ys, shown, strict=True):
        if label:
            share = (x - min(xs)) / x_span
            cx, cy = share * width, (y - min(ys)) / y_span * height
            wide = 6 * len(label) + 4
            # as drawn: leaning inwards in the outer tenth of each side, centred elsewhere
            left = cx - wide if share > 0.9 else cx if share < 0.1 else cx - wide / 2
            boxes.append((left, left + wide, cy + 6, cy + 20))
    for i, one in enumerate(boxes):
        for other in boxes[i + 1 :]:
            assert one[1] < other[0] or one[0] > other[1] or one[3] < other[2] or one[2] > other[3]
    assert any(shown)  # the first placed label always fits


# -- built from plain data


@pytest.mark.parametrize("build", BUILDS)
def test_every_chart_hands_plotly_plain_lists_not_arrays_or_columns(build) -> None:
    # Plotly keeps a list as a tuple and an array as an array; a polars column would arrive as an array.
    for trace in build().data:
        for name in ("x", "y", "text", "customdata"):
            value = getattr(trace, name, None)
            assert value is None or isinstance(value, str | tuple), (trace.type, name, type(value))


# -- funnel


def test_the_funnel_draws_the_national_share_as_a_thin_line_across_the_plot() -> None:
    figure = funnel_plot(areas(), TEXT, limits=funnel_limits_for(areas(), p0=0.65), volume_label="n", value_label="%")
    [line] = figure.layout.shapes
    assert (line.type, line.xref, line.x0, line.x1, line.yref) == ("line", "x domain", 0, 1, "y")
    assert (line.y0, line.y1) == (pytest.approx(65.0), pytest.approx(65.0))
    assert (line.line.color, line.line.width, line.line.dash) == (MUTED, 1, None)


def test_a_funnel_up_to_a_thousand_keeps_a_linear_volume_axis() -> None:
    volumes = pl.DataFrame({"label": ["A", "B"], "value": [0.6, 0.7], "n": [20, 833]})  # the axis ends at 1.2 × 833
    figure = funnel_plot(
        volumes, TEXT, limits=funnel_limits_for(volumes, p0=0.65), volume_label="Volume", value_label="Share"
    )
    assert figure.layout.xaxis.type is None
    assert figure.layout.xaxis.tickvals is None
    assert (figure.layout.xaxis.title.text, figure.layout.yaxis.title.text) == ("Volume", "Share")


def test_funnel_points_are_the_shown_areas_in_percent_with_the_picked_one_highlighted() -> None:
    figure = funnel_plot(
        areas(), TEXT, limits=funnel_limits_for(areas(), p0=0.65), volume_label="n", value_label="%", highlight="B"
    )
    points = figure.data[-1]
    assert list(points.text) == ["A", "B"]  # C is suppressed
    assert list(points.x) == [100, 1000]
    assert list(points.y) == pytest.approx([60.0, 70.0])
    assert list(points.marker.color) == [OKABE_ITO[0], HIGHLIGHT]


def test_a_funnel_point_whose_volume_is_unknown_keeps_a_null_volume() -> None:
    frame = pl.DataFrame({"label": ["A", "B"], "value": [0.6, 0.7], "n": [150, None]})
    figure = funnel_plot(frame, TEXT, limits=funnel_limits_for(frame, p0=0.65), volume_label="n", value_label="%")
    assert list(figure.data[-1].x) == [150, None]


def test_a_funnel_with_nothing_shown_still_draws_its_limits_and_national_line() -> None:
    hidden = areas().with_columns(suppressed=pl.lit(True))
    figure = funnel_plot(hidden, TEXT, limits=funnel_limits_for(hidden, p0=0.65), volume_label="n", value_label="%")
    assert [len(trace.x) for trace in figure.data[:4]] == [len(figure.data[0].x)] * 4
    assert len(figure.data[0].x) > 0
    assert len(figure.data[-1].x) == 0
    assert len(figure.layout.shapes) == 1


# -- access against continuity


def test_the_scatter_draws_quadrant_lines_at_the_national_values() -> None:
    figure = access_continuity_scatter(scatter(), TEXT, x_label="x", y_label="y", x_reference=0.6, y_reference=0.4)
    vertical, horizontal = figure.layout.shapes
    assert (vertical.xref, vertical.x0, vertical.x1, vertical.yref, vertical.y0, vertical.y1) == (
        "x",
        pytest.approx(60.0),  # the access axis is in percent
        pytest.approx(60.0),
        "y domain",
        0,
        1,
    )
    assert (horizontal.xref, horizontal.x0, horizontal.x1, horizontal.yref, horizontal.y0, horizontal.y1) == (
        "x domain",
        0,
        1,
        "y",
        0.4,
        0.4,
    )
    assert {(line.line.color, line.line.dash, line.line.width) for line in figure.layout.shapes} == {(MUTED, "dash", 1)}


@pytest.mark.parametrize(
    ("x_reference", "y_reference", "lines"),
    [
        (None, None, []),  # no national values: no quadrants
        (0.6, None, [("x", 60.0)]),
        (None, 0.4, [("y", 0.4)]),
        (12.0, 0.4, [("x", 12.0), ("y", 0.4)]),  # an access axis in days is not scaled
    ],
)
def test_the_scatter_draws_only_the_quadrant_lines_it_has_values_for(x_reference, y_reference, lines) -> None:
    figure = access_continuity_scatter(
        scatter(),
        TEXT,
        x_label="x",
        y_label="y",
        x_reference=x_reference,
        y_reference=y_reference,
        x_percent=x_reference != 12.0,
    )
    drawn = [("x", line.x0) if line.xref == "x" else ("y", line.y0) for line in figure.layout.shapes]
    assert drawn == [(axis, pytest.approx(value)) for axis, value in lines]


def test_the_scatter_puts_each_area_at_its_latest_shown_year() -> None:
    figure = access_continuity_scatter(scatter(), TEXT, x_label="x", y_label="y", x_reference=None, y_reference=None)
    points = figure.data[-1]
    drawn = {label: (period, x, y) for (label, period), x, y in zip(points.customdata, points.x, points.y, strict=True)}
    assert drawn == {
        "A": ("2025", pytest.approx(62.0), pytest.approx(0.33)),
        "B": ("2025", pytest.approx(71.0), pytest.approx(0.45)),
        "C": ("2025", pytest.approx(50.0), pytest.approx(0.2)),
    }


def test_the_picked_areas_path_is_labelled_with_its_years_but_the_latest() -> None:
    figure = access_continuity_scatter(
        scatter(), TEXT, x_label="x", y_label="y", x_reference=None, y_reference=None, highlight="B"
    )
    [path, points] = figure.data
    assert list(path.x) == pytest.approx([66.0, 71.0])  # the hidden 2024 is left out
    assert list(path.text) == ["2023", ""]
    assert path.line.color == HIGHLIGHT
    colours = dict(zip((label for label, _ in points.customdata), points.marker.color, strict=True))
    assert colours == {"A": OKABE_ITO[0], "B": HIGHLIGHT, "C": OKABE_ITO[0]}


def test_unpicked_paths_are_faint_and_unlabelled() -> None:
    figure = access_continuity_scatter(scatter(), TEXT, x_label="x", y_label="y", x_reference=None, y_reference=None)
    paths = figure.data[:-1]
    assert len(paths) == 2  # C has one year: no path
    assert all(path.text is None and path.mode == "lines" for path in paths)
    assert {path.line.color for path in paths} == {TRAIL}


def test_the_scatters_axes_leave_room_around_every_path_so_none_runs_into_an_edge() -> None:
    figure = access_continuity_scatter(scatter(), TEXT, x_label="x", y_label="y", x_reference=None, y_reference=None)
    # x from 50 (C) to 71 (B) in percent, y from 0.2 to 0.45 (hidden cells included in neither)
    assert list(figure.layout.xaxis.range) == pytest.approx([50 - 21 / 20, 71 + 21 / 20])
    assert list(figure.layout.yaxis.range) == pytest.approx([0.2 - 0.25 * 0.05, 0.45 + 0.25 * 0.12])  # labels above


@pytest.mark.parametrize(
    "frame",
    [
        scatter().head(0),  # no rows
        scatter().with_columns(x=pl.lit(None, pl.Float64)),  # no access value anywhere
        scatter().with_columns(suppressed=pl.lit(True)),  # every cell hidden
    ],
)
def test_a_scatter_with_nothing_to_show_draws_empty_axes_with_its_lines(frame: pl.DataFrame) -> None:
    figure = access_continuity_scatter(frame, TEXT, x_label="x", y_label="y", x_reference=0.6, y_reference=0.4)
    [points] = figure.data
    assert (len(points.x), len(points.y), len(points.text)) == (0, 0, 0)
    assert len(figure.layout.shapes) == 2


# -- bars


def test_share_bars_are_stacked_in_percent_and_keep_an_unknown_share_null() -> None:
    frame = pl.DataFrame({"label": ["P", "Q"], "a": [0.25, None], "b": [0.75, None], "n": [40, None]})
    figure = share_bars(frame, TEXT, parts=[("a", "A", "#000"), ("b", "B", "#111")], value_label="%")
    assert (figure.layout.barmode, figure.layout.legend.traceorder) == ("stack", "normal")
    assert [list(trace.x) for trace in figure.data] == [[25.0, None], [75.0, None]]
    assert list(figure.data[0].customdata) == [40, None]
    assert list(figure.layout.xaxis.range) == [0, 100]


def test_share_bars_of_an_empty_frame_draw_empty_bars_at_the_least_height() -> None:
    frame = pl.DataFrame({"label": [], "a": [], "n": []}, schema={"label": pl.String, "a": pl.Float64, "n": pl.Int64})
    figure = share_bars(frame, TEXT, parts=[("a", "A", "#000")], value_label="%")
    assert len(figure.data[0].x) == 0
    assert figure.layout.height == 360


@pytest.mark.parametrize(
    "values",
    [
        pl.Series([], dtype=pl.Float64),  # no patients
        pl.Series([None, None], dtype=pl.Float64),  # no index computable
    ],
)
def test_a_histogram_of_no_values_has_every_bin_at_zero(values: pl.Series) -> None:
    figure = histogram(values, TEXT, value_label="COC", count_label="patients", bins=4)
    assert list(figure.data[0].x) == pytest.approx([0.125, 0.375, 0.625, 0.875])
    assert list(figure.data[0].y) == [0, 0, 0, 0]
    assert figure.data[0].width == pytest.approx(0.25 * 0.95)


def test_a_grouped_bars_reference_is_a_vertical_line_labelled_inside_its_top_right() -> None:
    figure = grouped_bars(units(), TEXT, value_label="days", references=[Reference(14, "Legal limit", kind="legal")])
    [line] = figure.layout.shapes
    assert (line.xref, line.x0, line.x1, line.yref, line.y0, line.y1) == ("x", 14, 14, "y domain", 0, 1)
    assert (line.line.color, line.line.dash) == (LEGAL, "dash")
    label = next(note for note in figure.layout.annotations if note.text == "Legal limit")
    assert (label.x, label.yref, label.y, label.xanchor, label.yanchor, label.showarrow) == (
        14,
        "y domain",
        1,
        "left",
        "top",
        False,
    )


def test_grouped_bars_draw_one_colour_per_group_without_hidden_cells() -> None:
    figure = grouped_bars(units(), TEXT, value_label="days")
    assert [(trace.name, list(trace.y), list(trace.x)) for trace in figure.data] == [
        ("Doctor", ["U1", "U2"], [30.0, 25.0]),
        ("Nurse", ["U1"], [20.0]),
    ]
    assert [trace.marker.color for trace in figure.data] == [OKABE_ITO[0], OKABE_ITO[1]]
    assert figure.layout.yaxis.categoryorder == "category descending"


def test_grouped_bars_of_an_empty_frame_keep_their_reference_at_the_least_height() -> None:
    figure = grouped_bars(units().head(0), TEXT, value_label="days", references=[Reference(14, "Legal limit")])
    assert figure.data == ()
    assert len(figure.layout.shapes) == 1
    assert figure.layout.height == 380


def test_binned_bars_leave_hidden_bins_out_and_show_each_bins_bounds_on_hover() -> None:
    figure = binned_bars(bins(), TEXT, value_label="COC", count_label="patients")
    bars = figure.data[0]
    assert list(bars.x) == pytest.approx([0.1, 0.5, 0.7])
    assert list(bars.y) == [12, 30, 25]
    assert [list(row) for row in bars.customdata] == [
        pytest.approx([0.0, 0.2]),
        pytest.approx([0.4, 0.6]),
        pytest.approx([0.6, 0.8]),
    ]
    assert bars.width == pytest.approx(0.2 * 0.95)  # the narrowest bin of the whole frame, hidden ones included


def test_a_bin_whose_count_is_unknown_keeps_a_null_count() -> None:
    frame = bins().with_columns(suppressed=pl.lit(False))
    figure = binned_bars(frame, TEXT, value_label="COC", count_label="patients")
    assert list(figure.data[0].y) == [12, None, 30, 25, None]


# -- trend lines: colours by role, labels clear of the lines, readable time axis


def quarterly(values: dict[str, list[float]], start: int = 2023) -> pl.DataFrame:
    """One row per label and quarter from ``start``'s first quarter on, 100 visits each."""
    rows = [
        (label, f"{start + index // 4}Q{index % 4 + 1}", value, 100, False)
        for label, series in values.items()
        for index, value in enumerate(series)
    ]
    return pl.DataFrame(rows, schema=["label", "period", "value", "n", "suppressed"], orient="row")


def test_a_trend_line_takes_the_colour_given_for_its_label_whatever_the_label_order() -> None:
    frame = quarterly({"Aa others": [0.5, 0.6], "Zz participants": [0.55, 0.65]})
    figure = trend_chart(frame, TEXT, band=False, colours={"Zz participants": OKABE_ITO[0], "Aa others": OKABE_ITO[1]})
    assert {trace.name: trace.line.color for trace in figure.data} == {
        "Zz participants": OKABE_ITO[0],
        "Aa others": OKABE_ITO[1],
    }


def test_a_start_marker_is_labelled_inside_the_top_of_the_plot_not_beside_the_legend() -> None:
    frame = quarterly({"A": [0.5, 0.6, 0.7, 0.8]})
    figure = trend_chart(frame, TEXT, band=False, markers=[("2023Q3", "Start: Päijänne-Tavastland")])
    label = next(note for note in figure.layout.annotations if note.text.startswith("Start"))
    assert (label.yref, label.y, label.yanchor, label.xanchor) == ("y domain", 1.0, "top", "left")
    low, high = figure.layout.yaxis.range
    assert high > 80 + 0.1 * (80 - 50)  # head room above the highest value for the label to sit in
    assert low < 50


@pytest.mark.parametrize(
    ("series", "x", "xanchor", "yanchor"),
    [
        # the lines end well below the limit: its label sits at the right end, above the line
        ({"County": [15, 14, 11, 10, 9, 8, 8, 7.5], "Country": [15, 15, 14, 12, 11, 11, 10, 10]}, 1, "right", "bottom"),
        # the lines end just above it: below the line at the right end
        ({"County": [8, 8, 8, 8, 8, 14.3, 14.3, 14.3]}, 1, "right", "top"),
        # above and below it at the right end, clear at the left: the left end, above
        (
            {"County": [8, 8, 8, 10, 12, 14.5, 14.5, 14.5], "Country": [8, 8, 8, 9, 11, 13.5, 13.5, 13.5]},
            0,
            "left",
            "bottom",
        ),
    ],
)
def test_a_reference_label_is_placed_where_no_line_runs(series, x, xanchor, yanchor) -> None:
    figure = trend_chart(
        quarterly(series),
        TEXT,
        percent=False,
        band=False,
        references=[Reference(14, "Care guarantee 14 days", "legal")],
    )
    label = next(note for note in figure.layout.annotations if note.text == "Care guarantee 14 days")
    assert (label.xref, label.x, label.xanchor, label.yref, label.y, label.yanchor) == (
        "x domain",
        x,
        xanchor,
        "y",
        14,
        yanchor,
    )


@pytest.mark.parametrize(
    ("periods", "ticks", "texts"),
    [
        # three years of quarters: each year named once, at its first quarter
        (
            [f"{year}Q{q}" for year in (2023, 2024, 2025) for q in (1, 2, 3, 4)],
            ["2023Q1", "2024Q1", "2025Q1"],
            ["2023", "2024", "2025"],
        ),
        # a series starting mid-year names that quarter
        (["2023Q3", "2023Q4", "2024Q1", "2024Q2", "2024Q3"], ["2023Q3", "2024Q1"], ["Q3/2023", "2024"]),
        # four quarters or fewer: each one named
        (["2025Q1", "2025Q2"], ["2025Q1", "2025Q2"], ["Q1/2025", "Q2/2025"]),
    ],
)
def test_a_quarterly_time_axis_is_labelled_horizontally_and_sparingly(periods, ticks, texts) -> None:
    frame = pl.DataFrame(
        {"label": ["A"] * len(periods), "period": periods, "value": [0.5] * len(periods), "n": [10] * len(periods)}
    )
    axis = trend_chart(frame, TEXT, band=False).layout.xaxis
    assert (list(axis.tickvals), list(axis.ticktext), axis.tickangle) == (ticks, texts, 0)
    assert axis.categoryorder == "category ascending"


# -- the text frame fits the chart's width


LONG = ChartText(
    title="Kiireettömät käynnit 7 vrk:n kuluessa hoidon tarpeen arvioinnista alueittain",
    subtitle="Kaikki alueet · 2025 · Ammattiryhmä: Kaikki",
    caption="Lähde: synteettinen esimerkkiaineisto (ei todellisia henkilöitä) · Lisenssi CC BY 4.0",
    direction="Suurempi arvo on parempi",
    badge="Synteettinen esimerkkiaineisto – ei todellisia rekisteritietoja",
)


def frame_lines(figure) -> tuple[list[str], list[str]]:
    """The title block's lines and the footer's lines, tags removed."""
    import re

    plain = re.sub(r"<(?!br>)[^>]*>", "", figure.layout.title.text)
    footer = next(note.text for note in figure.layout.annotations if note.name == "frame_footer")
    return plain.split("<br>"), footer.split("<br>")


def test_a_half_width_charts_text_is_broken_to_fit_about_360_pixels() -> None:
    title_block, footer = frame_lines(ranked_dot_plot(areas(), LONG))
    title_lines = [line for line in title_block if line in LONG.title]
    assert " ".join(title_lines) == LONG.title
    assert all(len(line) <= 44 for line in title_lines)  # 15-pixel bold
    assert all(len(line) <= 60 for line in title_block)  # subtitle and badge at 12 pixels
    assert all(len(line) <= 56 for line in footer)  # 11-pixel footer
    assert len(title_lines) == 2  # a 78-character title on two lines, not three


def test_a_full_width_chart_breaks_its_text_into_longer_lines() -> None:
    title_block, footer = frame_lines(small_multiples(quarterly({"A": [0.5, 0.6]}), LONG))
    assert title_block[:2] == ["Kiireettömät käynnit 7 vrk:n kuluessa hoidon tarpeen arvioinnista", "alueittain"]
    assert "⚠ " + LONG.badge in title_block
    assert footer == [LONG.caption]  # the source on one line


def test_the_footer_starts_under_the_title_not_at_the_plots_left_edge() -> None:
    footer = next(note for note in ranked_dot_plot(areas(), LONG).layout.annotations if note.name == "frame_footer")
    assert (footer.xref, footer.x, footer.xshift) == ("paper", 0.0, 6 - 70)


@pytest.mark.parametrize(
    ("parts", "shown"),
    [
        # everything fits: one line
        (["All counties", "2025", "Higher is better"], "All counties · 2025 · Higher is better"),
        # lines break between filters, never inside one that fits a line
        (
            ["All counties", "2025", "Profession: All", "Higher is better"],
            "All counties · 2025 · Profession: All<br>Higher is better",
        ),
        # a filter longer than a line is broken between words
        (
            ["All counties", "a filter whose name alone is longer than one line of text"],
            "All counties<br>a filter whose name alone is longer than one<br>line of text",
        ),
    ],
)
def test_a_subtitle_breaks_between_its_filters(parts: list[str], shown: str) -> None:
    from charts.theme import wrap_parts

    assert wrap_parts(parts, 48) == shown  # 48 characters a line


# -- counts on axes


@pytest.mark.parametrize(
    ("build", "axis"),
    [
        (lambda: histogram(pl.Series([0.1, 0.5]), TEXT, value_label="COC", count_label="patients"), "yaxis"),
        (lambda: binned_bars(bins(), TEXT, value_label="COC", count_label="patients"), "yaxis"),
        (
            lambda: funnel_plot(
                areas(), TEXT, limits=funnel_limits_for(areas(), p0=0.65), volume_label="visits", value_label="%"
            ),
            "xaxis",
        ),
    ],
)
def test_count_axes_separate_thousands_as_the_language_does(build, axis: str) -> None:
    figure = build()
    assert figure.layout[axis].separatethousands is True  # '3 000' like '10 000', not '3000'
    assert figure.layout.separators == TEXT.separators


@pytest.mark.parametrize(("language", "ten_thousand"), [("fi", "10\u202f000"), ("sv", "10\u202f000"), ("en", "10,000")])
def test_the_funnels_log_axis_writes_its_ticks_as_the_language_does(language: str, ten_thousand: str) -> None:
    large = areas().with_columns(n=pl.Series([2_000, 30_000, None]))
    figure = funnel_plot(
        large, TEXT, limits=funnel_limits_for(large, p0=0.65), volume_label="n", value_label="%", language=language
    )
    assert figure.layout.xaxis.type == "log"
    assert ten_thousand in figure.layout.xaxis.ticktext


# -- small multiples


def panels() -> pl.DataFrame:
    """Eight areas with long names over three years of quarters."""
    names = [f"Egentliga Area {index}" for index in range(8)]
    return quarterly({name: [0.5 + 0.01 * quarter for quarter in range(12)] for name in names})


def test_small_multiples_name_the_years_under_the_panels_with_none_below() -> None:
    figure = small_multiples(panels(), TEXT, columns=6)  # six above, two below
    shown = [figure.layout[f"xaxis{index + 1 if index else ''}"].showticklabels for index in range(8)]
    assert shown == [False, False, True, True, True, True, True, True]
    axis = figure.layout.xaxis3
    assert list(axis.tickvals) == ["2023Q1", "2024Q1", "2025Q1"]
    assert list(axis.ticktext) == ["2023", "", "2025"]  # the first and the last year: a panel is narrow


def test_small_multiples_write_the_unit_once_down_the_left() -> None:
    figure = small_multiples(panels(), TEXT, value_label="Share (%)")
    [unit] = [note for note in figure.layout.annotations if note.text == "Share (%)"]
    assert (unit.textangle, unit.x, unit.y) == (-90, 0.0, 0.5)


def test_small_multiples_break_long_panel_titles_to_fit_a_narrow_panel() -> None:
    figure = small_multiples(quarterly({"Egentliga Tavastland": [0.5, 0.6], "Lappi": [0.5, 0.6]}), TEXT)
    titles = [note.text for note in figure.layout.annotations if note.name != "frame_footer"]
    assert titles == ["Egentliga<br>Tavastland", "Lappi"]


def test_scatter_labels_at_the_sides_lean_inwards_so_they_are_not_cut() -> None:
    figure = access_continuity_scatter(scatter(), TEXT, x_label="x", y_label="y", x_reference=None, y_reference=None)
    points = figure.data[-1]
    positions = dict(zip((label for label, _ in points.customdata), points.textposition, strict=True))
    assert positions == {"A": "top center", "B": "top left", "C": "top right"}  # B rightmost, C leftmost


def test_a_chart_grows_by_its_frames_extra_lines_so_the_plot_keeps_its_height() -> None:
    short, long = (
        histogram(pl.Series([0.5]), TEXT, value_label="COC", count_label="n"),
        histogram(pl.Series([0.5]), LONG, value_label="COC", count_label="n"),
    )
    plot = [figure.layout.height - figure.layout.margin.t - figure.layout.margin.b for figure in (short, long)]
    assert short.layout.height == 480
    assert long.layout.height > 480
    assert plot[1] == plot[0]  # LONG's title, subtitle and badge take more lines, its footer one more


# -- comparison with the country, the chosen area and the national line --------------------------------------


def compared() -> pl.DataFrame:
    """A better, B worse, C hidden: as :func:`views.benchmark.with_comparison` leaves them."""
    return areas().with_columns(comparison=pl.Series(["better", "worse", "no_data"]))


WORDS = {"better": "Better", "similar": "Similar", "worse": "Worse"}


def key_lines(figure) -> list[str]:
    """The lines of a chart's key (drawn as text above the plot)."""
    [key] = [note for note in figure.layout.annotations if note.name == LEGEND]
    return key.text.split("<br>")


def test_a_charts_key_grows_the_top_margin_by_its_lines_beyond_the_first_two() -> None:
    keyed = ranked_dot_plot(compared(), TEXT, legend=WORDS, highlight="A", highlight_label="Chosen: A")
    assert len(key_lines(keyed)) == 3
    assert keyed.layout.margin.t - ranked_dot_plot(areas(), TEXT).layout.margin.t == 3 * LEGEND_ROW - 30


def test_a_dot_plot_with_comparisons_has_one_trace_per_comparison_in_its_colour_and_words() -> None:
    figure = ranked_dot_plot(compared(), TEXT, legend=WORDS)
    drawn = [(trace.name, trace.marker.color, list(trace.y)) for trace in figure.data]
    assert drawn == [("Better", COMPARISON_COLOURS["better"], ["A"]), ("Worse", COMPARISON_COLOURS["worse"], ["B"])]
    assert list(figure.layout.yaxis.categoryarray) == ["A", "B"]  # the ranking's order across traces


def test_the_chosen_area_keeps_its_comparison_colour_inside_the_highlights_ring_with_a_legend_entry() -> None:
    figure = ranked_dot_plot(compared(), TEXT, legend=WORDS, highlight="B", highlight_label="Chosen: B")
    worse = next(trace for trace in figure.data if trace.name == "Worse")
    assert worse.marker.color == COMPARISON_COLOURS["worse"]
    assert (worse.marker.line.color[0], worse.marker.line.width[0]) == (HIGHLIGHT, HIGHLIGHT_WIDTH)
    assert key_lines(figure)[-1] == legend_entry("Chosen: B", HIGHLIGHT, symbol="○")
    assert list(figure.layout.yaxis.ticktext) == ["A", "<b>B</b>"]


def test_a_dot_plot_without_comparisons_keeps_one_trace_and_fills_the_chosen_dot_with_the_highlight() -> None:
    figure = ranked_dot_plot(areas(), TEXT, highlight="B")
    assert len(figure.data) == 1
    assert list(figure.data[0].marker.color) == [OKABE_ITO[0], HIGHLIGHT]


def test_the_national_value_is_a_solid_line_labelled_in_a_row_under_the_last_area() -> None:
    figure = ranked_dot_plot(areas(), TEXT, national=Reference(0.65, "Country<br>65.0 %", kind="national"))
    [line] = figure.layout.shapes
    assert (line.x0, line.x1, line.line.color, line.line.dash) == (
        pytest.approx(65.0),
        pytest.approx(65.0),
        NATIONAL,
        None,
    )
    [label] = [note for note in figure.layout.annotations if "Country" in note.text]
    # A (60 %) is the last row, at 0; the label's row is under it, at −1, in two lines
    assert (label.text, label.yref, label.y) == ("<b>Country<br>65.0 %</b>", "y", -1)
    assert list(figure.layout.yaxis.range) == pytest.approx([-1.7, 1.6])


@pytest.mark.parametrize(
    ("national", "anchor"),
    [(0.51, "left"), (0.65, "center"), (0.74, "right")],  # the axis runs from 49,5 to 75,5 %
)
def test_the_national_label_stays_inside_the_plot_near_its_edges(national: float, anchor: str) -> None:
    figure = ranked_dot_plot(areas(), TEXT, national=Reference(national, "Country", kind="national"))
    [label] = [note for note in figure.layout.annotations if "Country" in note.text]
    assert label.xanchor == anchor


def test_a_dot_plot_without_intervals_draws_no_whiskers() -> None:
    frame = areas().with_columns(ci_low=pl.lit(None, pl.Float64), ci_high=pl.lit(None, pl.Float64))
    assert ranked_dot_plot(frame, TEXT).data[0].error_x.visible is False


def test_a_tile_map_with_comparisons_fills_tiles_by_comparison_with_a_legend_and_no_colour_bar() -> None:
    figure = tile_map(compared(), TEXT, legend=WORDS)
    fills = [shape.fillcolor for shape in figure.layout.shapes]
    positions = list(TILE_POSITIONS)
    assert fills[positions.index("01")] == COMPARISON_COLOURS["better"]
    assert fills[positions.index("02")] == COMPARISON_COLOURS["worse"]
    assert fills[positions.index("03")] == COMPARISON_COLOURS["no_data"]
    assert key_lines(figure) == [
        legend_entry("Better", COMPARISON_COLOURS["better"], symbol="■"),
        legend_entry("Worse", COMPARISON_COLOURS["worse"], symbol="■"),
    ]
    assert len(figure.data) == 1  # no colour bar


def test_a_tile_map_without_comparisons_is_coloured_by_value_on_a_colour_bar() -> None:
    figure = tile_map(areas().with_columns(comparison=pl.lit("no_interval")), TEXT)
    assert figure.data[1].marker.showscale
    assert figure.layout.shapes[list(TILE_POSITIONS).index("01")].fillcolor != COMPARISON_COLOURS["no_interval"]


@pytest.mark.parametrize("frame", [areas, compared], ids=["by value", "by comparison"])
def test_the_chosen_area_is_outlined_in_the_highlight_on_the_tile_map_with_a_legend_entry(frame) -> None:
    figure = tile_map(frame(), TEXT, legend=WORDS, highlight="A", highlight_label="Chosen: A")
    outlined = [index for index, shape in enumerate(figure.layout.shapes) if shape.line.width]
    assert outlined == [list(TILE_POSITIONS).index("01")]
    assert figure.layout.shapes[outlined[0]].line.color == HIGHLIGHT
    assert key_lines(figure)[-1] == legend_entry("Chosen: A", HIGHLIGHT, symbol="□")


def test_a_dot_plots_value_axis_spans_the_intervals_and_the_lines_whatever_the_charts_width() -> None:
    figure = ranked_dot_plot(
        areas(), TEXT, references=[Reference(0.8, "Target 80 %")], national=Reference(0.55, "Country")
    )
    # from the lowest end (A's 50 %) to the target's 80 %, and 30/20 = 1,5 points either side
    assert list(figure.layout.xaxis.range) == pytest.approx([48.5, 81.5])


def test_a_slide_keeps_the_charts_key_with_room_for_it() -> None:
    from charts.theme import unframed

    figure = unframed(ranked_dot_plot(compared(), TEXT, legend=WORDS))
    assert len(key_lines(figure)) == 2
    assert figure.layout.margin.t == 40 + 2 * LEGEND_ROW


def test_a_title_breaks_only_at_ordinary_spaces_never_inside_a_number() -> None:
    """'1 476,9' is written with no-break spaces (thousands group, unit): a line break there splits the number."""
    title = "Ylihajonta huomioitu: φ\u00a0=\u00a01\u00a0476,9 ja rajat levennetty sen mukaan"
    lines = wrap_title(title, 24).split("<br>")
    assert any("φ\u00a0=\u00a01\u00a0476,9" in line for line in lines)
    assert all(len(line) <= 24 or "\u00a0" in line for line in lines)
