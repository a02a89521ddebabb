"""PowerPoint decks: 16:9, a title slide, one slide per chart with native charts, footnotes and notes."""

from __future__ import annotations

import io
import struct
from typing import Any

import plotly.graph_objects as go
import polars as pl
import pytest
from pptx import Presentation
from pptx.chart.chart import Chart
from pptx.chart.plot import AreaPlot, BarPlot, LinePlot, XyPlot
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.presentation import Presentation as PptxPresentation
from pptx.shapes.base import BaseShape
from pptx.slide import Slide as PptxSlide
from pptx.util import Inches

from charts.builders import (
    Reference,
    access_continuity_scatter,
    funnel_plot,
    histogram,
    ranked_dot_plot,
    share_bars,
    tile_map,
    trend_chart,
)
from charts.theme import OKABE_ITO, TARGET, ChartText
from exports.errors import BrowserUnavailableError, IdentifierColumnError
from exports.images import EXPORT_WIDTH, ImageRenderer
from exports.pptx import CHART_HEIGHT, MARGIN, PERCENT_VALUE, SLIDE_WIDTH, Deck, Slide, build_pptx, picture_size
from exports.safety import could_start_a_formula, neutralise
from tests.exports.frames import TEXT, areas, scatter, trend
from tests.exports.workbooks import embedded_workbooks, sheets
from views.compare import funnel_limits_for

SOURCE = "Source: THL, register extract"
LICENCE = "Licence: CC BY 4.0"
NO_BROWSER = ImageRenderer(browser_path="/nonexistent/chromium")  # fails if a slide asks for a picture


def shares() -> pl.DataFrame:
    return areas().with_columns(within_7=pl.Series([0.4, 0.55, None]), later=pl.Series([0.6, 0.45, None]))


def slide(figure: go.Figure, data: pl.DataFrame, text: ChartText = TEXT, **options: object) -> Slide:
    return Slide.from_chart(figure, data, text, source=SOURCE, licence=LICENCE, **options)  # type: ignore[arg-type]


def native_slides() -> tuple[Slide, ...]:
    parts = [("within_7", "Within 7 days", OKABE_ITO[2]), ("later", "Later", OKABE_ITO[1])]
    return (
        slide(
            trend_chart(trend(), TEXT, references=[Reference(0.65, "Target")]), trend(), percent_columns=PERCENT_VALUE
        ),
        slide(
            share_bars(shares(), TEXT, parts=parts, value_label="%"), shares(), percent_columns=("within_7", "later")
        ),
        slide(
            access_continuity_scatter(
                scatter(), TEXT, x_label="Within 7 days", y_label="COC", x_reference=None, y_reference=None
            ),
            scatter(),
            percent_columns=("x",),
            column_labels={"x": "Within 7 days", "y": "COC"},
        ),
        slide(
            histogram(pl.Series([0.1, 0.5, 0.9]), TEXT, value_label="COC", count_label="patients", bins=5),
            pl.DataFrame({"bin": ["0.0–0.2", "0.4–0.6", "0.8–1.0"], "n": [1, 1, 1]}),
        ),
        slide(
            funnel_plot(areas(), TEXT, limits=funnel_limits_for(areas(), p0=0.65), volume_label="n", value_label="%"),
            areas(),
            percent_columns=PERCENT_VALUE,
        ),
    )


def build(
    slides: tuple[Slide, ...], *, language: str = "en", sample: bool = False, **options: object
) -> PptxPresentation:
    deck = Deck(
        title="Pohjois-Savo",
        subtitle="All professions · 2025",
        data_date="2025-06-30",
        language=language,
        slides=slides,
        sample_data=sample,
    )
    return Presentation(io.BytesIO(build_pptx(deck, **options)))  # type: ignore[arg-type]


def shape_named(page: PptxSlide, name: str) -> BaseShape:
    return next(shape for shape in page.shapes if shape.name == name)


def chart_of(page: PptxSlide) -> Chart:
    frame: Any = next(shape for shape in page.shapes if shape.has_chart)
    chart: Chart = frame.chart
    return chart


def texts(page: PptxSlide) -> str:
    return "\n".join(shape.text_frame.text for shape in page.shapes if shape.has_text_frame)  # type: ignore[attr-defined]


def notes(page: PptxSlide) -> str:
    return str(page.notes_slide.notes_text_frame.text)  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def deck() -> PptxPresentation:
    return build(native_slides(), renderer=NO_BROWSER)


# -- the deck


