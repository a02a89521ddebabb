"""From a Plotly figure to the description of an editable PowerPoint chart, or the reason there is none.

:func:`native_chart` is pure: it reads the figure's traces, axes and
reference lines and returns a :class:`NativeChart` (kind, categories, one
:class:`NativeSeries` per drawn trace with its values, colour, line and
marker style) that ``exports.pptx`` turns into a chart, or :class:`NotNative`
with the reason the slide gets a picture instead.

What maps:

* bars (``go.Bar``), horizontal or vertical, grouped or stacked → a bar or
  column chart over the bars' categories;
* a ranked dot plot (markers with their intervals as horizontal error bars,
  areas on the vertical axis) → a horizontal bar chart from zero, one bar per
  area with its interval as error bars, the highlighted area outlined, and
  each vertical reference line (the national value, a target) as a bar of its
  own under the areas, named by its label;
* lines and markers over a category axis (periods) → a line chart, with each
  interval band drawn as a band (a stacked area under the lines);
* lines and markers over two numeric axes → an XY scatter chart, per-point
  colours and text labels included, log axes kept; a point drawn in a colour
  of its own (the highlighted area) carries its name as a label;
* horizontal reference lines (``add_hline``: a target, a legal limit, the
  national value) and, on XY charts, vertical ones → extra dashed series named
  by their annotation.

What does not: text-only marks and colour scales (the tile map), error bars
other than a ranking's, mixed bars and lines, several panels, other trace
types. Decorations a native chart cannot carry (bands on bars or XY charts,
dated markers on a category axis) are left out and named in
``NativeChart.dropped`` by one of the keys of :data:`DROPPABLE`; the numbers
behind them are in the speaker notes.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import plotly.graph_objects as go
from plotly.colors import DEFAULT_PLOTLY_COLORS

ChartKind = Literal["bar", "column", "line", "xy"]
Dash = Literal["solid", "dash", "dot"]

_HEX = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_RGB = re.compile(r"rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*[\d.]+\s*)?\)")
_NAMED: Final = {"white": "#FFFFFF", "black": "#000000", "grey": "#808080", "gray": "#808080", "red": "#FF0000"}
_FILLS: Final = frozenset({"toself", "tonext", "tonexty", "tonextx", "tozeroy", "tozerox"})
_STACKED: Final = frozenset({"stack", "relative"})
#: What a native chart may leave out, by key: interval bands, reference lines on bars, dated markers, other shapes.
DROPPABLE: Final = ("bands", "reference_lines", "dated_markers", "shapes")


@dataclass(frozen=True)
class NativeSeries:
    """One series of a native chart. ``values`` are the y values (category charts: one per category)."""

    name: str
    values: tuple[float | None, ...]
    x: tuple[float, ...] = ()  # XY charts only, as long as ``values``
    colour: str | None = None  # "#RRGGBB"; None leaves PowerPoint's default
    point_colours: tuple[str | None, ...] = ()  # per point, when the trace colours points one by one
    labels: tuple[str, ...] = ()  # per-point data labels (a scatter's text)
    line: bool = True
    markers: bool = True
    dash: Dash = "solid"
    line_width: float | None = None  # in pixels, as Plotly gives it
    in_legend: bool = True
    reference: bool = False  # a reference line, not data
    error_plus: tuple[float | None, ...] = ()  # per point: how far the interval reaches above the value
    error_minus: tuple[float | None, ...] = ()  # … and below it
    outlined: tuple[bool, ...] = ()  # per point: drawn with a dark outline (the highlighted area)


@dataclass(frozen=True)
class NativeBand:
    """An interval band of a line chart: its lower and upper ends per category (None where there is none)."""

    low: tuple[float | None, ...]
    high: tuple[float | None, ...]
    colour: str  # "#RRGGBB", drawn at :data:`BAND_ALPHA` opacity


#: The opacity of an interval band, as the screen draws it (``charts.builders._transparent``).
BAND_ALPHA: Final = 0.15


@dataclass(frozen=True)
class NativeChart:
    """An editable chart: its kind, categories (not for XY), series, axis titles, ranges and log scales."""

    kind: ChartKind
    series: tuple[NativeSeries, ...]
    categories: tuple[str, ...] = ()
    stacked: bool = False
    x_title: str = ""
    y_title: str = ""
    x_range: tuple[float, float] | None = None
    y_range: tuple[float, float] | None = None
    x_log: bool = False
    y_log: bool = False
    gap_width: int | None = None
    legend: bool = False
    dropped: tuple[str, ...] = ()
    bands: tuple[NativeBand, ...] = ()  # line charts only

    @property
    def category_title(self) -> str:
        return self.y_title if self.kind == "bar" else self.x_title

    @property
    def value_title(self) -> str:
        return self.x_title if self.kind == "bar" else self.y_title

    @property
    def value_range(self) -> tuple[float, float] | None:
        return self.x_range if self.kind == "bar" else self.y_range


@dataclass(frozen=True)
class NotNative:
    """Why a figure becomes a picture."""

    reason: str


def native_chart(figure: go.Figure) -> NativeChart | NotNative:
    """The editable-chart description of ``figure``, or why there is none (see the module docstring)."""
    drawn, bands, problem = _data_traces(figure)
    if problem:
        return NotNative(problem)
    colorway = _colorway(figure)
    dropped = ["bands"] if bands else []
    if drawn[0][1].type == "bar":
        return _bar_chart(figure, drawn, colorway, dropped)
    if _is_ranking(figure, drawn):
        return _ranking_chart(figure, drawn, colorway, dropped)
    return _scatter_chart(figure, drawn, colorway, bands)


def _data_traces(figure: go.Figure) -> tuple[list[tuple[int, Any]], list[Any], str]:
    """The traces that carry data (with their index), the interval bands, and the reason for a picture ("" if
    none)."""
    drawn: list[tuple[int, Any]] = []
    bands: list[Any] = []
    for index, trace in enumerate(figure.data):
        if trace.type not in {"bar", "scatter", "scattergl"}:
            return drawn, bands, f"{trace.type} traces have no editable PowerPoint counterpart"
        if _is_band(trace):
            bands.append(trace)
            continue
        problem = _unsupported(trace, ranking=_is_ranking(figure, [(index, trace)]))
        if problem:
            return drawn, bands, problem
        drawn.append((index, trace))
    if not drawn:
        return drawn, bands, "the figure has no data traces"
    if any((trace.xaxis or "x") != "x" or (trace.yaxis or "y") != "y" for _, trace in drawn):
        return drawn, bands, "several panels (small multiples or subplots)"
    if len({trace.type == "bar" for _, trace in drawn}) > 1:
        return drawn, bands, "bars and lines in one chart (a combination chart)"
    return drawn, bands, ""


# -- bars ----------------------------------------------------------------------------------------------------


def _bar_chart(
    figure: go.Figure, drawn: Sequence[tuple[int, Any]], colorway: Sequence[str], dropped: list[str]
) -> NativeChart | NotNative:
    horizontal = {trace.orientation == "h" for _, trace in drawn}
    if len(horizontal) > 1:
        return NotNative("horizontal and vertical bars in one chart")
    is_horizontal = horizontal.pop()
    pairs = [
        (_values(trace.y), _values(trace.x)) if is_horizontal else (_values(trace.x), _values(trace.y))
        for _, trace in drawn
    ]
    category_axis = figure.layout.yaxis if is_horizontal else figure.layout.xaxis
    keys = [value for category_values, _ in pairs for value in category_values]
    numbers = _numeric_grid(keys, category_axis) if category_axis.type != "category" else None
    categories = (
        tuple(_category(value) for value in numbers)
        if numbers is not None
        else _ordered(category_axis, (_category(value) for value in keys))
    )
    series = []
    for (index, trace), (category_values, amounts) in zip(drawn, pairs, strict=True):
        by_category = {_category(key): _number(amount) for key, amount in zip(category_values, amounts, strict=False)}
        colour, point_colours = _trace_colours(trace.marker.color, colorway, index)
        series.append(
            NativeSeries(
                name=series_name(trace.name),
                values=tuple(by_category.get(category) for category in categories),
                colour=colour,
                point_colours=_aligned(point_colours, category_values, categories),
                line=False,
                markers=False,
                in_legend=trace.showlegend is not False,
            )
        )
    for shape in figure.layout.shapes:
        if shape.type == "line":
            _note(dropped, "reference_lines")
        elif shape.type is not None:
            _note(dropped, "shapes")
    narrow = any(trace.width is not None for _, trace in drawn)
    return NativeChart(
        kind="bar" if is_horizontal else "column",
        series=tuple(series),
        categories=categories,
        stacked=figure.layout.barmode in _STACKED,
        x_title=_axis_title(figure.layout.xaxis),
        y_title=_axis_title(figure.layout.yaxis),
        x_range=_axis_range(figure.layout.xaxis),
        y_range=_axis_range(figure.layout.yaxis),
        gap_width=5 if narrow else None,
        legend=_legend(figure, series),
        dropped=tuple(dropped),
    )


# -- lines and scatters ----------------------------------------------------------------------------------------


def _scatter_chart(
    figure: go.Figure, drawn: Sequence[tuple[int, Any]], colorway: Sequence[str], band_traces: Sequence[Any]
) -> NativeChart | NotNative:
    if figure.layout.yaxis.type == "category" or any(_is_text(trace.y) for _, trace in drawn):
        return NotNative("categories on the vertical axis without intervals")
    dropped: list[str] = []
    category_x = figure.layout.xaxis.type == "category" or any(_is_text(trace.x) for _, trace in drawn)
    series: list[NativeSeries] = []
    categories: tuple[str, ...] = ()
    if category_x:
        categories = _ordered(
            figure.layout.xaxis, (_category(value) for _, trace in drawn for value in _values(trace.x))
        )
    for index, trace in drawn:
        series.append(_scatter_series(trace, index, colorway, categories if category_x else None))
    bands = tuple(_band(trace, categories) for trace in band_traces) if category_x else ()
    if band_traces and not category_x:
        _note(dropped, "bands")
    series.extend(_reference_series(figure, series, categories if category_x else None, dropped))
    xs = [value for item in series for value in item.x]
    ys = [value for item in series for value in item.values if value is not None]
    ys += [value for band in bands for value in (*band.low, *band.high) if value is not None]
    return NativeChart(
        kind="line" if category_x else "xy",
        series=tuple(series),
        categories=categories,
        x_title=_axis_title(figure.layout.xaxis),
        y_title=_axis_title(figure.layout.yaxis),
        x_range=None if category_x else _axis_range(figure.layout.xaxis) or _auto_range(figure.layout.xaxis, xs),
        y_range=_axis_range(figure.layout.yaxis) or _auto_range(figure.layout.yaxis, ys),
        x_log=figure.layout.xaxis.type == "log",
        y_log=figure.layout.yaxis.type == "log",
        legend=_legend(figure, series),
        dropped=tuple(dropped),
        bands=bands,
    )


def _band(trace: Any, categories: Sequence[str]) -> NativeBand:
    """A band drawn as one closed outline: along the upper ends, then back along the lower ends."""
    xs, ys = _values(trace.x), _values(trace.y)
    half = len(xs) // 2
    high = {_category(x): _number(y) for x, y in zip(xs[:half], ys[:half], strict=False)}
    low = {_category(x): _number(y) for x, y in zip(xs[half:], ys[half:], strict=False)}
    return NativeBand(
        low=tuple(low.get(category) for category in categories),
        high=tuple(high.get(category) for category in categories),
        colour=_colour(trace.fillcolor) or "#808080",
    )


# -- rankings --------------------------------------------------------------------------------------------------


def _is_ranking(figure: go.Figure, drawn: Sequence[tuple[int, Any]]) -> bool:
    """A ranked dot plot: markers only, areas (text) on the vertical axis, values along the horizontal one."""
    return all(
        trace.type != "bar"
        and (trace.mode or "") == "markers"
        and _is_text(trace.y)
        and not _is_text(trace.x)
        and trace.error_y.array is None
        for _, trace in drawn
    ) and figure.layout.xaxis.type in {None, "-", "linear"}


def _ranking_chart(
    figure: go.Figure, drawn: Sequence[tuple[int, Any]], colorway: Sequence[str], dropped: list[str]
) -> NativeChart:
    """Bars from zero with the intervals as error bars; the reference lines are bars of their own at the bottom."""
    areas = _ordered(figure.layout.yaxis, (_category(value) for _, trace in drawn for value in _values(trace.y)))
    lines = _vertical_lines(figure)
    categories = (*(name for name, _, _ in lines), *areas)
    series = [_ranking_series(trace, index, colorway, categories) for index, trace in drawn]
    # the reference bars join the first series in their own colours: a series of their own would need a
    # hidden legend entry, whose place office suites count differently in bar charts
    first = series[0]
    levels = {name: (level, colour) for name, level, colour in lines}
    series[0] = dataclasses.replace(
        first,
        values=tuple(
            levels[name][0] if name in levels else value for name, value in zip(categories, first.values, strict=True)
        ),
        point_colours=tuple(
            levels[name][1] if name in levels else (first.point_colours[i] if first.point_colours else first.colour)
            for i, name in enumerate(categories)
        ),
    )
    for shape in figure.layout.shapes:
        if not _is_vertical_line(shape):
            _note(dropped, "shapes")
    return NativeChart(
        kind="bar",
        series=tuple(series),
        categories=categories,
        stacked=True,  # one bar per area whichever series holds it, centred on its row
        x_title=_axis_title(figure.layout.xaxis),
        y_title=_axis_title(figure.layout.yaxis),
        gap_width=40,
        legend=sum(item.in_legend for item in series) > 1,
        dropped=tuple(dropped),
    )


def _ranking_series(trace: Any, index: int, colorway: Sequence[str], categories: Sequence[str]) -> NativeSeries:
    labels = [_category(value) for value in _values(trace.y)]
    values = dict(zip(labels, (_number(value) for value in _values(trace.x)), strict=False))
    error = trace.error_x
    shown = error.visible is not False and error.array is not None
    plus = dict(zip(labels, (_number(value) for value in _values(error.array)), strict=False)) if shown else {}
    minus_values = error.arrayminus if error.arrayminus is not None else error.array
    minus = dict(zip(labels, (_number(value) for value in _values(minus_values)), strict=False)) if shown else {}
    colour, point_colours = _trace_colours(trace.marker.color, colorway, index)
    ring = trace.marker.line.color
    rings = _values(ring) if ring is not None and not isinstance(ring, str) else ()
    outlined = dict(zip(labels, (_colour(item) == _colour(_HIGHLIGHT_RING) for item in rings), strict=False))
    outlined |= {label: True for label, item in zip(labels, point_colours, strict=False) if item and item != colour}
    return NativeSeries(
        name=series_name(trace.name),
        values=tuple(values.get(category) for category in categories),
        colour=colour,
        point_colours=_aligned(point_colours, labels, categories),
        line=False,
        markers=False,
        in_legend=trace.showlegend is not False and bool(trace.name),
        error_plus=tuple(plus.get(category) for category in categories) if shown else (),
        error_minus=tuple(minus.get(category) for category in categories) if shown else (),
        outlined=tuple(outlined.get(category, False) for category in categories),
    )


def _is_vertical_line(shape: Any) -> bool:
    return bool(shape.type == "line" and shape.x0 == shape.x1 and shape.xref == "x" and _spans(shape.yref))


def _vertical_lines(figure: go.Figure) -> list[tuple[str, float, str | None]]:
    """Each vertical reference line of a ranking: its label (from the annotation at its place), value and colour.

    The lowest row holds the national value (a solid line), listed first so that it is the bottom bar."""
    found = []
    for shape in figure.layout.shapes:
        level = _number(shape.x0)
        if not _is_vertical_line(shape) or level is None:
            continue
        names = [
            plain_text(annotation.text or "")
            for annotation in figure.layout.annotations
            if annotation.xref == "x" and _number(annotation.x) == level
        ]
        name = next((item for item in names if item), "") or f"{level:g}"
        found.append((name, level, _colour(shape.line.color), shape.line.dash in {None, "solid"}))
    found.sort(key=lambda item: not item[3])
    return [(name, level, colour) for name, level, colour, _ in found]


#: The ring a ranking draws round the highlighted area's dot (``charts.theme.HIGHLIGHT``).
_HIGHLIGHT_RING: Final = "#000000"


def plain_text(text: str) -> str:
    """Plotly's rich text as plain text: line breaks as spaces, tags left out."""
    return " ".join(re.sub(r"<[^>]+>", "", series_name(text)).split())


