"""Figures for the pages and the exports. Each takes a tidy frame and a :class:`ChartText`.

Frames use generic column names, chosen by the page: ``label`` (what a mark
stands for, already translated), ``value``, ``ci_low``, ``ci_high``, ``n``
(the denominator, shown on hover) and ``suppressed`` (a row whose value the
suppression step blanked: it is left out and counted in the chart's note).
Shares arrive as proportions and are drawn as percentages when
``percent=True``.

Every builder gives Plotly its trace data as plain lists, its reference
lines and axes as layout data, and builds the figure once with
:func:`charts.theme.framed`: Plotly validates each property set on a live
figure, and a polars column given as trace data makes it import a dataframe
layer (a tenth of a second on the first chart of a process) and convert
through it on every call. Nulls stay null on the way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import plotly.graph_objects as go
import polars as pl
from plotly.colors import sample_colorscale

from charts.theme import (
    ABOVE_LIMIT,
    BELOW_LIMIT,
    COMPARISON_COLOURS,
    COMPARISON_INK,
    FULL_WIDTH,
    HALF_WIDTH,
    HIGHLIGHT,
    HIGHLIGHT_WIDTH,
    JUDGED,
    LEGAL,
    LIMIT_95,
    LIMIT_998,
    MUTED,
    NATIONAL,
    OKABE_ITO,
    PRIMARY,
    TARGET,
    ChartText,
    framed,
    legend_entry,
)
from i18n.format import number


@dataclass(frozen=True)
class Reference:
    """A horizontal (or vertical) reference line: a target, a legal limit, the national value."""

    value: float
    label: str
    kind: str = "target"  # target | legal | national


def _scale(percent: bool) -> float:
    return 100.0 if percent else 1.0


def _shown(frame: pl.DataFrame) -> pl.DataFrame:
    if "suppressed" in frame.columns:
        frame = frame.filter(~pl.col("suppressed").fill_null(False))
    return frame.filter(pl.col("value").is_not_null())


def _count_axis(title: str) -> dict[str, object]:
    """An axis of counts: '3 000' as '10 000', thousands separated as the layout's ``separators`` say."""
    return {"title": {"text": title}, "separatethousands": True}


def _reference_colour(kind: str) -> str:
    return {"target": TARGET, "legal": LEGAL}.get(kind, MUTED)


def ranked_dot_plot(
    frame: pl.DataFrame,
    text: ChartText,
    *,
    percent: bool = True,
    value_label: str = "",
    highlight: str | None = None,
    references: Sequence[Reference] = (),
    descending: bool = True,
    national: Reference | None = None,
    legend: Mapping[str, str] | None = None,
    highlight_label: str = "",
) -> go.Figure:
    """Areas ranked by value, each a dot with its 95 % interval; references are vertical lines labelled on top.

    Dots are one colour, the ``highlight`` area's (a ``label``) black, unless the frame has a ``comparison``
    column (:mod:`views.benchmark`): then each comparison is a trace of its colour
    (:data:`~charts.theme.COMPARISON_COLOURS`) named in the legend by ``legend``, and the highlighted dot
    keeps its colour inside a black ring, with a legend entry ``highlight_label``. Its name is bold either
    way. ``national`` is the country's value: a solid line, labelled in a row of its own under the last area.

    Traces and lines are plain lists and layout data, and the figure is built once (see :func:`framed`):
    handing Plotly polars columns costs it a dataframe-library import on the first chart of a process.
    """
    scale = _scale(percent)
    shown = _shown(frame).sort("value", descending=not descending)
    labels = shown["label"].to_list()
    if "comparison" in shown.columns:
        groups = shown["comparison"].fill_null("no_data").to_list()
        order = [name for name in COMPARISON_COLOURS if name in groups] + sorted(set(groups) - set(COMPARISON_COLOURS))
        dots = [
            _dots(
                shown.filter(pl.Series(groups) == group),
                scale,
                name=(legend or {}).get(group, group),
                colour=COMPARISON_COLOURS.get(group, PRIMARY),
                highlight=highlight,
                ringed=True,
            )
            for group in order
        ]
        key = [legend_entry(str(trace["name"]), str(trace["marker"]["color"])) for trace in dots]  # type: ignore[index]
        if highlight in labels and highlight_label:
            key.append(legend_entry(highlight_label, HIGHLIGHT, symbol="○"))
    else:
        key = []
        dots = [_dots(shown, scale, name=value_label, colour=PRIMARY, highlight=highlight, ringed=False)]
    shapes, notes = [], []
    for reference in references:  # a vertical line across the plot, labelled above its top
        x = reference.value * scale
        line = {"color": _reference_colour(reference.kind), "dash": "dash", "width": 1.5}
        shapes.append(
            {"type": "line", "xref": "x", "x0": x, "x1": x, "yref": "y domain", "y0": 0, "y1": 1, "line": line}
        )
        notes.append(
            {
                "text": reference.label,
                "xref": "x",
                "x": x,
                "yref": "y domain",
                "y": 1,
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
            }
        )
    if national is not None:
        x = national.value * scale
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "x0": x,
                "x1": x,
                "yref": "y domain",
                "y0": 0,
                "y1": 1,
                "line": {"color": NATIONAL, "width": 2},
                "layer": "below",
            }
        )
        # in a row of its own under the last area, kept inside the plot near its edges (break a long label)
        low, high = _value_span(shown, scale, [*references, national]) or (x - 1, x + 1)
        place = (x - low) / (high - low) if high > low else 0.5
        anchor = "left" if place < 0.3 else "right" if place > 0.7 else "center"
        notes.append(
            {
                "text": f"<b>{national.label}</b>",
                "xref": "x",
                "x": x,
                "yref": "y",
                "y": -1,
                "xanchor": anchor,
                "yanchor": "middle",
                "showarrow": False,
                "font": {"size": 11, "color": NATIONAL},
                "bgcolor": "rgba(255,255,255,0.85)",
            }
        )
    names = [f"<b>{label}</b>" if label == highlight else label for label in labels]
    lines = [*references, *([national] if national is not None else [])]
    layout: dict[str, object] = {
        "shapes": shapes,
        "annotations": notes,
        "xaxis": {"title": {"text": value_label}, "zeroline": False, **_value_range(shown, scale, lines)},
        # every row named, however small, in the ranking's order whichever trace holds it
        "yaxis": {
            "title": {"text": None},
            "automargin": True,
            "tickmode": "linear",
            "dtick": 1,
            "categoryorder": "array",
            "categoryarray": labels,
            **({"range": [-1.7, len(labels) - 0.4]} if national is not None else {}),  # a row for its label
            **({"tickmode": "array", "tickvals": labels, "ticktext": names} if highlight in labels else {}),
        },
    }
    layout["showlegend"] = False  # the key, when there is one, is text (see framed)
    rows = shown.height + (2 if national is not None else 0)
    return framed(dots, layout, text, height=max(420, 28 * rows + 160), legend=key)


