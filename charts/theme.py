"""The look every chart shares: a colour-blind-safe palette, fonts, and the text frame.

Palette: Okabe & Ito (2008), distinguishable with the common colour-vision
deficiencies. Every chart carries a title that names its subject, a subtitle
with the active filters, a caption with source and licence, the good
direction, and (when relevant) the synthetic-data badge and the suppression note.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import plotly.graph_objects as go
import plotly.io as pio
from plotly.basedatatypes import BaseTraceType

OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
#: The chosen county, on every page and chart: a black mark, or a black outline round a mark whose fill says
#: something else (a tile or dot coloured by its comparison with the country).
HIGHLIGHT = "#000000"
HIGHLIGHT_WIDTH = 3
PRIMARY = OKABE_ITO[0]
MUTED = "#8C8C8C"
LIMIT_95 = "#6E6E6E"
LIMIT_998 = "#B0B0B0"
TARGET = OKABE_ITO[2]
LEGAL = OKABE_ITO[3]
ABOVE_LIMIT = OKABE_ITO[1]  # a funnel point above the upper 99.8 % limit
BELOW_LIMIT = OKABE_ITO[3]  # and below the lower one
FONT = "Liberation Sans, Arial, sans-serif"
#: The national value drawn across a ranking.
NATIONAL = "#4D4D4D"

#: A county against the country, as Fingertips colours it (better, similar, worse), in colours told apart
#: with the common colour-vision deficiencies (blue, yellow, vermillion differ in lightness too). A value
#: that is not compared (no interval, no good direction) or missing is grey: shown, never judged.
COMPARISON_COLOURS: Final[Mapping[str, str]] = {
    "better": OKABE_ITO[0],
    "similar": OKABE_ITO[6],
    "worse": OKABE_ITO[5],
    "no_interval": "#A6A6A6",
    "not_compared": "#A6A6A6",
    "no_data": "#D9D9D9",
    "country": NATIONAL,
}
#: The comparisons a chart colours by: any other leaves the chart coloured by value.
JUDGED: Final = ("better", "similar", "worse")
#: The nearest of Streamlit's named colours, for a card's comparison badge.
COMPARISON_BADGES: Final[Mapping[str, str]] = {"better": "blue", "similar": "yellow", "worse": "orange"}
#: Text on a tile of each comparison's colour: dark on the light fills, white on blue.
COMPARISON_INK: Final[Mapping[str, str]] = {"better": "#FFFFFF"}


@dataclass(frozen=True)
class ChartText:
    """The words around a chart, already in the active language."""

    title: str
    subtitle: str
    caption: str
    direction: str = ""
    badge: str = ""
    suppression_note: str = ""
    separators: str = ".,"
    """Decimal and thousands separators of numbers Plotly writes (hover values, axis ticks); English by default."""


def wrap_title(title: str, width: int = 52) -> str:
    """Break a long title at word boundaries so it fits a half-width chart (already-broken titles are kept).

    Only ordinary spaces break: a no-break space holds a number and its unit or a thousands group together
    ('1 476,9', '12 %').
    """
    if "<br>" in title or len(title) <= width:
        return title
    lines: list[str] = []
    current = ""
    for word in (word for word in title.split(" ") if word):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    return "<br>".join(lines)


def wrap_parts(parts: Sequence[str], width: int, separator: str = " · ") -> str:
    """Join ``parts`` with ``separator``, breaking lines between parts where a line would pass ``width``.

    A part longer than a line is broken at word boundaries, as :func:`wrap_title` does.
    """
    lines: list[str] = []
    for part in (part for part in parts if part):
        joined = f"{lines[-1]}{separator}{part}" if lines else part
        if lines and len(joined) <= width:
            lines[-1] = joined
        else:
            lines += wrap_title(part, width).split("<br>")
    return "<br>".join(lines)


#: The name of the annotation that carries a framed chart's suppression note and source.
FOOTER: Final = "frame_footer"


def _dashboard_template() -> go.layout.Template:
    """Plotly's white look cut to the 2-D parts our charts use (font and palette come with the frame).

    Plotly's full templates carry defaults for every trace type and 3-D scene, and a figure copies
    and validates its template: with ``plotly_white`` that was most of a chart's build time.
    """
    white = pio.templates["plotly_white"]
    layout = {
        key: value
        for key, value in white.layout.to_plotly_json().items()
        if key not in ("polar", "ternary", "scene", "geo", "coloraxis", "colorscale", "title")
    }
    return go.layout.Template(layout=layout, data={"bar": white.data.bar, "scatter": white.data.scatter})


TEMPLATE: Final = "dashboard"
pio.templates[TEMPLATE] = _dashboard_template()
pio.templates.default = TEMPLATE  # every figure starts from it, without copying a template per chart


def _merged(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` updated by ``extra``, nested dictionaries merged key by key (as Plotly's ``update_layout``)."""
    merged = dict(base)
    for key, value in extra.items():
        current = merged.get(key)
        merged[key] = _merged(current, value) if isinstance(current, dict) and isinstance(value, Mapping) else value
    return merged