def _scatter_series(
    trace: Any, index: int, colorway: Sequence[str], categories: tuple[str, ...] | None
) -> NativeSeries:
    xs, ys = _values(trace.x), _values(trace.y)
    mode = trace.mode or ("lines+markers" if len(ys) < 20 else "lines")
    line_colour = _colour(trace.line.color) if isinstance(trace.line.color, str) else None
    colour, point_colours = _trace_colours(trace.marker.color, colorway, index)
    colour = line_colour or colour
    all_texts = _values(trace.text) if trace.text is not None and not isinstance(trace.text, str) else ()
    texts = all_texts if "text" in mode else ()
    if not texts and point_colours and len(all_texts) == len(point_colours):  # name the points of their own colour
        texts = tuple(text if own != colour else None for text, own in zip(all_texts, point_colours, strict=True))
    labels = tuple("" if text is None else plain_text(str(text)) for text in texts)
    if categories is not None:
        by_category = {_category(x): _number(y) for x, y in zip(xs, ys, strict=False)}
        values = tuple(by_category.get(category) for category in categories)
        point_colours = _aligned(point_colours, xs, categories)
        labels = tuple(str(label) for label in _aligned(labels, xs, categories)) if labels else ()
        x: tuple[float, ...] = ()
    else:
        kept = [
            i
            for i, (xv, yv) in enumerate(zip(xs, ys, strict=False))
            if _number(xv) is not None and _number(yv) is not None
        ]
        x = tuple(float(xs[i]) for i in kept)
        values = tuple(_number(ys[i]) for i in kept)
        point_colours = tuple(point_colours[i] for i in kept) if point_colours else ()
        labels = tuple(labels[i] for i in kept if i < len(labels)) if labels else ()
    return NativeSeries(
        name=series_name(trace.name),
        values=values,
        x=x,
        colour=colour,
        point_colours=point_colours,
        labels=labels,
        line="lines" in mode,
        markers="markers" in mode,
        dash=_dash(trace.line.dash),
        line_width=trace.line.width,
        in_legend=trace.showlegend is not False and bool(trace.name),
    )