def _value_span(shown: pl.DataFrame, scale: float, lines: Sequence[Reference]) -> tuple[float, float] | None:
    """The lowest and highest value the axis shows: the dots, their intervals and the reference lines, and a
    twentieth either side; None with nothing to show."""
    ends = [*shown["value"].to_list(), *shown["ci_low"].drop_nulls().to_list(), *shown["ci_high"].drop_nulls()]
    ends += [line.value for line in lines]
    known = [value * scale for value in ends if value is not None]
    if not known:
        return None
    low, high = min(known), max(known)
    pad = (high - low) / 20 if high > low else max(abs(high) / 20, 1.0)
    return low - pad, high + pad


def _value_range(shown: pl.DataFrame, scale: float, lines: Sequence[Reference]) -> dict[str, list[float]]:
    """The value axis's range (:func:`_value_span`), as Plotly's axis takes it; none with nothing to show.

    Set, not left to Plotly: in a half-width column at a 1024-pixel window the plot is some 120 pixels wide,
    and Plotly's room for the markers' size then stretched the axis to four times the values' span.
    """
    span = _value_span(shown, scale, lines)
    return {} if span is None else {"range": list(span)}


def _dots(
    shown: pl.DataFrame, scale: float, *, name: str, colour: str, highlight: str | None, ringed: bool
) -> dict[str, object]:
    """One trace of a ranking's dots with their intervals: ``colour``, the ``highlight`` dot black or ``ringed``."""
    scaled = shown.select(  # nulls stay null: an interval left open draws no whisker
        value=pl.col("value") * scale,
        low=pl.col("ci_low") * scale,
        high=pl.col("ci_high") * scale,
        above=(pl.col("ci_high") - pl.col("value")) * scale,
        below=(pl.col("value") - pl.col("ci_low")) * scale,
    ).to_dict(as_series=False)
    labels = shown["label"].to_list()
    picked = [label == highlight for label in labels]
    interval = any(value is not None for value in scaled["above"])
    marker: dict[str, object]
    if ringed:
        marker = {
            "size": [14 if chosen else 11 for chosen in picked],
            "color": colour,
            "line": {
                "color": [HIGHLIGHT if chosen else "#4D4D4D" for chosen in picked],
                "width": [HIGHLIGHT_WIDTH if chosen else 0.5 for chosen in picked],
            },
        }
    else:
        marker = {"size": 11, "color": [HIGHLIGHT if chosen else colour for chosen in picked]}
    return {
        "type": "scatter",
        "x": scaled["value"],
        "y": labels,
        "mode": "markers",
        "marker": marker,
        "error_x": {
            "type": "data",
            "symmetric": False,
            "array": scaled["above"],
            "arrayminus": scaled["below"],
            "color": MUTED,
            "thickness": 1.5,
            # no whiskers at all without an interval: Plotly draws a zero-width cap across each dot
            "visible": interval,
        },
        "customdata": [list(row) for row in zip(shown["n"].to_list(), scaled["low"], scaled["high"], strict=True)],
        "hovertemplate": "%{y}: %{x:.1f}<br>95 %: %{customdata[1]:.1f}–%{customdata[2]:.1f}<br>n = %{customdata[0]:,}"
        "<extra></extra>"
        if interval
        else "%{y}: %{x:.1f}<extra></extra>",
        "name": name,
    }


@dataclass(frozen=True)
class FunnelLimit:
    """One pair of control limits (proportions) along :attr:`FunnelLimits.volumes`, and the coverage it stands for."""

    coverage: float
    """Percent of the areas expected inside when only chance varies: 95.0 or 99.8, named so in the legend."""
    lower: Sequence[float]
    upper: Sequence[float]


@dataclass(frozen=True)
class FunnelLimits:
    """What a funnel plot draws around its points, computed by the caller: the target and its control limits.

    ``p0`` is the target share (the national line); ``volumes`` the grid of volumes the limit curves run along
    (:func:`funnel_volumes`); ``limits`` the curves, drawn in order, the widest first.
    """

    p0: float
    volumes: Sequence[float]
    limits: Sequence[FunnelLimit]
    phi: float | None = None
    """The overdispersion factor the limits were widened by (√φ), or None for the plain limits."""


#: A funnel point's group by its ``flag``: outside the 99.8 % limits above, below, or not (between the 95 % and
#: 99.8 % limits a point keeps the ordinary colour: the legend says the colours mean the 99.8 % limits).
_OUTSIDE = {"above_998": "above", "below_998": "below"}
_GROUP_STYLE = {"inside": (PRIMARY, ""), "below": (BELOW_LIMIT, "bottom center"), "above": (ABOVE_LIMIT, "top center")}


def _volume_range(shown: pl.DataFrame) -> tuple[float, float]:
    """The funnel's volume axis: from half the smallest shown volume (at least 1) to 1.2 × the largest."""
    volumes = shown["n"].cast(pl.Float64)
    top = float(volumes.max() or 100.0) * 1.2  # type: ignore[arg-type]  # a Float64 column's max is a float
    bottom = max(1.0, float(volumes.min() or 1.0) / 2)  # type: ignore[arg-type]
    return bottom, top


def funnel_volumes(frame: pl.DataFrame) -> list[float]:
    """The whole volumes a funnel plot of ``frame`` draws its limit curves along: 300 log-spaced steps, rounded."""
    bottom, top = _volume_range(_shown(frame))
    return np.unique(np.geomspace(bottom, max(top, 10), 300).round()).tolist()  # type: ignore[no-any-return]


