"""Charts of the investment evaluation: the event study and the synthetic control's placebo gaps.

Both take frames the view has already put into words (labels in the reader's language) and the chart's
text frame; they import only the theme, like every chart builder.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from charts.theme import FULL_WIDTH, MUTED, OKABE_ITO, ChartText, framed

#: The participating county (or group) in both charts; placebos are grey.
TREATED_COLOUR = OKABE_ITO[0]
PLACEBO_COLOUR = "#B0B0B0"


def _zero_line() -> dict[str, object]:
    return {
        "type": "line",
        "xref": "x domain",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": 0,
        "y1": 0,
        "line": {"color": "#4D4D4D", "width": 1},
    }


def _start_line(position: float) -> dict[str, object]:
    """A dotted vertical line at a category's position (its index: a period such as '2025' given as text
    would be read as the number 2025 and stretch the axis)."""
    return {
        "type": "line",
        "xref": "x",
        "x0": position,
        "x1": position,
        "yref": "y domain",
        "y0": 0,
        "y1": 1,
        "line": {"color": MUTED, "dash": "dot"},
    }


def event_study_chart(
    frame: pl.DataFrame,
    text: ChartText,
    *,
    scale: float,
    value_label: str,
    estimate_label: str,
    placebo_label: str,
    start: str,
) -> go.Figure:
    """The effect per period relative to the start (points), the placebo range (grey bars) and zero.

    ``frame``: ``x`` (the period's label, in time order), ``estimate``, ``placebo_low``, ``placebo_high``.
    ``start`` is the ``x`` of the first treated period, marked by a dotted line; ``scale`` multiplies the
    values (100 for a share in percentage points).
    """
    xs = frame["x"].to_list()
    low = [None if v is None else v * scale for v in frame["placebo_low"].to_list()]
    high = [None if v is None else v * scale for v in frame["placebo_high"].to_list()]
    estimate = [None if v is None else v * scale for v in frame["estimate"].to_list()]
    traces = [
        {
            "type": "bar",
            "x": xs,
            "base": low,
            "y": [None if a is None or b is None else b - a for a, b in zip(low, high, strict=True)],
            "marker": {"color": PLACEBO_COLOUR},
            "width": 0.35,
            "name": placebo_label,
            "hovertemplate": f"{placebo_label}<br>%{{x}}: %{{base:.1f}} … %{{customdata:.1f}}<extra></extra>",
            "customdata": high,
        },
        {
            "type": "scatter",
            "x": xs,
            "y": estimate,
            "mode": "lines+markers",
            "marker": {"color": TREATED_COLOUR, "size": 9},
            "line": {"color": TREATED_COLOUR, "width": 1.5, "dash": "dot"},
            "name": estimate_label,
            "hovertemplate": f"{estimate_label}<br>%{{x}}: %{{y:.1f}}<extra></extra>",
        },
    ]
    layout = {
        "shapes": [_zero_line(), _start_line(xs.index(start) - 0.5)] if start in xs else [_zero_line()],
        "xaxis": {"type": "category", "categoryarray": xs, "categoryorder": "array", "title": {"text": None}},
        "yaxis": {"title": {"text": value_label}, "zeroline": False},
        "barmode": "overlay",
    }
    return framed(traces, layout, text, wraps=FULL_WIDTH)


def placebo_gap_chart(
    frame: pl.DataFrame,
    text: ChartText,
    *,
    scale: float,
    value_label: str,
    treated_label: str,
    placebo_label: str,
    start: str,
) -> go.Figure:
    """Each county's gap to its synthetic control over time: the participant in colour, placebos grey.

    ``frame``: ``label`` (the county's name), ``treated`` (bool), ``period``, ``gap``; periods in time order.
    """
    periods = frame["period"].unique().sort().to_list()
    traces: list[dict[str, object]] = []
    shown_placebo = False
    for (label, treated), rows in frame.sort("treated", "label", "period").group_by(
        "label", "treated", maintain_order=True
    ):
        colour = TREATED_COLOUR if treated else PLACEBO_COLOUR
        traces.append(
            {
                "type": "scatter",
                "x": rows["period"].to_list(),
                "y": [None if v is None else v * scale for v in rows["gap"].to_list()],
                "mode": "lines+markers" if treated else "lines",
                "line": {"color": colour, "width": 3 if treated else 1},
                "name": treated_label if treated else placebo_label,
                "legendgroup": "treated" if treated else "placebo",
                "showlegend": bool(treated) or not shown_placebo,
                "hovertemplate": f"{label}<br>%{{x}}: %{{y:.1f}}<extra></extra>",
            }
        )
        shown_placebo = shown_placebo or not treated
    layout = {
        "shapes": [_zero_line(), _start_line(periods.index(start) - 0.5)] if start in periods else [_zero_line()],
        "xaxis": {"type": "category", "categoryarray": periods, "categoryorder": "array", "title": {"text": None}},
        "yaxis": {"title": {"text": value_label}, "zeroline": False},
    }
    return framed(traces, layout, text, wraps=FULL_WIDTH)