def _reference_series(
    figure: go.Figure, data: Sequence[NativeSeries], categories: tuple[str, ...] | None, dropped: list[str]
) -> list[NativeSeries]:
    references: list[NativeSeries] = []
    xs = [value for series in data for value in series.x]
    ys = [value for series in data for value in series.values if value is not None]
    for shape in figure.layout.shapes:
        horizontal = shape.type == "line" and shape.y0 == shape.y1 and shape.yref == "y" and _spans(shape.xref)
        vertical = shape.type == "line" and shape.x0 == shape.x1 and shape.xref == "x" and _spans(shape.yref)
        if not (horizontal or vertical):
            _note(dropped, "shapes")
            continue
        if vertical and categories is not None:
            _note(dropped, "dated_markers")
            continue
        name = _annotation_for(figure, shape, horizontal=horizontal)
        level = _number(shape.y0 if horizontal else shape.x0)
        if level is None:
            continue
        if categories is not None:
            x: tuple[float, ...] = ()
            values: tuple[float | None, ...] = (level,) * len(categories)
        elif horizontal:
            if not xs:
                continue
            x, values = (min(xs), max(xs)), (level, level)
        else:
            if not ys:
                continue
            x, values = (level, level), (min(ys), max(ys))
        references.append(
            NativeSeries(
                name=name,
                values=values,
                x=x,
                colour=_colour(shape.line.color),
                markers=False,
                dash=_dash(shape.line.dash) if shape.line.dash else "solid",
                line_width=shape.line.width,
                in_legend=bool(name),
                reference=True,
            )
        )
    return references