def funnel_plot(
    frame: pl.DataFrame,
    text: ChartText,
    *,
    limits: FunnelLimits,
    volume_label: str,
    value_label: str,
    highlight: str | None = None,
    language: str = "fi",
    point_names: Mapping[str, str] | None = None,
) -> go.Figure:
    """Share against volume with the control ``limits`` around the target ``limits.p0``.

    The limits are named in the legend as ``language`` writes numbers ('99,8 %' in Finnish and Swedish,
    '99.8 %' in English). When ``frame`` has a ``flag`` per point (see ``views.compare.county_limits``) and
    ``point_names`` names the groups ``inside``, ``above`` and ``below``, the points outside the 99.8 % limits
    are drawn in their own colours, named in the legend and labelled with their ``label``; the others carry
    their name on hover only, so labels stay few.
    """
    shown = _shown(frame)
    bottom, top = _volume_range(shown)
    grid = list(limits.volumes)
    traces: list[dict[str, object]] = []
    for limit in limits.limits:
        name = f"{number(limit.coverage, language, digits=1 if limit.coverage % 1 else 0)} %"
        # the outer (99.8 %) limits dotted, the inner (95 %) dashed
        colour, dash = (LIMIT_998, "dot") if limit.coverage > 99 else (LIMIT_95, "dash")
        for bound in (limit.lower, limit.upper):
            traces.append(
                {
                    "type": "scatter",
                    "x": grid,
                    "y": [value * 100 for value in bound],
                    "mode": "lines",
                    "line": {"color": colour, "width": 1.2, "dash": dash},
                    "name": name,
                    "legendgroup": name,
                    "showlegend": bound is limit.lower,
                    "hoverinfo": "skip",
                }
            )
    if "flag" in shown.columns and point_names:
        groups = shown["flag"].replace_strict(_OUTSIDE, default="inside", return_dtype=pl.String).fill_null("inside")
        for group, (colour, position) in _GROUP_STYLE.items():
            points = shown.filter(groups == group)
            if points.is_empty():
                continue
            traces.append(_funnel_points(points, colour, highlight, name=point_names[group], position=position))
    else:
        traces.append(_funnel_points(shown, PRIMARY, highlight))
    national = limits.p0 * 100  # a thin line across the plot at the national share
    xaxis: dict[str, object] = _count_axis(volume_label)
    if top > 1000:
        ticks = _round_ticks(bottom, top)
        xaxis |= {
            "type": "log",
            "tickvals": ticks,
            "ticktext": [number(tick, language, digits=0) for tick in ticks],  # '10 000', '10,000'
        }
    layout = {
        "shapes": [
            {
                "type": "line",
                "xref": "x domain",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": national,
                "y1": national,
                "line": {"color": MUTED, "width": 1},
            }
        ],
        "xaxis": xaxis,
        "yaxis": {"title": {"text": value_label}},
    }
    return framed(traces, layout, text)


def _funnel_points(
    points: pl.DataFrame, colour: str, highlight: str | None, *, name: str = "", position: str = ""
) -> dict[str, object]:
    """One funnel trace of ``points`` in ``colour`` (the ``highlight`` one in its own); labelled at ``position``."""
    labels = points["label"].to_list()
    trace: dict[str, object] = {
        "type": "scatter",
        "x": points["n"].to_list(),
        "y": (points["value"] * 100).to_list(),
        "mode": "markers+text" if position else "markers",
        "marker": {
            "size": 10,
            "color": [HIGHLIGHT if label == highlight else colour for label in labels],
            "line": {"width": 1, "color": "white"},
        },
        "text": labels,
        "hovertemplate": "%{text}: %{y:.1f} %<br>n = %{x:,}<extra></extra>",
        "showlegend": bool(name),
    }
    if name:
        trace["name"] = name
    if position:
        spots = _label_spots(trace["x"], trace["y"], position.split(maxsplit=1)[0])  # type: ignore[arg-type]
        trace |= {"textposition": spots, "textfont": {"size": 11, "color": colour}}
    return trace


def _label_spots(volumes: Sequence[float | None], values: Sequence[float | None], side: str) -> list[str]:
    """Where each outlier's name goes: centred on ``side`` (top or bottom) of its point, except where two
    labelled points sit close (within a tenth of a decade of volume and 3 points of share): then the left one's
    name goes to its left and the right one's to its right, so the two names do not print over each other."""
    spots = [f"{side} center"] * len(volumes)
    known = [index for index in range(len(volumes)) if volumes[index] and values[index] is not None]
    order = sorted(known, key=lambda index: volumes[index] or 0.0)
    for left, right in pairwise(order):
        apart = abs(np.log10(volumes[right] or 1.0) - np.log10(volumes[left] or 1.0))
        if apart < 0.1 and abs((values[right] or 0.0) - (values[left] or 0.0)) < 3:
            if spots[left] == f"{side} center":
                spots[left] = f"{side} left"
            spots[right] = f"{side} right"
    return spots


def _round_ticks(low: float, high: float) -> list[float]:
    """1-2-5 steps between ``low`` and ``high`` for a log axis, instead of Plotly's bare '2 3 4 … 1000 2' labels."""
    ticks = []
    for exponent in range(int(np.floor(np.log10(max(low, 1.0)))), int(np.ceil(np.log10(high))) + 1):
        ticks += [step * 10.0**exponent for step in (1, 2, 5) if low <= step * 10.0**exponent <= high]
    return ticks


