"""A chart's title, warning badge and footer broken into lines for an exported image's width.

The chart builders break the frame's text for the page (``charts.theme.framed``: some 34 characters a title
line in a half-width column), and an image is 960 layout pixels wide: kept as they are, a title filled a
quarter of a 1920-pixel PNG and the source took three lines. :func:`for_export` joins each part's lines and
breaks them again at :data:`EXPORT_WRAPS`, and gives the margins (and the figure's height) back what the
fewer lines no longer take. The subtitle is kept: its line breaks stand between its parts.
"""

from __future__ import annotations

import re
from typing import Final

import plotly.graph_objects as go

from charts.theme import BASE_BOTTOM, BASE_TOP, FOOTER, Wraps, wrap_title

#: Characters per line at 960 layout pixels, less the margins: title 15 px bold, badge 12 px bold, footer 11 px.
EXPORT_WRAPS: Final = Wraps(title=100, subtitle=130, badge=120, footer=150)
#: Line heights in the frame's margins (as ``charts.theme``'s margins count them).
TITLE_LINE: Final = 22
SMALL_LINE: Final = 17
FOOTER_LINE: Final = 16

_TITLE = re.compile(r"^<b>(?P<text>.*?)</b>")
_BADGE = re.compile(r"(?P<open><span style='[^']*'><b>)(?P<text>⚠.*?)(?P<close></b></span>)")


def rewrapped(text: str, width: int) -> str:
    """``text`` broken at word boundaries into lines of at most ``width`` characters, its old breaks undone."""
    return wrap_title(" ".join(part.strip() for part in text.split("<br>")), width)


def _lines(text: str) -> int:
    return text.count("<br>") + 1


def for_export(figure: go.Figure, wraps: Wraps = EXPORT_WRAPS) -> go.Figure:
    """A copy of a framed ``figure`` with its title, badge and footer broken for ``wraps``; a figure without a
    frame (a slide's chart, whose title the slide sets) comes back as it is."""
    if not isinstance(figure, go.Figure):  # a figure handed over as it is to be drawn: nothing to rewrap
        return figure
    title_text = str(figure.layout.title.text or "")
    footers = [note for note in figure.layout.annotations if note.name == FOOTER]
    if not title_text and not footers:
        return figure
    saved_top = saved_bottom = 0
    title = _TITLE.match(title_text)
    if title:
        text = rewrapped(title.group("text"), wraps.title)
        saved_top += TITLE_LINE * (_lines(title.group("text")) - _lines(text))
        title_text = f"<b>{text}</b>{title_text[title.end() :]}"
    badge = _BADGE.search(title_text)
    if badge:
        text = rewrapped(badge.group("text"), wraps.badge)
        saved_top += SMALL_LINE * (_lines(badge.group("text")) - _lines(text))
        title_text = (
            f"{title_text[: badge.start()]}{badge.group('open')}{text}{badge.group('close')}{title_text[badge.end() :]}"
        )
    copy = go.Figure(figure)
    copy.layout.title.text = title_text
    for note in copy.layout.annotations:
        if note.name == FOOTER:
            text = rewrapped(str(note.text), wraps.footer)
            saved_bottom += FOOTER_LINE * (_lines(str(note.text)) - _lines(text))
            note.text = text
    margin = copy.layout.margin
    if margin.t is not None and saved_top:
        top = int(margin.t)
        margin.t = top - saved_top
        saved_height = max(0, top - BASE_TOP) - max(0, top - saved_top - BASE_TOP)
    else:
        saved_height = 0
    if margin.b is not None and saved_bottom:
        bottom = int(margin.b)
        margin.b = bottom - saved_bottom
        saved_height += max(0, bottom - BASE_BOTTOM) - max(0, bottom - saved_bottom - BASE_BOTTOM)
    if copy.layout.height is not None and saved_height:
        copy.layout.height = int(copy.layout.height) - saved_height
    return copy
