"""Marks added to a trend chart (:func:`charts.builders.trend_chart`): a county's own reported figures, targets
at their due period, and the legal care-guarantee limit as steps over time.

Each is a trace with its own legend entry, so a reader can tell THL's line, the county's own figure and a
target apart without reading the hover. The figure is changed in place and returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import plotly.graph_objects as go

from charts.theme import LEGAL, OKABE_ITO, PRIMARY, TARGET, wrap_title

#: Characters a legend line holds in a half-width chart at a 1024-pixel window, the pixels a legend line takes,
#: and the room the frame already leaves for one row of legend above the plot (a line is 23 px: measured on a
#: screenshot with the targets' stars, whose markers make a row taller than its text).
LEGEND_WIDTH = 26
LEGEND_LINE = 23
LEGEND_ROOM = 40

MarkKind = Literal["reported", "target", "national_target"]

#: A county's own reported figure: vermillion, apart from the lines (blue county, orange country), the targets
#: (green) and the legal limit (purple).
REPORTED = OKABE_ITO[5]
#: How each kind of mark looks: symbol, colour, size.
_STYLE: dict[str, tuple[str, str, int]] = {
    "reported": ("diamond", REPORTED, 13),
    "target": ("star", TARGET, 15),
    "national_target": ("star-open", TARGET, 15),
}


@dataclass(frozen=True)
class Mark:
    """One marked point: at ``period`` (a category of the chart's time axis), ``value`` in the indicator's unit
    (a share as a proportion), named ``name`` (in the legend ``legend`` when given, a shorter name) and
    described by ``hover``."""

    period: str
    value: float
    name: str
    hover: str
    kind: MarkKind = "reported"
    legend: str = ""


@dataclass(frozen=True)
class Step:
    """A limit that holds from ``period`` until the next step: ``value`` in the chart's unit."""

    period: str
    value: float


@dataclass(frozen=True)
class Level:
    """A yearly figure over the periods it covers on the chart's time axis: a year's quarters, or the year."""

    periods: tuple[str, ...]
    value: float
    hover: str


def add_levels(
    figure: go.Figure, levels: Sequence[Level], *, name: str, percent: bool, colour: str = PRIMARY
) -> go.Figure:
    """Yearly figures of another source (THL's published series) on a chart of our own: one dashed legend entry,
    each year a level across its periods (on a yearly axis, the years joined by a dashed line). Never joined to
    the chart's own line: the two are computed differently."""
    scale = 100.0 if percent else 1.0
    yearly = all(len(level.periods) == 1 for level in levels)
    pieces = [levels] if yearly else [[level] for level in levels]
    for index, piece in enumerate(pieces):
        x = [period for level in piece for period in level.periods]
        y = [level.value * scale for level in piece for _ in level.periods]
        hover = [level.hover for level in piece for _ in level.periods]
        figure.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines+markers",
                line={"color": colour, "dash": "dash", "width": 2.5},
                marker={"symbol": "diamond-open", "size": 9, "color": colour},
                name=wrap_title(name, LEGEND_WIDTH),
                legendgroup=name,
                showlegend=index == 0,
                customdata=hover,
                hovertemplate="%{customdata}<extra></extra>",
            )
        )
    if levels:
        _legend_rows(figure)
    return figure


def add_marks(figure: go.Figure, marks: Sequence[Mark], *, percent: bool) -> go.Figure:
    """One legend entry per mark: the county's reported figures as diamonds, targets as stars at their due period."""
    scale = 100.0 if percent else 1.0
    for mark in marks:
        symbol, colour, size = _STYLE[mark.kind]
        figure.add_trace(
            go.Scatter(
                x=[mark.period],
                y=[mark.value * scale],
                mode="markers",
                name=wrap_title(mark.legend or mark.name, LEGEND_WIDTH),
                marker={"symbol": symbol, "color": colour, "size": size, "line": {"width": 1.5, "color": colour}},
                hovertemplate=f"{mark.hover}<extra></extra>",
                cliponaxis=False,
            )
        )
    if marks:
        _legend_rows(figure)
    return figure


