"""What every chart view carries, and the words around it in the active language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import plotly.graph_objects as go
import polars as pl

from charts.theme import ChartText
from core import columns as c
from core.codes import WHOLE_COUNTRY
from i18n import region_name, t, tn
from i18n.format import MISSING, SUPPRESSED_MARKER, count, date_text, number, separators
from metrics.privacy import PRIMARY, SECONDARY, SUPPRESSED_BY
from store.results import Results
from views.benchmark import COMPARISONS
from views.indicators import INDICATORS, Indicator
from views.state import ALL_REGIONS, ViewState


@dataclass(frozen=True, kw_only=True)
class ChartView:
    """A chart as a page shows it and an export writes it.

    ``data`` is the plotted data, already suppressed and free of identifiers,
    with translated labels: it backs the "show as table" view, the CSV/XLSX
    downloads and the deck's speaker notes. ``key`` names the chart for file
    names and the deck basket.
    """

    key: str
    figure: go.Figure
    data: pl.DataFrame
    text: ChartText
    indicator: str = ""
    region: str = ALL_REGIONS
    period: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def nothing_to_show(self) -> Literal["no_data", "all_hidden"] | None:
        """Why the chart would be empty axes: no rows, or every cell hidden by suppression; None when it shows values.

        A page shows the title and the reason instead; a deck leaves the chart out.
        """
        if self.data.is_empty():
            return "no_data"
        if c.SUPPRESSED in self.data.columns and bool(self.data[c.SUPPRESSED].all()):
            return "all_hidden"
        return None


def area_label(code: str, language: str) -> str:
    return region_name(code, language, short=True)


def filters_line(
    state: ViewState, *, region: str | None = None, period: str | None = None, profession: bool = True
) -> str:
    """The subtitle naming the active filters: area · period · profession."""
    area = region if region is not None else state.region
    parts = [
        t("filter.county_all", state.lang) if area == ALL_REGIONS else area_label(area, state.lang),
        period if period is not None else state.period,
    ]
    if profession:
        parts.append(f"{t('filter.profession', state.lang)}: {t(f'profession.{state.profession}', state.lang)}")
    return " · ".join(part for part in parts if part)


def source_line(results: Results, language: str) -> str:
    """Where the computed figures come from: the synthetic sample, or the counties' register extracts and the
    imported data set they are of."""
    if results.sample_data:
        return t("source.sample", language)
    line = t("source.extract", language, date=date_text(results.computed_at(), language))
    return f"{line} · {t('datasets.chart_source', language, name=results.dataset)}"


def source_caption(results: Results, language: str) -> str:
    return f"{source_line(results, language)} · {t('source.licence', language)}"


def chart_source(results: Results, view: ChartView, language: str) -> tuple[str, str]:
    """The source line and the data date a file or a slide of ``view`` carries.

    A chart of the computed figures names the store's source (the sample, or the extract and the date it was
    computed); a chart with its own caption (THL's series, or a computed chart with THL's figure beside it)
    carries that caption, and a chart of THL's series alone no import date.
    """
    if view.text.caption == source_caption(results, language):
        return source_line(results, language), results.computed_at()
    indicator = INDICATORS.get(view.indicator)
    published = indicator is not None and indicator.published
    return view.text.caption, "" if published else results.computed_at()


def sotkanet_caption(results: Results, indicator_id: str, language: str) -> str:
    """Sotkanet's caption for one published series: its id, and when our copy was retrieved (a bundled copy) or
    when THL last updated it (a series fetched live)."""
    meta = results.published_meta
    rows = meta.filter(pl.col("indicator_id") == indicator_id) if meta.height else meta
    row = rows.row(0, named=True) if rows.height else {}
    if row.get("retrieved"):
        retrieved = date_text(row["retrieved"], language)
        return t("source.sotkanet_published", language, indicator=indicator_id, retrieved=retrieved)
    return t("source.sotkanet", language, indicator=indicator_id, updated=date_text(row.get("data_updated"), language))


def direction(indicator: Indicator, language: str) -> str:
    if indicator.context:
        return ""
    return t("common.higher_is_better" if indicator.higher_is_better else "common.lower_is_better", language)


def suppression_note(frame: pl.DataFrame, language: str, threshold: int) -> str:
    if c.SUPPRESSED not in frame.columns:
        return ""
    hidden = int(frame[c.SUPPRESSED].fill_null(False).sum())
    return (
        tn("common.suppressed_note", hidden, language, n=count(hidden, language), threshold=threshold) if hidden else ""
    )


def chart_text(
    results: Results,
    state: ViewState,
    *,
    title: str,
    subtitle: str,
    plotted: pl.DataFrame,
    threshold: int,
    indicator: Indicator | None = None,
    caption: str | None = None,
) -> ChartText:
    """Title, filters, source and licence, good direction, sample badge and suppression note for one chart.

    A chart of THL's published series (``indicator.published``) carries Sotkanet's caption and no sample badge:
    its figures are THL's whatever the store's extracts are.
    """
    published = indicator is not None and indicator.published
    if caption is None:
        caption = (
            sotkanet_caption(results, indicator.sotkanet_id, state.lang)  # type: ignore[union-attr]
            if published
            else source_caption(results, state.lang)
        )
    return ChartText(
        title=title,
        subtitle=subtitle,
        caption=caption,
        direction=direction(indicator, state.lang) if indicator else "",
        badge=t("common.sample_badge", state.lang) if results.sample_data and not published else "",
        suppression_note=suppression_note(plotted, state.lang, threshold),
        separators=separators(state.lang),
    )


def labelled(frame: pl.DataFrame, language: str) -> pl.DataFrame:
    """Add ``label``: the short county name (or 'whole country') for each ``region_code``."""
    names = {code: area_label(code, language) for code in frame[c.REGION_CODE].unique().to_list()}
    return frame.with_columns(pl.col(c.REGION_CODE).replace_strict(names, return_dtype=pl.String).alias("label"))


#: The columns a "show as table" view and a data download may hold, in display order. Identifier
#: columns are never among them.
DISPLAY_COLUMNS = (
    "label",
    "group",
    c.PERIOD,
    "value",
    "ci_low",
    "ci_high",
    "national_value",
    "comparison",
    "n",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "flag",
    "n_within",
    "n_censored",
    "x",
    "n_x",
    "y",
    "n_y",
    "bin_low",
    "bin_high",
    "promoter_share",
    "passive_share",
    "detractor_share",
    "suppressed_counties",
    c.SUPPRESSED,
    SUPPRESSED_BY,
)
#: The columns a download carries before them: the codes a program joins on.
DOWNLOAD_KEYS = (c.REGION_CODE,)
#: Columns in the indicator's own unit: percentages when the indicator is a share (``x``: the scatter's access).
_PERCENT_COLUMNS = (
    "value",
    "ci_low",
    "ci_high",
    "national_value",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "x",
)
_SHARE_COLUMNS = ("promoter_share", "passive_share", "detractor_share")
#: Columns shown on the page only as the marker or the flag: the rule that hid a cell is for the downloads.
_DOWNLOAD_ONLY = (SUPPRESSED_BY,)


def codes_in_words(frame: pl.DataFrame, language: str) -> pl.DataFrame:
    """The coded columns a reader sees in words: a funnel county's place against the limits (``flag``), a county
    against the country (``comparison``) and the rule that hid a cell (``suppressed_by``). For tables on the page
    and the CSV/XLSX downloads alike."""
    if "flag" in frame.columns:
        flags = frame["flag"].drop_nulls().unique().to_list()
        words = {flag: t(f"funnel_flag.{flag}", language) for flag in flags}
        frame = frame.with_columns(pl.col("flag").replace_strict(words, default=None, return_dtype=pl.String))
    if "comparison" in frame.columns:  # coded, or worded already
        words = {code: t(f"comparison.{code}", language) for code in COMPARISONS}
        frame = frame.with_columns(pl.col("comparison").replace(words))
    if SUPPRESSED_BY in frame.columns:
        rules = {rule: t(f"suppression_rule.{rule}", language) for rule in (PRIMARY, SECONDARY)}
        frame = frame.with_columns(pl.col(SUPPRESSED_BY).replace_strict(rules, default=None, return_dtype=pl.String))
    return frame


#: Decimals a table shows: one for a percentage (as THL publishes them and the charts show), two otherwise.
PERCENT_DIGITS, OTHER_DIGITS = 1, 2


def percent_columns(columns: Sequence[str], *, percent: bool) -> list[str]:
    """The columns among ``columns`` shown as percentages: the value and its limits when the indicator is a share
    (``percent``), and the NPS class shares always."""
    return [name for name in (*(_PERCENT_COLUMNS if percent else ()), *_SHARE_COLUMNS) if name in columns]


def in_chart_units(frame: pl.DataFrame, *, percent: bool) -> pl.DataFrame:
    """Shares as percentages (65.6, not 0.656) rounded to one decimal, other decimals to two, as the tables show."""
    scaled = percent_columns(frame.columns, percent=percent)
    others = [name for name, dtype in frame.schema.items() if dtype.is_float() and name not in scaled]
    return frame.with_columns(
        *[(pl.col(name) * 100).round(PERCENT_DIGITS) for name in scaled], pl.col(others).round(OTHER_DIGITS)
    )


def table_values(frame: pl.DataFrame, language: str, *, percent: bool, keys: tuple[str, ...] = ()) -> pl.DataFrame:
    """The plotted data in the units and words the chart shows: known columns only (``keys`` first), shares as
    percentages (65.6, not 0.656), values rounded as shown, codes in words. Column names stay as they are
    (:func:`table_headers` gives the reader's), so the downloads and the page table share one source."""
    columns = [name for name in (*keys, *DISPLAY_COLUMNS) if name in frame.columns]
    return in_chart_units(codes_in_words(frame.select(columns), language), percent=percent)


def table_headers(columns: Sequence[str], language: str) -> dict[str, str]:
    """The reader's column headings for the table columns among ``columns``."""
    known = {*DISPLAY_COLUMNS, *DOWNLOAD_KEYS}
    return {name: t(f"table.{name}", language) for name in columns if name in known}


def national_beside(frame: pl.DataFrame) -> pl.DataFrame:
    """The whole country's value beside each area's row of the same period (and group), not in rows of its own.

    A reader compares a county with the country on one line, and the country's rows no longer sit below the
    fold. Nothing changes when the frame has a ``national_value`` already, or only areas, or only the country;
    a national row with no area row of its period (and group) stays a row.
    """
    needed = {c.REGION_CODE, c.PERIOD, "value"}
    if not needed <= set(frame.columns) or "national_value" in frame.columns:
        return frame
    national_rows = pl.col(c.REGION_CODE) == WHOLE_COUNTRY
    national, areas = frame.filter(national_rows), frame.filter(~national_rows)
    if national.is_empty() or areas.is_empty():
        return frame
    keys = [c.PERIOD, *(["group"] if "group" in frame.columns else [])]
    beside = national.select(*keys, pl.col("value").alias("national_value")).unique(subset=keys, keep="first")
    joined = areas.join(beside, on=keys, how="left", nulls_equal=True, maintain_order="left")
    alone = national.join(areas.select(keys).unique(), on=keys, how="anti", nulls_equal=True)
    return pl.concat([joined, alone], how="diagonal_relaxed")


def table_for_display(frame: pl.DataFrame, language: str, *, percent: bool) -> pl.DataFrame:
    """The plotted data as a readable table: the country beside each area, known columns only, values rounded,
    headers translated.

    Shares are shown as percentages; suppressed rows keep their label with empty values and ``suppressed`` true.
    """
    shown = table_values(national_beside(frame), language, percent=percent).drop(_DOWNLOAD_ONLY, strict=False)
    return shown.rename(table_headers(shown.columns, language))


def table_for_page(frame: pl.DataFrame, language: str, *, percent: bool) -> tuple[pl.DataFrame, list[str]]:
    """:func:`table_for_display` with its numbers written as the language writes them ('65,6', '1 234' in Finnish
    and Swedish; '65.6', '1,234' in English), a hidden value as the marker '..' and another missing one as '–';
    columns with nothing in them are left out. Returns the table and the headings of its number columns (to be
    aligned right)."""
    shown = table_values(national_beside(frame), language, percent=percent).drop(_DOWNLOAD_ONLY, strict=False)
    shown = shown.select(name for name in shown.columns if shown[name].null_count() < shown.height)
    hidden = shown[c.SUPPRESSED].fill_null(False).to_list() if c.SUPPRESSED in shown.columns else [False] * shown.height
    scaled = percent_columns(shown.columns, percent=percent)
    numbers = [name for name, dtype in shown.schema.items() if dtype.is_numeric()]
    texts = [name for name, dtype in shown.schema.items() if dtype == pl.String]
    written = shown.with_columns(
        *[
            pl.Series(
                name,
                _aligned(
                    [
                        _number_text(value, mark, language, PERCENT_DIGITS if name in scaled else OTHER_DIGITS)
                        for value, mark in zip(shown[name], hidden, strict=True)
                    ]
                ),
                dtype=pl.String,
            )
            for name in numbers
        ],
        pl.col(texts).fill_null(""),  # a row without a group (the area's own) has an empty cell, not 'None'
    )
    headers = table_headers(written.columns, language)
    return written.rename(headers), [headers.get(name, name) for name in numbers]


#: Pads a number's text on the left: as wide as a digit, and sorted before the digits by the browser's collation.
FIGURE_SPACE = "\u2007"


def _aligned(texts: list[str]) -> list[str]:
    """``texts`` padded on the left with figure spaces to one length: a table that sorts its columns as text then
    sorts non-negative numbers by size ('  9,5' before ' 65,6' before '1 234,0'), and right-aligned they look
    the same."""
    width = max((len(text) for text in texts), default=0)
    return [text.rjust(width, FIGURE_SPACE) for text in texts]


def _number_text(value: float | None, hidden: bool, language: str, digits: int) -> str:
    if value is None:
        return SUPPRESSED_MARKER if hidden else MISSING
    if isinstance(value, int):
        return count(value, language)
    return number(value, language, digits=digits)
