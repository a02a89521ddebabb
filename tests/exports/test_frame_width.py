"""An exported image's title, badge and footer take its width, not a half-width column's."""

from __future__ import annotations

from dataclasses import replace

import plotly.graph_objects as go
from hypothesis import given
from hypothesis import strategies as st

from charts.builders import ranked_dot_plot
from charts.theme import FOOTER, HALF_WIDTH
from exports.frame_width import EXPORT_WRAPS, for_export, rewrapped
from tests.exports.frames import TEXT, areas

LONG = replace(
    TEXT,
    title="THL: non-urgent doctor visits within 7 days of the care-need assessment, counties and the country",
    caption="Source: THL, Sotkanet, indicator 6411, retrieved 18.8.2026, CC BY 4.0 · visits waiting over 7 days",
    badge="Synthetic sample data: not real register data of any county",
)


def footer(figure: go.Figure) -> str:
    return next(str(note.text) for note in figure.layout.annotations if note.name == FOOTER)


def title_line(figure: go.Figure) -> str:
    return str(figure.layout.title.text).split("</b>")[0].removeprefix("<b>")


def test_a_half_width_title_and_footer_take_the_images_width() -> None:
    page = ranked_dot_plot(areas(), LONG)
    assert title_line(page).count("<br>") >= 2  # broken for a half-width column: three lines
    assert footer(page).count("<br>") >= 1  # and its footer on more than one line

    image = for_export(page)

    assert title_line(image) == LONG.title  # one line of under 100 characters
    assert footer(image).count("<br>") == 0  # note and source on one line of at most 150 characters
    assert "<br>" not in str(image.layout.title.text).split("⚠")[1].split("</b>")[0]  # the badge on one line
    assert image.layout.margin.t <= page.layout.margin.t - 22 * 2  # two title lines fewer
    assert image.layout.margin.b < page.layout.margin.b
    assert image.layout.height < page.layout.height


def test_the_page_figure_is_not_changed() -> None:
    page = ranked_dot_plot(areas(), LONG)
    before = page.to_dict()
    for_export(page)
    assert page.to_dict() == before


def test_a_figure_without_a_frame_comes_back_as_it_is() -> None:
    figure = go.Figure(layout={"title": {"text": ""}, "height": 400})
    assert for_export(figure) is figure


def test_the_subtitle_keeps_its_lines() -> None:
    page = ranked_dot_plot(areas(), LONG)
    subtitle = str(page.layout.title.text).split("<br>", title_line(page).count("<br>") + 1)[-1].split("⚠")[0]
    assert subtitle in str(for_export(page).layout.title.text)


WORDS = st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=12), min_size=1, max_size=40)


@given(WORDS, st.integers(min_value=HALF_WIDTH.title, max_value=EXPORT_WRAPS.footer))
def test_rewrapping_keeps_every_word_in_order_and_each_line_within_its_width(words: list[str], width: int) -> None:
    text = rewrapped(rewrapped(" ".join(words), HALF_WIDTH.title), width)
    lines = text.split("<br>")
    assert " ".join(lines).split() == words
    assert all(len(line) <= width for line in lines if " " in line)  # a single long word may pass the width