def test_deck_is_16_by_9_with_a_title_slide_and_one_slide_per_chart(deck: PptxPresentation) -> None:
    assert (deck.slide_width, deck.slide_height) == (Inches(13.333), Inches(7.5))
    assert len(deck.slides) == 1 + len(native_slides())


def test_every_slide_has_its_title(deck: PptxPresentation) -> None:
    titles = [page.shapes.title.text for page in deck.slides]
    assert titles == ["Pohjois-Savo"] + [TEXT.title] * len(native_slides())
    assert "Data as of 30 Jun 2025" in texts(deck.slides[0])


def test_title_slide_carries_the_sample_notice_only_for_sample_data(deck: PptxPresentation) -> None:
    sample = build(native_slides()[:1], sample=True, renderer=NO_BROWSER)
    assert "Synthetic sample data – not real register data" in texts(sample.slides[0])
    assert "Synthetic sample data" in texts(sample.slides[1])  # and every footnote says so
    assert "Synthetic" not in texts(deck.slides[0])


def test_chart_slide_has_subtitle_with_filters_and_direction(deck: PptxPresentation) -> None:
    subtitle = shape_named(deck.slides[1], "Subtitle")
    assert subtitle.text_frame.text == "All counties · 2025 · Profession: Doctor · Higher is better"  # type: ignore[attr-defined]


def test_footnote_carries_suppression_note_source_licence_and_filters(deck: PptxPresentation) -> None:
    for page in list(deck.slides)[1:]:
        footnote = shape_named(page, "Footnote").text_frame.text  # type: ignore[attr-defined]
        assert footnote.splitlines() == [
            TEXT.suppression_note,
            f"{SOURCE} · {LICENCE} · All counties · 2025 · Profession: Doctor",
        ]


# -- native charts


@pytest.mark.parametrize(
    ("index", "plot_type", "chart_type"),
    [
        (1, AreaPlot, None),  # the bands, under the lines
        (2, BarPlot, XL_CHART_TYPE.BAR_STACKED),
        (3, XyPlot, None),
        (4, BarPlot, XL_CHART_TYPE.COLUMN_CLUSTERED),
        (5, XyPlot, None),
    ],
)
def test_bars_lines_and_scatters_are_native_charts_not_pictures(
    deck: PptxPresentation, index: int, plot_type: type, chart_type: XL_CHART_TYPE | None
) -> None:
    page = deck.slides[index]
    chart = chart_of(page)
    assert isinstance(chart.plots[0], plot_type)
    if chart_type is not None:  # python-pptx reads line and XY subtypes back from the series' styles, so only bars
        assert chart.chart_type == chart_type
    assert not [shape for shape in page.shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE]


def test_line_chart_series_equal_the_data_with_the_screen_colours(deck: PptxPresentation) -> None:
    chart = chart_of(deck.slides[1])
    (lines,) = [plot for plot in chart.plots if isinstance(plot, LinePlot)]
    assert list(lines.categories) == ["2023", "2024", "2025"]
    series = {item.name: item for item in lines.series}
    for label, colour in (("Helsinki", OKABE_ITO[0]), ("Pohjois-Savo", OKABE_ITO[1])):
        expected = trend().filter(pl.col("label") == label).sort("period")["value"] * 100
        assert list(series[label].values) == pytest.approx(expected.to_list())
        assert series[label].format.line.color.rgb == RGBColor.from_string(colour[1:])  # type: ignore[no-untyped-call]
    assert list(series["Target"].values) == pytest.approx([65.0] * 3)
    assert series["Target"].format.line.color.rgb == RGBColor.from_string(TARGET[1:])  # type: ignore[no-untyped-call]


def test_bar_chart_series_equal_the_shown_shares(deck: PptxPresentation) -> None:
    chart = chart_of(deck.slides[2])
    assert list(chart.plots[0].categories) == ["Helsinki", "Pohjois-Savo"]
    values = {item.name: list(item.values) for item in chart.plots[0].series}
    assert values == {"Within 7 days": pytest.approx([40.0, 55.0]), "Later": pytest.approx([60.0, 45.0])}


def test_scatter_points_keep_their_area_labels(deck: PptxPresentation) -> None:
    chart = chart_of(deck.slides[3])
    labelled = [item for item in chart.plots[0].series if "Helsinki" in item._element.xml]
    assert len(labelled) == 1
    assert list(labelled[0].values) == pytest.approx([0.33, 0.45])