@dataclass(frozen=True)
class Wraps:
    """Characters per line of a chart's title, subtitle, badge and footer, at their sizes (15, 12, 12 bold, 11 px)."""

    title: int
    subtitle: int
    badge: int
    footer: int


#: A half-width chart is at its narrowest just above 1,200 pixels, where the columns still stand side by side
#: (below it they stack, ui/assets/layout.css): about 360 pixels (the footer starts some 60 pixels further in,
#: under a dot plot's names).
HALF_WIDTH: Final = Wraps(title=44, subtitle=60, badge=54, footer=56)
#: Charts that always take the page's whole width (small multiples, the access-continuity scatter): about
#: 565 pixels at a 1024-pixel window, so the source line stays on one line.
FULL_WIDTH: Final = Wraps(title=70, subtitle=95, badge=85, footer=100)


def framed(
    data: Sequence[BaseTraceType | Mapping[str, Any]],
    layout: Mapping[str, Any],
    text: ChartText,
    *,
    height: int = 480,
    plot_height: int | None = None,
    sides: tuple[int, int] = (70, 30),
    wraps: Wraps = HALF_WIDTH,
    legend: Sequence[str] = (),
) -> go.Figure:
    """A figure of ``data`` (traces or their dicts) and ``layout``, with the shared layout and the text frame.

    The figure is ``height`` pixels high, and taller by what the frame's text takes beyond a line of each
    (:func:`_grown`); with ``plot_height``, it is as high as the frame's margins and a plot area of that
    height (a chart whose marks need a least size, as the tile map's names). ``sides`` are the left and
    right margins. Title, subtitle, badge and footer are broken into lines as ``wraps`` says: a chart in
    half the page's width (the default) or in all of it. ``legend`` is a key drawn as text, one entry a
    line (see :func:`legend_entry`), above the plot's top right corner, the top margin grown to hold it:
    Plotly's own legend, with entries as long as 'Similar to the country' in a half-width column, either
    wrapped over the title or pushed the plot aside.

    The frame is merged into the layout as plain data and the figure is built once from it: Plotly's
    ``update_layout`` on a live figure, or building a figure twice, costs several times more.
    """
    subtitle = wrap_parts([*text.subtitle.split(" · "), text.direction], wraps.subtitle)
    footer = "<br>".join(wrap_title(part, wraps.footer) for part in (text.suppression_note, text.caption) if part)
    title = wrap_title(text.title, wraps.title)
    lines = [
        f"<b>{title}</b>",
        f"<span style='font-size:12px;color:#4D4D4D'>{subtitle}</span>",
    ]
    if text.badge:
        badge = wrap_title(f"⚠ {text.badge}", wraps.badge)
        lines.append(f"<span style='font-size:12px;color:#7A5B00'><b>{badge}</b></span>")
    top = _top(title.count("<br>") + 1, sum(line.count("<br>") + 1 for line in lines[1:]))
    top += max(0, LEGEND_ROW * len(legend) - 30)  # _top's room for a one-line legend holds the first rows
    bottom = _bottom(footer.count("<br>") + 1)
    frame: dict[str, Any] = {  # the template comes as the default: naming it would copy it again
        "title": {
            "text": "<br>".join(lines),
            "x": 0.01,
            "xanchor": "left",
            "xref": "container",
            "y": 1.0,
            "yanchor": "top",
            "yref": "container",
            "pad": {"t": 14},
            "font": {"size": 15},
        },
        "font": {"family": FONT, "size": 13, "color": "#1A1A1A"},
        "colorway": list(OKABE_ITO),
        "hoverlabel": {"font": {"family": FONT}},
        "separators": text.separators,
        "height": top + plot_height + bottom if plot_height is not None else height + _grown(top, bottom),
        "margin": {"l": sides[0], "r": sides[1], "t": top, "b": bottom},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
    }
    merged = _merged(dict(layout), frame)
    if legend:
        merged["annotations"] = [*merged.get("annotations", ()), _legend_note(legend)]
    if footer:
        merged["annotations"] = [
            *merged.get("annotations", ()),
            {
                "name": FOOTER,
                "text": footer,
                "xref": "paper",
                "yref": "paper",
                "x": 0.0,
                # near the frame's left edge, under the title (further in when automargin widens the margin)
                "xshift": 6 - sides[0],
                "y": 0.0,
                "yshift": -62,
                "xanchor": "left",
                "yanchor": "top",
                "showarrow": False,
                "align": "left",
                "font": {"size": 11, "color": "#4D4D4D"},
            },
        ]
    return go.Figure(data=data, layout=merged)