def trend_chart(
    frame: pl.DataFrame,
    text: ChartText,
    *,
    percent: bool = True,
    value_label: str = "",
    references: Sequence[Reference] = (),
    markers: Sequence[tuple[str, str]] = (),
    band: bool = True,
    colours: Mapping[str, str] | None = None,
    full_width: bool = False,
) -> go.Figure:
    """One line per ``label`` over ``period``, with optional interval bands, reference lines and dated markers.

    A line's colour is ``colours[label]`` when given (a series with a role, such as participants against
    the others, keeps its colour in every language), otherwise the palette's in the frame's label order.
    Reference and marker labels are placed where no line runs under them (see :func:`_label_spot`).
    ``full_width`` says the chart takes the page's whole width, so its text is broken into longer lines.
    Traces, lines and labels are plain layout data and the figure is built once (see :func:`framed`).
    """
    scale = _scale(percent)
    shown = _shown(frame).sort("period")
    periods_shown = sorted({*shown["period"].to_list(), *(period for period, _ in markers)})
    position = {period: index for index, period in enumerate(periods_shown)}
    points: list[tuple[float, float]] = []  # (period position, value) along every drawn line
    bounds: list[float] = []  # every value the plot must show: lines, bands, references
    traces: list[dict[str, object]] = []
    # Colours follow every label of the frame, so a series whose cells are all hidden keeps the others'
    # colours as on the charts beside it (the whole country stays orange when a county's line is hidden).
    for index, (label,) in enumerate(frame.select("label").unique(maintain_order=True).iter_rows()):
        series = shown.filter(pl.col("label") == label)
        if series.is_empty():
            continue
        colour = (colours or {}).get(label, OKABE_ITO[index % len(OKABE_ITO)])
        periods = series["period"].to_list()
        values = (series["value"] * scale).to_list()
        points += _along([(position[period], value) for period, value in zip(periods, values, strict=True)])
        bounds += [value for value in values if value is not None]
        if band and {"ci_low", "ci_high"} <= set(series.columns):
            bounds += [value * scale for value in (*series["ci_low"], *series["ci_high"]) if value is not None]
            traces.append(
                {
                    "type": "scatter",
                    "x": [*periods, *reversed(periods)],
                    "y": [*(series["ci_high"] * scale).to_list(), *reversed((series["ci_low"] * scale).to_list())],
                    "fill": "toself",
                    "mode": "lines",  # without it plotly marks every corner of the band
                    "fillcolor": _transparent(colour),
                    "line": {"width": 0},
                    "hoverinfo": "skip",
                    "showlegend": False,
                }
            )
        traces.append(
            {
                "type": "scatter",
                "x": periods,
                "y": values,
                "mode": "lines+markers",
                "name": label,
                "line": {"color": colour, "width": 2},
                "customdata": series["n"].to_list(),
                "hovertemplate": f"{label}<br>%{{x}}: %{{y:.1f}}<br>n = %{{customdata:,}}<extra></extra>",
            }
        )
    lines = [reference.value * scale for reference in references]
    bounds += lines
    low, high = (min(bounds), max(bounds)) if bounds else (0.0, 1.0)
    last = max(len(periods_shown) - 1, 1)
    shapes: list[dict[str, object]] = []
    notes: list[dict[str, object]] = []
    for reference, y in zip(references, lines, strict=True):  # a horizontal line, labelled beside it where free
        line = {"color": _reference_colour(reference.kind), "dash": "dash", "width": 1.5}
        shapes.append(
            {"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": y, "y1": y, "line": line}
        )
        side, above = _label_spot(points, y, reference.label, last=last, span=(high - low) or 1.0)
        notes.append(
            {
                "text": reference.label,
                "xref": "x domain",
                "x": side,
                "xanchor": "right" if side else "left",
                "yref": "y",
                "y": y,
                "yanchor": "bottom" if above else "top",
                "font": {"size": 11, "color": line["color"]},
                "bgcolor": "rgba(255,255,255,0.8)",
            }
        )
    for period, label in markers:  # categorical x: the line and its label are placed separately
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "x0": period,
                "x1": period,
                "yref": "y domain",
                "y0": 0,
                "y1": 1,
                "line": {"color": MUTED, "dash": "dot"},
            }
        )
        notes.append(  # inside the plot's head room, right of the line (above the plot it ran into the legend)
            {
                "text": label,
                "x": period,
                "yref": "y domain",
                "y": 1.0,
                "xanchor": "left",
                "yanchor": "top",
                "xshift": 4,
                "font": {"size": 11, "color": "#4D4D4D"},
                "bgcolor": "rgba(255,255,255,0.8)",
            }
        )
    y_axis: dict[str, object] = {"title": {"text": value_label}}
    if markers:  # head room, so the markers' labels at the top of the plot have a free band to sit in
        span = (high - low) or 1.0
        y_axis["range"] = [low - 0.05 * span, high + HEAD_ROOM * span]
    layout = {
        "shapes": shapes,
        "annotations": [{**note, "showarrow": False} for note in notes],
        "xaxis": {
            "title": {"text": None},
            "type": "category",
            "categoryorder": "category ascending",  # periods in time order whichever line starts later
            **_period_ticks(periods_shown),
        },
        "yaxis": y_axis,
    }
    return framed(traces, layout, text, wraps=FULL_WIDTH if full_width else HALF_WIDTH)


#: The share of the values' span left free above the highest value when a chart has labels inside its top.
HEAD_ROOM = 0.16


def _along(points: Sequence[tuple[float, float | None]]) -> list[tuple[float, float]]:
    """Points of a line and three between each pair it joins, so a steep segment is seen where it runs."""
    along: list[tuple[float, float]] = []
    for (x0, y0), (x1, y1) in zip(points, [*points[1:], (0.0, None)], strict=True):
        if y0 is None:
            continue
        along.append((x0, y0))
        if y1 is not None:
            along += [(x0 + (x1 - x0) * step, y0 + (y1 - y0) * step) for step in (0.25, 0.5, 0.75)]
    return along


def _label_spot(
    points: Sequence[tuple[float, float]], y: float, label: str, *, last: int, span: float
) -> tuple[int, bool]:
    """Where a reference line at ``y`` is labelled: its right (1) or left (0) end, above (True) or below it.

    The first of right-above, right-below, left-above, left-below whose box holds no point of a line;
    right-above when none is free. The box is judged in a plot of about 300 × 250 pixels, 6 pixels a
    character and 16 a line: its width in periods (``last`` is the last period's position) and its
    height a tenth of the values' ``span``.
    """
    width = min(1.0, 6 * len(label) / 300) * last
    height = 0.1 * span
    for side, above in ((1, True), (1, False), (0, True), (0, False)):
        left, right = (last - width, last) if side else (0.0, width)
        bottom, top = (y, y + height) if above else (y - height, y)
        if not any(left <= x <= right and bottom <= value <= top for x, value in points):
            return side, above
    return 1, True


def _period_ticks(periods: Sequence[str]) -> dict[str, object]:
    """Horizontal labels for a time axis: quarters ('2024Q3') are labelled once a year, at the year's first.

    A few quarters (four at most) are labelled each, as 'Q3/2024'; other periods are left to Plotly.
    """
    quarters = [period for period in periods if len(period) == 6 and period[:4].isdigit() and period[4] == "Q"]
    if not quarters or len(quarters) != len(periods):
        return {}
    if len(quarters) <= 4:
        return {
            "tickmode": "array",
            "tickvals": quarters,
            "ticktext": [f"{q[4:]}/{q[:4]}" for q in quarters],
            "tickangle": 0,
        }
    firsts = [quarter for index, quarter in enumerate(quarters) if not index or quarter[:4] != quarters[index - 1][:4]]
    return {
        "tickmode": "array",
        "tickvals": firsts,
        "ticktext": [quarter[:4] if quarter.endswith("Q1") else f"{quarter[4:]}/{quarter[:4]}" for quarter in firsts],
        "tickangle": 0,
    }


