"""Chart images: full-HD PNGs and SVGs with the words the page shows, from one kept-open browser."""

from __future__ import annotations

import re
import struct
import time

import polars as pl
import pytest

from charts.builders import histogram, ranked_dot_plot, trend_chart
from exports.errors import BrowserUnavailableError, ExportError
from exports.frame_width import for_export
from exports.images import EXPORT_WIDTH, ImageRenderer, export_size, find_browser
from tests.exports.frames import TEXT, areas, trend


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


# -- without a browser


def test_missing_browser_is_a_clear_typed_error() -> None:
    renderer = ImageRenderer(browser_path="/nonexistent/chromium")
    with pytest.raises(BrowserUnavailableError, match="no Chromium found"):
        renderer.render(trend_chart(trend(), TEXT))
    assert not renderer.running


def test_a_named_browser_that_is_not_there_is_not_replaced_by_another() -> None:
    assert find_browser("/nonexistent/chromium") is None


def test_export_size_keeps_the_figures_height() -> None:
    figure = ranked_dot_plot(areas(), TEXT)
    assert export_size(figure) == (EXPORT_WIDTH, figure.layout.height)


# -- with a browser


@pytest.mark.browser
def test_png_is_at_least_1920_pixels_wide(renderer: ImageRenderer) -> None:
    figure = trend_chart(trend(), TEXT)
    width, height = png_size(renderer.render(figure))
    assert width >= 1920
    assert height == 2 * for_export(figure).layout.height  # the frame's text broken for the image's width


@pytest.mark.browser
def test_svg_carries_title_subtitle_caption_badge_and_suppression_note(renderer: ImageRenderer) -> None:
    svg = renderer.render(ranked_dot_plot(areas(), TEXT), image_format="svg").decode("utf-8")
    assert svg.startswith("<svg")
    # The text as read: a half-width frame breaks long lines, so the SVG's lines are joined by spaces.
    shown = " ".join(re.sub(r"<[^>]+>", " ", svg).split())
    for words in (
        TEXT.title,
        TEXT.subtitle,
        TEXT.direction,
        "Source: THL · Licence: CC BY 4.0",
        TEXT.badge,
        TEXT.suppression_note,
    ):
        assert words in shown, words


@pytest.mark.browser
def test_suppressed_area_is_absent_from_the_image_and_the_note_says_so(renderer: ImageRenderer) -> None:
    svg = renderer.render(ranked_dot_plot(areas(), TEXT), image_format="svg").decode("utf-8")
    assert "Pohjois-Savo" in svg
    assert "Ahvenanmaa" not in svg
    assert "1 cell hidden" in svg


@pytest.mark.browser
def test_finnish_and_swedish_letters_survive(renderer: ImageRenderer) -> None:
    frame = pl.DataFrame({"label": ["Länsi-Uusimaa", "Åland"], "value": [0.5, 0.6], "ci_low": [0.4, 0.5]})
    frame = frame.with_columns(ci_high=pl.col("value") + 0.1, n=pl.lit(100), suppressed=pl.lit(False))
    svg = renderer.render(ranked_dot_plot(frame, TEXT), image_format="svg").decode("utf-8")
    assert "Länsi-Uusimaa" in svg
    assert "Åland" in svg


@pytest.mark.browser
def test_several_images_render_at_once_in_order(renderer: ImageRenderer) -> None:
    figures = [
        trend_chart(trend(), TEXT),
        histogram(pl.Series([0.2, 0.4]), TEXT, value_label="COC", count_label="patients"),
    ]
    svgs = renderer.render_many(figures, image_format="svg")
    assert [b"<svg" in svg for svg in svgs] == [True, True]
    assert b"patients" in svgs[1]
    assert b"patients" not in svgs[0]


@pytest.mark.browser
def test_the_browser_stays_open_and_later_images_are_fast(renderer: ImageRenderer) -> None:
    figure = trend_chart(trend(), TEXT)
    renderer.render(figure)
    started = time.perf_counter()
    renderer.render(figure)
    assert time.perf_counter() - started < 2.0  # about 0.2 s; generous for a busy CI machine
    assert renderer.running


@pytest.mark.browser
@pytest.mark.slow
def test_a_closed_renderer_starts_again_on_the_next_image(chromium: str) -> None:
    renderer = ImageRenderer(browser_path=chromium)
    try:
        renderer.start()
        renderer.close()
        assert not renderer.running
        assert png_size(renderer.render(trend_chart(trend(), TEXT)))[0] >= 1920
    finally:
        renderer.close()


@pytest.mark.browser
def test_a_browser_started_in_the_background_serves_the_first_image(chromium: str) -> None:
    renderer = ImageRenderer(browser_path=chromium)
    try:
        renderer.start_in_background()
        assert png_size(renderer.render(trend_chart(trend(), TEXT)))[0] >= 1920
    finally:
        renderer.close()


@pytest.mark.browser
def test_a_figure_the_browser_cannot_draw_is_an_export_error(renderer: ImageRenderer) -> None:
    class Broken:
        layout = type("Layout", (), {"height": 400})()

        def to_dict(self) -> dict[str, object]:
            return {"data": "not a list", "layout": {}}

    with pytest.raises(ExportError):
        renderer.render(Broken())
    assert renderer.running