def _annotation_for(figure: go.Figure, shape: Any, *, horizontal: bool) -> str:
    for annotation in figure.layout.annotations:
        if horizontal and annotation.yref == "y" and annotation.y == shape.y0 and _spans(annotation.xref):
            return str(annotation.text or "")
        if not horizontal and annotation.xref == "x" and annotation.x == shape.x0 and _spans(annotation.yref):
            return str(annotation.text or "")
    return ""


# -- small helpers -------------------------------------------------------------------------------------------


def _is_band(trace: Any) -> bool:
    return trace.type != "bar" and trace.fill in _FILLS and trace.hoverinfo == "skip"


def _unsupported(trace: Any, *, ranking: bool = False) -> str:
    for name in ("error_y",) if ranking else ("error_x", "error_y"):
        error = getattr(trace, name)
        if error.visible is not False and (error.array is not None or error.value is not None):
            return "intervals drawn as error bars"
    if trace.type != "bar":
        mode = trace.mode or "lines+markers"
        if "lines" not in mode and "markers" not in mode:
            return "text-only marks (a tile map or labels)"
        if trace.marker.showscale:
            return "a colour scale"
        if trace.fill in _FILLS:
            return "filled areas"
    return ""


def _spans(reference: str | None) -> bool:
    return reference is not None and (reference == "paper" or reference.endswith("domain"))