def _transparent(colour: str, alpha: float = 0.15) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def access_continuity_scatter(
    frame: pl.DataFrame,
    text: ChartText,
    *,
    x_label: str,
    y_label: str,
    x_reference: float | None,
    y_reference: float | None,
    x_percent: bool = True,
    highlight: str | None = None,
) -> go.Figure:
    """One point per area (``x``, ``y``), its path over ``period``, quadrant lines at the national values."""
    x_scale = _scale(x_percent)
    shown = frame.drop_nulls(["x", "y"]).sort("period")
    if "suppressed" in shown.columns:
        shown = shown.filter(~pl.col("suppressed").fill_null(False))
    traces: list[dict[str, object]] = []
    latest = shown.group_by("label", maintain_order=True).agg(pl.all().last())
    names = latest["label"].to_list()
    # With a county picked, only its path is drawn (22 paths at once are spaghetti); otherwise all, faintly.
    paths = [highlight] if highlight in set(names) else names
    for label in paths:
        path = shown.filter(pl.col("label") == label)
        if path.height > 1:
            picked = label == highlight
            trace: dict[str, object] = {
                "type": "scatter",
                "x": (path["x"] * x_scale).to_list(),
                "y": path["y"].to_list(),
                "mode": "lines+markers+text" if picked else "lines",
                "line": {"color": HIGHLIGHT if picked else TRAIL, "width": 1.5 if picked else 1},
                "marker": {"size": 5, "color": HIGHLIGHT},
                "textposition": "bottom center",
                "textfont": {"size": 9, "color": HIGHLIGHT},
                "hoverinfo": "skip",
                "showlegend": False,
            }
            if picked:  # each year but the latest, whose point is labelled with the area's name
                trace["text"] = [str(period) for period in path["period"].to_list()[:-1]] + [""]
            traces.append(trace)
    xs, ys = latest["x"].to_list(), latest["y"].to_list()
    traces.append(
        {
            "type": "scatter",
            "x": (latest["x"] * x_scale).to_list(),
            "y": ys,
            "mode": "markers+text",
            "text": readable_labels(xs, ys, names, keep=highlight),
            "textposition": _edge_positions(xs),
            "textfont": {"size": 10},
            "marker": {"size": 10, "color": [HIGHLIGHT if label == highlight else PRIMARY for label in names]},
            "customdata": [[name, period] for name, period in zip(names, latest["period"].to_list(), strict=True)],
            "hovertemplate": "%{customdata[0]} (%{customdata[1]})<br>%{x:.1f} · %{y:.2f}<extra></extra>",
            "showlegend": False,
        }
    )
    line = {"color": MUTED, "dash": "dash", "width": 1}
    shapes: list[dict[str, object]] = []  # the quadrant lines, across the whole plot
    if x_reference is not None:
        x = x_reference * x_scale
        shapes.append(
            {"type": "line", "xref": "x", "x0": x, "x1": x, "yref": "y domain", "y0": 0, "y1": 1, "line": line}
        )
    if y_reference is not None:
        shapes.append(
            {
                "type": "line",
                "xref": "x domain",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": y_reference,
                "y1": y_reference,
                "line": line,
            }
        )
    layout = {
        "shapes": shapes,
        # 12-pixel titles: the access indicator's long name and its unit fit the page's width at 1024 pixels
        "xaxis": {"title": {"text": x_label, "font": {"size": 12}}, **_padded([*(shown["x"] * x_scale)])},
        # more room above: the topmost point's label sits over it
        "yaxis": {"title": {"text": y_label, "font": {"size": 12}}, **_padded(shown["y"].to_list(), above=0.12)},
    }
    return framed(traces, layout, text, height=560, wraps=FULL_WIDTH)


def _padded(values: Sequence[float], *, above: float = 0.05) -> dict[str, object]:
    """An axis range a twentieth of the values' span wider below (``above`` of it above): Plotly pads markers,
    not bare lines, so the faint paths ran into the plot's edge."""
    if not values:
        return {}
    low, high = min(values), max(values)
    span = (high - low) or abs(high) or 1.0
    return {"range": [low - span * 0.05, high + span * above]}


def _edge_positions(xs: Sequence[float]) -> list[str]:
    """Point labels above their points, leaning inwards in the outer tenth of each side so none is cut."""
    if not xs:
        return []
    low, span = min(xs), (max(xs) - min(xs)) or 1.0
    return [
        "top left" if (x - low) / span > 0.9 else "top right" if (x - low) / span < 0.1 else "top center" for x in xs
    ]


#: The faint grey of the paths of the areas not picked.
TRAIL = "#D0D0D0"


#: The plot area, in pixels, in which scatter labels are checked for overlap: the scatter's plot at a 1024-pixel
#: window (wider windows only add room).
LABEL_PLOT = (440, 330)


def readable_labels(
    xs: Sequence[float], ys: Sequence[float], labels: Sequence[str], *, keep: str | None = None
) -> list[str]:
    """The point labels that can be read: a label that would overlap one already placed is left to the hover.

    Labels sit above their points, centred or leaning inwards at the sides as :func:`_edge_positions`
    places them. The picked area (``keep``) is placed first, then the points farthest from the middle of
    the cloud, where labels have room. Overlap is judged in a plot of :data:`LABEL_PLOT` pixels with
    10-pixel text (6 pixels a character, 14 a line), in the axes' own spans.
    """
    if not labels:
        return []
    width, height = LABEL_PLOT
    x_span = (max(xs) - min(xs)) or 1.0
    y_span = (max(ys) - min(ys)) or 1.0
    x_mid, y_mid = sum(xs) / len(xs), sum(ys) / len(ys)
    positions = _edge_positions(xs)

    def box(index: int) -> tuple[float, float, float, float]:
        x, y = (xs[index] - min(xs)) / x_span * width, (ys[index] - min(ys)) / y_span * height
        wide = 6 * len(labels[index]) + 4
        left = {"top left": x - wide, "top right": x}.get(positions[index], x - wide / 2)
        return left, left + wide, y + 6, y + 6 + 14

    def spread(index: int) -> float:
        return ((xs[index] - x_mid) / x_span) ** 2 + ((ys[index] - y_mid) / y_span) ** 2

    order = sorted(range(len(labels)), key=lambda index: (labels[index] != keep, -spread(index)))
    placed: list[tuple[float, float, float, float]] = []
    shown = [""] * len(labels)
    for index in order:
        left, right, bottom, top = box(index)
        if labels[index] == keep or all(
            right < other[0] or left > other[1] or top < other[2] or bottom > other[3] for other in placed
        ):
            placed.append((left, right, bottom, top))
            shown[index] = labels[index]
    return shown


