"""The cards' sparkline is an image with a text alternative (Streamlit's own has none), drawn within its box."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

from ui.render import SPARKLINE_HEIGHT, SPARKLINE_WIDTH, sparkline_img, sparkline_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_the_sparkline_is_an_image_named_by_its_values() -> None:
    svg = ET.fromstring(sparkline_svg([60.0, 68.5, 71.0], "2023: 60,0 % · 2024: 68,5 % · 2025: 71,0 %"))
    assert svg.get("role") == "img"
    assert svg.get("aria-label") == "2023: 60,0 % · 2024: 68,5 % · 2025: 71,0 %"
    assert svg.find(f"{SVG}title").text == svg.get("aria-label")


def test_the_line_runs_from_the_left_edge_to_the_right_with_the_highest_value_at_the_top() -> None:
    svg = ET.fromstring(sparkline_svg([60.0, 71.0, 68.5], "x"))
    points = [tuple(map(float, pair.split(","))) for pair in svg.find(f"{SVG}polyline").get("points").split()]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    assert xs == sorted(xs)
    assert 0 <= min(xs) < 5
    assert SPARKLINE_WIDTH - 5 < max(xs) <= SPARKLINE_WIDTH
    assert ys.index(min(ys)) == 1  # 71.0, the highest, is drawn highest (smallest y)
    assert all(0 <= y <= SPARKLINE_HEIGHT for y in ys)


def test_a_flat_line_and_markup_in_the_words_are_safe() -> None:
    svg = sparkline_svg([5.0, 5.0], '<b>"x"</b> & y')
    assert "<b>" not in svg
    assert re.search(r'aria-label="&lt;b&gt;&quot;x&quot;&lt;/b&gt; &amp; y"', svg)
    ET.fromstring(svg)  # well-formed


def test_the_card_shows_the_sparkline_as_an_image_with_its_words_as_alt_text() -> None:
    tag = sparkline_img([60.0, 68.5], "2024: 60,0 % · 2025: 68,5 %")
    assert tag.startswith('<img alt="2024: 60,0 % · 2025: 68,5 %" ')
    encoded = re.search(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', tag)
    assert encoded is not None
    assert ET.fromstring(base64.b64decode(encoded.group(1))).find(f"{SVG}polyline") is not None
