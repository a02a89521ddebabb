"""PowerPoint decks: a title slide, then one 16:9 slide per chart with footnote and speaker notes.

A :class:`Deck` is plain data (texts already in the deck's language, figures,
frames); :func:`build_pptx` writes it. Each chart slide holds

* the chart's title on one line (the chart, the county and the period; set
  smaller or shortened to fit, see :mod:`exports.titles`, with the full title
  in the notes) and, under it, its subtitle (the filters and the good direction);
* an **editable PowerPoint chart** with the plotted numbers, colours and
  labels when the figure is bars, lines, a ranking or a scatter
  (:func:`exports.native.native_chart` decides): a ranking's intervals are
  error bars, a trend's interval bands are bands (a stacked area under the
  lines), a funnel's highlighted and outlying areas carry their names;
  otherwise (the tile map) a picture of the figure rendered by
  :mod:`exports.images`, with the title, subtitle and values as its
  alternative text;
* a footnote: the suppression note, then source · licence · filters
  (and the sample-data notice when the data are synthetic);
* speaker notes listing every plotted number with its interval and n, and
  the suppressed rows as hidden, so a presenter can answer "how many?", then
  the output check report of the slide's cells (:mod:`exports.disclosure`;
  the whole deck's is in the title slide's notes).

Frames pass the identifier guard (:func:`exports.safety.refuse_identifiers`)
before anything is written. The workbook python-pptx embeds in each native
chart (its data, editable in PowerPoint) is written by
:class:`exports.workbook.SafeWorkbook`: every text cell passes the formula
guard, and no cell becomes a formula or a link.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any, Final, cast

import plotly.graph_objects as go
import polars as pl
from pptx import Presentation
from pptx.chart.chart import Chart
from pptx.chart.data import CategoryChartData, XyChartData
from pptx.chart.xlsx import CategoryWorkbookWriter, XyWorkbookWriter
from pptx.dml.color import RGBColor
from pptx.enum.chart import (
    XL_CHART_TYPE,
    XL_LABEL_POSITION,
    XL_LEGEND_POSITION,
    XL_MARKER_STYLE,
    XL_TICK_LABEL_POSITION,
)
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.presentation import Presentation as PptxPresentation
from pptx.slide import Slide as PptxSlide
from pptx.util import Emu, Inches, Pt

from charts.theme import ChartText, unframed
from core import columns as c
from exports.images import EXPORT_WIDTH, ImageRenderer, export_size, shared_renderer
from exports.native import BAND_ALPHA, NativeBand, NativeChart, NativeSeries, NotNative, native_chart
from exports.provenance import Provenance
from exports.safety import neutralise, refuse_identifiers
from exports.titles import FittedTitle, fit_title
from exports.workbook import GuardedWorksheet, SafeWorkbook
from i18n import check_language, t
from i18n.format import SUPPRESSED_MARKER, date_text, number

#: ``Slide.percent_columns`` for the usual frame: a share with its interval, drawn as percentages.
PERCENT_VALUE: Final = ("value", "ci_low", "ci_high")
PICTURES_ASKED: Final = "pictures were asked for"
LANGUAGE_TAGS: Final = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}
FONT: Final = "Arial"  # metric-compatible with the screen's Liberation Sans


# python-pptx leaves these unannotated; naming their types here keeps the rest of the module strictly typed.
_RGB_FROM_HEX: Callable[[str], RGBColor] = RGBColor.from_string


def rgb(colour: str) -> RGBColor:
    """A python-pptx colour from "#RRGGBB" (or "RRGGBB")."""
    return _RGB_FROM_HEX(colour.lstrip("#").upper())


INK: Final = rgb("#1A1A1A")
GREY: Final = rgb("#4D4D4D")
GRID: Final = rgb("#D9D9D9")
SLIDE_WIDTH: Final = Inches(13.333)
SLIDE_HEIGHT: Final = Inches(7.5)
MARGIN: Final = Inches(0.5)
CHART_TOP: Final = Inches(1.55)
CHART_HEIGHT: Final = Inches(4.85)
FOOT_TOP: Final = Inches(6.5)

Progress = Callable[[int, int, str], None]
"""Called as ``progress(done, total, what)`` after each step of a build."""


@dataclass(frozen=True, eq=False)
class Slide:
    """One chart slide. ``data`` is the plotted frame: suppressed, translated labels, no identifiers.

    ``percent_columns`` name the proportions the chart draws as percentages
    (the notes show them the same way); ``column_labels`` name the other
    measures in the notes ("x" → "Within 7 days"); ``notes`` are extra
    speaker-notes lines. ``sample``: the chart shows figures computed from the
    synthetic sample (its footnote says so in a deck of sample data); a chart of
    THL's published series does not.
    """

    title: str
    figure: go.Figure
    data: pl.DataFrame
    provenance: Provenance
    subtitle: str = ""
    suppression_note: str = ""
    percent_columns: tuple[str, ...] = ()
    column_labels: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    sample: bool = True
    check: tuple[str, ...] = ()  # the output check report of the slide's cells, last in the notes

    @classmethod
    def from_chart(
        cls,
        figure: go.Figure,
        data: pl.DataFrame,
        chart_text: ChartText,
        *,
        source: str,
        licence: str,
        data_date: str = "",
        percent_columns: Sequence[str] = (),
        column_labels: Mapping[str, str] | None = None,
        notes: Sequence[str] = (),
        check: Sequence[str] = (),
    ) -> Slide:
        """A slide with the words the page shows around ``figure``; its subtitle names the filters."""
        subtitle = " · ".join(part for part in (chart_text.subtitle, chart_text.direction) if part)
        return cls(
            title=chart_text.title,
            figure=figure,
            data=data,
            provenance=Provenance(source=source, licence=licence, filters=chart_text.subtitle, data_date=data_date),
            sample=bool(chart_text.badge),
            subtitle=subtitle,
            suppression_note=chart_text.suppression_note,
            percent_columns=tuple(percent_columns),
            column_labels=dict(column_labels or {}),
            notes=tuple(notes),
            check=tuple(check),
        )


@dataclass(frozen=True, eq=False)
class Deck:
    """A deck: title slide texts, the language everything is in, and the chart slides in order."""

    title: str
    subtitle: str
    data_date: str
    language: str
    slides: tuple[Slide, ...] = field(default_factory=tuple)
    sample_data: bool = False
    notes: tuple[str, ...] = ()  # the title slide's speaker notes: the output check report of the whole deck


def build_pptx(
    deck: Deck,
    *,
    progress: Progress | None = None,
    renderer: ImageRenderer | None = None,
    native_charts: bool = True,
) -> bytes:
    """The deck as .pptx bytes.

    Figures with a native counterpart become editable charts unless
    ``native_charts`` is false (then every chart is a picture, as on screen);
    pictures are rendered by ``renderer``, by default the process's shared
    one, started only when a slide needs a picture. ``progress`` hears about
    every slide.
    """
    check_language(deck.language)
    for position, slide in enumerate(deck.slides, start=1):
        refuse_identifiers(slide.data.columns, table=f"slide {position} ({slide.title!r})")
    plans = [native_chart(slide.figure) if native_charts else NotNative(PICTURES_ASKED) for slide in deck.slides]
    total = len(deck.slides) + 1
    pictures = _render_pictures(deck.slides, plans, renderer)

    presentation = Presentation()
    presentation.slide_width = SLIDE_WIDTH
    presentation.slide_height = SLIDE_HEIGHT
    properties = presentation.core_properties
    properties.title = deck.title
    properties.subject = deck.subtitle
    properties.language = LANGUAGE_TAGS[deck.language]
    properties.created = dt.datetime.now(dt.UTC).replace(tzinfo=None)

    _title_slide(presentation, deck)
    if progress:
        progress(1, total, deck.title)
    for position, (slide, plan) in enumerate(zip(deck.slides, plans, strict=True), start=2):
        _chart_slide(presentation, deck, slide, plan, pictures.get(position - 2))
        if progress:
            progress(position, total, slide.title)
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


# -- slides --------------------------------------------------------------------------------------------------


def _title_slide(presentation: PptxPresentation, deck: Deck) -> None:
    page = presentation.slides.add_slide(presentation.slide_layouts[0])
    language = deck.language
    if deck.notes:
        _set_text(page.notes_slide.notes_text_frame, deck.notes, language, size=12)
    title, subtitle = page.shapes.title, page.placeholders[1]
    title.left, title.top, title.width, title.height = MARGIN, Inches(1.6), SLIDE_WIDTH - 2 * MARGIN, Inches(1.6)
    _set_text(title.text_frame, [deck.title], language, size=36, bold=True)
    subtitle.left, subtitle.top = MARGIN, Inches(3.3)
    subtitle.width, subtitle.height = SLIDE_WIDTH - 2 * MARGIN, Inches(1.2)
    when = t("export.data_date", language, date=date_text(deck.data_date, language)) if deck.data_date else ""
    lines = [*deck.subtitle.split("\n"), when]
    _set_text(subtitle.text_frame, [line for line in lines if line], language, size=18, colour=GREY)
    if deck.sample_data:
        box = page.shapes.add_textbox(MARGIN, Inches(5.0), SLIDE_WIDTH - 2 * MARGIN, Inches(0.8))
        box.fill.solid()
        box.fill.fore_color.rgb = rgb("#FFF3CD")
        box.line.color.rgb = rgb("#B8860B")
        box.text_frame.margin_left = box.text_frame.margin_right = Inches(0.2)
        box.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        _set_text(
            box.text_frame,
            [t("export.sample_notice", language)],
            language,
            size=16,
            bold=True,
            colour=rgb("#5C4400"),
        )
        box.name = "Sample data notice"


def _chart_slide(
    presentation: PptxPresentation,
    deck: Deck,
    slide: Slide,
    plan: NativeChart | NotNative,
    picture: bytes | None,
) -> None:
    language = deck.language
    page = presentation.slides.add_slide(presentation.slide_layouts[5])  # "Title Only"
    title = page.shapes.title
    title.left, title.top, title.width, title.height = MARGIN, Inches(0.3), SLIDE_WIDTH - 2 * MARGIN, Inches(0.75)
    frame = title.text_frame
    frame.word_wrap = False  # one line: fit_title made it fit
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.vertical_anchor = MSO_ANCHOR.BOTTOM
    fitted = fitted_title(slide)
    _set_text(frame, [fitted.text], language, size=fitted.size, bold=True, align=PP_ALIGN.LEFT)
    if slide.subtitle:
        box = page.shapes.add_textbox(MARGIN, Inches(1.05), SLIDE_WIDTH - 2 * MARGIN, Inches(0.4))
        box.name = "Subtitle"
        box.text_frame.word_wrap = True
        _set_text(box.text_frame, [slide.subtitle], language, size=14, colour=GREY, align=PP_ALIGN.LEFT)

    if isinstance(plan, NativeChart):
        _add_native_chart(page, plan, language)
    elif picture is not None:
        _add_picture(page, slide, picture, language)

    foot = page.shapes.add_textbox(MARGIN, FOOT_TOP, SLIDE_WIDTH - 2 * MARGIN, Inches(0.8))
    foot.name = "Footnote"
    foot.text_frame.word_wrap = True
    sample = t("export.sample_short", language) if deck.sample_data and slide.sample else ""
    lines = [slide.suppression_note, slide.provenance.footnote(sample)]
    _set_text(foot.text_frame, [line for line in lines if line], language, size=10, colour=GREY, align=PP_ALIGN.LEFT)

    notes = page.notes_slide.notes_text_frame
    _set_text(notes, speaker_notes(slide, plan, language), language, size=12)


#: The width a title line may take, in points: the title box less its insets (0.1 in each side) and a margin.
TITLE_WIDTH: Final = (SLIDE_WIDTH - 2 * MARGIN) / 12700 - 2 * 7.2 - 6


def fitted_title(slide: Slide) -> FittedTitle:
    """The slide's title as it is shown: on one line, at the largest size it fits, shortened if need be."""
    return fit_title(slide.title, TITLE_WIDTH)