def share_bars(
    frame: pl.DataFrame,
    text: ChartText,
    *,
    parts: Sequence[tuple[str, str, str]],
    value_label: str,
) -> go.Figure:
    """Horizontal 100 % bars per ``label``: ``parts`` are (column, legend name, colour) in order."""
    shown = frame
    if "suppressed" in shown.columns:
        shown = shown.filter(~pl.col("suppressed").fill_null(False))
    labels = shown["label"].to_list()
    counts = shown["n"].to_list()
    shares = shown.select(pl.col(column) * 100 for column, _, _ in parts).to_dict(as_series=False)
    traces = [
        {
            "type": "bar",
            "y": labels,
            "x": shares[column],
            "name": name,
            "orientation": "h",
            "marker": {"color": colour},
            "customdata": counts,
            "hovertemplate": f"%{{y}} · {name}: %{{x:.1f}} %<br>n = %{{customdata:,}}<extra></extra>",
        }
        for column, name, colour in parts
    ]
    layout = {
        "barmode": "stack",
        "legend": {"traceorder": "normal"},
        "xaxis": {"title": {"text": value_label}, "range": [0, 100]},
        "yaxis": {"title": {"text": None}, "automargin": True},
    }
    return framed(traces, layout, text, height=max(360, 34 * shown.height + 170))


def histogram(values: pl.Series, text: ChartText, *, value_label: str, count_label: str, bins: int = 20) -> go.Figure:
    """Distribution of a patient-level index in [0, 1]; the caller passes values only, never identifiers."""
    counts, edges = np.histogram(values.drop_nulls().to_numpy(), bins=bins, range=(0.0, 1.0))
    bars = {
        "type": "bar",
        "x": ((edges[:-1] + edges[1:]) / 2).tolist(),
        "y": counts.tolist(),
        "width": float(edges[1] - edges[0]) * 0.95,
        "marker": {"color": PRIMARY},
        "hovertemplate": f"{value_label} %{{x:.2f}}<br>{count_label}: %{{y:,}}<extra></extra>",
    }
    layout = {"xaxis": {"title": {"text": value_label}, "range": [0, 1]}, "yaxis": _count_axis(count_label)}
    return framed([bars], layout, text)


# Tile-grid positions (column, row) of the 22 areas, roughly as on a map of Finland.
TILE_POSITIONS: dict[str, tuple[int, int]] = {
    "21": (2, 0),
    "19": (2, 1),
    "20": (3, 1),
    "18": (1, 2),
    "17": (0, 3),
    "16": (1, 3),
    "15": (2, 3),
    "13": (3, 3),
    "14": (4, 3),
    "06": (0, 4),
    "08": (1, 4),
    "09": (2, 4),
    "12": (3, 4),
    "11": (4, 4),
    "05": (0, 5),
    "07": (1, 5),
    "02": (2, 5),
    "10": (3, 5),
    "03": (0, 6),
    "90": (1, 6),
    "04": (2, 6),
    "01": (3, 6),
}


#: A tile's least height in pixels: a name on three lines and the value, in 9-pixel text, fit in it.
TILE_HEIGHT = 64


def tile_map(
    frame: pl.DataFrame,
    text: ChartText,
    *,
    value_label: str = "",
    percent: bool = True,
    higher_is_better: bool = True,
    highlight: str | None = None,
    legend: Mapping[str, str] | None = None,
    highlight_label: str = "",
) -> go.Figure:
    """The 22 areas as tiles (``region_code``, ``label``, ``value``, ``n``; optionally ``comparison``).

    When some area is judged against the country (a ``comparison`` of better, similar or worse, see
    :mod:`views.benchmark`), tiles take their comparison's colour (:data:`~charts.theme.COMPARISON_COLOURS`)
    and the legend names each, in ``legend``'s words. Otherwise (a series without intervals, or without a
    good direction) they are coloured by value on a colour bar laid under the map, so it takes none of its
    width. The ``highlight`` area (a ``label``) gets the black outline, named ``highlight_label`` in the legend.

    The tiles keep their height (:data:`TILE_HEIGHT`) and fill the chart's width, however narrow the
    column: they are not kept square, which shrank the map to a blob in a half-width column. Names are
    broken to fit a tile (:func:`_wrap`).
    """
    scale = _scale(percent)
    rows = {row["region_code"]: row for row in frame.iter_rows(named=True)}
    scaled = {code: (row["value"] * scale if row.get("value") is not None else None) for code, row in rows.items()}
    groups = {code: row.get("comparison") or "no_data" for code, row in rows.items()}
    judged = any(groups[code] in JUDGED for code in groups if scaled[code] is not None)
    known = [value for value in scaled.values() if value is not None]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    colourscale = "Cividis" if higher_is_better else "Cividis_r"
    shapes: list[dict[str, object]] = []
    xs, ys, labels, hover, ink = [], [], [], [], []
    for code, (column, row) in TILE_POSITIONS.items():
        value = scaled.get(code)
        record = rows.get(code, {})
        name = str(record.get("label", code))
        position = 0.5 if value is None or high == low else (value - low) / (high - low)
        group = groups.get(code, "no_data") if value is not None else "no_data"
        if value is None:
            fill = COMPARISON_COLOURS["no_data"]
        elif judged:
            fill = COMPARISON_COLOURS.get(group, COMPARISON_COLOURS["no_data"])
        else:
            fill = sample_colorscale(colourscale, [position])[0]
        chosen = highlight is not None and name == highlight
        shapes.append(
            {
                "type": "rect",
                "x0": column,
                "x1": column + 0.96,
                "y0": -row,
                "y1": -row + 0.96,
                "fillcolor": fill,
                "line": {"width": HIGHLIGHT_WIDTH, "color": HIGHLIGHT} if chosen else {"width": 0},
                "layer": "below",
            }
        )
        xs.append(column + 0.48)
        ys.append(-row + 0.48)
        shown_value = "–" if value is None else f"{value:.0f}"
        labels.append(f"{_wrap(name)}<br><b>{shown_value}</b>")
        words = (legend or {}).get(group, "") if judged and value is not None else ""
        hover.append(
            f"{name}: {'–' if value is None else f'{value:.1f}'}<br>n = {record.get('n') or '–'}"
            + (f"<br>{words}" if words else "")
        )
        if judged:
            ink.append(COMPARISON_INK.get(group, "#1A1A1A") if value is not None else "#1A1A1A")
        else:
            light = value is None or (position > 0.5) == higher_is_better
            ink.append("#1A1A1A" if light else "#FFFFFF")
    tiles = {
        "type": "scatter",
        "x": xs,
        "y": ys,
        "mode": "text",
        "text": labels,
        "textfont": {"size": 9, "color": ink},
        "hovertext": hover,
        "hoverinfo": "text",
        "showlegend": False,
    }
    traces: list[dict[str, object]] = [tiles]
    key: list[str] = []
    if judged:
        present = {group for code, group in groups.items() if scaled[code] is not None}
        key += [
            legend_entry((legend or {}).get(group, group), COMPARISON_COLOURS[group], symbol="■")
            for group in JUDGED
            if group in present
        ]
    else:
        traces.append(_colour_bar(colourscale, low, high, value_label))
    if highlight is not None and highlight_label and any(str(row.get("label")) == highlight for row in rows.values()):
        key.append(legend_entry(highlight_label, HIGHLIGHT, symbol="□"))
    layout = {
        "shapes": shapes,  # all at once: 22 ``add_shape`` calls cost more than the rest of the page
        "showlegend": False,
        "xaxis": {"visible": False, "range": [-0.04, 4.98], "fixedrange": True},
        "yaxis": {"visible": False, "range": [-6.04, 0.98], "fixedrange": True},
    }
    rows_drawn = 1 + max(row for _, row in TILE_POSITIONS.values())
    return framed(traces, layout, text, plot_height=TILE_HEIGHT * rows_drawn, sides=(10, 10), legend=key)