def _values(values: Any) -> tuple[Any, ...]:
    if values is None:
        return ()
    if hasattr(values, "tolist"):
        return tuple(values.tolist())
    return tuple(values)


def _is_text(values: Any) -> bool:
    return any(isinstance(value, str) for value in _values(values))


def _category(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _numeric_grid(values: Sequence[Any], axis: Any) -> list[float] | None:
    """Evenly spaced numeric categories (histogram bins) with the missing ones filled in, or None.

    On a numeric axis Plotly leaves an empty place where a bin is missing
    (suppressed, say); a category axis would close the gap, so the grid is
    completed, out to the axis range when one is set. None when the values
    are not numbers on a regular grid.
    """
    numbers = sorted({float(value) for value in values if _number(value) is not None})
    if len(numbers) != len(values) or len(numbers) < 2:
        return None
    step = min(high - low for low, high in itertools.pairwise(numbers))
    if step <= 0 or any(
        abs(round((value - numbers[0]) / step) * step - (value - numbers[0])) > step * 1e-6 for value in numbers
    ):
        return None
    first, last = numbers[0], numbers[-1]
    bounds = _axis_range(axis)
    if bounds is not None:
        while first - step - step / 2 >= bounds[0] - step * 1e-6:
            first -= step
        while last + step + step / 2 <= bounds[1] + step * 1e-6:
            last += step
    count = round((last - first) / step) + 1
    return None if count > 500 else [round(first + index * step, 12) for index in range(count)]


def _ordered(axis: Any, values: Iterable[str]) -> tuple[str, ...]:
    """The categories in the order Plotly draws them: first appearance, unless the axis sets an order."""
    seen = tuple(dict.fromkeys(values))
    order = axis.categoryorder
    if order in {"category ascending", "category descending"}:
        return tuple(sorted(seen, reverse=order == "category descending"))
    if order == "array" and axis.categoryarray is not None:
        listed = tuple(_category(value) for value in axis.categoryarray)
        return tuple(dict.fromkeys([*(value for value in listed if value in seen), *seen]))
    return seen


def _aligned(per_point: Sequence[Any], keys: Sequence[Any], categories: Sequence[str]) -> tuple[Any, ...]:
    if not per_point:
        return ()
    by_category = {_category(key): item for key, item in zip(keys, per_point, strict=False)}
    return tuple(by_category.get(category) for category in categories)


def _colorway(figure: go.Figure) -> tuple[str, ...]:
    colorway = figure.layout.colorway or (figure.layout.template.layout.colorway if figure.layout.template else None)
    return tuple(colorway or DEFAULT_PLOTLY_COLORS)


def _trace_colours(colour: Any, colorway: Sequence[str], index: int) -> tuple[str | None, tuple[str | None, ...]]:
    """The series colour and, when the trace colours points one by one, each point's colour."""
    if isinstance(colour, str):
        return _colour(colour), ()
    per_point = _values(colour)
    if per_point and all(isinstance(item, str) for item in per_point):
        colours = tuple(_colour(item) for item in per_point)
        # the series' colour: most points', a highlight's black only when every point is black
        usual = max(dict.fromkeys(colours), key=lambda item: (item != _HIGHLIGHT_RING, colours.count(item)))
        return usual, () if len(set(colours)) == 1 else colours
    return _colour(colorway[index % len(colorway)]), ()


def _colour(colour: Any) -> str | None:
    """A CSS colour as "#RRGGBB" (alpha dropped), or None when it is not a plain colour."""
    if not isinstance(colour, str):
        return None
    text = colour.strip()
    if match := _HEX.fullmatch(text):
        digits = match.group(1)
        if len(digits) == 3:
            digits = "".join(char * 2 for char in digits)
        return f"#{digits.upper()}"
    if match := _RGB.fullmatch(text):
        return "#" + "".join(f"{min(int(part), 255):02X}" for part in match.groups())
    return _NAMED.get(text.lower())


def _dash(dash: Any) -> Dash:
    if dash in {"dash", "longdash", "dashdot", "longdashdot"}:
        return "dash"
    if dash == "dot":
        return "dot"
    return "solid"


def _axis_title(axis: Any) -> str:
    return str(axis.title.text or "") if axis.title is not None else ""


def _axis_range(axis: Any) -> tuple[float, float] | None:
    if axis.range is None or axis.type == "log":
        return None
    low, high = (_number(value) for value in axis.range)
    return (low, high) if low is not None and high is not None else None


def _auto_range(axis: Any, values: Sequence[float]) -> tuple[float, float] | None:
    """Bounds like Plotly's autorange: around the data, not from zero (PowerPoint's default for values).

    Left to PowerPoint (None) for log axes, for axes Plotly draws from zero
    (``rangemode="tozero"``) and without data. The bounds are multiples of a
    round step (1, 2, 2.5 or 5 times a power of ten, about five steps), and
    never cross zero when the data do not.
    """
    if not values or axis.type == "log" or axis.rangemode in {"tozero", "nonnegative"}:
        return None
    low, high = min(values), max(values)
    if high == low:
        return None
    raw = (high - low) / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(factor * power for factor in (1, 2, 2.5, 5, 10) if factor * power >= raw)
    bottom, top = math.floor(low / step) * step, math.ceil(high / step) * step
    if low >= 0 > bottom:
        bottom = 0.0
    if high <= 0 < top:
        top = 0.0
    return round(bottom, 10), round(top, 10)


def _legend(figure: go.Figure, series: Sequence[NativeSeries]) -> bool:
    if figure.layout.showlegend is not None:
        return bool(figure.layout.showlegend) and any(item.in_legend for item in series)
    return sum(item.in_legend for item in series) > 1


def _note(dropped: list[str], what: str) -> None:
    if what not in dropped:
        dropped.append(what)


def series_name(name: str | None) -> str:
    """A trace's name as a PowerPoint legend shows it: Plotly's line breaks ('<br>') become spaces."""
    return " ".join(re.split(r"<br\s*/?>", name or ""))