def test_histogram_counts_are_the_column_values(deck: PptxPresentation) -> None:
    assert list(chart_of(deck.slides[4]).plots[0].series[0].values) == [1.0, 0.0, 1.0, 0.0, 1.0]


def test_funnel_keeps_the_log_axis_and_hides_the_repeated_limit_names(deck: PptxPresentation) -> None:
    xml = chart_of(deck.slides[5])._chartSpace.xml
    assert '<c:logBase val="10"/>' in xml
    assert xml.count("<c:legendEntry>") == 4  # upper limits, the points and the national line stay out of the legend


def test_category_names_cannot_inject_formulas_into_the_embedded_workbook() -> None:
    frame = trend().with_columns(label=pl.lit("=HYPERLINK(1)"))
    built = build((slide(trend_chart(frame, TEXT, band=False), frame),), renderer=NO_BROWSER)
    assert [item.name for item in chart_of(built.slides[1]).plots[0].series] == ["'=HYPERLINK(1)"]


#: Names a spreadsheet would run or turn into links, if the embedded workbook wrote them with its defaults.
HOSTILE_NAMES = (
    '{=HYPERLINK("http://evil.example/x","click")}',
    "=HYPERLINK(1)",
    " =1+1",
    "mailto:someone@example.org",
    "http://evil.example/",
)


def hostile_deck() -> bytes:
    """A line chart (names are series), a bar chart (names are categories) and a scatter (names are XY series)."""
    names = pl.Series(HOSTILE_NAMES)
    lines = pl.concat([trend().head(3).with_columns(label=pl.lit(name)) for name in HOSTILE_NAMES])
    bars = pl.DataFrame(
        {"label": names, "within_7": [0.4] * len(names), "later": [0.6] * len(names), "n": [100] * len(names)}
    )
    points = pl.DataFrame(
        {"label": names, "period": "2025", "x": [0.5] * len(names), "y": [0.3] * len(names), "n": [100] * len(names)}
    )
    parts = [("within_7", "Within 7 days", OKABE_ITO[2]), ("later", "Later", OKABE_ITO[1])]
    slides = (
        slide(trend_chart(lines, TEXT, band=False), lines),
        slide(share_bars(bars, TEXT, parts=parts, value_label="%"), bars),
        slide(
            access_continuity_scatter(points, TEXT, x_label="x", y_label="y", x_reference=None, y_reference=None),
            points,
        ),
    )
    deck = Deck(title="t", subtitle="s", data_date="2025-06-30", language="en", slides=slides)
    return build_pptx(deck, renderer=NO_BROWSER)


def test_the_embedded_workbooks_hold_names_as_guarded_text_never_formulas_or_links() -> None:
    books = embedded_workbooks(hostile_deck())
    assert len(books) == 3  # one per native chart
    for book in books:
        (sheet,) = sheets(book)
        assert sheet.formulas == []
        assert sheet.hyperlinks == 0
        assert not any(could_start_a_formula(text) for text in sheet.texts)
    names = {text for book in books for text in sheets(book)[0].texts}
    assert {neutralise(name) for name in HOSTILE_NAMES} <= names
    assert '\'{=HYPERLINK("http://evil.example/x","click")}' in names
    assert {"mailto:someone@example.org", "http://evil.example/"} <= names  # plain text, not links


# -- speaker notes


def test_notes_give_every_plotted_number_with_its_interval_and_n(deck: PptxPresentation) -> None:
    text = notes(deck.slides[1])
    assert "Values in the chart:" in text
    assert "Helsinki, 2023: 55.0 % (95 % interval 53.0 %–57.0 %); n = 2,000" in text
    assert "Pohjois-Savo, 2025: 71.0 % (95 % interval 69.0 %–73.0 %); n = 1,800" in text
    assert "Not in the editable chart" not in text  # the bands are drawn


def test_notes_mark_the_suppressed_area_hidden_without_numbers(deck: PptxPresentation) -> None:
    text = notes(deck.slides[2])
    assert "Ahvenanmaa, 2025: .. hidden (privacy)" in text
    assert "Helsinki, 2025: 62.0 % (95 % interval 60.0 %–64.0 %); Within 7 days" not in text  # column names translated
    assert "within_7 40.0 %" in text  # no label given: the column name


def test_notes_use_the_column_labels_given(deck: PptxPresentation) -> None:
    assert "Helsinki, 2025: Within 7 days 62.0 %; COC 0.33; n = 2,400" in notes(deck.slides[3])


# -- language