def _colour_bar(colourscale: str, low: float, high: float, title: str) -> dict[str, object]:
    """An invisible trace that carries the colour bar, laid across under the map."""
    return {
        "type": "scatter",
        "x": [None],
        "y": [None],
        "mode": "markers",
        "marker": {
            "colorscale": colourscale,
            "cmin": low,
            "cmax": high,
            "color": [low],
            "showscale": True,
            "colorbar": {
                "orientation": "h",
                "x": 0.5,
                "xanchor": "center",
                "y": 0.0,
                "yanchor": "top",
                "ypad": 4,
                "len": 0.8,
                "thickness": 10,
                "title": {"text": title, "side": "top", "font": {"size": 12}},
                "tickfont": {"size": 11},
            },
        },
        "hoverinfo": "skip",
        "showlegend": False,
    }


def _wrap(name: str, width: int = 9) -> str:
    """Break a name into lines of at most ``width`` letters, at spaces and after hyphens.

    A word longer than a line is hyphenated at the syllable boundary nearest its middle
    ('Kymen-laakso', 'Öster-botten'); a hyphen ending a line is not counted.
    """
    words: list[str] = []
    for word in name.replace("-", "- ").split():
        words += _syllable_break(word, width)
    lines: list[str] = []
    for word in words:
        joined = f"{lines[-1]}{'' if lines[-1].endswith('-') else ' '}{word}" if lines else word
        if lines and len(joined.rstrip("-")) <= width and not lines[-1].endswith("-\u00ad"):
            lines[-1] = joined
        else:
            lines.append(word)
    return "<br>".join(line.replace("\u00ad", "") for line in lines)


VOWELS = frozenset("aeiouyäöåAEIOUYÄÖÅ")


def _syllable_break(word: str, width: int) -> list[str]:
    """``word``, or its two halves when it is longer than ``width``: broken before a consonant that
    starts a syllable (one followed by a vowel), the break nearest the middle, the later of two as near."""
    if len(word.rstrip("-")) <= width:
        return [word]
    breaks = [
        index
        for index in range(2, len(word) - 2)
        if word[index] not in VOWELS and word[index + 1] in VOWELS and word[index - 1] != "-"
    ]
    if not breaks:
        return [word]
    middle = max(breaks, key=lambda index: (-abs(index - len(word) / 2), index))
    return [f"{word[:middle]}-\u00ad", word[middle:]]