#: The height of a legend entry listed one a line, in pixels.
LEGEND_ROW: Final = 17
#: The name of the annotation that carries a chart's key (:func:`framed`'s ``legend``).
LEGEND: Final = "frame_legend"


def legend_entry(name: str, colour: str, *, symbol: str = "●") -> str:
    """One line of a chart's key: a mark in ``colour`` and its ``name``. Symbols: ● a dot, ■ a tile, and ○ or □
    (drawn bold) for the chosen area's outline."""
    weight = "font-weight:bold;" if symbol in "○□" else ""
    return f"<span style='color:{colour};{weight}font-size:14px'>{symbol}</span> {name}"


def _legend_note(lines: Sequence[str]) -> dict[str, Any]:
    return {
        "name": LEGEND,
        "text": "<br>".join(lines),
        "xref": "paper",
        "x": 1.0,
        "xanchor": "right",
        "yref": "paper",
        "y": 1.0,
        "yanchor": "bottom",
        "yshift": 6,
        "align": "left",
        "showarrow": False,
        "font": {"size": 12, "color": "#1A1A1A"},
    }


def _top(title_lines: int, small_lines: int) -> int:
    """The top margin: the title's lines at 22 px, subtitle and badge lines at 17 px, and room for the legend."""
    return 22 * title_lines + 17 * small_lines + 50


def _bottom(footer_lines: int) -> int:
    """The bottom margin: the x axis and its title, then the footer's lines at 16 px."""
    return 100 + 16 * (footer_lines - 1)


#: The frame's margins with one line each of title, subtitle and badge, and a note and a source line under
#: the plot: a chart's ``height`` is meant for them.
BASE_TOP: Final = _top(1, 2)
BASE_BOTTOM: Final = _bottom(2)


def _grown(top: int, bottom: int) -> int:
    """How much taller the frame's text is than :data:`BASE_TOP` and :data:`BASE_BOTTOM`: a chart grows by it,
    so a title broken into three lines in a half-width column does not squeeze the plot."""
    return max(0, top - BASE_TOP) + max(0, bottom - BASE_BOTTOM)


def unframed(figure: go.Figure) -> go.Figure:
    """A copy of a framed ``figure`` without its text frame, for a slide that sets title, subtitle and source itself."""
    copy = go.Figure(figure)
    key = [note for note in copy.layout.annotations if note.name == LEGEND]  # the key belongs to the chart
    rows = sum(str(note.text).count("<br>") + 1 for note in key)
    copy.layout.annotations = [note for note in copy.layout.annotations if note.name != FOOTER]
    copy.update_layout(title_text="", margin={"t": 40 + LEGEND_ROW * rows, "b": 60})
    return copy


def retitle(figure: go.Figure, title: str) -> go.Figure:
    """A copy of a framed ``figure`` whose title (the bold first line) is ``title``; the rest of the frame stays."""
    copy = go.Figure(figure)
    text = str(copy.layout.title.text or "")
    start, end = text.find("<b>"), text.find("</b>")
    rest = text[end + len("</b>") :] if start == 0 and end > 0 else ""
    copy.update_layout(title_text=f"<b>{wrap_title(title)}</b>{rest}")
    return copy