@pytest.mark.parametrize(
    ("language", "tag", "heading", "date"),
    [
        # the date as the language writes it, not ISO
        ("fi", "fi-FI", "Kuvion luvut:", "Tiedot ajalta 30.6.2025"),
        ("sv", "sv-FI", "Värden i diagrammet:", "Uppgifter per 30.6.2025"),
        ("en", "en-GB", "Values in the chart:", "Data as of 30 Jun 2025"),
    ],
)
def test_deck_text_is_in_the_deck_language_and_tagged_for_proofing(
    language: str, tag: str, heading: str, date: str
) -> None:
    built = build(native_slides()[:1], language=language, sample=True, renderer=NO_BROWSER)
    assert date in texts(built.slides[0])
    assert heading in notes(built.slides[1])
    assert built.core_properties.language == tag
    xml = built.slides[1].shapes.title._element.xml
    assert f'lang="{tag}"' in xml


def test_finnish_notes_use_decimal_commas() -> None:
    built = build(native_slides()[:1], language="fi", renderer=NO_BROWSER)
    assert "Helsinki, 2023: 55,0 % (95 %:n luottamusväli 53,0 %–57,0 %); n = 2\u202f000" in notes(built.slides[1])


# -- guards and progress


def test_identifier_columns_in_slide_data_are_refused() -> None:
    leaky = trend().with_columns(patient_id=pl.lit("p1"))
    with pytest.raises(IdentifierColumnError, match="patient_id"):
        build((slide(trend_chart(trend(), TEXT), leaky),), renderer=NO_BROWSER)


def test_progress_hears_about_every_slide() -> None:
    heard: list[tuple[int, int, str]] = []
    build(
        native_slides()[:2], renderer=NO_BROWSER, progress=lambda done, total, what: heard.append((done, total, what))
    )
    assert heard == [(1, 3, "Pohjois-Savo"), (2, 3, TEXT.title), (3, 3, TEXT.title)]


def test_a_picture_slide_without_a_browser_is_a_clear_error() -> None:
    with pytest.raises(BrowserUnavailableError):
        build((slide(tile_map(areas(), TEXT), areas()),), renderer=NO_BROWSER)


# -- pictures