def picture_size(figure: go.Figure) -> tuple[int, int]:
    """Layout width and height of a slide picture: the chart box's own proportions, so a tall chart fills the
    slide's width instead of shrinking to a narrow strip; a chart with many rows (22 counties, 40 health
    centres) gets 60 % of its screen height, enough for every row label, and a proportionally wider layout."""
    box_ratio = (SLIDE_WIDTH - 2 * MARGIN) / CHART_HEIGHT
    _, screen_height = export_size(figure)
    base_height, tall_height = round(EXPORT_WIDTH / box_ratio), round(0.6 * screen_height)
    if tall_height <= base_height:
        return EXPORT_WIDTH, base_height
    return round(tall_height * box_ratio), tall_height


def _add_picture(page: PptxSlide, slide: Slide, picture: bytes, language: str) -> None:
    width, height = picture_size(slide.figure)
    box_width, box_height = SLIDE_WIDTH - 2 * MARGIN, CHART_HEIGHT
    factor = min(box_width / width, box_height / height)
    shown_width, shown_height = int(width * factor), int(height * factor)
    left = Emu((SLIDE_WIDTH - shown_width) // 2)
    shape = page.shapes.add_picture(io.BytesIO(picture), left, CHART_TOP, Emu(shown_width), Emu(shown_height))
    shape.name = "Chart picture"
    rows = row_notes(slide.data, language, percent_columns=slide.percent_columns, column_labels=slide.column_labels)
    alt = " – ".join(part for part in (slide.title, slide.subtitle, "; ".join(rows)) if part)
    element: Any = shape._element
    element.nvPicPr.cNvPr.set("descr", alt)  # alternative text for screen readers


# -- native charts -------------------------------------------------------------------------------------------

_CHART_TYPES: Final = {
    ("bar", False): XL_CHART_TYPE.BAR_CLUSTERED,
    ("bar", True): XL_CHART_TYPE.BAR_STACKED,
    ("column", False): XL_CHART_TYPE.COLUMN_CLUSTERED,
    ("column", True): XL_CHART_TYPE.COLUMN_STACKED,
    ("line", False): XL_CHART_TYPE.LINE_MARKERS,
    ("line", True): XL_CHART_TYPE.LINE_MARKERS_STACKED,
    ("xy", False): XL_CHART_TYPE.XY_SCATTER_LINES,
    ("xy", True): XL_CHART_TYPE.XY_SCATTER_LINES,
}
_DASHES: Final = {
    "solid": MSO_LINE_DASH_STYLE.SOLID,
    "dash": MSO_LINE_DASH_STYLE.DASH,
    "dot": MSO_LINE_DASH_STYLE.ROUND_DOT,
}


class _GuardedCategoryWriter(CategoryWorkbookWriter):
    """python-pptx's category layout, written into a :class:`~exports.workbook.SafeWorkbook`."""

    @contextmanager
    def _open_worksheet(self, xlsx_file: IO[bytes]) -> Iterator[tuple[SafeWorkbook, GuardedWorksheet]]:
        workbook = SafeWorkbook(xlsx_file)
        yield workbook, workbook.add_worksheet()
        workbook.close()


class _GuardedXyWriter(XyWorkbookWriter):
    """python-pptx's XY layout, written into a :class:`~exports.workbook.SafeWorkbook`."""

    @contextmanager
    def _open_worksheet(self, xlsx_file: IO[bytes]) -> Iterator[tuple[SafeWorkbook, GuardedWorksheet]]:
        workbook = SafeWorkbook(xlsx_file)
        yield workbook, workbook.add_worksheet()
        workbook.close()


class GuardedCategoryChartData(CategoryChartData):
    """Category chart data whose embedded workbook is written with the formula guard and no links.

    python-pptx writes the chart's workbook with XlsxWriter's defaults, which
    turn ``=…`` and ``{=…}`` texts into formulas and ``http:``/``mailto:``
    texts into links, and offers no option for it; the chart data choose
    their workbook writer, so these classes give it one that opens a
    :class:`~exports.workbook.SafeWorkbook` and keeps python-pptx's layout.
    """

    @property
    def _workbook_writer(self) -> CategoryWorkbookWriter:
        return _NEW_CATEGORY_WRITER(self)


class GuardedXyChartData(XyChartData):
    """XY chart data whose embedded workbook is written like :class:`GuardedCategoryChartData`'s."""

    @property
    def _workbook_writer(self) -> XyWorkbookWriter:
        return _NEW_XY_WRITER(self)


# python-pptx leaves their constructors unannotated; naming their types here keeps this module strictly typed.
_NEW_CATEGORY_WRITER: Callable[[CategoryChartData], CategoryWorkbookWriter] = _GuardedCategoryWriter
_NEW_XY_WRITER: Callable[[XyChartData], XyWorkbookWriter] = _GuardedXyWriter
_NEW_CATEGORY_DATA: Callable[[], CategoryChartData] = GuardedCategoryChartData
_NEW_XY_DATA: Callable[[], XyChartData] = GuardedXyChartData


def chart_data(plan: NativeChart, language: str = "en") -> CategoryChartData | XyChartData:
    """The python-pptx chart data for ``plan``, with a guarded embedded workbook.

    Series names and categories pass the formula guard here too, so that the
    names the chart shows are the ones in its workbook. A line chart's bands
    follow its series, two each: a band with an interval in every period as
    its lower end and its width up to the upper end (stacked, they fill it),
    after them a band with a gap as its lower and upper ends (two lines, see
    :func:`filled`).
    """
    if plan.kind == "xy":
        xy: Any = _NEW_XY_DATA()
        for item in plan.series:
            series = xy.add_series(neutralise(item.name))
            for x, y in zip(item.x, item.values, strict=True):
                series.add_data_point(x, y)
        return cast(XyChartData, xy)
    data: Any = _NEW_CATEGORY_DATA()
    data.categories = [neutralise(category) for category in plan.categories]
    for item in plan.series:
        data.add_series(neutralise(item.name), item.values)
    for band in (band for band in plan.bands if filled(band)):
        name = band_name(plan, band)
        widths = [high - low for low, high in zip(band.low, band.high, strict=True)]  # type: ignore[operator]
        data.add_series(neutralise(t("export.band_low", language, name=name)), band.low)
        data.add_series(neutralise(t("export.band_width", language, name=name)), widths)
    for band in (band for band in plan.bands if not filled(band)):
        name = band_name(plan, band)
        data.add_series(neutralise(t("export.band_low", language, name=name)), band.low)
        data.add_series(neutralise(t("export.band_high", language, name=name)), band.high)
    return cast(CategoryChartData, data)


def filled(band: NativeBand) -> bool:
    """A band is filled (a stacked area) when every period has its interval. Office suites draw an area's
    missing value as zero, so a band with a gap is drawn as its two ends instead, thin lines that break where
    the screen's band does."""
    return all(low is not None and high is not None for low, high in zip(band.low, band.high, strict=True))


def band_name(plan: NativeChart, band: NativeBand) -> str:
    """The name of the series a band belongs to: the first of its colour."""
    return next((item.name for item in plan.series if item.colour == band.colour and not item.reference), "")


def _add_native_chart(page: PptxSlide, plan: NativeChart, language: str) -> None:
    shapes: Any = page.shapes  # python-pptx annotates add_chart more narrowly than it works
    frame = shapes.add_chart(
        _CHART_TYPES[(plan.kind, plan.stacked)],
        MARGIN,
        CHART_TOP,
        SLIDE_WIDTH - 2 * MARGIN,
        CHART_HEIGHT,
        chart_data(plan, language),
    )
    frame.name = "Chart"
    chart: Chart = frame.chart
    chart.font.size = Pt(12)
    chart.font.name = FONT
    chart.font.color.rgb = INK
    chart.has_title = False
    plot = chart.plots[0]
    if plan.kind in {"bar", "column"}:
        plot.vary_by_categories = False
        if plan.gap_width is not None:
            plot.gap_width = plan.gap_width
        if plan.stacked:
            plot.overlap = 100
    drawn = list(plot.series)
    for item, series in zip(plan.series, drawn, strict=False):
        _style_series(series, item, plan.kind, language)
    areas = 2 * sum(filled(band) for band in plan.bands)
    start = len(plan.series)
    for index, series in enumerate(drawn[start + areas :]):
        band = [band for band in plan.bands if not filled(band)][index // 2]
        _style_line(series, NativeSeries(name="", values=(), colour=band.colour, line_width=1.0))
        series.marker.style = XL_MARKER_STYLE.NONE
    if areas:
        _bands_as_areas(chart, plan, drawn[start : start + areas])

    _style_axes(chart, plan, language)
    chart.has_legend = plan.legend
    if plan.legend:
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(12)
        # the legend lists the band groups first (they come first in the plot area), then the lines
        areas = 2 * sum(filled(band) for band in plan.bands)
        ends = 2 * len(plan.bands) - areas
        series = len(plan.series)
        hidden = [
            *range(areas),
            *(areas + index for index, item in enumerate(plan.series) if not item.in_legend),
            *range(areas + series, areas + series + ends),
        ]
        _hide_legend_entries(chart, hidden)


def _style_axes(chart: Chart, plan: NativeChart, language: str) -> None:
    """Axis titles, ranges, log scales, number formats, gridlines and labels."""
    category_axis, value_axis = chart.category_axis, chart.value_axis
    _axis_title(category_axis, plan.category_title, language)
    _axis_title(value_axis, plan.value_title, language)
    if plan.kind != "xy":
        category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW  # under the plot, not at a zero inside it
        _every_category_labelled(category_axis, len(plan.categories))
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = GRID
    category_axis.format.line.color.rgb = GRID
    value_axis.format.line.fill.background()
    if plan.value_range is not None:
        value_axis.minimum_scale, value_axis.maximum_scale = plan.value_range
    if plan.kind == "xy" and plan.x_range is not None:
        category_axis.minimum_scale, category_axis.maximum_scale = plan.x_range
    if _largest(plan, values=True) >= 1000:
        _thousands(value_axis, language)
    elif decimals := _decimals(plan):
        value_axis.tick_labels.number_format = "0." + "0" * decimals
        value_axis.tick_labels.number_format_is_linked = False
    if plan.kind == "xy" and _largest(plan, values=False) >= 1000:
        _thousands(category_axis, language)
    if plan.x_log:
        _log_scale(category_axis if plan.kind == "xy" else value_axis)
    if plan.y_log:
        _log_scale(value_axis)


def _every_category_labelled(axis: Any, count: int) -> None:
    """Label every category (an office suite skips some when they are crowded), in a smaller font past 12."""
    if count > 12:
        axis.tick_labels.font.size = Pt(10 if count <= 16 else 9 if count <= 24 else 8)
    skip = OxmlElement("c:tickLblSkip")
    skip.set("val", "1")
    anchor = axis._element.find(qn("c:lblOffset"))
    if anchor is not None:
        anchor.addnext(skip)
    else:
        axis._element.append(skip)


def _decimals(plan: NativeChart) -> int:
    """The decimals a value axis's labels need: none for a span of five or more, up to three for a small one
    (an index from 0 to 1 gets two), so that no label runs to the float's full length."""
    ends = plan.value_range
    if ends is None:
        values = [value for item in plan.series for value in item.values if value is not None]
        ends = (min(values), max(values)) if values else None
    if ends is None or ends[1] - ends[0] >= 5 or ends[1] <= ends[0]:
        return 0
    return min(3, max(1, math.ceil(-math.log10((ends[1] - ends[0]) / 5))))


def _largest(plan: NativeChart, *, values: bool) -> float:
    """The largest magnitude on the value axis (``values``) or on an XY chart's horizontal axis."""
    numbers = [
        abs(number) for item in plan.series for number in (item.values if values else item.x) if number is not None
    ]
    return max(numbers, default=0.0)


def thousands_format(language: str) -> str:
    """A number format with the language's thousands separator, written out so that every viewer shows it
    ('10 000' in Finnish and Swedish, '10,000' in English) whatever the locale of their office suite."""
    group = "\u202f" if language in {"fi", "sv"} else ","
    return f'[>=1000000]#"{group}"###"{group}"##0;[>=1000]#"{group}"##0;0'


def _thousands(axis: Any, language: str) -> None:
    axis.tick_labels.number_format = thousands_format(language)
    axis.tick_labels.number_format_is_linked = False


def _bands_as_areas(chart: Chart, plan: NativeChart, band_series: Sequence[Any]) -> None:
    """Move the filled bands' series out of the line chart into stacked area charts on the same axes, one per
    band, drawn under it: the lower end unfilled, the width up to the upper end filled in the band's colour at
    twice the screen's opacity (a projector washes light colours out)."""
    line_chart = chart.plots[0]._element
    colours = [band.colour for band in plan.bands if filled(band)]
    pairs = zip(band_series[0::2], band_series[1::2], strict=True)
    for colour, pair in zip(colours, pairs, strict=True):
        area = OxmlElement("c:areaChart")  # a group of its own: stacked with another band's, it would sit on it
        area.append(_valued("c:grouping", "stacked"))
        area.append(_valued("c:varyColors", "0"))
        for element, fill in zip((item._element for item in pair), (_no_fill(), _band_fill(colour)), strict=True):
            for tag in ("c:marker", "c:smooth", "c:dLbls", "c:spPr"):
                for child in element.findall(qn(tag)):
                    element.remove(child)
            element.find(qn("c:tx")).addnext(fill)
            area.append(element)
        for axis_id in line_chart.findall(qn("c:axId")):
            area.append(_valued("c:axId", axis_id.get("val")))
        line_chart.addprevious(area)


def _no_fill() -> Any:
    shape = OxmlElement("c:spPr")
    shape.append(OxmlElement("a:noFill"))
    outline = OxmlElement("a:ln")
    outline.append(OxmlElement("a:noFill"))
    shape.append(outline)
    return shape


def _valued(tag: str, value: str) -> Any:
    element = OxmlElement(tag)
    element.set("val", value)
    return element


def _band_fill(colour: str) -> Any:
    """Shape properties: a fill of ``colour`` at twice the screen's band opacity (a projector washes light colours
    out), no outline."""
    shape = OxmlElement("c:spPr")
    fill = OxmlElement("a:solidFill")
    rgb_colour = _valued("a:srgbClr", colour.lstrip("#").upper())
    rgb_colour.append(_valued("a:alpha", str(round(BAND_ALPHA * 2 * 100000))))
    fill.append(rgb_colour)
    shape.append(fill)
    outline = OxmlElement("a:ln")
    outline.append(OxmlElement("a:noFill"))
    shape.append(outline)
    return shape


def _style_series(series: Any, item: NativeSeries, kind: str, language: str) -> None:
    if kind in {"bar", "column"}:
        _style_bars(series, item)
    else:
        _style_line(series, item)
        _style_markers(series, item)
    for index, label in enumerate(item.labels):
        if label:
            data_label = series.points[index].data_label
            data_label.position = XL_LABEL_POSITION.ABOVE
            _set_text(data_label.text_frame, [label], language, size=9, colour=GREY)


def _style_bars(series: Any, item: NativeSeries) -> None:
    if item.colour:
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = rgb(item.colour)
    for index, colour in enumerate(item.point_colours):
        if colour:
            fill = series.points[index].format.fill
            fill.solid()
            fill.fore_color.rgb = rgb(colour)
    for index, outlined in enumerate(item.outlined):
        if outlined:
            line = series.points[index].format.line
            line.color.rgb = INK
            line.width = Pt(2.25)
    if item.error_plus:
        _error_bars(series, item.error_plus, item.error_minus)


def _error_bars(series: Any, plus: Sequence[float | None], minus: Sequence[float | None]) -> None:
    """Each point's interval as custom error bars (grey, capped), written where the schema puts them: before the
    categories."""
    bars = OxmlElement("c:errBars")
    for tag, value in (("c:errBarType", "both"), ("c:errValType", "cust"), ("c:noEndCap", "0")):
        child = OxmlElement(tag)
        child.set("val", value)
        bars.append(child)
    for tag, ends in (("c:plus", plus), ("c:minus", minus)):
        side = OxmlElement(tag)
        literal = OxmlElement("c:numLit")
        count = OxmlElement("c:ptCount")
        count.set("val", str(len(ends)))
        literal.append(count)
        for index, end in enumerate(ends):
            if end is None:
                continue
            point = OxmlElement("c:pt")
            point.set("idx", str(index))
            text = OxmlElement("c:v")
            text.text = repr(float(end))
            point.append(text)
            literal.append(point)
        side.append(literal)
        bars.append(side)
    shape = OxmlElement("c:spPr")
    line = OxmlElement("a:ln")
    line.set("w", str(Pt(1.5)))
    fill = OxmlElement("a:solidFill")
    colour = OxmlElement("a:srgbClr")
    colour.set("val", "4D4D4D")
    fill.append(colour)
    line.append(fill)
    shape.append(line)
    bars.append(shape)
    series._element.find(qn("c:cat")).addprevious(bars)


def _style_line(series: Any, item: NativeSeries) -> None:
    series.smooth = False
    line = series.format.line
    if not item.line:
        line.fill.background()
        return
    if item.colour:
        line.color.rgb = rgb(item.colour)
    line.width = Pt(item.line_width * 0.75 if item.line_width else 2)  # Plotly's pixels are 0.75 pt
    line.dash_style = _DASHES[item.dash]


def _style_markers(series: Any, item: NativeSeries) -> None:
    marker = series.marker
    if not item.markers:
        marker.style = XL_MARKER_STYLE.NONE
        return
    marker.style = XL_MARKER_STYLE.CIRCLE
    marker.size = 8
    for target, colour in [(marker, item.colour)] + [
        (series.points[index].marker, colour) for index, colour in enumerate(item.point_colours)
    ]:
        if colour:
            target.format.fill.solid()
            target.format.fill.fore_color.rgb = rgb(colour)
            target.format.line.color.rgb = rgb(colour)


def _axis_title(axis: Any, title: str, language: str) -> None:
    axis.has_title = bool(title)
    if title:
        _set_text(axis.axis_title.text_frame, [title], language, size=12, colour=GREY)


def _log_scale(axis: Any) -> None:
    log_base = OxmlElement("c:logBase")
    log_base.set("val", "10")
    axis._element.scaling.insert(0, log_base)  # the schema wants logBase first


def _hide_legend_entries(chart: Chart, indexes: Sequence[int]) -> None:
    legend = chart.legend._element
    position = legend.find(qn("c:legendPos"))
    anchor = 0 if position is None else list(legend).index(position) + 1
    for offset, index in enumerate(indexes):
        entry = OxmlElement("c:legendEntry")
        for tag, value in (("c:idx", str(index)), ("c:delete", "1")):
            child = OxmlElement(tag)
            child.set("val", value)
            entry.append(child)
        legend.insert(anchor + offset, entry)


# -- pictures, notes and text --------------------------------------------------------------------------------


def _render_pictures(
    slides: Sequence[Slide], plans: Sequence[NativeChart | NotNative], renderer: ImageRenderer | None
) -> dict[int, bytes]:
    wanted = [index for index, plan in enumerate(plans) if isinstance(plan, NotNative)]
    if not wanted:
        return {}
    renderer = renderer or shared_renderer()
    pictures = {}
    for index in wanted:
        width, height = picture_size(slides[index].figure)
        pictures[index] = renderer.render(unframed(slides[index].figure), width=width, height=height)
    return pictures


def speaker_notes(slide: Slide, plan: NativeChart | NotNative, language: str) -> list[str]:
    """The notes lines: extra notes, what the editable chart leaves out (or why it is a picture), then every row."""
    fitted = fitted_title(slide)
    lines = [slide.title] if fitted.shortened else []
    lines += list(slide.notes)
    if isinstance(plan, NotNative):
        lines.append(t("export.notes_picture", language))
    elif plan.dropped:
        parts = ", ".join(t(f"export.dropped_{part}", language) for part in plan.dropped)
        lines.append(t("export.notes_dropped", language, parts=parts))
    lines.append(t("export.notes_heading", language))
    lines.extend(
        row_notes(slide.data, language, percent_columns=slide.percent_columns, column_labels=slide.column_labels)
    )
    return [*lines, *slide.check]


def row_notes(
    frame: pl.DataFrame,
    language: str,
    *,
    percent_columns: Sequence[str] = (),
    column_labels: Mapping[str, str] | None = None,
) -> list[str]:
    """One line per row: "label, period: value (95 % interval low–high), n = …", suppressed rows as hidden."""
    names = set(frame.columns)
    keys = [name for name in ("label", c.PERIOD) if name in names]
    measures = [
        name
        for name, dtype in frame.schema.items()
        if dtype.is_numeric() and name not in {"n", "ci_low", "ci_high", c.SUPPRESSED, "year"}
    ]
    lines = []
    for row in frame.iter_rows(named=True):
        where = ", ".join(str(row[name]) for name in keys if row[name] is not None) or "–"
        if row.get(c.SUPPRESSED):
            lines.append(f"{where}: {SUPPRESSED_MARKER} {t('export.notes_hidden', language)}")
            continue
        parts = []
        for name in measures:
            shown = _shown(row[name], name, language, percent_columns)
            if name == "value" and row.get("ci_low") is not None and row.get("ci_high") is not None:
                low = _shown(row["ci_low"], "ci_low", language, percent_columns)
                high = _shown(row["ci_high"], "ci_high", language, percent_columns)
                shown += f" ({t('export.notes_interval', language)} {low}–{high})"
            label = (column_labels or {}).get(name, name)
            parts.append(shown if name == "value" or len(measures) == 1 else f"{label} {shown}")
        if "n" in names:
            parts.append(f"n = {number(row['n'], language, digits=0)}")
        lines.append(f"{where}: {'; '.join(parts)}")
    return lines


def _shown(value: float | None, name: str, language: str, percent_columns: Sequence[str]) -> str:
    if name in percent_columns:
        return f"{number(None if value is None else value * 100, language, digits=1)} %"
    if isinstance(value, int):
        return number(value, language, digits=0)
    return number(value, language, digits=2)


def _set_text(
    frame: Any,
    lines: Sequence[str],
    language: str,
    *,
    size: int,
    bold: bool = False,
    colour: RGBColor = INK,
    align: PP_ALIGN | None = None,
) -> None:
    """Replace ``frame``'s text with ``lines``, one paragraph each, tagged with the language for proofing."""
    frame.clear()
    for index, line in enumerate(lines or [""]):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        if align is not None:
            paragraph.alignment = align
        run = paragraph.add_run()
        run.text = line
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.name = FONT
        run.font.color.rgb = colour
        run.font._rPr.set("lang", LANGUAGE_TAGS[language])