def small_multiples(
    frame: pl.DataFrame,
    text: ChartText,
    *,
    reference: pl.DataFrame | None = None,
    reference_label: str = "",
    percent: bool = True,
    value_label: str = "",
    columns: int = 6,
) -> go.Figure:
    """One small panel per ``label`` with its line over ``period`` and, in grey, the ``reference`` line.

    Panels share both axes, so levels compare at a glance; suppressed cells are gaps. The caller
    names the grey line in the subtitle (a legend would collide with the panel titles). Panels with none
    below them label the time axis (the years, as :func:`_period_ticks`, the first and the last named);
    ``value_label`` is written once, down the left of the grid. Panel titles are broken to fit a panel
    of about 70 pixels (a 1024-pixel window). The grid is
    laid out here as plain layout data and the figure built once: Plotly's ``make_subplots`` and
    per-panel ``add_trace`` took most of the page's time for 22 panels.
    """
    scale = _scale(percent)
    labels = frame.select("label").unique(maintain_order=True).to_series().to_list()
    rows = max(1, -(-len(labels) // columns))
    ordered = reference.sort("period") if reference is not None and reference.height else None
    reference_x = ordered["period"].to_list() if ordered is not None else []
    reference_y = (ordered["value"] * scale).to_list() if ordered is not None else []
    layout: dict[str, object] = {"showlegend": False}
    titles: list[dict[str, object]] = []
    if value_label:  # one axis title for the whole grid, down its left side
        titles.append(
            {
                "text": value_label,
                "textangle": -90,
                "x": 0.0,
                "xshift": -52,
                "xanchor": "center",
                "y": 0.5,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "font": {"size": 12},
            }
        )
    periods = sorted({*frame["period"].to_list(), *reference_x})
    ticks = _panel_ticks(periods)
    traces: list[dict[str, object]] = []
    for index, label in enumerate(labels):
        suffix, x_domain, y_domain = _panel(index, rows, columns)
        layout[f"xaxis{suffix}"] = {
            "domain": x_domain,
            "anchor": f"y{suffix}",
            "type": "category",
            "categoryorder": "category ascending",
            **ticks,
            "showticklabels": index + columns >= len(labels),  # no panel below: its time axis is named
            "tickfont": {"size": 10},
            **({"matches": "x"} if index else {}),
        }
        layout[f"yaxis{suffix}"] = {
            "domain": y_domain,
            "anchor": f"x{suffix}",
            "showticklabels": index % columns == 0,
            **({"matches": "y"} if index else {}),
        }
        titles.append(
            {
                "text": _wrap(label, 13),
                "x": sum(x_domain) / 2,
                "y": y_domain[1],
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 10},
            }
        )
        panel = {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}", "mode": "lines", "type": "scatter", "showlegend": False}
        if ordered is not None:
            traces.append(
                {
                    **panel,
                    "x": reference_x,
                    "y": reference_y,
                    "line": {"color": MUTED, "width": 1},
                    "name": reference_label,
                    "hoverinfo": "skip",
                }
            )
        series = frame.filter(pl.col("label") == label).sort("period")
        traces.append(
            {
                **panel,
                "x": series["period"].to_list(),
                "y": (series["value"] * scale).to_list(),
                "line": {"color": PRIMARY, "width": 2},
                "name": label,
                "customdata": series["n"].to_list(),
                "hovertemplate": f"{label}<br>%{{x}}: %{{y:.1f}}<br>n = %{{customdata:,}}<extra></extra>",
            }
        )
    layout["annotations"] = titles
    return framed(traces, layout, text, height=170 * rows + 220, wraps=FULL_WIDTH)


def _panel_ticks(periods: Sequence[str]) -> dict[str, object]:
    """A small panel's time axis: quarters marked at each year's first, the first and the last year named."""
    ticks = _period_ticks(periods)
    texts = ticks.get("ticktext")
    if isinstance(texts, list) and len(texts) > 2:
        ticks["ticktext"] = [text if index in (0, len(texts) - 1) else "" for index, text in enumerate(texts)]
    return ticks


def _panel(index: int, rows: int, columns: int) -> tuple[str, list[float], list[float]]:
    """Panel ``index`` (row by row from the top left): its axes' suffix ('' for the first, then '2', '3' ...)
    and its x and y paper domains, 0.02 apart across and 0.3 / rows apart down (room for the panel titles)."""
    horizontal, vertical = 0.02, 0.3 / rows
    width = (1 - horizontal * (columns - 1)) / columns
    height = (1 - vertical * (rows - 1)) / rows
    row, column = divmod(index, columns)
    left = column * (width + horizontal)
    top = 1 - row * (height + vertical)
    return (str(index + 1) if index else ""), [left, left + width], [top - height, top]


def grouped_bars(
    frame: pl.DataFrame, text: ChartText, *, value_label: str, references: Sequence[Reference] = ()
) -> go.Figure:
    """Horizontal bars per ``label``, one colour per ``group`` (for example a profession), hover with n."""
    shown = _shown(frame)
    traces: list[dict[str, object]] = []
    for index, (group,) in enumerate(shown.select("group").unique(maintain_order=True).iter_rows()):
        part = shown.filter(pl.col("group") == group)
        traces.append(
            {
                "type": "bar",
                "y": part["label"].to_list(),
                "x": part["value"].to_list(),
                "name": str(group),
                "orientation": "h",
                "marker": {"color": OKABE_ITO[index % len(OKABE_ITO)]},
                "customdata": part["n"].to_list(),
                "hovertemplate": f"%{{y}} · {group}: %{{x:.1f}}<br>n = %{{customdata:,}}<extra></extra>",
            }
        )
    shapes, notes = [], []
    for reference in references:  # a vertical line across the plot, labelled inside its top right
        line = {"color": _reference_colour(reference.kind), "dash": "dash", "width": 1.5}
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "x0": reference.value,
                "x1": reference.value,
                "yref": "y domain",
                "y0": 0,
                "y1": 1,
                "line": line,
            }
        )
        notes.append(
            {
                "text": reference.label,
                "xref": "x",
                "x": reference.value,
                "yref": "y domain",
                "y": 1,
                "xanchor": "left",
                "yanchor": "top",
                "showarrow": False,
            }
        )
    labels = shown.select("label").n_unique() if shown.height else 1
    layout = {
        "barmode": "group",
        "shapes": shapes,
        "annotations": notes,
        "xaxis": {"title": {"text": value_label}, "rangemode": "tozero"},
        "yaxis": {
            "title": {"text": None},
            "automargin": True,
            "categoryorder": "category descending",
            "tickmode": "linear",
            "dtick": 1,
        },
    }
    return framed(traces, layout, text, height=max(380, 26 * labels * max(1, len(traces)) + 190))


def binned_bars(frame: pl.DataFrame, text: ChartText, *, value_label: str, count_label: str) -> go.Figure:
    """A distribution already binned (``bin_low``, ``bin_high``, ``n``): suppressed bins are left empty."""
    shown = frame
    if "suppressed" in shown.columns:
        shown = shown.filter(~pl.col("suppressed").fill_null(False))
    widths = (frame["bin_high"] - frame["bin_low"]).cast(pl.Float64)
    width = float(widths.min() or 0.1) * 0.95  # type: ignore[arg-type]  # a Float64 column's min is a float
    bars = {
        "type": "bar",
        "x": ((shown["bin_low"] + shown["bin_high"]) / 2).to_list(),
        "y": shown["n"].to_list(),
        "width": width,
        "marker": {"color": PRIMARY},
        "customdata": [list(row) for row in shown.select("bin_low", "bin_high").iter_rows()],
        "hovertemplate": (
            f"{value_label} %{{customdata[0]:.1f}}–%{{customdata[1]:.1f}}<br>{count_label}: %{{y:,}}<extra></extra>"
        ),
    }
    layout = {"xaxis": {"title": {"text": value_label}, "range": [0, 1]}, "yaxis": _count_axis(count_label)}
    return framed([bars], layout, text)