@pytest.mark.browser
def test_tile_maps_become_full_hd_pictures_with_alt_text(renderer: ImageRenderer) -> None:
    tall = tile_map(areas(), TEXT)
    tall.update_layout(height=900)
    slides = (slide(tile_map(areas(), TEXT), areas()), slide(tall, areas()))
    built = build((*slides, native_slides()[0]), renderer=renderer)
    for page in list(built.slides)[1:3]:
        pictures: list[Any] = [shape for shape in page.shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert not any(shape.has_chart for shape in page.shapes)
        (picture,) = pictures
        image = picture.image
        assert image.content_type == "image/png"
        assert struct.unpack(">I", image.blob[16:20])[0] >= 1920
        assert picture.width / picture.height == pytest.approx((SLIDE_WIDTH - 2 * MARGIN) / CHART_HEIGHT, rel=0.01)
        # a tall chart is laid out for the chart box and fills its width, instead of shrinking to a strip
        assert abs(picture.width - (SLIDE_WIDTH - 2 * MARGIN)) < Inches(0.05)
        alt = picture._element.nvPicPr.cNvPr.get("descr")
        assert alt.startswith(TEXT.title)
        assert "Helsinki, 2025: 0.62" in alt  # the values, for a reader who cannot see the map
        assert "The chart is a picture" in notes(page)
    assert any(isinstance(plot, LinePlot) for plot in chart_of(built.slides[3]).plots)


def test_a_chart_with_many_rows_gets_a_taller_and_wider_picture_layout() -> None:
    short, tall = go.Figure(layout={"height": 420}), go.Figure(layout={"height": 1280})
    (short_width, short_height), (tall_width, tall_height) = picture_size(short), picture_size(tall)
    assert short_width == EXPORT_WIDTH
    assert tall_height == round(0.6 * 1280)
    assert tall_width / tall_height == pytest.approx(short_width / short_height, rel=0.01)


@pytest.mark.browser
def test_every_chart_is_a_picture_when_native_charts_are_not_wanted(renderer: ImageRenderer) -> None:
    built = build(native_slides()[:2], renderer=renderer, native_charts=False)
    for page in list(built.slides)[1:]:
        assert [shape.shape_type for shape in page.shapes].count(MSO_SHAPE_TYPE.PICTURE) == 1
        assert not any(shape.has_chart for shape in page.shapes)


# -- rankings, bands, funnels and titles


def test_a_ranking_is_a_native_bar_chart_with_its_intervals_as_error_bars() -> None:
    built = build((slide(ranked_dot_plot(areas(), TEXT, highlight="Helsinki"), areas()),), renderer=NO_BROWSER)
    chart = chart_of(built.slides[1])
    assert chart.chart_type == XL_CHART_TYPE.BAR_STACKED
    xml = chart._chartSpace.xml
    assert xml.count("<c:errBars>") == 1
    assert '<c:errValType val="cust"/>' in xml
    assert "<c:v>2.0000000000000018</c:v>" in xml or "<c:v>2.0</c:v>" in xml  # 62 % ∓ 2 points
    assert '<c:tickLblSkip val="1"/>' in xml  # every area named


def test_the_trend_bands_are_a_stacked_area_under_the_lines_out_of_the_legend(deck: PptxPresentation) -> None:
    chart = chart_of(deck.slides[1])
    helsinki, savo, lines = chart.plots[0], chart.plots[1], chart.plots[2]
    assert isinstance(helsinki, AreaPlot)
    assert isinstance(savo, AreaPlot)  # each band stacked on its own lower end only, not on another band
    assert isinstance(lines, LinePlot)
    lows = {item.name: list(item.values) for item in helsinki.series}
    assert lows == {
        "Helsinki: interval lower end": pytest.approx([53.0, 56.0, 60.0]),
        "Helsinki: interval width": pytest.approx([4.0, 4.0, 4.0]),
    }
    assert [item.name for item in savo.series] == ["Pohjois-Savo: interval lower end", "Pohjois-Savo: interval width"]
    assert '<c:grouping val="stacked"/>' in helsinki._element.xml
    assert '<a:alpha val="30000"/>' in helsinki._element.xml
    legend = chart.legend._element.xml
    assert all(f'<c:idx val="{index}"/>' in legend for index in range(4))  # the four band series are hidden


def test_a_band_with_a_gap_is_drawn_as_its_two_ends_that_break_there() -> None:
    frame = trend().with_columns(ci_low=pl.when(pl.col("period") == "2024").then(None).otherwise(pl.col("ci_low")))
    built = build((slide(trend_chart(frame, TEXT), frame),), renderer=NO_BROWSER)
    chart = chart_of(built.slides[1])
    # a stacked area would fall to zero in 2024: each band is its lower and upper ends as thin lines instead
    assert "<c:areaChart>" not in chart._chartSpace.xml
    (lines,) = chart.plots
    ends = {item.name: list(item.values) for item in lines.series if "interval" in item.name}
    assert ends["Helsinki: interval lower end"] == pytest.approx([53.0, None, 60.0])
    assert ends["Helsinki: interval upper end"] == pytest.approx([57.0, 60.0, 64.0])
    legend = chart.legend._element.xml
    assert all(f'<c:idx val="{index}"/>' in legend for index in range(2, 6))  # the four ends are out of the legend


def test_the_funnel_names_the_highlighted_area_and_writes_big_volumes_with_a_thousands_separator() -> None:
    frame = areas().with_columns(n=pl.Series([24000, 1800, None]))
    figure = funnel_plot(
        frame, TEXT, limits=funnel_limits_for(frame, p0=0.65), volume_label="n", value_label="%", highlight="Helsinki"
    )
    built = build((slide(figure, frame),), language="fi", renderer=NO_BROWSER)
    xml = chart_of(built.slides[1])._chartSpace.xml
    assert "<a:t>Helsinki</a:t>" in xml  # a data label on the highlighted point
    assert "<a:t>Pohjois-Savo</a:t>" not in xml  # the others are named on hover on screen, not labelled
    assert 'formatCode="[&gt;=1000000]#&quot;\u202f&quot;###' in xml


def test_a_long_title_is_one_line_shortened_with_the_full_title_in_the_notes() -> None:
    long_title = ChartText(
        "Non-urgent visits within seven days of the care-need assessment by health centre – Pohjois-Savo 2025", "s", "c"
    )
    built = build((slide(trend_chart(trend(), long_title), trend(), text=long_title),), renderer=NO_BROWSER)
    page = built.slides[1]
    shown = page.shapes.title.text
    assert shown != long_title.title
    assert shown.endswith("… by health centre – Pohjois-Savo 2025")  # the chart's last words stay
    assert notes(page).startswith(long_title.title)
    assert page.shapes.title.text_frame.word_wrap is False
