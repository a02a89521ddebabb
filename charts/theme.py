"""The look every chart shares: a colour-blind-safe palette, fonts, and the text frame.

Palette: Okabe & Ito (2008), distinguishable with the common colour-vision
deficiencies. Every chart carries a title that names its subject, a subtitle
with the active filters, a caption with source and licence, the good
direction, and (when relevant) the synthetic-data badge and the suppression note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import plotly.graph_objects as go

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
HIGHLIGHT = OKABE_ITO[5]
PRIMARY = OKABE_ITO[0]
MUTED = "#8C8C8C"
LIMIT_95 = "#6E6E6E"
LIMIT_998 = "#B0B0B0"
TARGET = OKABE_ITO[2]
LEGAL = OKABE_ITO[3]
FONT = "Liberation Sans, Arial, sans-serif"


@dataclass(frozen=True)
class ChartText:
    """The words around a chart, already in the active language."""

    title: str
    subtitle: str
    caption: str
    direction: str = ""
    badge: str = ""
    suppression_note: str = ""


def wrap_title(title: str, width: int = 52) -> str:
    """Break a long title at word boundaries so it fits a half-width chart (already-broken titles are kept)."""
    if "<br>" in title or len(title) <= width:
        return title
    lines: list[str] = []
    current = ""
    for word in title.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    return "<br>".join(lines)


#: The name of the annotation that carries a framed chart's suppression note and source.
FOOTER: Final = "frame_footer"


def frame_chart(figure: go.Figure, text: ChartText, *, height: int = 480) -> go.Figure:
    """Apply the shared layout and the text frame to ``figure`` (in place) and return it."""
    subtitle = " · ".join(part for part in (text.subtitle, text.direction) if part)
    footer = "<br>".join(wrap_title(part, 75) for part in (text.suppression_note, text.caption) if part)
    title = wrap_title(text.title)
    lines = [f"<b>{title}</b>", f"<span style='font-size:12px;color:#4D4D4D'>{wrap_title(subtitle, 80)}</span>"]
    if text.badge:
        lines.append(f"<span style='font-size:12px;color:#7A5B00'><b>⚠ {text.badge}</b></span>")
    top = 22 * (title.count("<br>") + 1) + 17 * sum(line.count("<br>") + 1 for line in lines[1:]) + 50
    figure.update_layout(
        template="plotly_white",
        font={"family": FONT, "size": 13, "color": "#1A1A1A"},
        title={
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
        colorway=list(OKABE_ITO),
        height=height,
        margin={"l": 70, "r": 30, "t": top, "b": 100 + 16 * footer.count("<br>")},
        hoverlabel={"font": {"family": FONT}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
    )
    if footer:
        figure.add_annotation(
            name=FOOTER,
            text=footer,
            xref="paper",
            yref="paper",
            x=0.0,
            y=0.0,
            yshift=-62,
            xanchor="left",
            yanchor="top",
            showarrow=False,
            align="left",
            font={"size": 11, "color": "#4D4D4D"},
        )
    return figure


def unframed(figure: go.Figure) -> go.Figure:
    """A copy of a framed ``figure`` without its text frame, for a slide that sets title, subtitle and source itself."""
    copy = go.Figure(figure)
    copy.update_layout(
        title_text="",
        annotations=[note for note in copy.layout.annotations if note.name != FOOTER],
        margin={"t": 40, "b": 60},
    )
    return copy


def retitle(figure: go.Figure, title: str) -> go.Figure:
    """A copy of a framed ``figure`` whose title (the bold first line) is ``title``; the rest of the frame stays."""
    copy = go.Figure(figure)
    text = str(copy.layout.title.text or "")
    start, end = text.find("<b>"), text.find("</b>")
    rest = text[end + len("</b>") :] if start == 0 and end > 0 else ""
    copy.update_layout(title_text=f"<b>{wrap_title(title)}</b>{rest}")
    return copy
