"""The look every chart shares: a colour-blind-safe palette, fonts, and the text frame.

Palette: Okabe & Ito (2008), distinguishable with the common colour-vision
deficiencies. Every chart carries a title that names its subject, a subtitle
with the active filters, a caption with source and licence, the good
direction, and (when relevant) the synthetic-data badge and the suppression note.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def frame_chart(figure: go.Figure, text: ChartText, *, height: int = 480) -> go.Figure:
    """Apply the shared layout and the text frame to ``figure`` (in place) and return it."""
    subtitle = " · ".join(part for part in (text.subtitle, text.direction) if part)
    footer = "<br>".join(part for part in (text.suppression_note, text.caption) if part)
    figure.update_layout(
        template="plotly_white",
        font={"family": FONT, "size": 13, "color": "#1A1A1A"},
        title={
            "text": f"<b>{text.title}</b><br><span style='font-size:13px;color:#4D4D4D'>{subtitle}</span>",
            "x": 0.01,
            "xanchor": "left",
            "xref": "container",
            "y": 0.94,
            "yanchor": "top",
            "yref": "container",
        },
        colorway=list(OKABE_ITO),
        height=height,
        margin={"l": 70, "r": 30, "t": 120, "b": 100 + 16 * footer.count("<br>")},
        hoverlabel={"font": {"family": FONT}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
    )
    if footer:
        figure.add_annotation(
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
    if text.badge:
        figure.add_annotation(
            text=f"<b>{text.badge}</b>",
            xref="paper",
            yref="paper",
            x=1.0,
            y=1.0,
            yshift=75,
            xanchor="right",
            yanchor="bottom",
            showarrow=False,
            bgcolor="#FFF3CD",
            bordercolor="#B8860B",
            borderwidth=1,
            borderpad=4,
            font={"size": 11, "color": "#5C4400"},
        )
    return figure