def add_steps(
    figure: go.Figure,
    lines: Sequence[tuple[str, Sequence[Step]]],
    *,
    clip: float,
    above_label: str,
) -> go.Figure:
    """Limits as steps over the chart's periods, each ``(name, steps)`` a dashed line with a legend entry.

    A limit above ``clip`` (the adults' three months on a chart of waits around ten days) is drawn at the top
    edge of the plot, which is set to ``clip``, with an arrow labelled ``above_label`` (formatted with
    ``days``) at the first period it is cut: the step is shown honestly without flattening the data.
    """
    dashes = ("dash", "dot", "dashdot")
    cuts: list[tuple[str, float]] = []  # (period, limit) where a line leaves the plot, one arrow a period
    for index, (name, steps) in enumerate(lines):
        if not steps:
            continue
        periods = [step.period for step in steps]
        values = [min(step.value, clip) for step in steps]
        figure.add_trace(
            go.Scatter(
                x=periods,
                y=values,
                mode="lines",
                line={"shape": "hv", "color": LEGAL, "dash": dashes[index % len(dashes)], "width": 2},
                name=wrap_title(name, LEGEND_WIDTH),
                customdata=[step.value for step in steps],
                hovertemplate=f"{name}<br>%{{x}}: %{{customdata:.0f}}<extra></extra>",
            )
        )
        for previous, step in zip([None, *steps[:-1]], steps, strict=True):
            leaves = step.value > clip and (previous is None or previous.value <= clip)
            if leaves and step.period not in {period for period, _ in cuts}:
                cuts.append((step.period, step.value))
    # The arrows are placed in the plot's own coordinates (a category's middle): an annotation placed on a
    # category axis widens that axis to hold its text, which squeezed the lines into a corner of a narrow chart.
    categories = sorted({str(x) for trace in figure.data for x in (trace.x or ()) if x is not None})
    for order, (period, value) in enumerate(cuts):
        middle = (categories.index(period) + 0.5) / len(categories)
        figure.add_annotation(
            xref="paper",
            x=middle,
            y=clip,
            text=above_label.format(days=round(value)),
            showarrow=True,
            arrowhead=2,
            arrowcolor=LEGAL,
            ax=0,
            ay=30 + 18 * order,  # a later arrow's label lower down: in a narrow chart the labels would meet
            xanchor="left" if middle < 0.5 else "right",
            yanchor="top",
            font={"size": 11, "color": LEGAL},
            bgcolor="rgba(255,255,255,0.85)",
        )
    figure.update_yaxes(range=[0, clip * 1.04])
    _legend_rows(figure)
    return figure


def _legend_rows(figure: go.Figure) -> None:
    """One legend entry a row, above the plot, and the figure taller by the rows beyond the frame's one.

    The marks' names are long (a source, a verdict) and broken into lines of :data:`LEGEND_WIDTH` characters;
    side by side they ran into the title.
    """
    lines = sum(
        str(trace.name).count("<br>") + 1 for trace in figure.data if trace.name and trace.showlegend is not False
    )
    extra = max(0, LEGEND_LINE * lines - LEGEND_ROOM)
    meta = dict(figure.layout.meta or {})
    grow = extra - int(meta.get("legend_room", 0))  # a second call grows by the difference only
    margin = figure.layout.margin
    figure.update_layout(
        legend={
            "orientation": "h",
            "entrywidthmode": "fraction",
            "entrywidth": 1,
            "x": 0,
            "xanchor": "left",
            "y": 1.0,
            "yanchor": "bottom",
            "font": {"size": 11},
        },
        margin={"t": (margin.t or 0) + grow},
        height=(figure.layout.height or 480) + grow,
        meta={**meta, "legend_room": extra},
    )
