"""Chart builders put the text frame on every figure and never draw a suppressed cell."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from charts.builders import (
    Reference,
    _wrap,
    funnel_plot,
    histogram,
    ranked_dot_plot,
    readable_labels,
    share_bars,
    tile_map,
    trend_chart,
)
from charts.theme import OKABE_ITO, ChartText
from metrics.stats import Z95, funnel_limits

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


def annotation_texts(figure) -> str:
    return " ".join(annotation.text for annotation in figure.layout.annotations)


@pytest.mark.parametrize(
    "build",
    [
        lambda: ranked_dot_plot(areas(), TEXT),
        lambda: funnel_plot(areas(), TEXT, p0=0.65, volume_label="n", value_label="%"),
        lambda: trend_chart(areas(), TEXT),
        lambda: share_bars(
            areas().with_columns(a=pl.lit(0.5), b=pl.lit(0.5)),
            TEXT,
            parts=[("a", "A", "#000"), ("b", "B", "#111")],
            value_label="%",
        ),
        lambda: histogram(pl.Series([0.1, 0.5, 0.9]), TEXT, value_label="COC", count_label="patients"),
        lambda: tile_map(areas(), TEXT),
    ],
)
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


def test_the_funnel_limits_are_spiegelhalters() -> None:
    figure = funnel_plot(areas(), TEXT, p0=0.65, volume_label="n", value_label="%")
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
    figure = funnel_plot(areas(), TEXT, p0=0.65, volume_label="n", value_label="%", language=language)
    assert [trace.name for trace in figure.data if trace.showlegend] == names


def test_a_log_volume_axis_is_labelled_in_round_numbers() -> None:
    volumes = pl.DataFrame({"label": ["A", "B"], "value": [0.6, 0.7], "n": [150, 2400]})
    figure = funnel_plot(volumes, TEXT, p0=0.65, volume_label="n", value_label="%")
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
    x_span, y_span = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    for x, y, label in zip(xs, ys, shown, strict=True):
        if label:
            cx, cy = (x - min(xs)) / x_span * 900, (y - min(ys)) / y_span * 330
            boxes.append((cx - 3 * len(label) - 2, cx + 3 * len(label) + 2, cy + 6, cy + 20))
    for i, one in enumerate(boxes):
        for other in boxes[i + 1 :]:
            assert one[1] < other[0] or one[0] > other[1] or one[3] < other[2] or one[2] > other[3]
    assert any(shown)  # the first placed label always fits
